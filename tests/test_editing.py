"""Editing by role gis: new versions with who and why, 409 on a stale version, handovers by date."""

import math
import subprocess
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.settings import Settings
from app.main import create_app
from app.responsibility.service import LOCAL_TIME
from tests.handmade import E0, N0, build_fixture, local_lonlat
from tests.support.tables import PLACE_TABLES, empty_tables


@pytest.fixture
def patch_data(engine: Engine) -> Iterator[None]:
    """A fresh hand-made patch for every test (the tests change it)."""
    empty_tables(engine, (*PLACE_TABLES, "andringslogg"))
    with engine.begin() as conn:
        build_fixture(conn)
    yield
    empty_tables(engine, (*PLACE_TABLES, "andringslogg", "api_token"))


def _token(engine: Engine, role: str) -> dict[str, str]:
    with engine.begin() as conn:
        _, token = create_token(conn, name=f"test {role}", role=role, organisation=None, days=1)
    return {"Authorization": f"Bearer {token}"}


def _bench_id(client: TestClient) -> str:
    answer = client.get("/api/v1/ansvar", params={"x": E0 + 60, "y": N0 + 60, "crs": "EPSG:3006"})
    return str(answer.json()["objekt"]["id"])


def _etag(client: TestClient, object_id: str) -> str:
    versions = client.get(f"/api/v1/skotselobjekt/{object_id}/historik").json()["versioner"]
    current = next(v for v in versions if v["giltig_till"] is None)
    return f'"{current["giltig_fran"]}"'


@pytest.mark.usefixtures("patch_data")
def test_a_gis_edit_makes_a_version_with_who_and_why(engine: Engine, client: TestClient) -> None:
    bench = _bench_id(client)
    change = {"huvudman": "husf", "orsak": "Skolgården tar över bänken"}
    assert client.patch(f"/api/v1/skotselobjekt/{bench}", json=change).status_code == 401
    reader = client.patch(
        f"/api/v1/skotselobjekt/{bench}", json=change, headers=_token(engine, "lasare")
    )
    assert reader.status_code == 403
    gis = _token(engine, "gis")
    edited = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json=change,
        headers=gis | {"If-Match": _etag(client, bench)},
    )
    assert edited.status_code == 204
    assert edited.headers["etag"]
    history = client.get(f"/api/v1/skotselobjekt/{bench}/historik").json()
    assert [v["huvudman"] for v in history["versioner"]] == ["parkenheten", "husf"]
    edit = next(c for c in history["andringar"] if c["operation"] == "UPDATE")
    assert edit["orsak"] == "Skolgården tar över bänken"
    assert "test gis" in edit["utford_av"]
    answer = client.get("/api/v1/ansvar", params={"x": E0 + 60, "y": N0 + 60, "crs": "EPSG:3006"})
    assert answer.json()["huvudman"]["slug"] == "husf"


@pytest.mark.usefixtures("patch_data")
def test_two_edits_of_one_version_one_wins_one_gets_409(engine: Engine, client: TestClient) -> None:
    bench = _bench_id(client)
    gis = _token(engine, "gis")
    seen = _etag(client, bench)
    first = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": "A", "orsak": "Första"},
        headers=gis | {"If-Match": seen},
    )
    second = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": "C", "orsak": "Andra"},
        headers=gis | {"If-Match": seen},
    )
    assert (first.status_code, second.status_code) == (204, 409)
    assert second.headers["content-type"] == "application/problem+json"
    assert second.json()["aktuell_version"] == first.headers["etag"].strip('"')
    with engine.connect() as conn:
        levels = (
            conn.execute(
                text(
                    "SELECT kvalitetsniva FROM skotselobjekt WHERE objekt_id = CAST(:id AS uuid)"
                    " ORDER BY valid_from"
                ),
                {"id": bench},
            )
            .scalars()
            .all()
        )
    assert levels[-1] == "A", "the winner's edit stands, nothing of it is lost"


