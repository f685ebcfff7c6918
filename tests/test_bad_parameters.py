"""Bad parameters are refused where they enter, as problems: never a 500 from the database."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.db import libpq_url
from app.core.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from app.core.settings import Settings
from app.main import create_app
from tests.commands import run_cli

POINT = "lon=17.98&lat=59.24"
TITLES = {
    "ogiltig-begaran": "Ogiltig begäran",
    "ogiltig-parameter": "Ogiltig parameter",
    "hittades-inte": "Hittades inte",
    "okant-koordinatsystem": "Okänt koordinatsystem",
    "databasen-otillganglig": "Databasen kan inte nås",
}


@pytest.fixture
def safe_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with a pool of its own; a 500 is answered, not raised, so the test sees it."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def admin(engine: Engine) -> Iterator[dict[str, str]]:
    """An admin token's header, removed afterwards."""
    with engine.begin() as conn:
        token_id, token = create_token(conn, name="test", role="admin", organisation=None, days=1)
    yield {"Authorization": f"Bearer {token}"}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE id = :id"), {"id": token_id})


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    problem: dict[str, Any] = response.json()
    assert problem["type"] == slug
    assert problem["title"] == TITLES[slug]
    assert "Traceback" not in response.text
    return problem


def _state(engine: Engine) -> tuple[Any, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text(sql)).all()
            for sql in (
                "SELECT id, slug, namn, overordnad_id FROM organisation ORDER BY id",
                "SELECT count(*) FROM andringslogg",
                "SELECT count(*) FROM kontakt",
            )
        )


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/ansvar?{POINT}&produkt=A%00B",
        f"/api/v1/ansvar?{POINT}&crs=EPSG%3A4326%00",
        "/ogc/collections/skotselpunkter/items?produkt=%00",
        "/ogc/collections/skotselpunkter/items/a%00b",
        "/api/v1/skotselobjekt/%00/historik",
    ],
)
def test_nul_in_the_address_is_a_bad_request(safe_client: TestClient, path: str) -> None:
    problem = _problem(safe_client.get(path), 400, "ogiltig-begaran")
    assert "NUL" in problem["detail"]


def _organisation(client: TestClient) -> dict[str, Any]:
    organisation: dict[str, Any] = client.get("/api/v1/organisationer").json()[0]
    return organisation


def test_nul_in_a_json_string_is_a_bad_request_and_nothing_is_written(
    safe_client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    organisation = _organisation(safe_client) | {"namn": "Före\x00efter"}
    before = _state(engine)
    response = safe_client.put(
        f"/api/v1/organisationer/{organisation['slug']}?orsak=prov",
        content=json.dumps(organisation),
        headers=admin | {"Content-Type": "application/json"},
    )
    assert "NUL" in _problem(response, 400, "ogiltig-begaran")["detail"]
    assert _state(engine) == before


def test_an_escaped_backslash_before_u0000_is_no_nul(
    safe_client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    organisation = _organisation(safe_client) | {"slug": "x\x00"}
    # The text \u0000 itself (backslash escaped) is an ordinary string; only the slug is wrong.
    body = json.dumps(organisation).replace("\\u0000", "\\\\u0000")
    before = _state(engine)
    response = safe_client.put(
        f"/api/v1/organisationer/{organisation['slug'][:1]}?orsak=prov",
        content=body,
        headers=admin | {"Content-Type": "application/json"},
    )
    assert "NUL" not in _problem(response, 400, "ogiltig-parameter")["detail"]
    assert _state(engine) == before


def test_a_value_the_database_refuses_is_a_bad_request_not_a_500(settings: Settings) -> None:
    # The backstop for a DataError no check caught, raised as the pooled connections raise it.
    app = FastAPI()
    app.state.settings = settings
    install_problem_handlers(app)

    @app.get("/prov")
    async def refused() -> None:
        raise psycopg.errors.NumericValueOutOfRange("integer out of range")

    with TestClient(app, raise_server_exceptions=False) as client:
        _problem(client.get("/prov"), 400, "ogiltig-begaran")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/driftomraden/4294967297",
        "/api/v1/driftomraden/2147483648",
        "/api/v1/driftomraden/-1",
        "/api/v1/driftomraden/0",
        "/api/v1/driftomraden/99999999999/paket",
        "/api/v1/importer/-1",
        "/api/v1/importer/99999999999",
        "/ogc/collections/driftomraden/items/4294967297",
        "/ogc/collections/driftomraden/items/-1",
        "/ogc/collections/driftomraden/items/%D9%A3",
    ],
)
def test_an_id_beyond_32_bits_or_negative_is_not_found(
    safe_client: TestClient, admin: dict[str, str], path: str
) -> None:
    _problem(safe_client.get(path, headers=admin), 404, "hittades-inte")


