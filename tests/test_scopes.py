"""What each caller may read: a contractor its areas' history, importers their imports, no hashes.

Real tokens in the test database, real HTTP through the app; the API description and /docs
follow ANSVAR_PUBLIC_READ like every other read.
"""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from app.access.tokens import create_token, revoke_token, token_hash
from app.core.migrate import downgrade, upgrade
from app.core.settings import Settings
from app.main import create_app
from tests.conftest import database_url_for_tests
from tests.handmade import BENCH_OBJECT, E0, N0
from tests.support.db_admin import drop_database, ensure_database

CONTRACTOR = "sodertorns-parkdrift"  # performs "Testområde park", the local box 0–100 × 0–100


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def tokens(engine: Engine) -> Iterator[dict[str, dict[str, str]]]:
    """Headers of a token of every role, and of gis tokens bound to Huge and the park unit."""
    made = {
        "lasare": ("lasare", None),
        "gis": ("gis", None),
        "admin": ("admin", None),
        "entreprenor": ("entreprenor", CONTRACTOR),
        "gis-huge": ("gis", "huge"),
        "gis-park": ("gis", "parkenheten"),
    }
    headers = {}
    with engine.begin() as conn:
        for key, (role, organisation) in made.items():
            _, token = create_token(
                conn, name=f"omfang {key}", role=role, organisation=organisation, days=1
            )
            headers[key] = _bearer(token)
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'omfang %'"))


