"""Signing in through a real OpenID provider (npm oidc-provider) in Chromium, and by token.

The provider (tests/oidc-provider, `npm ci` there) and the service run on free ports of their
own; the service knows the provider by ANSVAR_OIDC_ISSUER and maps its `groups` claim with a
mapping file of the test's. Anna's groups map to Huge's handläggare; Urban's map to nothing.
"""

import asyncio
import json
import shutil
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    expect,
    sync_playwright,
)
from sqlalchemy import Engine, text

from app.core.paths import FRONTEND_DIST, REPO_ROOT
from app.core.settings import Settings
from app.signin.oidc import OidcClient, SignInRefused
from app.signin.sessions import SECURE_COOKIE
from tests.handmade import local_lonlat
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.servers import HOST, free_port, start_ansvarskartan, start_server, stop_server
from tests.support.signin import create_test_token, csrf_token_of, session_of

PROVIDER_DIR = REPO_ROOT / "tests" / "oidc-provider"
CLIENT_ID = "ansvarskartan-test"
CLIENT_SECRET = "hemlighet med mellanslag & tecken"  # form-encoded in Basic, as RFC 6749 says
ACCOUNTS = {
    "anna": {
        "name": "Anna Andersson",
        "email": "anna.andersson@huge.example",
        "groups": ["alla-anstallda", "ansvarskartan-huge-handlaggare", "ansvarskartan-lasare"],
    },
    "urban": {"name": "Urban Utan", "email": "urban@huge.example", "groups": ["alla-anstallda"]},
}
MAPPING = """# the test's mapping: the first row a user has decides
varde,roll,organisation
ansvarskartan-huge-handlaggare,handlaggare,huge
ansvarskartan-lasare,lasare,
"""
T = TypeVar("T")
DELIBERATE = "status of 403"
BENCH_PARK = (60, 60)  # tests/handmade.py: a bench of the park unit's


@dataclass(frozen=True)
class SignInSetup:
    """The provider's and the service's addresses."""

    issuer: str
    service: str


@pytest.fixture(scope="module")
def setup(
    engine: Engine,  # noqa: ARG001 (the migrated test database first)
    settings: Settings,
    handmade_data: None,  # noqa: ARG001 (a place reports can be made at)
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[SignInSetup]:
    """The OpenID provider and the service configured for it, each on a free port."""
    if not (PROVIDER_DIR / "node_modules" / "oidc-provider").exists():
        pytest.fail(
            "the test provider is not installed: make test-deps (npm ci in tests/oidc-provider)"
        )
    node = shutil.which("node")
    assert node, "node is needed for the OpenID provider"
    provider_port, service_port = free_port(), free_port()
    issuer = f"http://{HOST}:{provider_port}"
    service = f"http://{HOST}:{service_port}"
    config = {
        "port": provider_port,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{service}/inloggning/svar"],
        "accounts": ACCOUNTS,
    }
    provider = start_server(
        [node, str(PROVIDER_DIR / "provider.mjs")],
        {"OIDC_TEST_CONFIG": json.dumps(config)},
        f"{issuer}/.well-known/openid-configuration",
    )
    mapping = tmp_path_factory.mktemp("oidc") / "roller.csv"
    mapping.write_text(MAPPING, encoding="utf-8")
    try:
        server = start_ansvarskartan(
            settings.database_url,
            service_port,
            quiet=False,
            ANSVAR_BASEMAP_URL="",
            ANSVAR_OIDC_ISSUER=issuer,
            ANSVAR_OIDC_CLIENT_ID=CLIENT_ID,
            ANSVAR_OIDC_CLIENT_SECRET=CLIENT_SECRET,
            ANSVAR_OIDC_MAPPING_FILE=str(mapping),
        )
        try:
            yield SignInSetup(issuer, service)
        finally:
            stop_server(server)
    finally:
        stop_server(provider)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "inloggning.html").exists(), "build the pages first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(params=[(390, 844), (1280, 800)], ids=["telefon", "dator"])
def context(
    browser: Browser, setup: SignInSetup, request: pytest.FixtureRequest
) -> Iterator[BrowserContext]:
    """A fresh browser (phone or laptop size); fails on an error in the console of our pages.

    Without the CSP, which would refuse axe's injected script; the tests that open browsers
    of their own keep it (the sign-in page's link is drawn by its script).
    """
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        # The writes the tests mean to be refused (403) are no error of the page.
        if (
            message.type == "error"
            and url.startswith(setup.service)
            and DELIBERATE not in message.text
        ):
            errors.append(f"{url}: {message.text}")

    context.on("console", on_console)
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert errors == [], errors


@pytest.fixture
def reports_cleared(engine: Engine) -> Iterator[None]:
    """Reports made by the test are removed afterwards."""
    yield
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


