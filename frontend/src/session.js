// Who is signed in, from the service's session endpoint; writes carry its CSRF token.
//
// GET /api/v1/inloggning answers {inloggad: false} or {inloggad: true, namn, epost, roll,
// organisation: {id, slug, namn} | null, csrf}. The session itself is an HTTP-only cookie.

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
