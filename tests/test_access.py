"""Who may do what: tokens, open or closed reading, and a guard on every route."""

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token, list_tokens, revoke_token
from app.core.settings import Settings
from app.main import create_app

# The health check, and who is signed in: the sign-in page asks before anyone is, whatever
# ANSVAR_PUBLIC_READ.
OPEN_ROUTES = {"/healthz", "/api/v1/inloggning"}
# POST routes that only read (they take many points at once, or a polygon).
READING_POSTS = {
    "/api/v1/ansvar/batch",
    "/api/v1/samordning/mangder",
    "/api/v1/samordning/kostnader",
    "/api/v1/samordning/gemensam-upphandling",
}
# Routes anonymous callers may use when the deployment allows it (ANSVAR_ANONYMA_FELANMALAN,
# on by default, whatever ANSVAR_PUBLIC_READ): making a fault report.
ANONYMOUS_WHEN_ALLOWED = {
    ("post", "/api/v1/felanmalan"),
    ("post", "/open311/v2/requests.json"),
    ("post", "/open311/v2/requests.xml"),
}


@pytest.fixture
def token(engine: Engine) -> Iterator[tuple[int, str]]:
    """A reader's token, removed afterwards."""
    with engine.begin() as conn:
        created = create_token(conn, name="test", role="lasare", organisation=None, days=1)
    yield created
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE id = :id"), {"id": created[0]})


@pytest.fixture(scope="module")
def closed_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with ANSVAR_PUBLIC_READ=false."""
    closed = settings.model_copy(update={"public_read": False})
    with TestClient(create_app(closed)) as test_client:
        yield test_client


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


# Who may call each route that is not open to every reader; a new one must be added here.
RESTRICTED = {
    ("put", "/api/v1/skotselprodukter/{kod}"): {"admin"},
    ("delete", "/api/v1/skotselprodukter/{kod}"): {"admin"},
    ("put", "/api/v1/organisationer/{slug}"): {"admin"},
    ("put", "/api/v1/samordning/a-priser/{produkt}"): {"admin"},
    ("get", "/api/v1/andringslogg"): {"admin"},
    ("post", "/api/v1/skotselobjekt"): {"gis", "admin"},
    ("patch", "/api/v1/skotselobjekt/{objekt_id}"): {"gis", "admin"},
    ("delete", "/api/v1/skotselobjekt/{objekt_id}"): {"gis", "admin"},
    ("post", "/api/v1/skotselobjekt/overlatelse"): {"gis", "admin"},
    ("post", "/api/v1/importer"): {"gis", "admin"},
    ("get", "/api/v1/importer/{import_id}"): {"gis", "admin"},
    ("get", "/api/v1/driftomraden/{area_id}/paket"): {"gis", "admin", "entreprenor"},
    ("get", "/api/v1/driftomraden/{area_id}/kalkyl.xlsx"): {"gis", "admin"},
    ("post", "/api/v1/felanmalan"): {"lasare", "gis", "admin", "entreprenor", "handlaggare"},
    ("post", "/api/v1/felanmalan/{nummer}/status"): {"handlaggare", "gis", "admin", "entreprenor"},
    ("get", "/api/v1/felanmalan/{nummer}/foto/{n}"): {"handlaggare", "gis", "admin", "entreprenor"},
    ("post", "/open311/v2/requests.json"): {"lasare", "gis", "admin", "entreprenor", "handlaggare"},
    ("post", "/open311/v2/requests.xml"): {"lasare", "gis", "admin", "entreprenor", "handlaggare"},
}
ROLES = ("lasare", "gis", "admin", "entreprenor", "handlaggare")
# The organisation a role's token is bound to in the matrix (bound roles must name one).
BOUND_TO = {"entreprenor": "sodertorns-parkdrift", "handlaggare": "parkenheten"}


@pytest.fixture(scope="module")
def role_headers(engine: Engine) -> Iterator[dict[str, dict[str, str]]]:
    """A token of every role."""
    headers = {}
    with engine.begin() as conn:
        for role in ROLES:
            organisation = BOUND_TO.get(role)
            _, token = create_token(
                conn, name=f"matris {role}", role=role, organisation=organisation, days=1
            )
            headers[role] = {"Authorization": f"Bearer {token}"}
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'matris %'"))


def test_role_by_route_matrix(
    closed_client: TestClient, role_headers: dict[str, dict[str, str]]
) -> None:
    """Generated from the app's own routes: every route × anonymous and every role."""
    paths = closed_client.get("/openapi.json", headers=role_headers["lasare"]).json()["paths"]
    checked = 0
    for path, operations in paths.items():
        if path in OPEN_ROUTES:
            continue
        for method in operations:
            url = _fill(path)
            anonymous = closed_client.request(method.upper(), url)
            if (method, path) in ANONYMOUS_WHEN_ALLOWED:
                assert anonymous.status_code != 401, f"{method.upper()} {path} refuses anonymous"
            else:
                assert anonymous.status_code == 401, f"{method.upper()} {path} lets anyone in"
            is_write = method in {"post", "put", "patch", "delete"} and path not in READING_POSTS
            if is_write:
                assert (method, path) in RESTRICTED, f"{method.upper()} {path}: say who may"
            allowed = RESTRICTED.get((method, path), set(ROLES))
            for role, headers in role_headers.items():
                status = closed_client.request(method.upper(), url, headers=headers).status_code
                if role in allowed:
                    assert status not in (401, 403), f"{role} refused {method.upper()} {path}"
                else:
                    assert status == 403, f"{role} let into {method.upper()} {path}"
                checked += 1
    assert checked > 40


