"""The catalogue of bad input: each class refused with its status as a Swedish problem, and
nothing written (every written table and the audit log are the same before and after).

One row per class, across resolve, OGC items, uploads, editing, admin, the query string, SQL
metacharacters and the static files; docs/reliability.md lists the same table.
"""

import http.client
import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import geopandas as gpd
import httpx
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.settings import Settings
from app.main import create_app
from tests.handmade import BENCH_OBJECT, E0, N0
from tests.import_files import write_layer
from tests.support.bad_input import (
    PNG_HEAD,
    assert_problem,
    database_state,
    deeply_nested_geojson,
    zip_bomb,
    zipped,
)
from tests.support.tables import empty_tables

POINT = "lon=17.98&lat=59.24"
ITEMS = "/ogc/collections/skotselpunkter/items"
ROLES = ("gis", "admin")
SQL_METACHARACTERS = ("'; DROP TABLE fastighet; --", "%", "_", "\\", "' OR '1'='1")
OBJECTS_FORM = {
    "typ": "skotselobjekt",
    "organisation": "huge",
    "id_kolumn": "nr",
    "kod_kolumn": "kod",
}


@pytest.fixture(scope="module")
def headers(engine: Engine, handmade_data: None) -> Iterator[dict[str, dict[str, str]]]:  # noqa: ARG001 (a fixture set up first)
    """A token's header per role (and none for anonymous), removed afterwards."""
    found: dict[str, dict[str, str]] = {"": {}}
    with engine.begin() as conn:
        for role in ROLES:
            _, token = create_token(
                conn, name=f"katalog {role}", role=role, organisation=None, days=1
            )
            found[role] = {"Authorization": f"Bearer {token}"}
    yield found
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'katalog %'"))


@pytest.fixture
def state(engine: Engine) -> Iterator[None]:
    """The database must be as it was before the test."""
    before = database_state(engine)
    yield
    assert database_state(engine) == before


def _gpkg(rows: list[dict[str, Any]] | None = None) -> bytes:
    """A GeoPackage of Huge's layer (rows), or an empty one when rows is None."""
    folder = Path(tempfile.mkdtemp(prefix="katalog-"))
    path = folder / "lager.gpkg"
    if rows is None:
        empty = gpd.GeoDataFrame({"nr": [], "kod": []}, geometry=gpd.GeoSeries([], crs="EPSG:3006"))
        empty.to_file(path, layer="tomt", driver="GPKG")
    else:
        write_layer(path, rows)
    data = path.read_bytes()
    shutil.rmtree(folder)
    return data


def _one_bench() -> bytes:
    return _gpkg([{"nr": "1", "kod": "HB-BANK", "geometry": shapely.Point(E0 + 5, N0 + 5)}])


def _geojson(coordinates: str) -> bytes:
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nr":"1",'
        '"kod":"HB-BANK"},"geometry":{"type":"Point","coordinates":' + coordinates + "}}]}"
    ).encode()


@dataclass(frozen=True)
class Case:
    """One class of bad input: the request, who sends it, and the status it must get."""

    area: str
    method: str
    path: str
    status: int
    role: str = ""
    params: dict[str, str] | None = None
    body: Any = None  # JSON
    content: bytes | None = None
    content_type: str | None = None
    upload: tuple[str, Callable[[], bytes]] | None = None
    form: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def _point(lon: Any, lat: Any, z: Any = None) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat] if z is None else [lon, lat, z]}


SQUARE = {
    "type": "Polygon",
    "coordinates": [[[17.95, 59.23], [17.951, 59.23], [17.951, 59.231], [17.95, 59.23]]],
}
NEW = {"produkt": "UT1", "huvudman": "huge", "orsak": "provar", "geometri": _point(17.95, 59.23)}
STALE = '"2001-01-01T00:00:00+00:00"'
ORGANISATION = {"slug": "huge", "namn": "Huge Fastigheter AB", "typ": "kommunalt_bolag"}
PUT_HUGE = "/api/v1/organisationer/huge?orsak=provar"
PATCH_BENCH = f"/api/v1/skotselobjekt/{BENCH_OBJECT}"