@pytest.mark.parametrize("value", ["%D9%A3", "%C2%B2", "99999999999", "-1", "1e3"])
def test_driftomrade_takes_ascii_digits_only(safe_client: TestClient, value: str) -> None:
    path = f"/ogc/collections/skotselpunkter/items?driftomrade={value}"
    assert "driftomrade" in _problem(safe_client.get(path), 400, "ogiltig-parameter")["detail"]


def test_the_last_day_there_is_has_an_answer(safe_client: TestClient) -> None:
    response = safe_client.get(f"/api/v1/ansvar?{POINT}&datum=9999-12-31")
    assert response.status_code == 200, response.text
    assert response.json()["datum"] == "9999-12-31"


@pytest.mark.parametrize(
    "crs",
    [
        "EPSG:" + "9" * 5000,
        "http://www.opengis.net/def/crs/EPSG/0/" + "9" * 5000,
        "urn:ogc:def:crs:EPSG::" + "9" * 5000,
        "EPSG:\u0663\u0660\u0660\u0666",
    ],
)
def test_a_crs_code_of_thousands_of_digits_is_an_unknown_crs(
    safe_client: TestClient, crs: str
) -> None:
    point = {"x": "669978", "y": "6570576", "crs": crs}
    _problem(safe_client.get("/api/v1/ansvar", params=point), 400, "okant-koordinatsystem")
    # OGC API – Features names a bad crs parameter as such.
    response = safe_client.get("/ogc/collections/skotselpunkter/items", params={"crs": crs})
    _problem(response, 400, "ogiltig-parameter")


def test_an_organisation_cannot_be_its_own_parent(
    safe_client: TestClient, engine: Engine, admin: dict[str, str]
) -> None:
    organisation = _organisation(safe_client)
    organisation["overordnad"] = organisation["slug"]
    before = _state(engine)
    response = safe_client.put(
        f"/api/v1/organisationer/{organisation['slug']}?orsak=prov",
        json=organisation,
        headers=admin,
    )
    assert "sig själv" in _problem(response, 400, "ogiltig-begaran")["detail"]
    assert _state(engine) == before


@pytest.mark.parametrize("existing", [True, False])
def test_the_import_refuses_an_organisation_its_own_parent(
    engine: Engine, tmp_path: Path, *, existing: bool
) -> None:
    with engine.connect() as conn:
        slug = conn.execute(text("SELECT slug FROM organisation ORDER BY id LIMIT 1")).scalar_one()
    chosen = slug if existing else "egen-overordnad"
    organisation = {"slug": chosen, "namn": "Egen", "typ": "privat", "overordnad": chosen}
    path = tmp_path / "organisationer.json"
    path.write_text(json.dumps([organisation]), encoding="utf-8")
    before = _state(engine)
    result = run_cli(engine, "organisation", "importera", str(path))
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    assert chosen in result.stderr
    assert _state(engine) == before


def _terminate_pooled_backends(client: TestClient, engine: Engine) -> int:
    pool = client.app.state.pool  # type: ignore[attr-defined]
    pids = [conn.info.backend_pid for conn in pool._pool]
    url = libpq_url(engine.url.render_as_string(hide_password=False))
    with psycopg.connect(url, autocommit=True) as admin_conn:
        for pid in pids:
            admin_conn.execute("SELECT pg_terminate_backend(%s, 5000)", [pid])
    return len(pids)


def test_a_pooled_connection_the_server_shut_down_is_not_handed_out(
    safe_client: TestClient, engine: Engine
) -> None:
    assert safe_client.get("/api/v1/driftomraden").status_code == 200
    terminated = _terminate_pooled_backends(safe_client, engine)
    assert terminated >= 1
    # The pool tests a connection before a request gets it (app.core.db), so the killed ones
    # (57P01, AdminShutdown, on their next use) are replaced, not answered with a 503. A
    # connection killed during a request is a 503: tests/test_faults.py restarts the database.
    statuses = [safe_client.get("/api/v1/driftomraden").status_code for _ in range(terminated + 1)]
    assert statuses == [200] * (terminated + 1)
