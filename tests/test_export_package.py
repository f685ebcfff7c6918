"""The operations area's package over HTTP and the command line, read back with real readers."""

import asyncio
import io
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import geopandas as gpd
import httpx
import openpyxl
import pyogrio
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.settings import Settings
from app.export.gis_files import ATTRIBUTES
from app.export.package import FILES, README_NAME
from tests.commands import run_cli
from tests.support.servers import running_server
from tests.support.tokens import Headers, bearer_headers

PACKAGE_FILES = {README_NAME, *(part.name for part in FILES)}
OBJECT_LAYERS = {"yta": "skotselytor", "linje": "skotsellinjer", "punkt": "skotselpunkter"}
# What PostGIS says the package must hold: the client's current objects with a part inside the
# area (a point on the boundary counts; an area or line only touching it does not).
EXPECTED_SQL = """
SELECT o.geometrityp, o.skotselprodukt_kod, count(*)
FROM skotselobjekt o JOIN driftomrade d ON d.id = :id
WHERE o.valid_to IS NULL AND o.huvudman_id = d.bestallare_id AND ST_Intersects(o.geom, d.geom)
  AND (o.geometrityp = 'punkt'
       OR ST_Dimension(ST_Intersection(o.geom, d.geom)) = ST_Dimension(o.geom))
GROUP BY 1, 2
"""


@pytest.fixture(scope="module")
def tokens(engine: Engine, handmade_data: None) -> Iterator[dict[str, Headers]]:  # noqa: ARG001 (a fixture set up first)
    """Bearer headers of a gis user, a reader and the park contractor."""
    roles = {"gis": None, "lasare": None, "entreprenor": "sodertorns-parkdrift"}
    with bearer_headers(engine, "paket", roles) as headers:
        yield headers


def _area_ids(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(text("SELECT namn, id FROM driftomrade"))}


def _expected(engine: Engine, area_id: int) -> dict[str, dict[str, int]]:
    expected: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for kind, code, count in conn.execute(text(EXPECTED_SQL), {"id": area_id}):
            expected.setdefault(kind, {})[code] = count
    return expected