CASES: dict[str, Case] = {
    # --- Who maintains this point? ---------------------------------------------------------
    "resolve: NaN longitude": Case("resolve", "GET", "/api/v1/ansvar?lon=NaN&lat=59.24", 400),
    "resolve: infinite latitude": Case("resolve", "GET", "/api/v1/ansvar?lon=17.98&lat=inf", 400),
    "resolve: longitude out of range": Case(
        "resolve", "GET", "/api/v1/ansvar?lon=200&lat=59.24", 400
    ),
    "resolve: swapped lon/lat": Case("resolve", "GET", "/api/v1/ansvar?lon=59.24&lat=17.98", 400),
    "resolve: SWEREF metres outside Sweden": Case(
        "resolve", "GET", "/api/v1/ansvar?x=10&y=10&crs=EPSG:3006", 400
    ),
    "resolve: unknown CRS": Case(
        "resolve", "GET", "/api/v1/ansvar?x=669978&y=6570576&crs=EPSG:999999", 400
    ),
    "resolve: malformed CRS": Case(
        "resolve", "GET", "/api/v1/ansvar?x=669978&y=6570576&crs=EPSG:abc", 400
    ),
    "resolve: no coordinates": Case("resolve", "GET", "/api/v1/ansvar", 400),
    "resolve: malformed date": Case(
        "resolve", "GET", f"/api/v1/ansvar?{POINT}&datum=2025-13-45", 400
    ),
    "resolve: batch that is no CSV": Case(
        "resolve",
        "POST",
        "/api/v1/ansvar/batch",
        400,
        content=b"\x00\x01\x02 inget csv",
        content_type="text/csv",
    ),
    "resolve: batch of another media type": Case(
        "resolve", "POST", "/api/v1/ansvar/batch", 415, content=b"<a/>", content_type="text/xml"
    ),
    # --- OGC API – Features items ----------------------------------------------------------
    "ogc: bbox of three numbers": Case("ogc", "GET", f"{ITEMS}?bbox=17,59,18", 400),
    "ogc: bbox of words": Case("ogc", "GET", f"{ITEMS}?bbox=a,b,c,d", 400),
    "ogc: bbox with NaN": Case("ogc", "GET", f"{ITEMS}?bbox=NaN,59,18,60", 400),
    "ogc: bbox west of its east": Case("ogc", "GET", f"{ITEMS}?bbox=18,59,17,60", 400),
    "ogc: unknown bbox-crs": Case("ogc", "GET", f"{ITEMS}?bbox=1,2,3,4&bbox-crs=EPSG:999999", 400),
    "ogc: unknown crs": Case("ogc", "GET", f"{ITEMS}?crs=urn:nonsense", 400),
    "ogc: malformed datetime": Case("ogc", "GET", f"{ITEMS}?datetime=igar", 400),
    "ogc: datetime interval backwards": Case(
        "ogc", "GET", f"{ITEMS}?datetime=2025-01-01T00:00:00Z/2024-01-01T00:00:00Z", 400
    ),
    "ogc: limit zero": Case("ogc", "GET", f"{ITEMS}?limit=0", 400),
    "ogc: limit not a number": Case("ogc", "GET", f"{ITEMS}?limit=tio", 400),
    "ogc: limit beyond 32 bits": Case("ogc", "GET", f"{ITEMS}?limit=99999999999", 400),
    "ogc: malformed cursor": Case("ogc", "GET", f"{ITEMS}?cursor=nonsense", 400),
    "ogc: cursor beyond 64 bits": Case("ogc", "GET", f"{ITEMS}?cursor=n{'9' * 30}", 400),
    "ogc: unknown parameter": Case("ogc", "GET", f"{ITEMS}?okand=1", 400),
    "ogc: unknown collection": Case("ogc", "GET", "/ogc/collections/finns-inte/items", 404),
    "ogc: unknown feature": Case("ogc", "GET", f"{ITEMS}/finns-inte", 404),
    # --- Uploads (POST /api/v1/importer) ---------------------------------------------------
    "upload: empty file": Case(
        "upload", "POST", "/api/v1/importer", 400, "gis", upload=("tom.gpkg", lambda: b"")
    ),
    "upload: zip bomb": Case(
        "upload", "POST", "/api/v1/importer", 400, "gis", upload=("bomb.zip", zip_bomb)
    ),
    "upload: zip with ../ paths": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("slip.zip", lambda: zipped({"../../evil.gpkg": b"SQLite format 3\x00"})),
    ),
    "upload: nested zip": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("inre.zip", lambda: zipped({"inre.zip": zipped({"x.gpkg": _one_bench()})})),
    ),
    "upload: corrupt zip": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("trasig.zip", lambda: b"PK\x03\x04" + b"\x13" * 300),
    ),
    "upload: PNG named .gpkg": Case(
        "upload", "POST", "/api/v1/importer", 415, "gis", upload=("bild.gpkg", lambda: PNG_HEAD)
    ),
    "upload: GeoPackage with no features": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("tom.gpkg", _gpkg),
        form=OBJECTS_FORM,
    ),
    "upload: deeply nested GeoJSON": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("djup.geojson", deeply_nested_geojson),
        form=OBJECTS_FORM,
    ),
    "upload: GeoJSON with NaN": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("nan.geojson", lambda: _geojson("[NaN, Infinity]")),
        form=OBJECTS_FORM,
    ),
    "upload: GeoJSON in metres without CRS": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("meter.geojson", lambda: _geojson(f"[{E0}, {N0}]")),
        form=OBJECTS_FORM,
    ),
    "upload: unknown organisation": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        404,
        "gis",
        upload=("objekt.gpkg", _one_bench),
        form=OBJECTS_FORM | {"organisation": "hugo"},
    ),
    "upload: unknown layer": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("objekt.gpkg", _one_bench),
        form=OBJECTS_FORM | {"lager": "finns-inte"},
    ),
    "upload: unknown kind": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("objekt.gpkg", _one_bench),
        form={"typ": "allt"},
    ),
    "upload: unknown CRS": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        400,
        "gis",
        upload=("objekt.gpkg", _one_bench),
        form=OBJECTS_FORM | {"crs": "EPSG:999999"},
    ),
    "upload: no multipart": Case(
        "upload",
        "POST",
        "/api/v1/importer",
        415,
        "gis",
        content=b"{}",
        content_type="application/json",
    ),
    # --- Editing ---------------------------------------------------------------------------
    "editing: stale If-Match": Case(
        "editing",
        "PATCH",
        PATCH_BENCH,
        409,
        "gis",
        body={"kvalitetsniva": "A", "orsak": "provar"},
        headers={"If-Match": STALE},
    ),
    "editing: PATCH without If-Match": Case(
        "editing", "PATCH", PATCH_BENCH, 428, "gis", body={"kvalitetsniva": "A", "orsak": "provar"}
    ),
    "editing: DELETE without If-Match": Case(
        "editing", "DELETE", f"{PATCH_BENCH}?orsak=provar", 428, "gis"
    ),
    "editing: malformed If-Match": Case(
        "editing",
        "PATCH",
        PATCH_BENCH,
        400,
        "gis",
        body={"kvalitetsniva": "A", "orsak": "provar"},
        headers={"If-Match": '"igar"'},
    ),
    "editing: product of the wrong geometry kind": Case(
        "editing", "POST", "/api/v1/skotselobjekt", 400, "gis", body=NEW | {"geometri": SQUARE}
    ),
    "editing: geometry outside Sweden": Case(
        "editing",
        "POST",
        "/api/v1/skotselobjekt",
        400,
        "gis",
        body=NEW | {"geometri": _point(151.2, -33.9)},
    ),
    "editing: geometry with swapped lon/lat": Case(
        "editing",
        "POST",
        "/api/v1/skotselobjekt",
        400,
        "gis",
        body=NEW | {"geometri": _point(59.23, 17.95)},
    ),
    "editing: NaN coordinates": Case(
        "editing",
        "POST",
        "/api/v1/skotselobjekt",
        400,
        "gis",
        content=json.dumps(NEW | {"geometri": _point(float("nan"), 59.23)}).encode(),
        content_type="application/json",
    ),
    "editing: geometry that is no GeoJSON": Case(
        "editing",
        "POST",
        "/api/v1/skotselobjekt",
        400,
        "gis",
        body=NEW | {"geometri": {"type": "Cirkel"}},
    ),
    "editing: unknown huvudman": Case(
        "editing", "POST", "/api/v1/skotselobjekt", 400, "gis", body=NEW | {"huvudman": "hugo"}
    ),
    "editing: unknown field": Case(
        "editing", "POST", "/api/v1/skotselobjekt", 400, "gis", body=NEW | {"okant": 1}
    ),
    "editing: malformed object id": Case(
        "editing",
        "PATCH",
        "/api/v1/skotselobjekt/inget-uuid",
        404,
        "gis",
        body={"kvalitetsniva": "A", "orsak": "provar"},
        headers={"If-Match": STALE},
    ),
    "editing: handover with both area and polygon": Case(
        "editing",
        "POST",
        "/api/v1/skotselobjekt/overlatelse",
        400,
        "gis",
        body={
            "fran": "huge",
            "till": "husf",
            "driftomrade": 1,
            "omrade": SQUARE,
            "giltig_fran": "2025-01-01",
            "orsak": "provar",
        },
    ),
    "editing: body that is no JSON": Case(
        "editing",
        "POST",
        "/api/v1/skotselobjekt",
        400,
        "gis",
        content=b"{inte json",
        content_type="application/json",
    ),
    # --- Admin -----------------------------------------------------------------------------
    "admin: organisation its own parent": Case(
        "admin", "PUT", PUT_HUGE, 400, "admin", body=ORGANISATION | {"overordnad": "huge"}
    ),
    "admin: over-long organisation name": Case(
        "admin", "PUT", PUT_HUGE, 400, "admin", body=ORGANISATION | {"namn": "H" * 100_000}
    ),
    "admin: javascript: contact URL": Case(
        "admin",
        "PUT",
        PUT_HUGE,
        400,
        "admin",
        body=ORGANISATION
        | {"kontakter": [{"roll": "Felanmälan", "felanmalan_url": "javascript:alert(1)"}]},
    ),
    "admin: javascript: web address": Case(
        "admin",
        "PUT",
        PUT_HUGE,
        400,
        "admin",
        body=ORGANISATION | {"webbplats": "javascript:alert(1)"},
    ),
    "admin: slug in the path and body differ": Case(
        "admin", "PUT", "/api/v1/organisationer/husf?orsak=provar", 400, "admin", body=ORGANISATION
    ),
    "admin: unknown organisation type": Case(
        "admin", "PUT", PUT_HUGE, 400, "admin", body=ORGANISATION | {"typ": "imperium"}
    ),
    "admin: reason too short": Case(
        "admin", "PUT", "/api/v1/organisationer/huge?orsak=x", 400, "admin", body=ORGANISATION
    ),
    "admin: product of an unknown kind": Case(
        "admin",
        "PUT",
        "/api/v1/skotselprodukter/X1?orsak=provar",
        400,
        "admin",
        body={"kod": "X1", "namn": "Prov", "geometrityp": "klot"},
    ),
    # --- SQL metacharacters in ids and names -----------------------------------------------
    **{
        f"sql: {value!r} as an OGC feature id": Case(
            "sql", "GET", f"{ITEMS}/{quote(value, safe='')}", 404
        )
        for value in SQL_METACHARACTERS
    },
    **{
        f"sql: {value!r} as a collection": Case(
            "sql", "GET", f"/ogc/collections/{quote(value, safe='')}/items", 404
        )
        for value in SQL_METACHARACTERS
    },
    **{
        f"sql: {value!r} as an object id": Case(
            "sql", "GET", f"/api/v1/skotselobjekt/{quote(value, safe='')}/historik", 404
        )
        for value in SQL_METACHARACTERS
    },
    **{
        f"sql: {value!r} as an organisation slug": Case(
            "sql",
            "PUT",
            f"/api/v1/organisationer/{quote(value, safe='')}?orsak=provar",
            400,
            "admin",
            body=ORGANISATION | {"slug": value},
        )
        for value in SQL_METACHARACTERS
    },
    **{
        f"sql: {value!r} as a CRS": Case(
            "sql",
            "GET",
            "/api/v1/ansvar",
            400,
            params={"x": "669978", "y": "6570576", "crs": value},
        )
        for value in SQL_METACHARACTERS
    },
    **{
        f"sql: {value!r} as a product to resolve": Case(
            "sql",
            "GET",
            "/api/v1/ansvar",
            400,
            params={"lon": "17.98", "lat": "59.24", "produkt": value},
        )
        for value in SQL_METACHARACTERS
    },
    **{
        f"sql: {value!r} as an upload's organisation": Case(
            "sql",
            "POST",
            "/api/v1/importer",
            404,
            "gis",
            upload=("objekt.gpkg", _one_bench),
            form=OBJECTS_FORM | {"organisation": value},
        )
        for value in SQL_METACHARACTERS
    },
}


