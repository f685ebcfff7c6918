"""A contractor's token never sees less than no token; without public reading, only its own.

Every public read family over real HTTP on the hand-made patch (tests/handmade.py): the
contractor (Södertörns Parkdrift, performer of "Testområde park", local 0–100 × 0–100) is asked
what an anonymous visitor is asked, with ANSVAR_PUBLIC_READ on and off. Its "not found" names
both reasons without telling which; gis and anonymous keep the plain wording.
"""

import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.settings import Settings
from app.main import create_app
from app.reports.categories import read_categories, sync_categories
from tests.handmade import BENCH_OBJECT, E0, N0, local_lonlat
from tests.support.tokens import Headers, bearer_headers

CONTRACTOR = "sodertorns-parkdrift"
REPORTS = "/api/v1/felanmalan"
OPEN311 = "/open311/v2"
BENCH_PARK = (60, 60)  # the park unit's bench, in the contractor's area
LAWN_HUGE = (150, 20)  # Huge's lawn, in the area Huge performs itself
UNKNOWN_REPORT = "F-2000-000001"
UNKNOWN_OBJECT = "00000000-0000-4000-8000-00000000ffff"


@pytest.fixture(scope="module")
def tokens(engine: Engine) -> Iterator[dict[str, Headers]]:
    """Headers of a contractor's, a reader's and a gis token, and none for anonymous."""
    roles = {"entreprenor": CONTRACTOR, "lasare": None, "gis": None}
    with bearer_headers(engine, "publik", roles) as headers:
        yield {"anonym": {}, **headers}


@pytest.fixture(scope="module")
def closed(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with ANSVAR_PUBLIC_READ=false."""
    with TestClient(create_app(settings.model_copy(update={"public_read": False}))) as app:
        yield app


@pytest.fixture(scope="module")
def reports(
    client: TestClient,
    engine: Engine,
    handmade_data: None,  # noqa: ARG001 (set up first)
    tokens: dict[str, Headers],
) -> Iterator[dict[str, str]]:
    """Two reports with a reporter's contact: one in the contractor's area, one in Huge's."""
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
    made = {}
    for key, xy, category in (
        ("park", BENCH_PARK, "trasig-mobel"),
        ("huge", LAWN_HUGE, "nedskrapning"),
    ):
        lon, lat = local_lonlat(xy)
        body = {
            "lon": lon,
            "lat": lat,
            "kategori": category,
            "beskrivning": "Ring mig",
            "kontakt": {"namn": "Bo Berg", "epost": "bo@example.org"},
        }
        response = client.post(REPORTS, json=body, headers=tokens["gis"])
        assert response.status_code == 201, response.text
        made[key] = response.json()["nummer"]
    yield made
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


def _ok(app: TestClient, headers: Headers, url: str, **params: Any) -> Any:
    response = app.get(url, params=params, headers=headers)
    assert response.status_code == 200, (url, response.text)
    return response.json()


def _feature_ids(app: TestClient, headers: Headers, collection: str) -> set[Any]:
    body = _ok(app, headers, f"/ogc/collections/{collection}/items", limit=1000)
    return {f["id"] for f in body["features"]}


def _area_ids(app: TestClient, headers: Headers) -> set[int]:
    return {a["id"] for a in _ok(app, headers, "/api/v1/driftomraden")}


def _area_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        sql = text("SELECT id FROM driftomrade WHERE namn = :name")
        return int(conn.execute(sql, {"name": name}).scalar_one())


def _tile_of(xy: tuple[float, float], z: int) -> str:
    lon, lat = local_lonlat(xy)
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return f"{z}/{x}/{y}"


def _detail(response: Any) -> str:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["detail"])


def _open311_detail(response: Any) -> str:
    assert response.status_code == 404, response.text
    return str(response.json()[0]["description"])


# Operations areas and features ------------------------------------------------------------