def _sign_in_at_provider(page: Page, setup: SignInSetup, login: str, nasta: str) -> None:
    page.goto(f"{setup.service}/inloggning?nasta={nasta}")
    page.get_by_role("link", name="Logga in med ditt organisationskonto").click()
    # The provider's own development pages: a login form, then consent.
    page.wait_for_url(f"{setup.issuer}/**")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("valfritt")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{setup.service}/**")


def _report_body() -> dict[str, object]:
    lon, lat = local_lonlat(BENCH_PARK)
    return {"lon": lon, "lat": lat, "kategori": "trasig-mobel", "beskrivning": "Trasig bänk"}


def _post_from_page(page: Page, body: dict[str, object], csrf: str | None) -> int:
    """A write made by the page itself, with or without the CSRF token."""
    status: int = page.evaluate(
        """async ([body, csrf]) => {
            const headers = { "Content-Type": "application/json", Accept: "application/json" };
            if (csrf) headers["X-CSRF-Token"] = csrf;
            const response = await fetch("/api/v1/felanmalan", {
                method: "POST", headers, body: JSON.stringify(body), credentials: "same-origin",
            });
            return response.status;
        }""",
        [body, csrf],
    )
    return status


@pytest.mark.usefixtures("reports_cleared")
def test_a_mapped_user_signs_in_writes_with_the_csrf_token_and_signs_out(
    context: BrowserContext, setup: SignInSetup, engine: Engine
) -> None:
    page = context.new_page()
    _sign_in_at_provider(page, setup, "anna", "%2Finloggning%3Fx%3D1")
    assert page.url == f"{setup.service}/inloggning?x=1", "back where the sign-in began"
    expect(page.locator(".signin-done")).to_contain_text("Anna Andersson, Huge Bostäder AB")
    expect(page.locator(".signin-done")).to_contain_text("handläggare")
    expect(page.locator("#konto .account-name")).to_have_text("Anna Andersson, Huge Bostäder AB")
    expect(page.get_by_role("link", name="Inkorg")).to_have_attribute("href", "/inkorg")

    session = session_of(context, setup.service)
    assert session["inloggad"] is True
    assert session["epost"] == "anna.andersson@huge.example"
    assert session["roll"] == "handlaggare", "the first mapped row wins over lasare"
    assert isinstance(session["organisation"], dict)
    assert session["organisation"]["slug"] == "huge"
    csrf = csrf_token_of(context, setup.service)

    # The page's own writes: refused without the session's token, made with it.
    assert _post_from_page(page, _report_body(), None) == 403
    assert _post_from_page(page, _report_body(), csrf) == 201
    with engine.connect() as conn:
        reporters = conn.execute(text("SELECT anmald_av FROM felanmalan")).scalars().all()
    assert len(reporters) == 1
    assert reporters[0].endswith("Anna Andersson"), "the report is the signed-in person's"

    cookie = next(c for c in context.cookies() if c["name"] == SECURE_COOKIE)
    assert (cookie["httpOnly"], cookie["secure"], cookie["sameSite"]) == (True, True, "Lax")
    page.get_by_role("button", name="Logga ut").click()
    expect(page.get_by_role("link", name="Logga in med ditt organisationskonto")).to_be_visible()
    assert session_of(context, setup.service)["inloggad"] is False
    # The old cookie, sent again, signs no one in: the session ended on the server.
    context.add_cookies([cookie])  # type: ignore[list-item]
    assert session_of(context, setup.service)["inloggad"] is False
    assert _post_from_page(page, _report_body(), csrf) == 201, "now an anonymous report"
    with engine.connect() as conn:
        last = conn.execute(
            text("SELECT anmald_av FROM felanmalan ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    assert last is None


def test_an_unmapped_user_is_refused_with_a_clear_page_and_no_session(
    context: BrowserContext, setup: SignInSetup, engine: Engine
) -> None:
    page = context.new_page()
    _sign_in_at_provider(page, setup, "urban", "%2Finkorg")
    assert page.url == f"{setup.service}/inloggning?fel=ingen-behorighet&nasta=%2Finkorg"
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Ditt konto har ingen behörighet i Ansvarskartan")
    expect(alert).to_contain_text("Ingen inloggning gjordes")
    expect(page.get_by_role("link", name="Logga in med ditt organisationskonto")).to_be_visible()
    assert session_of(context, setup.service)["inloggad"] is False
    assert not [c for c in context.cookies() if c["name"] == SECURE_COOKIE]
    with engine.connect() as conn:
        urbans = conn.execute(
            text("SELECT count(*) FROM inloggning WHERE subjekt LIKE '% urban'")
        ).scalar_one()
    assert urbans == 0
    assert serious_violations(page) == []


def test_the_sign_in_page_passes_axe_and_works_by_keyboard(
    context: BrowserContext, setup: SignInSetup
) -> None:
    page = context.new_page()
    page.goto(f"{setup.service}/inloggning")
    expect(page.get_by_role("link", name="Logga in med ditt organisationskonto")).to_be_visible()
    expect(page.get_by_label("API-token", exact=True)).to_be_visible()
    assert serious_violations(page) == []
    # By keyboard: the brand, the organisation account, the token field, its button.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Logga in med ditt organisationskonto"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "token"
    page.keyboard.type("ak_fel")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inloggning?fel=ogiltig-token")
    expect(page.get_by_role("alert")).to_contain_text("Token godtogs inte")
    assert serious_violations(page) == []


def test_the_token_form_signs_in_and_the_header_shows_who(
    context: BrowserContext, setup: SignInSetup, engine: Engine
) -> None:
    token = create_test_token(engine, "handlaggare", "parkenheten", name="Parkens handläggare")
    page = context.new_page()
    page.goto(f"{setup.service}/inloggning?nasta=%2Finloggning%3Fklar")
    page.get_by_label("API-token", exact=True).fill(token)
    page.get_by_role("button", name="Logga in med token").click()
    page.wait_for_url("**/inloggning?klar")
    expect(page.locator("#konto .account-name")).to_contain_text("Parkens handläggare")
    session = session_of(context, setup.service)
    assert session["roll"] == "handlaggare"
    assert isinstance(session["organisation"], dict)
    assert session["organisation"]["slug"] == "parkenheten"
    assert serious_violations(page) == []


