"""Files an import must refuse with a clear message, over HTTP and on the command line alike."""

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine

from app.access.tokens import create_token
from tests.commands import run_cli
from tests.import_files import E, N, mapping_file, write_layer
from tests.support.bad_input import (
    PNG_HEAD,
    assert_problem,
    database_state,
    deeply_nested_geojson,
    geojson,
    polygon_feature,
    upload,
    written,
    zip_bomb,
    zipped,
)
from tests.support.tables import empty_tables
from tests.test_imports_versioning import parcel_file

TABLES = ("fastighet", "fastighetsagare", "importkorning", "importavvisning", "api_token")
# GDAL names a GeoJSON's layer after the file: the parcel import's default layer.
LAYER_FILE = "registerenhetsomradesyta.geojson"
TO_LONLAT = Transformer.from_crs(3006, 4326, always_xy=True)


@pytest.fixture
def gis(engine: Engine) -> Iterator[dict[str, str]]:
    """A gis token; imported rows and tokens are removed afterwards."""
    with engine.begin() as conn:
        _, token = create_token(conn, name="filprovare", role="gis", organisation=None, days=1)
    yield {"Authorization": f"Bearer {token}"}
    empty_tables(engine, TABLES)


def _parcels(ring: list[tuple[float, float]]) -> str:
    """One parcel of Lantmäteriet's columns as GeoJSON with no CRS member."""
    return geojson(
        [
            polygon_feature(
                ring,
                objektidentitet=str(uuid.UUID(int=7, version=4)),
                registerenhetsreferens=str(uuid.UUID(int=8, version=4)),
                kommunnamn="HUDDINGE",
                trakt="GRANTORP",
                etikett="5:9",
            )
        ]
    )


def _square(x: float, y: float, side: float) -> list[tuple[float, float]]:
    return [(x, y), (x + side, y), (x + side, y + side), (x, y + side), (x, y)]


def _lonlat_square() -> list[tuple[float, float]]:
    return [TO_LONLAT.transform(x, y) for x, y in _square(E, N, 40)]