def _send(client: TestClient, case: Case, headers: dict[str, dict[str, str]]) -> httpx.Response:
    sent = headers[case.role] | case.headers
    if case.content_type:
        sent = sent | {"Content-Type": case.content_type}
    options: dict[str, Any] = {"params": case.params}
    if case.upload is not None:
        name, make = case.upload
        options["files"] = {"fil": (name, make(), "application/octet-stream")}
        options["data"] = {"typ": "fastigheter"} | case.form
    elif case.content is not None:
        options["content"] = case.content
    elif case.body is not None:
        options["json"] = case.body
    response: httpx.Response = client.request(case.method, case.path, headers=sent, **options)
    return response


@pytest.mark.usefixtures("state")
@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_a_problem_and_changes_nothing(
    safe_client: TestClient, headers: dict[str, dict[str, str]], name: str
) -> None:
    case = CASES[name]
    assert_problem(_send(safe_client, case, headers), case.status)


# Strings that are no attack and must be answered as any other text: 200, not a problem.
@pytest.mark.usefixtures("state")
@pytest.mark.parametrize("value", SQL_METACHARACTERS)
@pytest.mark.parametrize(
    ("path", "point", "parameter"),
    [
        (ITEMS, {}, "produkt"),
        (ITEMS, {}, "huvudman"),
        ("/api/v1/andringslogg", {}, "tabell"),
    ],
)
def test_sql_metacharacters_in_text_parameters_are_plain_text(
    safe_client: TestClient,
    headers: dict[str, dict[str, str]],
    path: str,
    point: dict[str, str],
    parameter: str,
    value: str,
) -> None:
    response = safe_client.get(path, params=point | {parameter: value}, headers=headers["admin"])
    assert response.status_code == 200, response.text