def test_reading_is_open_by_default(client: TestClient) -> None:
    assert client.get("/api/v1/skotselprodukter").status_code == 200


def test_closed_reading_needs_a_valid_token(
    closed_client: TestClient, token: tuple[int, str]
) -> None:
    anonymous = closed_client.get("/api/v1/skotselprodukter")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.json()["title"] == "Inloggning krävs"
    headers = {"Authorization": f"Bearer {token[1]}"}
    assert closed_client.get("/api/v1/skotselprodukter", headers=headers).status_code == 200
    assert closed_client.get("/ogc/collections", headers=headers).status_code == 200
    assert closed_client.get("/healthz").status_code == 200, "health stays open"


def test_a_revoked_or_expired_token_is_refused(
    engine: Engine, client: TestClient, token: tuple[int, str]
) -> None:
    headers = {"Authorization": f"Bearer {token[1]}"}
    assert client.get("/api/v1/organisationer", headers=headers).status_code == 200
    with engine.begin() as conn:
        revoke_token(conn, token[0])
        assert next(t for t in list_tokens(conn) if t.id == token[0]).aterkallad is not None
    assert client.get("/api/v1/organisationer", headers=headers).status_code == 401
    with engine.begin() as conn:
        _, fresh = create_token(conn, name="kort", role="gis", organisation=None, days=1)
        conn.execute(
            text(
                "UPDATE api_token SET giltig_till = now() - interval '1 minute' WHERE namn = 'kort'"
            )
        )
    expired = client.get("/api/v1/organisationer", headers={"Authorization": f"Bearer {fresh}"})
    assert expired.status_code == 401
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn = 'kort'"))


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ak_fel"])
def test_a_malformed_or_unknown_token_is_a_401(client: TestClient, header: str) -> None:
    response = client.get("/api/v1/skotselprodukter", headers={"Authorization": header})
    assert response.status_code == 401


def test_only_the_hash_is_stored_and_the_cli_shows_the_token_once(engine: Engine) -> None:
    env = os.environ | {"ANSVAR_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "token",
            "skapa",
            "--roll",
            "entreprenor",
            "--organisation",
            "sodertorns-parkdrift",
            "--namn",
            "Arbetsledare Flemingsberg",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("ak_")
    with engine.connect() as conn:
        stored = (
            conn.execute(
                text("SELECT token_hash FROM api_token WHERE namn = 'Arbetsledare Flemingsberg'")
            )
            .scalars()
            .all()
        )
    assert token not in stored
    assert len(stored) == 1
    listed = subprocess.run(
        [sys.executable, "-m", "app.cli", "token", "lista"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )
    assert "entreprenor" in listed.stdout
    assert token not in listed.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "app.cli", "token", "skapa", "--roll", "entreprenor", "--namn", "x"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert refused.returncode == 1
    assert "organisation" in refused.stderr
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn = 'Arbetsledare Flemingsberg'"))


def test_shared_caches_keep_only_anonymous_answers(
    client: TestClient, role_headers: dict[str, dict[str, str]]
) -> None:
    """A token's answers may hold what is not public (its reports' details): no proxy shares."""
    url = "/ogc/collections/skotselytor/items?limit=1"
    anonymous = client.get(url)
    assert anonymous.headers["cache-control"].startswith("public")
    scoped = client.get(url, headers=role_headers["entreprenor"])
    assert scoped.headers["cache-control"].startswith("private")
    assert "Authorization" in scoped.headers["vary"]