@pytest.mark.usefixtures("handmade_data")
def test_areas_and_features_a_contractor_reads_as_anyone_does(
    client: TestClient, closed: TestClient, engine: Engine, tokens: dict[str, Headers]
) -> None:
    contractor, anonymous, reader = tokens["entreprenor"], tokens["anonym"], tokens["lasare"]
    huge = _area_id(engine, "Testområde Huge")
    assert _area_ids(client, contractor) >= _area_ids(client, anonymous) >= {huge}
    assert _ok(client, contractor, f"/api/v1/driftomraden/{huge}")["namn"] == "Testområde Huge"
    for collection in ("skotselpunkter", "skotselytor", "skotsellinjer", "driftomraden"):
        everyone = _feature_ids(client, anonymous, collection)
        assert everyone, collection
        assert _feature_ids(client, contractor, collection) >= everyone, collection
    hedge = next(iter(_feature_ids(client, anonymous, "skotsellinjer")))  # in Huge's area
    item = _ok(client, contractor, f"/ogc/collections/skotsellinjer/items/{hedge}")
    assert item["id"] == hedge
    tile = f"/ogc/collections/skotselpunkter/tiles/WebMercatorQuad/{_tile_of((100, 100), 14)}"
    assert client.get(tile, headers=contractor).content == client.get(tile).content != b""

    # Without public reading the contractor's own areas alone, where a reader sees all.
    assert _area_ids(closed, contractor) == {_area_id(engine, "Testområde park")}
    assert huge in _area_ids(closed, reader)
    for collection in ("skotselpunkter", "driftomraden"):
        own = _feature_ids(closed, contractor, collection)
        assert own, collection
        assert own < _feature_ids(closed, reader, collection), collection
    assert (
        closed.get(f"/ogc/collections/skotsellinjer/items/{hedge}", headers=contractor).status_code
        == 404
    )
    scoped_tile = closed.get(tile, headers=contractor).content
    assert scoped_tile != closed.get(tile, headers=reader).content


@pytest.mark.usefixtures("handmade_data")
def test_the_history_and_the_responsibility_a_contractor_reads_as_anyone_does(
    client: TestClient, closed: TestClient, tokens: dict[str, Headers]
) -> None:
    contractor = tokens["entreprenor"]
    history = f"/api/v1/skotselobjekt/{BENCH_OBJECT}/historik"  # the bench in no area of its
    assert _ok(client, contractor, history) == _ok(client, {}, history)
    assert closed.get(history, headers=contractor).status_code == 404
    outside = {"x": E0 + 150, "y": N0 + 50, "crs": "EPSG:3006"}  # in Huge's area
    assert _ok(client, contractor, "/api/v1/ansvar", **outside) == _ok(
        client, {}, "/api/v1/ansvar", **outside
    )
    refused = closed.get("/api/v1/ansvar", params=outside, headers=contractor)
    assert refused.status_code == 404
    assert refused.json()["type"] == "utanfor-dina-driftomraden"
    rows = f"id,x,y\nut,{E0 + 150},{N0 + 50}\n".encode()

    def batch(app: TestClient, headers: Headers, **params: str) -> Any:
        response = app.post(
            "/api/v1/ansvar/batch",
            params={"crs": "EPSG:3006", **params},
            content=rows,
            headers=headers | {"content-type": "text/csv"},
        )
        assert response.status_code == 200, response.text
        return response.json()["svar"][0]

    assert batch(client, contractor) == batch(client, {})
    assert "huvudman" in batch(client, contractor)
    assert batch(closed, contractor)["fel"]["type"] == "utanfor-dina-driftomraden"
    # A safety walk makes reports with the token: not a public read, its own areas still.
    walk = batch(client, contractor, skapa_felanmalan="true")
    assert walk["fel"]["type"] == "utanfor-dina-driftomraden"


# Fault reports and Open311 --------------------------------------------------------------


