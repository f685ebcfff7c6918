// Who is signed in, from the service's session endpoint; writes carry its CSRF token.
//
// GET /api/v1/inloggning answers {inloggad: false} or {inloggad: true, namn, epost, roll,
// organisation: {id, slug, namn} | null, csrf}, both with oidc and token: whether one may sign
// in here with an organisation account, with an API token. The session itself is an HTTP-only
// cookie; a write from a signed-in page sends csrf as X-CSRF-Token (api.js send does).

let current = null;

export async function getSession() {
  if (!current) {
    current = fetch("/api/v1/inloggning", { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { inloggad: false }))
      .catch(() => ({ inloggad: false }));
  }
  return current;
}

// After signing in or out within the page.
export function forgetSession() {
  current = null;
}