def _refused_both_ways(
    client: TestClient,
    engine: Engine,
    gis: dict[str, str],
    path: Path,
) -> tuple[str, str]:
    """Parcels in the file refused over HTTP (400) and by the CLI: the detail and stderr."""
    before = database_state(engine)
    problem = assert_problem(upload(client, gis, path.name, path.read_bytes()), 400)
    done = run_cli(engine, "import", "fastigheter", str(path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert database_state(engine) == before
    return str(problem["detail"]), done.stderr


def test_a_geojson_with_latitude_first_gets_the_swapped_axes_hint(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path
) -> None:
    swapped = [(lat, lon) for lon, lat in _lonlat_square()]
    path = written(tmp_path / "bytta" / LAYER_FILE, _parcels(swapped))
    detail, stderr = _refused_both_ways(client, engine, gis, path)
    for message in (detail, stderr):
        assert "utanför Sverige" in message
        assert "har axlarna bytt plats?" in message


def test_metres_without_a_crs_are_named_as_such(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path
) -> None:
    path = written(tmp_path / "meter" / LAYER_FILE, _parcels(_square(E, N, 40)))
    detail, stderr = _refused_both_ways(client, engine, gis, path)
    for message in (detail, stderr):
        assert "inf" not in message
        assert "inga grader" in message
        assert "inget koordinatsystem" in message
        assert "meter i SWEREF 99 TM" in message
    assert "fältet crs=EPSG:3006" in detail
    assert "--crs" not in detail
    assert "--crs EPSG:3006" in stderr
    # Told so, the same file is read.
    answer = upload(client, gis, path.name, path.read_bytes(), crs="EPSG:3006")
    assert answer.status_code == 201, answer.text
    assert answer.json()["nya"] == 1


def test_a_geojson_in_degrees_is_still_read(
    client: TestClient, gis: dict[str, str], tmp_path: Path
) -> None:
    path = written(tmp_path / "grader" / LAYER_FILE, _parcels(_lonlat_square()))
    answer = upload(client, gis, path.name, path.read_bytes())
    assert answer.status_code == 201, answer.text
    assert answer.json()["nya"] == 1


def test_a_parcel_geopackage_without_features_is_refused(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "tom.gpkg"
    columns = ("objektidentitet", "registerenhetsreferens", "kommunnamn", "trakt", "etikett")
    # Typed as Lantmäteriet's layers are, so the import takes its GeoPackage path.
    empty = gpd.GeoDataFrame(
        {c: pd.Series([], dtype=str) for c in columns}, geometry=gpd.GeoSeries([], crs="EPSG:3006")
    )
    empty.to_file(
        path, layer="registerenhetsomradesyta", driver="GPKG", geometry_type="MultiPolygon"
    )
    detail, stderr = _refused_both_ways(client, engine, gis, path)
    for message in (detail, stderr):
        assert "registerenhetsomradesyta innehåller inga objekt" in message
    # Nor when parcels are there already (the staged path).
    assert upload(client, gis, "f.gpkg", parcel_file(tmp_path / "f.gpkg").read_bytes()).is_success
    before = database_state(engine)
    assert_problem(upload(client, gis, path.name, path.read_bytes()), 400)
    assert database_state(engine) == before


def test_an_unknown_organisation_is_worded_for_the_caller(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path
) -> None:
    path = write_layer(
        tmp_path / "objekt.gpkg", [{"nr": "1", "kod": "X", "geometry": shapely.Point(E, N)}]
    )
    form = {"typ": "skotselobjekt", "organisation": "hugo", "id_kolumn": "nr", "kod_kolumn": "kod"}
    before = database_state(engine)
    problem = assert_problem(upload(client, gis, path.name, path.read_bytes(), **form), 404)
    assert "'hugo' finns inte" in problem["detail"]
    assert "huge" in problem["detail"]
    assert "ansvarskartan" not in problem["detail"]
    assert "PUT /api/v1/organisationer/{slug}" in problem["detail"]
    cli = run_cli(
        engine, "import", "skotselobjekt", str(path), "--organisation", "hugo",
        "--id-kolumn", "nr", "--kod-kolumn", "kod", "--mappning", str(mapping_file(tmp_path)),
    )  # fmt: skip
    assert cli.returncode == 1, cli.stderr
    assert "ansvarskartan organisation skapa" in cli.stderr
    assert "PUT /api" not in cli.stderr
    assert database_state(engine) == before


def _with_value(value: str, **properties: str) -> str:
    """One parcel whose third corner has value as its latitude, written on line 2."""
    return (
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
        + json.dumps(properties)
        + ',"geometry":{"type":"Polygon","coordinates":[[[17.95,59.23],[17.96,59.23],\n'
        + f"[17.96,{value}],[17.95,59.23]]]}}}}]}}"
    )


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "nan"])
def test_a_geojson_with_nan_or_infinity_is_no_json(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path, value: str
) -> None:
    path = written(tmp_path / LAYER_FILE, _with_value(value, trakt="NaN"))
    detail, stderr = _refused_both_ways(client, engine, gis, path)
    for message in (detail, stderr):
        assert f"värdet {value} på rad 2" in message


def test_nan_and_infinity_inside_strings_are_text(
    client: TestClient, gis: dict[str, str], tmp_path: Path
) -> None:
    parcel = {
        "objektidentitet": str(uuid.UUID(int=9, version=4)),
        "registerenhetsreferens": str(uuid.UUID(int=10, version=4)),
        "kommunnamn": "HUDDINGE",
        "trakt": 'NaN "Infinity" nan',
        "etikett": "5:9",
    }
    path = written(tmp_path / LAYER_FILE, _with_value("59.24", **parcel))
    answer = upload(client, gis, path.name, path.read_bytes())
    assert answer.status_code == 201, answer.text
    assert answer.json()["nya"] == 1


def test_a_deeply_nested_geojson_is_unreadable_not_a_crash(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path
) -> None:
    path = written(tmp_path / LAYER_FILE, deeply_nested_geojson())
    _refused_both_ways(client, engine, gis, path)


BAD_ARCHIVES = {
    "bomb.zip": (zip_bomb, "orimligt mycket data"),
    "slip.zip": (lambda: zipped({"../../etc/evil.gpkg": b"SQLite format 3\x00"}), "sökväg"),
    "absolut.zip": (lambda: zipped({"/etc/evil.gpkg": b"SQLite format 3\x00"}), "sökväg"),
    "windows.zip": (lambda: zipped({"..\\evil.gpkg": b"SQLite format 3\x00"}), "sökväg"),
    "inre.zip": (lambda: zipped({"inre.zip": zipped({"x.gpkg": b"SQLite"})}), "arkiv i arkivet"),
    "forklaedd.zip": (
        lambda: zipped({"x.gpkg": zipped({"y.gpkg": b"SQLite"})}),
        "arkiv i arkivet",
    ),
    "manga.zip": (
        lambda: zipped({f"f{i}.txt": b"" for i in range(1001)}, compression=0),
        "1001 filer",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_ARCHIVES))
def test_unsafe_zips_are_refused_before_anything_is_unpacked(
    client: TestClient, engine: Engine, gis: dict[str, str], name: str
) -> None:
    make, words = BAD_ARCHIVES[name]
    before = database_state(engine)
    problem = assert_problem(upload(client, gis, name, make()), 400)
    assert words in problem["detail"]
    assert database_state(engine) == before


def test_a_png_named_geopackage_is_an_unsupported_type(
    client: TestClient, engine: Engine, gis: dict[str, str], tmp_path: Path
) -> None:
    before = database_state(engine)
    problem = assert_problem(upload(client, gis, "bild.gpkg", PNG_HEAD), 415)
    assert "ingen GeoPackage" in problem["detail"]
    path = written(tmp_path / "bild.gpkg", PNG_HEAD)
    done = run_cli(engine, "import", "fastigheter", str(path))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert database_state(engine) == before