@pytest.fixture(scope="module")
def closed_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with ANSVAR_PUBLIC_READ=false."""
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as client:
        yield client


def _object_at(engine: Engine, x: float, y: float) -> str:
    """The stable id of the hand-made point at local (x, y)."""
    with engine.connect() as conn:
        return str(
            conn.execute(
                text(
                    "SELECT objekt_id FROM skotselobjekt WHERE valid_to IS NULL"
                    " AND ST_Equals(geom, ST_SetSRID(ST_MakePoint(:e, :n), 3006))"
                ),
                {"e": E0 + x, "n": N0 + y},
            ).scalar_one()
        )


@pytest.mark.usefixtures("handmade_data")
def test_without_public_reading_a_contractor_reads_the_history_of_its_areas_objects_only(
    client: TestClient, closed_client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    inside = _object_at(engine, 60, 60)  # a bench in the contractor's operations area
    outside = BENCH_OBJECT  # the bench in P3, in no area of the contractor's
    contractor = tokens["entreprenor"]
    own = closed_client.get(f"/api/v1/skotselobjekt/{inside}/historik", headers=contractor)
    assert own.status_code == 200
    assert own.json()["objekt_id"] == inside
    other = closed_client.get(f"/api/v1/skotselobjekt/{outside}/historik", headers=contractor)
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    unknown = closed_client.get(
        "/api/v1/skotselobjekt/00000000-0000-4000-8000-00000000ffff/historik", headers=contractor
    )
    # Not found like an object that does not exist: its existence is not revealed.
    assert other.json()["type"] == unknown.json()["type"]
    assert other.json()["title"] == unknown.json()["title"]
    for caller in (tokens["lasare"], tokens["gis"]):
        found = closed_client.get(f"/api/v1/skotselobjekt/{outside}/historik", headers=caller)
        assert found.is_success
    # Public reading: what anyone reads without a token, the contractor's token reads too.
    for caller in (contractor, {}):
        assert client.get(f"/api/v1/skotselobjekt/{outside}/historik", headers=caller).is_success


@pytest.fixture(scope="module")
def import_records(engine: Engine) -> Iterator[dict[str, int]]:
    """Two finished object imports, one of Huge's and one of the park unit's, committed."""
    ids = {}
    with engine.begin() as conn:
        for slug in ("huge", "parkenheten"):
            ids[slug] = conn.execute(
                text(
                    "INSERT INTO importkorning (typ, organisation_id, filnamn, sha256, status,"
                    " utford_av) SELECT 'skotselobjekt', id, :file, 'ab', 'klar', 'token:1 x'"
                    " FROM organisation WHERE slug = :slug RETURNING id"
                ),
                {"file": f"{slug}-hemlig.gpkg", "slug": slug},
            ).scalar_one()
    yield ids
    with engine.begin() as conn:
        conn.execute(
            text("DELETE FROM importkorning WHERE id = ANY(:ids)"), {"ids": list(ids.values())}
        )


def test_import_records_are_for_those_who_may_import(
    client: TestClient,
    closed_client: TestClient,
    tokens: dict[str, dict[str, str]],
    import_records: dict[str, int],
) -> None:
    huge = f"/api/v1/importer/{import_records['huge']}"
    for app_client in (client, closed_client):
        anonymous = app_client.get(huge)
        assert anonymous.status_code == 401, "readable anonymously"
        assert anonymous.headers["content-type"] == "application/problem+json"
        assert anonymous.headers["www-authenticate"].startswith("Bearer")
        assert "huge-hemlig" not in anonymous.text
    for role in ("lasare", "entreprenor"):
        refused = client.get(huge, headers=tokens[role])
        assert refused.status_code == 403, role
        assert refused.headers["content-type"] == "application/problem+json"
        assert "huge-hemlig" not in refused.text
    for role in ("gis", "admin", "gis-huge"):
        record = client.get(huge, headers=tokens[role])
        assert record.status_code == 200, role
        assert record.json()["fil"] == "huge-hemlig.gpkg"


def test_a_bound_gis_token_reads_only_its_organisations_imports(
    client: TestClient, tokens: dict[str, dict[str, str]], import_records: dict[str, int]
) -> None:
    bound = tokens["gis-huge"]
    own = client.get(f"/api/v1/importer/{import_records['huge']}", headers=bound)
    assert own.status_code == 200
    other = client.get(f"/api/v1/importer/{import_records['parkenheten']}", headers=bound)
    assert other.status_code == 404
    assert "parkenheten-hemlig" not in other.text
    unknown = client.get("/api/v1/importer/2147483000", headers=bound)
    assert other.json()["type"] == unknown.json()["type"] == "hittades-inte"
    park = client.get(f"/api/v1/importer/{import_records['parkenheten']}", headers=tokens["gis"])
    assert park.status_code == 200, "an unbound gis token reads every organisation's"


def test_the_audit_log_keeps_no_token_hash(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    with engine.begin() as conn:
        logged_before = conn.execute(text("SELECT coalesce(max(id), 0) FROM andringslogg"))
        last_before = logged_before.scalar_one()
        token_id, token = create_token(
            conn, name="omfang Anna Andersson", role="gis", organisation="parkenheten", days=1
        )
        revoke_token(conn, token_id)
    hashed = token_hash(token)
    with engine.connect() as conn:
        logged = conn.execute(
            text(
                "SELECT coalesce(fore::text, '') || coalesce(efter::text, '') FROM andringslogg"
                " WHERE tabell = 'api_token' AND rad_id = :id AND id > :before"
            ),
            {"id": str(token_id), "before": last_before},
        ).scalars()
        logged_rows = list(logged)
    assert len(logged_rows) == 2, "the token's creation and revocation are audited"
    assert all("token_hash" not in row and hashed not in row for row in logged_rows)
    log = client.get(
        "/api/v1/andringslogg", params={"tabell": "api_token"}, headers=tokens["admin"]
    )
    assert log.status_code == 200
    assert log.json(), "the admin's log lists the token rows"
    assert "token_hash" not in log.text
    assert hashed not in log.text


def _logged_hashes(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                text(
                    "SELECT count(*) FROM andringslogg WHERE tabell = 'api_token'"
                    " AND (fore ? 'token_hash' OR efter ? 'token_hash')"
                )
            ).scalar_one()
        )


def test_the_hashes_logged_before_the_migration_are_removed_by_it() -> None:
    url = database_url_for_tests("_scopes_migration")
    drop_database(url)
    ensure_database(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            upgrade(conn, "0006")
            conn.execute(
                text(
                    "INSERT INTO api_token (namn, roll, token_hash, giltig_till)"
                    " VALUES ('gammal', 'gis', 'abc123', now() + interval '1 day')"
                )
            )
        assert _logged_hashes(engine) == 1, "logged as 0006 did"
        with engine.begin() as conn:
            upgrade(conn)
        assert _logged_hashes(engine) == 0
        with engine.begin() as conn:
            downgrade(conn, "0006")
            upgrade(conn)
            create_token(conn, name="ny", role="lasare", organisation=None, days=1)
        assert _logged_hashes(engine) == 0
    finally:
        engine.dispose()
        drop_database(url)


@pytest.mark.usefixtures("handmade_data")
def test_the_history_names_a_token_that_wrote_in_human_terms(
    client: TestClient, engine: Engine, tokens: dict[str, dict[str, str]]
) -> None:
    with engine.connect() as conn:
        short_name = conn.execute(
            text("SELECT kortnamn FROM organisation WHERE slug = 'parkenheten'")
        ).scalar_one()
    bench = _object_at(engine, 60, 60)  # the park unit's bench
    versions = client.get(f"/api/v1/skotselobjekt/{bench}/historik").json()["versioner"]
    current = next(v for v in versions if v["giltig_till"] is None)
    edited = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": "A", "orsak": "Ny skötselnivå"},
        headers=tokens["gis-park"] | {"If-Match": f'"{current["giltig_fran"]}"'},
    )
    assert edited.status_code == 204, edited.text
    history = client.get(f"/api/v1/skotselobjekt/{bench}/historik")
    edit = next(c for c in history.json()["andringar"] if c["orsak"] == "Ny skötselnivå")
    assert edit["utford_av"] == f"omfang gis-park (gis, {short_name})"
    assert "token:" not in history.text


@pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/ogc/api"])
def test_the_api_description_follows_public_reading(
    client: TestClient,
    closed_client: TestClient,
    tokens: dict[str, dict[str, str]],
    path: str,
) -> None:
    assert client.get(path).status_code == 200, "open by default"
    anonymous = closed_client.get(path)
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert anonymous.json()["title"] == "Inloggning krävs"
    assert "paths" not in anonymous.json()
    with_token = closed_client.get(path, headers=tokens["lasare"])
    assert with_token.status_code == 200
    if path != "/docs":
        assert with_token.json()["openapi"].startswith("3.0")