@pytest.mark.usefixtures("state")
@pytest.mark.parametrize("value", SQL_METACHARACTERS)
def test_sql_metacharacters_in_the_search_match_only_themselves(
    safe_client: TestClient, value: str
) -> None:
    # Every hand-made parcel starts with TESTTRAKT 1 (1:1 to 1:4); with a wildcard after it
    # taken as one, they would all be suggested.
    assert len(safe_client.get("/api/v1/sok", params={"q": "TESTTRAKT 1"}).json()["forslag"]) == 4
    response = safe_client.get("/api/v1/sok", params={"q": f"TESTTRAKT 1{value}"})
    assert response.status_code == 200, response.text
    assert response.json()["forslag"] == []


def test_a_3d_point_is_no_bad_input(
    client: TestClient, headers: dict[str, dict[str, str]], engine: Engine
) -> None:
    created = client.post(
        "/api/v1/skotselobjekt",
        json=NEW | {"geometri": _point(17.95, 59.23, 42.0)},
        headers=headers["gis"],
    )
    assert created.status_code == 201, created.text
    with engine.begin() as conn:
        dimensions = conn.execute(
            text("SELECT ST_NDims(geom) FROM skotselobjekt WHERE objekt_id = :id"),
            {"id": created.json()["id"]},
        ).scalar_one()
        conn.execute(
            text("DELETE FROM skotselobjekt WHERE objekt_id = :id"), {"id": created.json()["id"]}
        )
    assert dimensions == 2