def test_reports_a_contractor_reads_as_anyone_does_the_details_of_its_own(
    client: TestClient, closed: TestClient, tokens: dict[str, Headers], reports: dict[str, str]
) -> None:
    contractor = tokens["entreprenor"]
    park, huge = reports["park"], reports["huge"]

    def listed(app: TestClient, headers: Headers, **params: Any) -> dict[str, Any]:
        body = _ok(app, headers, REPORTS, limit=1000, **params)
        return {r["nummer"]: r["detaljer"] for r in body["felanmalningar"]}

    everyone = listed(client, {})
    assert {park, huge} <= everyone.keys()
    shown = listed(client, contractor)
    assert shown.keys() >= everyone.keys()
    assert shown[park] is not None, "its own area's report: the details"
    assert shown[huge] is None, "another's: the public fields alone"
    assert "bo@example.org" not in client.get(f"{REPORTS}/{huge}", headers=contractor).text
    assert _ok(client, contractor, f"{REPORTS}/{park}")["detaljer"]["kontakt"]["namn"] == "Bo Berg"
    mine = listed(client, contractor, mina="true")
    assert park in mine
    assert huge not in mine, "mina: its areas' alone"
    lon, lat = local_lonlat(LAWN_HUGE)
    near = {"lon": lon, "lat": lat, "kategori": "nedskrapning"}
    anyone_near = {
        r["nummer"] for r in _ok(client, {}, f"{REPORTS}/nara", **near)["felanmalningar"]
    }
    contractor_near = _ok(client, contractor, f"{REPORTS}/nara", **near)["felanmalningar"]
    assert {r["nummer"] for r in contractor_near} >= anyone_near >= {huge}
    statistics = f"{REPORTS}/statistik"
    assert _ok(client, contractor, statistics)["totalt"] >= _ok(client, {}, statistics)["totalt"]
    assert (
        _ok(client, contractor, statistics)["totalt"]
        > _ok(client, contractor, statistics, mina="true")["totalt"]
    )

    scoped = listed(closed, contractor)
    assert park in scoped
    assert huge not in scoped
    assert {park, huge} <= listed(closed, tokens["lasare"]).keys()
    assert closed.get(f"{REPORTS}/{huge}", headers=contractor).status_code == 404
    closed_near = _ok(closed, contractor, f"{REPORTS}/nara", **near)["felanmalningar"]
    assert closed_near == []
    closed_total = _ok(closed, contractor, statistics)["totalt"]
    assert closed_total == _ok(closed, contractor, statistics, mina="true")["totalt"]
    assert closed_total < _ok(closed, tokens["lasare"], statistics)["totalt"]


def test_open311_a_contractor_reads_as_anyone_does(
    client: TestClient, closed: TestClient, tokens: dict[str, Headers], reports: dict[str, str]
) -> None:
    contractor = tokens["entreprenor"]
    park, huge = reports["park"], reports["huge"]

    def numbers(app: TestClient, headers: Headers, **params: str) -> dict[str, Any]:
        body = _ok(app, headers, f"{OPEN311}/requests.json", **params)
        return {r["service_request_id"]: r["description"] for r in body}

    everyone = numbers(client, {})
    assert {park, huge} <= everyone.keys()
    shown = numbers(client, contractor)
    assert shown.keys() >= everyone.keys()
    assert shown[park] == "Ring mig", "its own area's: the description"
    assert shown[huge] is None
    by_number = numbers(client, contractor, service_request_id=f"{park},{huge}")
    assert by_number.keys() == {park, huge}
    assert (
        _ok(client, contractor, f"{OPEN311}/requests/{huge}.json")[0]["service_request_id"] == huge
    )
    assert _ok(client, contractor, f"{OPEN311}/tokens/{huge}.json")[0]["service_request_id"] == huge

    scoped = numbers(closed, contractor)
    assert park in scoped
    assert huge not in scoped
    assert numbers(closed, contractor, service_request_id=f"{park},{huge}").keys() == {park}
    assert closed.get(f"{OPEN311}/requests/{huge}.json", headers=contractor).status_code == 404
    assert {park, huge} <= numbers(closed, tokens["lasare"]).keys()


# The coordination analysis -------------------------------------------------------------


@pytest.mark.usefixtures("handmade_data")
def test_the_analysis_per_area_a_contractor_reads_as_anyone_does(
    client: TestClient, closed: TestClient, engine: Engine, tokens: dict[str, Headers]
) -> None:
    contractor, reader = tokens["entreprenor"], tokens["lasare"]
    areas = {str(_area_id(engine, "Testområde park")), str(_area_id(engine, "Testområde Huge"))}

    def scopes(app: TestClient, headers: Headers) -> dict[str, set[str]]:
        per_area = {"indelning": "driftomrade"}
        quantities = _ok(app, headers, "/api/v1/samordning/mangder", **per_area)["rader"]
        mix = _ok(app, headers, "/api/v1/samordning/blandning", **per_area)["features"]
        costs_body = _ok(app, headers, "/api/v1/samordning/kostnader", **per_area)
        costs = costs_body["rader"] + costs_body["saknar_pris"]
        return {
            "mangder": {r["omrade"]["id"] for r in quantities},
            "blandning": {f["id"] for f in mix},
            "kostnader": {r["omrade"] for r in costs},
        }

    everyone = scopes(client, {})
    assert all(found == areas for found in everyone.values()), everyone
    assert scopes(client, contractor) == everyone
    own = {str(_area_id(engine, "Testområde park"))}
    assert all(found == own for found in scopes(closed, contractor).values())
    assert all(found == areas for found in scopes(closed, reader).values())


