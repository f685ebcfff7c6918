"""Signing in with an API token, sessions in cookies, CSRF on browser writes, signing out."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import revoke_token
from app.core.settings import Settings
from app.main import create_app
from app.signin.destinations import local_path
from app.signin.sessions import PLAIN_COOKIE, SECURE_COOKIE, session_hash
from tests.support.servers import free_port
from tests.support.signin import create_test_token

ORIGIN = "http://testserver"  # the TestClient's own origin
# A write every signed-in role reaches the handler of: a status change of a report that does not
# exist is a 404 once the caller is let through, and changes nothing.
WRITE = "/api/v1/felanmalan/F-2000-000001/status"
WRITE_BODY = {"status": "mottagen"}


@pytest.fixture
def tokens(engine: Engine) -> Iterator[dict[str, str]]:
    """A handläggare's token of Huge and an admin's, removed afterwards (with their sessions)."""
    made = {
        "handlaggare": create_test_token(engine, "handlaggare", "huge", name="inlogg handl"),
        "admin": create_test_token(engine, "admin", name="inlogg admin"),
    }
    yield made
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'inlogg %'"))


@pytest.fixture
def browser(client: TestClient) -> Iterator[TestClient]:
    """The session's client, its cookie jar emptied after the test."""
    yield client
    client.cookies.clear()