@pytest.mark.usefixtures("patch_data")
def test_bad_edits_are_400(engine: Engine, client: TestClient) -> None:
    bench = _bench_id(client)
    gis = _token(engine, "gis") | {"If-Match": _etag(client, bench)}
    wrong_kind = client.patch(
        f"/api/v1/skotselobjekt/{bench}", json={"produkt": "G2", "orsak": "Fel"}, headers=gis
    )
    assert wrong_kind.status_code == 400
    unknown = client.patch(
        f"/api/v1/skotselobjekt/{bench}", json={"huvudman": "okand", "orsak": "Fel"}, headers=gis
    )
    assert unknown.status_code == 400
    no_reason = client.patch(
        f"/api/v1/skotselobjekt/{bench}", json={"kvalitetsniva": "A"}, headers=gis
    )
    assert no_reason.status_code == 400


@pytest.mark.usefixtures("patch_data")
def test_retiring_keeps_the_history(engine: Engine, client: TestClient) -> None:
    bench = _bench_id(client)
    gone = client.delete(
        f"/api/v1/skotselobjekt/{bench}",
        params={"orsak": "Bänken är bortforslad"},
        headers=_token(engine, "gis") | {"If-Match": _etag(client, bench)},
    )
    assert gone.status_code == 204
    versions = client.get(f"/api/v1/skotselobjekt/{bench}/historik").json()["versioner"]
    assert len(versions) == 1
    assert versions[0]["giltig_till"] is not None
    answer = client.get("/api/v1/ansvar", params={"x": E0 + 60, "y": N0 + 60, "crs": "EPSG:3006"})
    assert answer.json()["objekt"]["id"] != bench


