// Talking to the service; every failure becomes an Error with a Swedish message.

export class ApiError extends Error {
  constructor(message, problem) {
    super(message);
    this.problem = problem;
  }
}

export async function getJson(url) {
  let response;
  try {
    response = await fetch(url, { headers: { Accept: "application/json" } });
  } catch {
    throw new ApiError("Tjänsten svarar inte just nu. Kontrollera nätet och försök igen.", null);
  }
  const type = response.headers.get("content-type") || "";
  const body = type.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const message = body?.detail || `Tjänsten svarade med fel ${response.status}.`;
    throw new ApiError(message, body);
  }
  return body;
}