# Not found: for a scoped contractor without telling which ------------------------------


def test_a_scoped_contractor_is_not_told_whether_it_exists_or_is_anothers(
    closed: TestClient, engine: Engine, tokens: dict[str, Headers], reports: dict[str, str]
) -> None:
    contractor, gis = tokens["entreprenor"], tokens["gis"]
    huge = _area_id(engine, "Testområde Huge")
    area_text = "finns inte eller är inte ett av era driftområden."
    assert _detail(closed.get(f"/api/v1/driftomraden/{huge}", headers=contractor)) == (
        f"Driftområdet {huge} {area_text}"
    )
    assert _detail(closed.get("/api/v1/driftomraden/999999", headers=contractor)) == (
        f"Driftområdet 999999 {area_text}"
    )
    assert _detail(closed.get("/api/v1/driftomraden/999999", headers=gis)) == (
        "Driftområdet 999999 finns inte."
    )
    outside = "finns inte eller ligger inte i era driftområden."
    for object_id in (BENCH_OBJECT, UNKNOWN_OBJECT):
        history = f"/api/v1/skotselobjekt/{object_id}/historik"
        assert _detail(closed.get(history, headers=contractor)) == (
            f"Skötselobjektet '{object_id}' {outside}"
        )
    assert _detail(closed.get(f"/api/v1/skotselobjekt/{UNKNOWN_OBJECT}/historik", headers=gis)) == (
        f"Skötselobjektet '{UNKNOWN_OBJECT}' finns inte."
    )
    item = f"/ogc/collections/driftomraden/items/{huge}"
    assert _detail(closed.get(item, headers=contractor)) == (
        f"Objektet '{huge}' finns inte i driftomraden eller är inte ett av era driftområden."
    )
    missing_item = f"/ogc/collections/skotselpunkter/items/{UNKNOWN_OBJECT}"
    assert _detail(closed.get(missing_item, headers=contractor)) == (
        f"Objektet '{UNKNOWN_OBJECT}' finns inte i skotselpunkter eller ligger inte i era"
        " driftområden."
    )
    assert _detail(closed.get(missing_item, headers=gis)) == (
        f"Objektet '{UNKNOWN_OBJECT}' finns inte i skotselpunkter."
    )
    for number in (reports["huge"], UNKNOWN_REPORT):
        assert _detail(closed.get(f"{REPORTS}/{number}", headers=contractor)) == (
            f"Felanmälan {number} {outside}"
        )
        status = closed.post(
            f"{REPORTS}/{number}/status", json={"status": "mottagen"}, headers=contractor
        )
        assert _detail(status) == f"Felanmälan {number} {outside}"
        one = closed.get(f"{OPEN311}/requests/{number}.json", headers=contractor)
        assert _open311_detail(one) == f"Felanmälan {number} {outside}"
        token = closed.get(f"{OPEN311}/tokens/{number}.json", headers=contractor)
        assert _open311_detail(token) == (
            f"Token {number} finns inte eller dess felanmälan ligger inte i era driftområden."
        )
    assert _detail(closed.get(f"{REPORTS}/{UNKNOWN_REPORT}", headers=gis)) == (
        f"Felanmälan {UNKNOWN_REPORT} finns inte."
    )
    gis_one = closed.get(f"{OPEN311}/requests/{UNKNOWN_REPORT}.json", headers=gis)
    assert _open311_detail(gis_one) == f"Felanmälan {UNKNOWN_REPORT} finns inte."


def test_with_public_reading_a_contractor_is_told_plainly(
    client: TestClient, tokens: dict[str, Headers], reports: dict[str, str]
) -> None:
    contractor = tokens["entreprenor"]
    assert _detail(client.get("/api/v1/driftomraden/999999", headers=contractor)) == (
        "Driftområdet 999999 finns inte."
    )
    assert _detail(client.get(f"{REPORTS}/{UNKNOWN_REPORT}", headers=contractor)) == (
        f"Felanmälan {UNKNOWN_REPORT} finns inte."
    )
    history = client.get(f"/api/v1/skotselobjekt/{UNKNOWN_OBJECT}/historik", headers=contractor)
    assert _detail(history) == f"Skötselobjektet '{UNKNOWN_OBJECT}' finns inte."
    # Another's report it reads, but may not change: forbidden, not hidden.
    status = client.post(
        f"{REPORTS}/{reports['huge']}/status", json={"status": "mottagen"}, headers=contractor
    )
    assert status.status_code == 403