def test_a_replayed_or_foreign_answer_signs_no_one_in(
    context: BrowserContext, setup: SignInSetup, browser: Browser
) -> None:
    page = context.new_page()
    answers: list[str] = []
    page.on(
        "request",
        lambda r: answers.append(r.url) if "/inloggning/svar" in r.url else None,
    )
    _sign_in_at_provider(page, setup, "anna", "%2Finloggning")
    assert session_of(context, setup.service)["inloggad"] is True
    assert len(answers) == 1
    # Another browser given the same answer (code and state): its state is not this browser's.
    other = browser.new_context()
    try:
        replay = other.new_page()
        replay.goto(answers[0])
        assert replay.url.endswith("/inloggning?fel=utgangen")
        assert session_of(other, setup.service)["inloggad"] is False
    finally:
        other.close()


@pytest.mark.parametrize(
    ("column", "value"), [("nonce", "en-annan-nonce"), ("kodverifierare", "x" * 64)]
)
def test_a_wrong_nonce_or_pkce_verifier_fails_the_sign_in(
    browser: Browser, setup: SignInSetup, engine: Engine, column: str, value: str
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{setup.service}/inloggning")
        page.get_by_role("link", name="Logga in med ditt organisationskonto").click()
        page.wait_for_url(f"{setup.issuer}/**")
        with engine.begin() as conn:
            # What the service kept for this sign-in no longer matches the provider's answer.
            conn.execute(text(f"UPDATE inloggningsforsok SET {column} = :v"), {"v": value})
        page.locator("input[name=login]").fill("anna")
        page.locator("input[name=password]").fill("valfritt")
        page.get_by_role("button", name="Sign-in").click()
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(f"{setup.service}/inloggning?fel=misslyckades")
        assert session_of(context, setup.service)["inloggad"] is False
    finally:
        context.close()


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    # Playwright's sync API keeps an event loop in this thread while its browser is open.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _forged_token(kind: str, issuer: str) -> str:
    now = int(time.time())
    claims = {"iss": issuer, "sub": "anna", "aud": CLIENT_ID, "nonce": "n", "iat": now}
    claims["exp"] = now + 3600
    if kind == "hs256":
        return jwt.encode(claims, CLIENT_SECRET, algorithm="HS256")
    # The provider's own key id, so only the signature is wrong.
    keys = httpx.get(f"{issuer}/jwks").json()["keys"]
    kid = next(key["kid"] for key in keys if key["kty"] == "RSA")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.mark.parametrize(
    ("kind", "why"), [("another-key", "Signature verification failed"), ("hs256", "HS256")]
)
def test_an_id_token_not_signed_by_the_providers_key_is_refused(
    setup: SignInSetup, kind: str, why: str
) -> None:
    client = OidcClient(
        Settings(_env_file=None, oidc_issuer=setup.issuer, oidc_client_id=CLIENT_ID)
    )
    with pytest.raises(SignInRefused, match=why):
        _run(client.verified_claims(_forged_token(kind, setup.issuer), "n"))