@pytest.mark.usefixtures("patch_data")
def test_a_handover_from_a_date_and_resolve_before_and_after(
    engine: Engine, client: TestClient
) -> None:
    with engine.connect() as conn:
        area = conn.execute(
            text("SELECT id FROM driftomrade WHERE namn = 'Testområde park'")
        ).scalar_one()
    start = date.today() + timedelta(days=10)
    moved = client.post(
        "/api/v1/skotselobjekt/overlatelse",
        json={
            "fran": "parkenheten",
            "till": "kultur-fritid",
            "driftomrade": area,
            "giltig_fran": start.isoformat(),
            "orsak": "Parken blir idrottspark",
        },
        headers=_token(engine, "gis"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["flyttade"] >= 2
    where = {"x": E0 + 63, "y": N0 + 60, "crs": "EPSG:3006"}
    before = client.get(
        "/api/v1/ansvar", params=where | {"datum": (start - timedelta(days=1)).isoformat()}
    )
    after = client.get("/api/v1/ansvar", params=where | {"datum": start.isoformat()})
    assert before.json()["huvudman"]["slug"] == "parkenheten"
    assert after.json()["huvudman"]["slug"] == "kultur-fritid"


def _hand_over_the_park(
    engine: Engine,
    client: TestClient,
    day: date,
    fran: str = "parkenheten",
    till: str = "kultur-fritid",
) -> httpx.Response:
    with engine.connect() as conn:
        area = conn.execute(
            text("SELECT id FROM driftomrade WHERE namn = 'Testområde park'")
        ).scalar_one()
    response: httpx.Response = client.post(
        "/api/v1/skotselobjekt/overlatelse",
        json={
            "fran": fran,
            "till": till,
            "driftomrade": area,
            "giltig_fran": day.isoformat(),
            "orsak": "Parken blir idrottspark",
        },
        headers=_token(engine, "gis"),
    )
    return response


@pytest.mark.usefixtures("patch_data")
def test_a_handover_dated_today_applies_after_an_import_earlier_today(
    engine: Engine, client: TestClient
) -> None:
    bench = _bench_id(client)
    with engine.begin() as conn:
        # What an import does for a changed row: a new version of the object from its run.
        conn.execute(
            text(
                "UPDATE skotselobjekt SET kvalitetsniva = 'B'"
                " WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
            ),
            {"id": bench},
        )
        today = conn.execute(
            text(
                "SELECT CAST(valid_from AT TIME ZONE 'Europe/Stockholm' AS date) FROM skotselobjekt"
                " WHERE objekt_id = CAST(:id AS uuid) AND valid_to IS NULL"
            ),
            {"id": bench},
        ).scalar_one()
    moved = _hand_over_the_park(engine, client, today)
    assert moved.status_code == 200, moved.text
    versions = client.get(f"/api/v1/skotselobjekt/{bench}/historik").json()["versioner"]
    assert [(v["huvudman"], v["kvalitetsniva"]) for v in versions] == [
        ("parkenheten", None),
        ("kultur-fritid", "B"),
    ], "the version opened today takes the handover from its own start, no empty version"
    assert versions[0]["giltig_till"] == versions[1]["giltig_fran"]
    assert versions[1]["giltig_till"] is None
    answer = client.get("/api/v1/ansvar", params={"x": E0 + 60, "y": N0 + 60, "crs": "EPSG:3006"})
    assert answer.json()["huvudman"]["slug"] == "kultur-fritid"

    yesterday = today - timedelta(days=1)
    refused = _hand_over_the_park(engine, client, yesterday, "kultur-fritid", "parkenheten")
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert "kan inte gälla från" in refused.json()["detail"]
    assert f"tidigast från {today.isoformat()}" in refused.json()["detail"]


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**z)
    return x, y


@pytest.mark.usefixtures("patch_data")
def test_the_layers_show_a_handover_next_week_only_from_its_date(
    engine: Engine, client: TestClient, live_server: str, tmp_path: Path
) -> None:
    bench = _bench_id(client)
    start = datetime.now(LOCAL_TIME).date() + timedelta(days=7)
    moved = _hand_over_the_park(engine, client, start)
    assert moved.status_code == 200, moved.text
    answer = client.get("/api/v1/ansvar", params={"x": E0 + 60, "y": N0 + 60, "crs": "EPSG:3006"})
    assert answer.json()["huvudman"]["slug"] == "parkenheten"

    items = client.get("/ogc/collections/skotselpunkter/items").json()["features"]
    assert [f["properties"]["huvudman"] for f in items if f["id"] == bench] == ["parkenheten"]
    item = client.get(f"/ogc/collections/skotselpunkter/items/{bench}").json()
    assert item["properties"]["huvudman"] == "parkenheten"
    assert item["properties"]["giltig_till"] is not None, "the version that holds now is closed"
    areas = client.get("/ogc/collections/skotselytor/items").json()["features"]
    assert sorted(f["properties"]["huvudman"] for f in areas) == [
        "huge",
        "kultur-fritid",
        "parkenheten",
        "parkenheten",
    ], "one version per area: the park's lawn is still the park unit's"

    # As of the date, the new huvudman (datetime as before).
    as_of = {"datetime": start.isoformat()}
    later = client.get("/ogc/collections/skotselpunkter/items", params=as_of).json()
    assert [f["properties"]["huvudman"] for f in later["features"] if f["id"] == bench] == [
        "kultur-fritid"
    ]
    later_item = client.get(f"/ogc/collections/skotselpunkter/items/{bench}", params=as_of)
    assert later_item.json()["properties"]["huvudman"] == "kultur-fritid"

    # The map's vector tiles, read by GDAL's MVT driver.
    z = 18
    x, y = _tile_of(*local_lonlat((60, 60)), z)
    tile = client.get(f"/ogc/collections/skotselpunkter/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert tile.status_code == 200
    (tmp_path / f"{y}.mvt").write_bytes(tile.content)
    frame = pyogrio.read_dataframe(tmp_path / f"{y}.mvt")
    assert list(frame[frame["id"] == bench]["huvudman"]) == ["parkenheten"]

    # QGIS' way in: GDAL's OAPIF driver against the running service.
    listed = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-q",
            f"OAPIF:{live_server}/ogc",
            "skotselpunkter",
            "-where",
            f"id = '{bench}'",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "huvudman (String) = parkenheten" in listed
    assert "kultur-fritid" not in listed


@pytest.mark.usefixtures("patch_data")
def test_editing_now_an_object_handed_over_next_week_is_refused_clearly(
    engine: Engine, client: TestClient
) -> None:
    bench = _bench_id(client)
    start = datetime.now(LOCAL_TIME).date() + timedelta(days=7)
    assert _hand_over_the_park(engine, client, start).status_code == 200
    gis = _token(engine, "gis") | {"If-Match": _etag(client, bench)}
    edited = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": "A", "orsak": "Ny nivå"},
        headers=gis,
    )
    assert edited.status_code == 400
    assert edited.headers["content-type"] == "application/problem+json"
    assert f"tidigast från {start.isoformat()}" in edited.json()["detail"]
    retired = client.delete(
        f"/api/v1/skotselobjekt/{bench}", params={"orsak": "Bänken är bortforslad"}, headers=gis
    )
    assert retired.status_code == 400
    assert start.isoformat() in retired.json()["detail"]


@pytest.mark.usefixtures("patch_data")
def test_the_audit_log_is_for_admin(engine: Engine, client: TestClient) -> None:
    assert client.get("/api/v1/andringslogg", headers=_token(engine, "gis")).status_code == 403
    log = client.get(
        "/api/v1/andringslogg", params={"tabell": "api_token"}, headers=_token(engine, "admin")
    )
    assert log.status_code == 200
    assert {row["tabell"] for row in log.json()} == {"api_token"}
    # A token's row is audited without its hash (migration 0007).
    assert log.json()
    assert all("token_hash" not in (row["efter"] or {}) for row in log.json())


def _tokens(engine: Engine, role: str, organisation: str | None) -> dict[str, str]:
    with engine.begin() as conn:
        _, token = create_token(
            conn, name=f"{role} {organisation}", role=role, organisation=organisation, days=1
        )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.usefixtures("patch_data")
def test_a_new_object_drawn_by_hand(engine: Engine, client: TestClient) -> None:
    gis = _token(engine, "gis")
    lon, lat = local_lonlat((90, 90))
    created = client.post(
        "/api/v1/skotselobjekt",
        json={
            "produkt": "ut2",
            "huvudman": "parkenheten",
            "orsak": "Ny papperskorg",
            "geometri": {"type": "Point", "coordinates": [lon, lat]},
        },
        headers=gis,
    )
    assert created.status_code == 201, created.text
    answer = client.get("/api/v1/ansvar", params={"lon": lon, "lat": lat})
    assert answer.json()["objekt"]["id"] == created.json()["id"]
    wrong_kind = client.post(
        "/api/v1/skotselobjekt",
        json={
            "produkt": "G2",
            "huvudman": "parkenheten",
            "orsak": "Fel typ",
            "geometri": {"type": "Point", "coordinates": [lon, lat]},
        },
        headers=gis,
    )
    assert wrong_kind.status_code == 400
    assert wrong_kind.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("patch_data")
def test_the_catalogue_and_organisations_are_edited_by_admin(
    engine: Engine, client: TestClient
) -> None:
    products = client.get("/api/v1/skotselprodukter").json()
    bench = next(p for p in products if p["kod"] == "UT1")
    renamed = bench | {"namn": "Parkbänk"}
    admin = _token(engine, "admin")
    url = "/api/v1/skotselprodukter/UT1?orsak=Kortare+namn"
    assert client.put(url, json=renamed, headers=_token(engine, "gis")).status_code == 403
    assert client.put(url, json=renamed, headers=admin).status_code == 204
    assert (
        next(p for p in client.get("/api/v1/skotselprodukter").json() if p["kod"] == "UT1")["namn"]
        == "Parkbänk"
    )
    as_area = renamed | {
        "geometrityp": "yta",
        "enhet": "m²",
        "symbologi": next(p for p in products if p["kod"] == "G1")["symbologi"],
    }
    assert client.put(url, json=as_area, headers=admin).status_code == 409, "benches exist"
    assert (
        client.delete("/api/v1/skotselprodukter/UT1?orsak=Bort", headers=admin).status_code == 409
    )
    assert client.put(url, json=bench, headers=admin).status_code == 204
    organisation = {
        "slug": "brf-exempel",
        "namn": "BRF Exempelgården",
        "typ": "forening",
        "kontakter": [{"roll": "Styrelsen", "epost": "styrelsen@brf.example", "exempeldata": True}],
    }
    saved = client.put(
        "/api/v1/organisationer/brf-exempel?orsak=Ny+förening", json=organisation, headers=admin
    )
    assert saved.status_code == 204
    assert "brf-exempel" in {o["slug"] for o in client.get("/api/v1/organisationer").json()}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM organisation WHERE slug = 'brf-exempel'"))


@pytest.fixture(scope="module")
def closed(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with ANSVAR_PUBLIC_READ=false: a contractor's reads are its own areas'."""
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as app:
        yield app


@pytest.mark.usefixtures("patch_data")
def test_without_public_reading_a_contractor_sees_only_its_own_operations_areas(
    engine: Engine, closed: TestClient
) -> None:
    client = closed
    contractor = _tokens(engine, "entreprenor", "sodertorns-parkdrift")
    mine = client.get("/api/v1/driftomraden", headers=contractor).json()
    assert [a["namn"] for a in mine] == ["Testområde park"]
    with engine.connect() as conn:
        other = conn.execute(
            text("SELECT id FROM driftomrade WHERE namn = 'Testområde Huge'")
        ).scalar_one()
    assert client.get(f"/api/v1/driftomraden/{other}", headers=contractor).status_code == 404
    assert (
        client.get(f"/api/v1/driftomraden/{mine[0]['id']}", headers=contractor).status_code == 200
    )
    reader = _tokens(engine, "lasare", None)
    assert len(client.get("/api/v1/driftomraden", headers=reader).json()) == 2, "others see all"


@pytest.mark.usefixtures("patch_data")
def test_without_public_reading_a_contractor_reads_only_inside_its_areas(
    engine: Engine, closed: TestClient
) -> None:
    client = closed
    contractor = _tokens(engine, "entreprenor", "sodertorns-parkdrift")
    reader = _tokens(engine, "lasare", None)
    points = client.get("/ogc/collections/skotselpunkter/items", headers=contractor).json()
    everything = client.get("/ogc/collections/skotselpunkter/items", headers=reader).json()
    west, south = local_lonlat((0, 0))
    east, north = local_lonlat((100, 100))
    assert 0 < points["numberReturned"] < everything["numberReturned"]
    for feature in points["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert west - 1e-6 <= lon <= east + 1e-6
        assert south - 1e-6 <= lat <= north + 1e-6
    areas = client.get("/ogc/collections/driftomraden/items", headers=contractor).json()
    assert [f["properties"]["namn"] for f in areas["features"]] == ["Testområde park"]
    outside = {"x": E0 + 150, "y": N0 + 50, "crs": "EPSG:3006"}
    refused = client.get("/api/v1/ansvar", params=outside, headers=contractor)
    assert refused.status_code == 404
    assert refused.json()["type"] == "utanfor-dina-driftomraden"
    inside = {"x": E0 + 63, "y": N0 + 60, "crs": "EPSG:3006"}
    assert client.get("/api/v1/ansvar", params=inside, headers=contractor).status_code == 200
    batch = client.post(
        "/api/v1/ansvar/batch",
        params={"crs": "EPSG:3006"},
        content=f"id,x,y\nin,{E0 + 63},{N0 + 60}\nut,{E0 + 150},{N0 + 50}\n".encode(),
        headers=contractor | {"content-type": "text/csv"},
    ).json()["svar"]
    assert "huvudman" in batch[0]
    assert batch[1]["fel"]["type"] == "utanfor-dina-driftomraden"


# Any row whose name (organisation) or quality level (object) is this is refused, at commit only.
REFUSED_AT_COMMIT = "avvisas vid commit"
_REFUSING_TABLES = {"organisation": "namn", "skotselobjekt": "kvalitetsniva"}


@pytest.fixture
def refusal_at_commit(engine: Engine) -> Iterator[None]:
    """A DEFERRABLE INITIALLY DEFERRED constraint trigger: statements pass, the commit fails."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION test_avvisa_vid_commit() RETURNS trigger LANGUAGE plpgsql AS $$"
                " BEGIN RAISE EXCEPTION 'testregeln avvisar raden'"
                " USING ERRCODE = 'check_violation'; END $$"
            )
        )
        for table, column in _REFUSING_TABLES.items():
            conn.execute(
                text(
                    f"CREATE CONSTRAINT TRIGGER test_avvisa_vid_commit AFTER INSERT OR UPDATE"
                    f" ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                    f" WHEN (NEW.{column} = '{REFUSED_AT_COMMIT}')"
                    " EXECUTE FUNCTION test_avvisa_vid_commit()"
                )
            )
    yield
    with engine.begin() as conn:
        for table in _REFUSING_TABLES:
            conn.execute(text(f"DROP TRIGGER test_avvisa_vid_commit ON {table}"))
        conn.execute(text("DROP FUNCTION test_avvisa_vid_commit()"))