def _sign_in(client: TestClient, token: str, **extra: str) -> tuple[str, str]:
    """Sign in with token; the session cookie's (name, value) and where it sent the browser."""
    response = client.post(
        "/inloggning/token",
        data={"token": token, **extra},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert response.cookies.get(SECURE_COOKIE), response.headers
    value = response.cookies[SECURE_COOKIE]
    client.cookies.clear()
    return value, response.headers["location"]


def _cookie(session_id: str) -> dict[str, str]:
    # The TestClient's jar keeps a Secure cookie from plain http: the tests send it by hand.
    return {"Cookie": f"{SECURE_COOKIE}={session_id}"}


def test_a_token_signs_the_browser_in_with_a_secure_http_only_lax_cookie(
    browser: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    response = browser.post(
        "/inloggning/token",
        data={"token": tokens["handlaggare"], "nasta": "/inkorg?status=ny"},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/inkorg?status=ny"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SECURE_COOKIE}=")
    for attribute in ("HttpOnly", "Path=/", "SameSite=lax", "Secure"):
        assert attribute.lower() in cookie.lower(), cookie
    assert "domain=" not in cookie.lower()
    session_id = response.cookies[SECURE_COOKIE]
    browser.cookies.clear()
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT sessions_hash FROM inloggning")).scalars().all()
    assert session_hash(session_id) in stored
    assert session_id not in stored, "only the hash of a session id is stored"

    me = browser.get("/api/v1/inloggning", headers=_cookie(session_id))
    assert me.headers["cache-control"] == "no-store"
    answer = me.json()
    assert answer["inloggad"] is True
    assert answer["namn"] == "inlogg handl"
    assert answer["roll"] == "handlaggare"
    assert answer["organisation"]["slug"] == "huge"
    assert answer["organisation"]["namn"]
    assert len(answer["csrf"]) >= 32
    assert answer["token"] is True


def test_anonymous_and_unknown_cookies_are_not_signed_in(browser: TestClient) -> None:
    assert browser.get("/api/v1/inloggning").json() == {
        "inloggad": False,
        "oidc": False,
        "token": True,
    }
    stale = browser.get("/api/v1/inloggning", headers=_cookie("okand"))
    assert stale.json()["inloggad"] is False
    assert stale.headers["set-cookie"].startswith(f'{SECURE_COOKIE}=""'), "the stale one is dropped"


@pytest.mark.parametrize(
    ("token", "origin", "error"),
    [
        ("ak_fel", ORIGIN, "ogiltig-token"),
        ("", ORIGIN, "ogiltig-token"),
        (None, "https://angripare.example", "fel-ursprung"),
        (None, "null", "fel-ursprung"),
        (None, None, "fel-ursprung"),
    ],
)
def test_a_refused_token_sign_in_says_why_on_the_sign_in_page(
    browser: TestClient,
    tokens: dict[str, str],
    token: str | None,
    origin: str | None,
    error: str,
) -> None:
    headers = {"Origin": origin} if origin else {}
    response = browser.post(
        "/inloggning/token",
        data={"token": tokens["admin"] if token is None else token, "nasta": "/inkorg"},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/inloggning?fel={error}&nasta=%2Finkorg"
    assert "set-cookie" not in response.headers


def test_a_referer_of_our_own_stands_in_for_a_missing_origin(
    browser: TestClient, tokens: dict[str, str]
) -> None:
    response = browser.post(
        "/inloggning/token",
        data={"token": tokens["admin"]},
        headers={"Referer": f"{ORIGIN}/inloggning?nasta=%2F"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"
    assert response.cookies.get(SECURE_COOKIE)


@pytest.mark.parametrize(
    "destination",
    [
        "https://angripare.example/",
        "//angripare.example/",
        "/\\angripare.example/",
        "\\\\angripare.example",
        "javascript:alert(1)",
        "/\tangripare",
        "inkorg",
        "/" + "a" * 2000,
    ],
)
def test_the_destination_after_sign_in_is_a_local_path_only(destination: str) -> None:
    assert local_path(destination) == "/"


def test_a_local_destination_is_kept() -> None:
    assert (
        local_path("/felanmalan/F-2026-000123?x=1#karta") == "/felanmalan/F-2026-000123?x=1#karta"
    )


def test_the_session_cookie_is_the_principal_and_a_bearer_token_wins(
    browser: TestClient, tokens: dict[str, str]
) -> None:
    session_id, _ = _sign_in(browser, tokens["handlaggare"])
    # The handläggare may not read the change log; the admin's bearer token may.
    as_session = browser.get("/api/v1/andringslogg", headers=_cookie(session_id))
    assert as_session.status_code == 403
    both = _cookie(session_id) | {"Authorization": f"Bearer {tokens['admin']}"}
    assert browser.get("/api/v1/andringslogg", headers=both).status_code == 200
    assert browser.get("/api/v1/andringslogg").status_code == 401


def test_a_browser_write_needs_the_sessions_csrf_token_and_our_origin(
    browser: TestClient, tokens: dict[str, str]
) -> None:
    session_id, _ = _sign_in(browser, tokens["handlaggare"])
    csrf = browser.get("/api/v1/inloggning", headers=_cookie(session_id)).json()["csrf"]
    cookie = _cookie(session_id)

    without = browser.post(WRITE, json=WRITE_BODY, headers=cookie)
    assert without.status_code == 403
    assert without.headers["content-type"] == "application/problem+json"
    problem = without.json()
    assert problem["type"] == "begaran-kunde-inte-bekraftas"
    assert "X-CSRF-Token" in problem["detail"]

    wrong = browser.post(WRITE, json=WRITE_BODY, headers=cookie | {"X-CSRF-Token": csrf[:-1]})
    assert wrong.status_code == 403
    elsewhere = cookie | {"X-CSRF-Token": csrf, "Origin": "https://angripare.example"}
    assert browser.post(WRITE, json=WRITE_BODY, headers=elsewhere).status_code == 403

    with_token = browser.post(WRITE, json=WRITE_BODY, headers=cookie | {"X-CSRF-Token": csrf})
    assert with_token.status_code == 404, with_token.text  # let through: no such report
    own = cookie | {"X-CSRF-Token": csrf, "Origin": ORIGIN}
    assert browser.post(WRITE, json=WRITE_BODY, headers=own).status_code == 404
    # Reads need no token; a bearer write ignores the cookie's CSRF rules.
    assert browser.get("/api/v1/felanmalan", headers=cookie).status_code == 200
    bearer = {"Authorization": f"Bearer {tokens['handlaggare']}"}
    assert browser.post(WRITE, json=WRITE_BODY, headers=cookie | bearer).status_code == 404


def test_signing_out_ends_the_session_on_the_server(
    browser: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    session_id, _ = _sign_in(browser, tokens["admin"])
    cookie = _cookie(session_id)
    csrf = browser.get("/api/v1/inloggning", headers=cookie).json()["csrf"]

    refused = browser.post("/utloggning", headers=cookie)
    assert refused.status_code == 403, "signing out is a write: CSRF-checked"
    assert browser.get("/api/v1/inloggning", headers=cookie).json()["inloggad"] is True

    signed_out = browser.post("/utloggning", headers=cookie | {"X-CSRF-Token": csrf})
    assert signed_out.status_code == 204
    assert signed_out.headers["set-cookie"].startswith(f'{SECURE_COOKIE}=""')
    with engine.connect() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM inloggning WHERE sessions_hash = :h"),
            {"h": session_hash(session_id)},
        ).scalar_one()
    assert left == 0
    assert browser.get("/api/v1/inloggning", headers=cookie).json()["inloggad"] is False
    assert browser.get("/api/v1/andringslogg", headers=cookie).status_code == 401


def test_a_form_signs_out_with_its_csrf_field_and_goes_to_the_map(
    browser: TestClient, tokens: dict[str, str]
) -> None:
    session_id, _ = _sign_in(browser, tokens["admin"])
    cookie = _cookie(session_id)
    csrf = browser.get("/api/v1/inloggning", headers=cookie).json()["csrf"]
    response = browser.post(
        "/utloggning",
        data={"csrf": csrf},
        headers=cookie | {"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    assert browser.get("/api/v1/inloggning", headers=cookie).json()["inloggad"] is False


def test_revoking_the_token_ends_its_sessions(
    browser: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    session_id, _ = _sign_in(browser, tokens["admin"])
    cookie = _cookie(session_id)
    assert browser.get("/api/v1/andringslogg", headers=cookie).status_code == 200
    with engine.begin() as conn:
        token_id = conn.execute(
            text("SELECT id FROM api_token WHERE namn = 'inlogg admin'")
        ).scalar_one()
        revoke_token(conn, token_id)
    assert browser.get("/api/v1/andringslogg", headers=cookie).status_code == 401


def test_a_session_ends_when_idle_or_too_old(
    browser: TestClient, tokens: dict[str, str], engine: Engine
) -> None:
    idle, _ = _sign_in(browser, tokens["admin"])
    old, _ = _sign_in(browser, tokens["admin"])
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE inloggning SET senast_sedd = now() - interval '121 minutes'"
                " WHERE sessions_hash = :h"
            ),
            {"h": session_hash(idle)},
        )
        conn.execute(
            text(
                "UPDATE inloggning SET giltig_till = now() - interval '1 second'"
                " WHERE sessions_hash = :h"
            ),
            {"h": session_hash(old)},
        )
    for session_id in (idle, old):
        assert browser.get("/api/v1/inloggning", headers=_cookie(session_id)).json() == {
            "inloggad": False,
            "oidc": False,
            "token": True,
        }


def test_a_new_sign_in_replaces_the_old_session(
    browser: TestClient, tokens: dict[str, str]
) -> None:
    first, _ = _sign_in(browser, tokens["admin"])
    response = browser.post(
        "/inloggning/token",
        data={"token": tokens["handlaggare"]},
        headers={"Origin": ORIGIN} | _cookie(first),
        follow_redirects=False,
    )
    second = response.cookies[SECURE_COOKIE]
    browser.cookies.clear()
    assert second != first, "a sign-in always gets a new session id"
    assert browser.get("/api/v1/inloggning", headers=_cookie(first)).json()["inloggad"] is False
    assert browser.get("/api/v1/inloggning", headers=_cookie(second)).json()["roll"] == (
        "handlaggare"
    )


@pytest.fixture(scope="module")
def plain_http_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with the session cookie allowed over plain http, token sign-in off."""
    changed = settings.model_copy(
        update={"session_cookie_secure": False, "signin_with_token": False}
    )
    with TestClient(create_app(changed)) as test_client:
        yield test_client


def test_token_sign_in_can_be_turned_off(
    plain_http_client: TestClient, tokens: dict[str, str]
) -> None:
    response = plain_http_client.post(
        "/inloggning/token",
        data={"token": tokens["admin"]},
        headers={"Origin": ORIGIN},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/inloggning?fel=token-avstangd"
    assert "set-cookie" not in response.headers
    assert plain_http_client.get("/api/v1/inloggning").json()["token"] is False


def test_a_plain_http_cookie_has_no_host_prefix(
    tokens: dict[str, str], engine: Engine, settings: Settings
) -> None:
    del engine  # set up first
    plain = settings.model_copy(update={"session_cookie_secure": False})
    with TestClient(create_app(plain)) as app:
        response = app.post(
            "/inloggning/token",
            data={"token": tokens["admin"]},
            headers={"Origin": ORIGIN},
            follow_redirects=False,
        )
        assert response.cookies.get(PLAIN_COOKIE)
        assert "secure" not in response.headers["set-cookie"].lower()
        assert app.get("/api/v1/inloggning").json()["inloggad"] is True, "sent back over http"


def test_an_answer_without_this_browsers_state_signs_no_one_in(browser: TestClient) -> None:
    response = browser.get(
        "/inloggning/svar", params={"code": "kod", "state": "okand"}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/inloggning?fel=utgangen"
    assert SECURE_COOKIE not in response.headers.get("set-cookie", "")


def test_without_a_provider_the_organisation_sign_in_says_so(browser: TestClient) -> None:
    response = browser.get(
        "/inloggning/oidc", params={"nasta": "https://angripare.example/"}, follow_redirects=False
    )
    assert response.headers["location"] == "/inloggning?fel=oidc-saknas"


def test_a_provider_that_does_not_answer_is_said_so(engine: Engine, settings: Settings) -> None:
    del engine  # set up first
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    configured = settings.model_copy(update={"oidc_issuer": nobody, "oidc_client_id": "x"})
    with TestClient(create_app(configured)) as app:
        assert app.get("/api/v1/inloggning").json()["oidc"] is True
        response = app.get("/inloggning/oidc", params={"nasta": "/inkorg"}, follow_redirects=False)
    assert response.headers["location"] == "/inloggning?fel=leverantor-svarar-inte&nasta=%2Finkorg"
