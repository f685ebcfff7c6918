// Talking to the service; every failure becomes an Error with a Swedish message.
import { getSession } from "./session.js";

export class ApiError extends Error {
  constructor(message, problem, status = 0) {
    super(message);
    this.problem = problem;
    this.status = status;
  }
}

async function answered(response) {
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const message = body?.detail || `Tjänsten svarade med fel ${response.status}.`;
    throw new ApiError(message, body, response.status);
  }
  return body;
}

async function fetched(url, options) {
  try {
    return await fetch(url, { credentials: "same-origin", ...options });
  } catch {
    throw new ApiError("Tjänsten svarar inte just nu. Kontrollera nätet och försök igen.", null);
  }
}

export async function getJson(url) {
  return answered(await fetched(url, { headers: { Accept: "application/json" } }));
}

// A write from the browser: JSON or FormData, with the session's CSRF token when signed in.
export async function send(method, url, body) {
  const session = await getSession();
  const headers = { Accept: "application/json" };
  if (session.inloggad && session.csrf) headers["X-CSRF-Token"] = session.csrf;
  let payload = body;
  if (!(body instanceof FormData) && body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  return answered(await fetched(url, { method, headers, body: payload }));
}