def _refused_at_commit(response: httpx.Response) -> bool:
    return (
        response.status_code == 409
        and response.headers["content-type"] == "application/problem+json"
        and response.json()["type"] == "andringen-sparades-inte"
        and "testregeln avvisar raden" in response.json()["detail"]
    )


@pytest.mark.usefixtures("patch_data", "refusal_at_commit")
def test_an_edit_the_database_refuses_at_commit_is_a_problem_and_stores_nothing(
    engine: Engine, client: TestClient
) -> None:
    gis = _token(engine, "gis")
    lon, lat = local_lonlat((90, 90))
    new = {
        "produkt": "UT2",
        "huvudman": "parkenheten",
        "kvalitetsniva": REFUSED_AT_COMMIT,
        "orsak": "Ny papperskorg",
        "geometri": {"type": "Point", "coordinates": [lon, lat]},
    }
    assert _refused_at_commit(client.post("/api/v1/skotselobjekt", json=new, headers=gis))
    bench = _bench_id(client)
    seen = _etag(client, bench)
    changed = client.patch(
        f"/api/v1/skotselobjekt/{bench}",
        json={"kvalitetsniva": REFUSED_AT_COMMIT, "orsak": "Ny nivå"},
        headers=gis | {"If-Match": seen},
    )
    assert _refused_at_commit(changed)
    assert _etag(client, bench) == seen, "no new version"
    with engine.connect() as conn:
        stored = conn.execute(
            text("SELECT count(*) FROM skotselobjekt WHERE kvalitetsniva = :level"),
            {"level": REFUSED_AT_COMMIT},
        ).scalar_one()
        logged = conn.execute(
            text("SELECT count(*) FROM andringslogg WHERE orsak IN ('Ny papperskorg', 'Ny nivå')")
        ).scalar_one()
    assert stored == 0
    assert logged == 0


@pytest.mark.usefixtures("patch_data", "refusal_at_commit")
def test_an_organisation_the_database_refuses_at_commit_is_a_problem_and_not_stored(
    engine: Engine, client: TestClient
) -> None:
    organisation = {"slug": "brf-avvisad", "namn": REFUSED_AT_COMMIT, "typ": "forening"}
    saved = client.put(
        "/api/v1/organisationer/brf-avvisad",
        params={"orsak": "Ny förening"},
        json=organisation,
        headers=_token(engine, "admin"),
    )
    assert _refused_at_commit(saved)
    assert "brf-avvisad" not in {o["slug"] for o in client.get("/api/v1/organisationer").json()}
