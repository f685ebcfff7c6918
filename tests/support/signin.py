"""Signed-in browsers for the tests: an API token in the test database, and a session from it."""

from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize
from sqlalchemy import Engine

from app.access.tokens import create_token


def create_test_token(
    engine: Engine,
    role: str,
    organisation: str | None = None,
    *,
    name: str | None = None,
    days: int = 1,
) -> str:
    """A new API token of role (bound to the organisation's slug), committed; the token itself.

    engine: the test database as its owner (the `engine` fixture). The token ends with the
    test database's next reset, or revoke it with app.access.tokens.revoke_token.
    """
    with engine.begin() as conn:
        _, token = create_token(
            conn,
            name=name or f"test {role}" + (f" {organisation}" if organisation else ""),
            role=role,
            organisation=organisation,
            days=days,
        )
    return token


def sign_in_with_token(context: BrowserContext, base_url: str, token: str) -> None:
    """Sign the browser context in with token (POST /inloggning/token): its pages are signed in.

    base_url: the service, e.g. the `live_server` fixture's URL. Fails when the sign-in does.
    """
    response = context.request.post(
        f"{base_url}/inloggning/token",
        form={"token": token},
        # What the browser's own form would send: the sign-in refuses another origin's.
        headers={"Origin": base_url},
        max_redirects=0,
    )
    location = response.headers.get("location", "")
    if response.status != 303 or "fel=" in location:
        raise AssertionError(f"token sign-in failed: {response.status} → {location}")
    if not session_of(context, base_url).get("inloggad"):
        raise AssertionError("token sign-in set no session cookie the browser sends")


def session_of(context: BrowserContext, base_url: str) -> dict[str, object]:
    """GET /api/v1/inloggning in the context: {inloggad, namn, roll, organisation, csrf, …}."""
    response = context.request.get(f"{base_url}/api/v1/inloggning")
    answer: dict[str, object] = response.json()
    return answer


def csrf_token_of(context: BrowserContext, base_url: str) -> str:
    """The signed-in context's CSRF token, for writes made with context.request."""
    token = session_of(context, base_url).get("csrf")
    if not isinstance(token, str):
        raise AssertionError("the context is not signed in")
    return token


class SignedInSession:
    """A signed-in browser context and its pages, failing the test on any console error, page
    error or HTTP answer of 400 or more (closing it asserts there were none)."""

    def __init__(self, browser: Browser, base_url: str, token: str, viewport: ViewportSize):
        self.context: BrowserContext = browser.new_context(
            viewport=viewport, base_url=base_url, locale="sv-SE"
        )
        sign_in_with_token(self.context, base_url, token)
        self.errors: list[str] = []

    def page(self) -> Page:
        """A new tab of the session, watched."""
        tab = self.context.new_page()
        tab.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: self.errors.append(str(e)))
        # The console says only "404"; the failing address is what tells why.
        tab.on(
            "response",
            lambda r: self.errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        return tab

    def close(self) -> None:
        """Close the context; fail when anything went wrong on its pages."""
        self.context.close()
        assert self.errors == [], self.errors
