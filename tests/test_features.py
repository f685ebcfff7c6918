"""OGC API – Features with real clients: GDAL's OAPIF driver, plain HTTP, pyproj, GDAL's MVT."""

import gzip
import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import brotli
import httpx
import numpy as np
import pyogrio
import pytest
import shapely
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate
from pyproj import Transformer
from sqlalchemy import Engine, text

from app.demo.generate import generate
from app.demo.load import load_demo, reset_data
from tests.support.tables import IMPORT_TABLES, empty_tables

EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"


@pytest.fixture(scope="module")
def demo_server(
    engine: Engine, live_server: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A small demo (about 1,500 parcels) committed to the test database, behind a live server."""
    out_dir = tmp_path_factory.mktemp("ogc-demo")
    manifest = generate(out_dir, parcels=1_500)
    with engine.begin() as conn:
        reset_data(conn, IMPORT_TABLES)
        load_demo(conn, out_dir, manifest)
        conn.execute(text("ANALYZE fastighet, fastighetsagare, skotselobjekt, driftomrade"))
    yield live_server
    empty_tables(engine, IMPORT_TABLES)


def _get(url: str, **params: Any) -> httpx.Response:
    return httpx.get(url, params=params, timeout=60)


def _scalar(engine: Engine, sql: str, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_gdal_lists_the_collections(demo_server: str) -> None:
    result = subprocess.run(
        ["ogrinfo", "-ro", "-so", f"OAPIF:{demo_server}/ogc"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    for line in (
        "fastigheter (title: Fastigheter) (Multi Polygon)",
        "skotselytor (title: Skötselytor) (Multi Polygon)",
        "skotsellinjer (title: Skötsellinjer) (Multi Line String)",
        "skotselpunkter (title: Skötselpunkter) (Point)",
        "driftomraden (title: Driftområden) (Multi Polygon)",
        "kommungrans (title: Kommungräns) (Multi Polygon)",
    ):
        assert line in result.stdout


def test_ogr2ogr_copies_a_whole_collection_across_pages(
    demo_server: str, engine: Engine, tmp_path: Path
) -> None:
    target = tmp_path / "fastigheter.gpkg"
    subprocess.run(
        [
            "ogr2ogr",
            "-f",
            "GPKG",
            str(target),
            f"OAPIF:{demo_server}/ogc",
            "fastigheter",
            "-oo",
            "PAGE_SIZE=250",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    copied = pyogrio.read_dataframe(target).to_crs(3006)
    expected = _scalar(engine, "SELECT count(*) FROM fastighet WHERE valid_to IS NULL")
    assert expected > 1_000, "the collection must span several pages of 250"
    assert len(copied) == expected
    with engine.connect() as conn:
        stored = {
            str(row.objektidentitet): shapely.from_wkb(bytes(row.wkb))
            for row in conn.execute(
                text(
                    "SELECT objektidentitet, ST_AsBinary(geom) AS wkb FROM fastighet"
                    " WHERE valid_to IS NULL"
                )
            )
        }
    assert set(copied["id"]) == set(stored)
    distances = shapely.hausdorff_distance(
        copied.geometry.to_numpy(), np.array([stored[i] for i in copied["id"]], dtype=object)
    )
    # 7 decimals of a degree is about 1 cm; the round trip through WGS84 stays within 2 cm.
    assert float(distances.max()) < 0.02


def test_output_in_sweref_18_00_matches_pyproj_within_a_centimetre(
    demo_server: str, engine: Engine
) -> None:
    response = _get(
        f"{demo_server}/ogc/collections/skotselpunkter/items", crs=EPSG.format(3011), limit=200
    )
    assert response.headers["content-crs"] == f"<{EPSG.format(3011)}>"
    features = response.json()["features"]
    to_3011 = Transformer.from_crs(3006, 3011)  # authority axis order in and out: N, E
    with engine.connect() as conn:
        stored: dict[str, list[float]] = {
            row[0]: row[1]
            for row in conn.execute(
                text(
                    "SELECT objekt_id::text, ARRAY[ST_X(geom), ST_Y(geom)] FROM skotselobjekt"
                    " WHERE geometrityp = 'punkt' AND valid_to IS NULL"
                )
            )
        }
    assert len(features) == 200
    for feature in features:
        easting, northing = stored[feature["id"]]
        expected = to_3011.transform(northing, easting)
        assert feature["geometry"]["coordinates"] == pytest.approx(list(expected), abs=0.01)


def test_bbox_across_the_edge_of_the_collection(demo_server: str, engine: Engine) -> None:
    # A box that reaches out of Huddinge to the west: only what lies inside it comes back.
    west, south, east, north = 17.80, 59.20, 17.92, 59.26
    response = _get(
        f"{demo_server}/ogc/collections/fastigheter/items",
        bbox=f"{west},{south},{east},{north}",
        limit=10_000,
    )
    assert response.status_code == 200
    returned = response.json()["numberReturned"]
    expected = _scalar(
        engine,
        "SELECT count(*) FROM fastighet WHERE valid_to IS NULL AND ST_Intersects(geom,"
        " ST_Transform(ST_Segmentize(ST_MakeEnvelope(:w, :s, :e, :n, 4326), 0.0001), 3006))",
        w=west,
        s=south,
        e=east,
        n=north,
    )
    assert 0 < returned == expected
    sweref = Transformer.from_crs(4326, 3006, always_xy=True)
    min_e, min_n = sweref.transform(west, south)
    assert response.json()["features"], "features near the edge"
    in_3006 = _get(
        f"{demo_server}/ogc/collections/fastigheter/items",
        bbox=f"{min_n},{min_e},{min_n + 5000},{min_e + 5000}",
        **{"bbox-crs": EPSG.format(3006)},
    )
    assert in_3006.status_code == 200


@pytest.mark.usefixtures("engine")
def test_paging_links_walk_forward_and_back(demo_server: str) -> None:
    first = _get(f"{demo_server}/ogc/collections/skotselytor/items", limit=50).json()
    links = {link["rel"]: link["href"] for link in first["links"]}
    assert "prev" not in links
    assert "numberMatched" not in first
    second = httpx.get(links["next"], timeout=30).json()
    back = httpx.get({lk["rel"]: lk["href"] for lk in second["links"]}["prev"], timeout=30).json()
    ids = [f["id"] for f in first["features"]]
    assert [f["id"] for f in back["features"]] == ids
    assert not set(ids) & {f["id"] for f in second["features"]}


def test_paging_stays_correct_while_someone_writes(demo_server: str, engine: Engine) -> None:
    collection = f"{demo_server}/ogc/collections/skotselpunkter/items"
    seen: list[str] = []
    url: str | None = f"{collection}?limit=500"
    inserted = False
    while url:
        page = httpx.get(url, timeout=30).json()
        seen += [f["id"] for f in page["features"]]
        url = next((lk["href"] for lk in page["links"] if lk["rel"] == "next"), None)
        if not inserted:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp,"
                        " huvudman_id, geom) SELECT 'UT1', 'punkt', id,"
                        " ST_SetSRID(ST_MakePoint(670000, 6568000), 3006)"
                        " FROM organisation WHERE slug = 'parkenheten'"
                    )
                )
            inserted = True
    total = _scalar(
        engine,
        "SELECT count(*) FROM skotselobjekt WHERE geometrityp = 'punkt' AND valid_to IS NULL",
    )
    assert len(seen) == len(set(seen)) == total, "no duplicate, none skipped"


def test_etag_round_trip(demo_server: str) -> None:
    url = f"{demo_server}/ogc/collections/driftomraden/items"
    first = _get(url)
    assert first.headers["content-type"] == "application/geo+json"
    assert "max-age" in first.headers["cache-control"]
    again = httpx.get(url, headers={"If-None-Match": first.headers["etag"]}, timeout=30)
    assert again.status_code == 304
    assert again.content == b""
    other = httpx.get(url, headers={"If-None-Match": '"something-else"'}, timeout=30)
    assert other.status_code == 200


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compressed_when_asked(demo_server: str, encoding: str) -> None:
    url = f"{demo_server}/ogc/collections/fastigheter/items?limit=500"
    plain = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
    with httpx.stream("GET", url, headers={"Accept-Encoding": encoding}, timeout=30) as packed:
        assert packed.headers["content-encoding"] == encoding
        raw = packed.read() if encoding == "gzip" else b"".join(packed.iter_raw())
    body = gzip.decompress(raw) if encoding == "gzip" and raw[:2] == b"\x1f\x8b" else raw
    if encoding == "br":
        body = brotli.decompress(raw)
    assert json.loads(body) == plain.json()


def test_filters_select_by_organisation_product_and_area(demo_server: str, engine: Engine) -> None:
    url = f"{demo_server}/ogc/collections/skotselpunkter/items"
    huge = _get(url, huvudman="huge", limit=10_000).json()["features"]
    assert huge
    assert {f["properties"]["huvudman"] for f in huge} == {"huge"}
    benches = _get(url, produkt="ut1", limit=10_000).json()["features"]
    assert benches
    assert {f["properties"]["produkt"] for f in benches} == {"UT1"}
    assert benches[0]["properties"]["produktnamn"] == "Parkbänk/sittplats"
    area_id = _scalar(engine, "SELECT min(id) FROM driftomrade")
    inside = _get(url, driftomrade=area_id, limit=10_000).json()["numberReturned"]
    expected = _scalar(
        engine,
        "SELECT count(*) FROM skotselobjekt o, driftomrade d WHERE d.id = :id"
        " AND o.geometrityp = 'punkt' AND o.valid_to IS NULL AND ST_Intersects(d.geom, o.geom)",
        id=area_id,
    )
    assert inside == expected > 0


@pytest.mark.usefixtures("engine")
def test_datetime_answers_as_of(demo_server: str) -> None:
    url = f"{demo_server}/ogc/collections/skotselpunkter/items"
    before = _get(url, datetime="2024-06-01", limit=10)
    assert before.status_code == 200
    assert before.json()["numberReturned"] == 0
    after = _get(url, datetime="2025-06-01T12:00:00Z", limit=10)
    assert after.json()["numberReturned"] == 10


def test_single_item_and_numbers_matched(demo_server: str, engine: Engine) -> None:
    areas = _get(f"{demo_server}/ogc/collections/driftomraden/items").json()
    assert (
        areas["numberMatched"]
        == areas["numberReturned"]
        == _scalar(engine, "SELECT count(*) FROM driftomrade")
    )
    feature_id = areas["features"][0]["id"]
    one = _get(f"{demo_server}/ogc/collections/driftomraden/items/{feature_id}")
    assert one.status_code == 200
    assert one.json()["id"] == feature_id
    counted = _get(
        f"{demo_server}/ogc/collections/fastigheter/items", limit=10, numberMatched="true"
    ).json()
    assert counted["numberMatched"] == _scalar(
        engine, "SELECT count(*) FROM fastighet WHERE valid_to IS NULL"
    )


def test_vector_tiles_carry_what_the_map_styles(
    demo_server: str, engine: Engine, tmp_path: Path
) -> None:
    with engine.connect() as conn:
        lon, lat = conn.execute(
            text(
                "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 4326)"
                " AS p FROM skotselobjekt WHERE geometrityp = 'yta' AND valid_to IS NULL"
                " ORDER BY id LIMIT 1) x"
            )
        ).one()
    z = 15
    x = int((lon + 180) / 360 * 2**z)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * 2**z)
    response = _get(f"{demo_server}/ogc/collections/skotselytor/tiles/WebMercatorQuad/{z}/{x}/{y}")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    tile = tmp_path / f"{y}.mvt"
    tile.write_bytes(response.content)
    frame = pyogrio.read_dataframe(tile)
    assert len(frame) > 0
    assert {"produkt", "huvudman", "produktnamn"} <= set(frame.columns)
    low = _get(f"{demo_server}/ogc/collections/skotselytor/tiles/WebMercatorQuad/8/141/74")
    assert low.status_code == 200, "too dense to draw at zoom 8"
    assert low.content == b"", "too dense to draw at zoom 8"


BAD = [
    ("fastigheter/items", {"bbox": "1,2,3"}, 400),
    ("fastigheter/items", {"bbox": "18.1,59.3,17.9,59.2"}, 400),
    ("fastigheter/items", {"bbox": "a,b,c,d"}, 400),
    ("fastigheter/items", {"bbox": "17.9,59.2,18.0,59.3", "bbox-crs": "EPSG:9999"}, 400),
    ("fastigheter/items", {"crs": "EPSG:9999"}, 400),
    ("fastigheter/items", {"limit": "0"}, 400),
    ("fastigheter/items", {"limit": "1000000000"}, 400),
    ("fastigheter/items", {"limit": "många"}, 400),
    ("fastigheter/items", {"agare": "huge"}, 400),
    ("fastigheter/items", {"cursor": "x1"}, 400),
    ("fastigheter/items", {"datetime": "igår"}, 400),
    ("fastigheter/items", {"f": "html"}, 406),
    ("skotselpunkter/items", {"driftomrade": "norr"}, 400),
    ("finns-inte/items", {}, 404),
    ("finns-inte", {}, 404),
    (f"fastigheter/items/{uuid.UUID(int=1)}", {}, 404),
    ("fastigheter/items/inte-ett-id", {}, 404),
    ("driftomraden/items/999999", {}, 404),
    ("skotselytor/tiles/WebMercatorQuad/15/99999/1", {}, 404),
]


@pytest.mark.parametrize(("path", "params", "status"), BAD, ids=[f"{p}?{q}" for p, q, _ in BAD])
def test_bad_parameters_are_problems(
    demo_server: str, path: str, params: dict[str, str], status: int
) -> None:
    response = _get(f"{demo_server}/ogc/collections/{path}", **params)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"]


def test_landing_and_conformance(demo_server: str) -> None:
    landing = _get(f"{demo_server}/ogc").json()
    rels = {link["rel"] for link in landing["links"]}
    assert {"self", "service-desc", "service-doc", "conformance", "data"} <= rels
    service_desc = next(lk["href"] for lk in landing["links"] if lk["rel"] == "service-desc")
    assert _get(service_desc).json()["paths"]
    conformance = _get(f"{demo_server}/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30" in conformance
    collection = _get(f"{demo_server}/ogc/collections/skotselytor").json()
    assert collection["storageCrs"] == EPSG.format(3006)
    assert EPSG.format(3011) in collection["crs"]
    west, south, east, north = collection["extent"]["spatial"]["bbox"][0]
    assert 17.8 < west < east < 18.3
    assert 59.1 < south < north < 59.3


def test_gdal_sends_the_filters_the_api_description_declares(
    demo_server: str, engine: Engine
) -> None:
    """GDAL reads /items' parameters from the landing page's service-desc and filters there."""
    result = subprocess.run(
        [
            "ogrinfo",
            "-ro",
            "-so",
            "-where",
            "huvudman = 'huge'",
            f"OAPIF:{demo_server}/ogc",
            "skotselytor",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=os.environ | {"CPL_DEBUG": "ON"},
    )
    assert "client side" not in result.stderr, "GDAL found no filter parameters"
    assert "/ogc/collections/skotselytor/items?limit=10&huvudman=huge" in result.stderr
    expected = _scalar(
        engine,
        "SELECT count(*) FROM skotselobjekt s JOIN organisation o ON o.id = s.huvudman_id"
        " WHERE o.slug = 'huge' AND s.geometrityp = 'yta' AND s.valid_to IS NULL",
    )
    assert expected > 0
    assert f"Feature Count: {expected}" in result.stdout


def test_queryables_are_json_schema_of_the_filters(demo_server: str) -> None:
    collection = _get(f"{demo_server}/ogc/collections/skotselpunkter").json()
    link = next(
        lk
        for lk in collection["links"]
        if lk["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables"
    )
    assert link["type"] == "application/schema+json"
    response = _get(link["href"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    queryables = response.json()
    OAS31Validator.check_schema(queryables)  # JSON Schema 2020-12, as Part 3 asks
    assert queryables["$id"] == link["href"]
    assert queryables["type"] == "object"
    assert set(queryables["properties"]) == set(collection["filtreringsparametrar"])
    assert queryables["properties"]["driftomrade"]["type"] == "integer"
    assert queryables["additionalProperties"] is False
    # Each queryable is a query parameter of /items (Part 3, queryables-query-parameters).
    first = _get(f"{demo_server}/ogc/collections/skotselpunkter/items", limit=1).json()
    product = first["features"][0]["properties"]["produkt"]
    page = _get(f"{demo_server}/ogc/collections/skotselpunkter/items", produkt=product).json()
    assert page["features"]
    assert {f["properties"]["produkt"] for f in page["features"]} == {product}
    empty = _get(f"{demo_server}/ogc/collections/kommungrans/queryables").json()
    assert empty["properties"] == {}
    assert _get(f"{demo_server}/ogc/collections/finns-inte/queryables").status_code == 404
    conformance = _get(f"{demo_server}/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables" in conformance


def test_the_ogc_api_description_is_relative_to_its_landing_page(demo_server: str) -> None:
    landing = _get(f"{demo_server}/ogc").json()
    service_desc = next(lk for lk in landing["links"] if lk["rel"] == "service-desc")
    assert service_desc["href"] == f"{demo_server}/ogc/api"
    response = _get(service_desc["href"])
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    description = response.json()
    validate(description)
    assert description["servers"] == [{"url": f"{demo_server}/ogc"}]
    assert {
        "/",
        "/conformance",
        "/collections",
        "/collections/{collectionId}",
        "/collections/{collectionId}/queryables",
        "/collections/{collectionId}/items",
        "/collections/{collectionId}/items/{featureId}",
    } <= set(description["paths"])
    assert not any(path.startswith("/api/v1") for path in description["paths"])
    items = description["paths"]["/collections/{collectionId}/items"]["get"]["parameters"]
    names = {p["name"] for p in items}
    assert {"collectionId", "bbox", "limit", "crs", "datetime", "huvudman"} <= names