# --- Through a real server: what uvicorn and the static files see as sent ------------------


def _raw_get(base: str, target: str) -> tuple[int, str, bytes]:
    """GET target exactly as written (no normalising of dots or escapes)."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    try:
        connection.putrequest("GET", target, skip_accept_encoding=True)
        connection.endheaders()
        answer = connection.getresponse()
        return answer.status, answer.getheader("content-type", ""), answer.read()
    finally:
        connection.close()


TRAVERSALS = (
    "/../../etc/passwd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/..%2f..%2f..%2fetc%2fpasswd",
    "/assets/%2e%2e%2f%2e%2e%2fpyproject.toml",
    "/..%5c..%5cpyproject.toml",
    "/api-docs/../../pyproject.toml",
)


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_on_static_files_finds_nothing(live_server: str, target: str) -> None:
    status, media_type, body = _raw_get(live_server, target)
    assert status in (400, 404), body[:500]
    assert media_type == "application/problem+json"
    assert b"root:" not in body
    assert b"[project]" not in body


def test_a_query_string_of_100_kb_is_a_414_problem(live_server: str, engine: Engine) -> None:
    before = database_state(engine)
    status, media_type, body = _raw_get(live_server, f"{ITEMS}?produkt={'x' * 100_000}")
    assert status == 414, body[:500]
    assert media_type == "application/problem+json"
    assert json.loads(body)["status"] == 414
    assert database_state(engine) == before


@pytest.fixture(scope="module")
def safe_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The app with raise_server_exceptions off, so a 500 is seen as the client sees it."""
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module", autouse=True)
def _no_imports_left(engine: Engine) -> Iterator[None]:
    yield
    empty_tables(engine, ("importavvisning", "importkorning"))