def _unpack(data: bytes, folder: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert bundle.testzip() is None
        assert set(bundle.namelist()) == PACKAGE_FILES
        bundle.extractall(folder)
    return folder


def _qml_categories(qml: str) -> set[str]:
    root = ElementTree.fromstring(qml)
    return {category.get("value", "") for category in root.iter("category")}


def _check_package(folder: Path, expected: dict[str, dict[str, int]], area_name: str) -> None:
    """Every file opens in a real reader and holds what PostGIS says it must."""
    layers = dict(pyogrio.list_layers(folder / "skotselobjekt.gpkg"))
    assert set(layers) == {OBJECT_LAYERS[k] for k in expected} | {"driftomrade", "layer_styles"}
    styles = pyogrio.read_dataframe(folder / "skotselobjekt.gpkg", layer="layer_styles")
    numbers: list[int] = []
    for kind, counts in expected.items():
        layer = pyogrio.read_dataframe(folder / "skotselobjekt.gpkg", layer=OBJECT_LAYERS[kind])
        assert layer.crs.to_epsg() == 3006
        assert tuple(layer.columns) == (*ATTRIBUTES, "geometry")
        assert layer["produkt"].value_counts().to_dict() == counts
        qml = styles.loc[styles["f_table_name"] == OBJECT_LAYERS[kind], "styleQML"].item()
        assert set(counts) <= _qml_categories(qml)
        _check_shares(layer, kind)
        numbers += layer["nr"].tolist()
    total = sum(sum(counts.values()) for counts in expected.values())
    assert sorted(numbers) == list(range(1, total + 1))  # the map's numbers, once each
    geojson = pyogrio.read_dataframe(folder / "skotselobjekt.geojson")
    assert geojson.crs.to_epsg() == 4326
    assert len(geojson) == total
    _check_geojson_matches(geojson, folder / "skotselobjekt.gpkg", expected)
    drawing = pyogrio.read_dataframe(folder / "skotselobjekt.dxf")
    codes = {code for counts in expected.values() for code in counts}
    assert {layer.split("_")[0] for layer in drawing["Layer"]} == codes | {"Driftomrade"}
    sheet = openpyxl.load_workbook(folder / "mangdforteckning.xlsx").worksheets[0]
    cells = {str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value}
    assert codes <= cells
    assert area_name in " ".join(cells)
    pages = subprocess.run(
        ["pdftoppm", "-r", "20", "-png", str(folder / "skotselkarta.pdf"), str(folder / "sida")],
        capture_output=True,
        check=True,
    )
    assert pages.returncode == 0
    assert len(list(folder.glob("sida*.png"))) >= 2
    readme = (folder / README_NAME).read_text(encoding="utf-8")
    assert area_name in readme
    assert "EPSG:3006" in readme
    assert "EPSG:4326" in readme
    assert all(part.name in readme for part in FILES)


def _check_shares(layer: gpd.GeoDataFrame, kind: str) -> None:
    """The part inside: its geometry measures mangd, its share of mangd_hela is andel_inom."""
    assert layer["delvis_inom"].dtype == bool
    assert (layer["blad"] >= 0).all()
    for row in layer.itertuples():
        assert 0 < row.mangd <= row.mangd_hela + 0.01
        assert abs(row.andel_inom * row.mangd_hela - row.mangd) <= 0.01 + 1e-4 * row.mangd_hela
        assert (row.andel_inom <= 0.9999) if row.delvis_inom else (row.andel_inom >= 0.9999)
        if kind == "yta":
            assert abs(row.geometry.area - row.mangd) <= 0.01
        elif kind == "linje":
            assert abs(row.geometry.length - row.mangd) <= 0.01


def _check_geojson_matches(
    geojson: gpd.GeoDataFrame, geopackage: Path, expected: dict[str, dict[str, int]]
) -> None:
    """Same objects and attributes as the GeoPackage, geometries within 2 cm; exterior rings
    counterclockwise (RFC 7946)."""
    features = geojson.to_crs(3006).set_index("objekt_id")
    for kind in expected:
        layer = pyogrio.read_dataframe(geopackage, layer=OBJECT_LAYERS[kind])
        for row in layer.itertuples():
            feature = features.loc[row.objekt_id]
            assert shapely.hausdorff_distance(feature.geometry, row.geometry) < 0.02
            for name in ("nr", "produkt", "mangd", "mangd_hela", "andel_inom", "blad"):
                assert feature[name] == getattr(row, name), name
            assert bool(feature["delvis_inom"]) == bool(row.delvis_inom)
    for shape in geojson.geometry:
        for polygon in getattr(shape, "geoms", [shape]):
            if isinstance(polygon, shapely.Polygon):
                assert polygon.exterior.is_ccw


def test_gis_downloads_any_area_and_every_file_reads_back(
    client: TestClient, tokens: dict[str, dict[str, str]], engine: Engine, tmp_path: Path
) -> None:
    for name, area_id in _area_ids(engine).items():
        response = client.get(f"/api/v1/driftomraden/{area_id}/paket", headers=tokens["gis"])
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/zip"
        assert ".zip" in response.headers["content-disposition"]
        folder = _unpack(response.content, tmp_path / str(area_id))
        _check_package(folder, _expected(engine, area_id), name)


def test_a_contractor_reaches_only_its_own_areas(
    client: TestClient, tokens: dict[str, dict[str, str]], engine: Engine
) -> None:
    ids = _area_ids(engine)
    own = client.get(
        f"/api/v1/driftomraden/{ids['Testområde park']}/paket", headers=tokens["entreprenor"]
    )
    assert own.status_code == 200
    other = client.get(
        f"/api/v1/driftomraden/{ids['Testområde Huge']}/paket", headers=tokens["entreprenor"]
    )
    assert other.status_code == 404
    assert other.headers["content-type"] == "application/problem+json"
    missing = client.get("/api/v1/driftomraden/999999/paket", headers=tokens["gis"])
    assert missing.status_code == 404
    assert client.get(f"/api/v1/driftomraden/{ids['Testområde park']}/paket").status_code == 401
    reader = client.get(
        f"/api/v1/driftomraden/{ids['Testområde park']}/paket", headers=tokens["lasare"]
    )
    assert reader.status_code == 403


def test_another_contractors_area_reads_as_missing_or_not_theirs_and_says_no_more(
    client: TestClient, tokens: dict[str, dict[str, str]], engine: Engine
) -> None:
    other_id = _area_ids(engine)["Testområde Huge"]  # not the park contractor's
    other = client.get(f"/api/v1/driftomraden/{other_id}/paket", headers=tokens["entreprenor"])
    missing = client.get("/api/v1/driftomraden/999999/paket", headers=tokens["entreprenor"])
    assert other.status_code == missing.status_code == 404
    other_detail = other.json()["detail"].replace(str(other_id), "N")
    assert other_detail == missing.json()["detail"].replace("999999", "N")
    assert "finns inte eller är inte ett av era driftområden" in other_detail
    plain = client.get("/api/v1/driftomraden/999999/paket", headers=tokens["gis"])
    assert plain.status_code == 404
    assert plain.json()["detail"] == "Driftområdet 999999 finns inte."


def _cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(engine, "export", "driftomrade", *args)


@pytest.mark.usefixtures("handmade_data")
def test_export_command_writes_the_package_by_name(engine: Engine, tmp_path: Path) -> None:
    done = _cli(engine, "testområde huge", "--ut", str(tmp_path / "ut"))
    assert done.returncode == 0, done.stderr
    assert {p.name for p in (tmp_path / "ut").iterdir()} == PACKAGE_FILES
    area_id = _area_ids(engine)["Testområde Huge"]
    _check_package(tmp_path / "ut", _expected(engine, area_id), "Testområde Huge")
    unknown = _cli(engine, "Finns inte", "--ut", str(tmp_path / "inget"))
    assert unknown.returncode == 1
    assert "Testområde park" in unknown.stderr
    assert "Traceback" not in unknown.stderr
    assert not (tmp_path / "inget").exists()
    occupied = tmp_path / "en-fil"
    occupied.write_text("upptagen")
    refused = _cli(engine, "testområde huge", "--ut", str(occupied))
    assert refused.returncode == 1
    assert "en-fil" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


def test_two_downloads_at_once_do_not_hold_up_the_map(
    settings: Settings, tokens: dict[str, dict[str, str]], engine: Engine
) -> None:
    """The packages are built outside the server process; the map answers meanwhile."""
    area_id = _area_ids(engine)["Testområde park"]
    with running_server(settings.database_url) as base:
        results: list[int] = []

        def download() -> None:
            with httpx.Client(base_url=base, timeout=300) as http:
                response = http.get(f"/api/v1/driftomraden/{area_id}/paket", headers=tokens["gis"])
                results.append(response.status_code)

        downloads = [threading.Thread(target=download) for _ in range(2)]
        for thread in downloads:
            thread.start()
        answered = 0
        with httpx.Client(base_url=base, timeout=30) as http:
            while answered < 20:
                tile = http.get("/api/v1/ansvar", params={"lon": 17.98, "lat": 59.23})
                assert tile.status_code in (200, 404)
                answered += 1
        still_building = sum(thread.is_alive() for thread in downloads)
        for thread in downloads:
            thread.join(timeout=300)
    assert results == [200, 200]
    assert still_building == 2, "the downloads ended before the map was asked anything"


def test_a_failed_build_is_a_problem_with_its_reason_at_the_top(
    client: TestClient,
    tokens: dict[str, dict[str, str]],
    engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A worker that fails gives 500 with `orsak` beside `detail`, not nested in `extra`."""
    start = asyncio.create_subprocess_exec

    async def failing_worker(*_: Any, **options: Any) -> asyncio.subprocess.Process:
        return await start(sys.executable, "-c", "raise SystemExit('disken är full')", **options)

    monkeypatch.setattr(asyncio, "create_subprocess_exec", failing_worker)
    area_id = _area_ids(engine)["Testområde park"]
    response = client.get(f"/api/v1/driftomraden/{area_id}/paket", headers=tokens["gis"])
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "paketet-misslyckades"
    assert problem["orsak"] == ["disken är full"]
    assert "extra" not in problem
