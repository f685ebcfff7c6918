"""Quantities per huvudman × product × quality level: for the municipality, per driftområde, per
trakt, per grid cell and inside a polygon, on the hand-built scene of tests/analysis_scene.py
(every expected number worked out there by hand)."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from app.analysis.quantities import quantities_sync
from app.analysis.rows import QuantityRow
from app.analysis.schemas import Quantities
from app.demo.load import reset_data
from tests.analysis_scene import E2, N2, build_scene
from tests.support.tables import PLACE_TABLES, empty_tables

URL = "/api/v1/samordning/mangder"
CELL_0 = f"{int(E2)}_{int(N2)}"
CELL_EAST = f"{int(E2) + 100}_{int(N2)}"
CELL_NORTH = f"{int(E2)}_{int(N2) + 100}"

# (organisation, product, quality level, unit) → (objects, quantity) in the whole municipality
TOTAL = {
    ("huge", "G2", None, "m²"): (1, 2000.0),
    ("huge", "H1", None, "m"): (1, 40.0),
    ("huge", "UT1", None, "st"): (1, 1.0),
    ("kultur-fritid", "IG2", None, "m²"): (1, 400.0),
    ("parkenheten", "G1", None, "m²"): (1, 200.0),
    ("parkenheten", "G2", "A", "m²"): (1, 3200.0),
    ("parkenheten", "UT1", None, "st"): (1, 1.0),
}


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """The scene, committed so the app sees it."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_scene(conn)
    yield
    empty_tables(engine, PLACE_TABLES)


@pytest.fixture
def analysis(scene: None, client: TestClient) -> TestClient:  # noqa: ARG001 (set up first)
    """The application on the scene."""
    return client


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert Quantities.model_validate(body).model_dump(mode="json") == body
    return body


def _table(body: dict[str, Any]) -> dict[tuple[Any, ...], tuple[int, float]]:
    return {
        (
            r["omrade"]["id"],
            r["organisation"]["slug"],
            r["produkt"]["kod"],
            r["kvalitetsniva"],
            r["enhet"],
        ): (r["antal_objekt"], r["mangd"])
        for r in body["rader"]
    }


def _in(scope: str, table: dict[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
    return {key[1:]: value for key, value in table.items() if key[0] == scope}


def _summed(table: dict[tuple[Any, ...], tuple[int, float]]) -> dict[tuple[Any, ...], float]:
    sums: dict[tuple[Any, ...], float] = {}
    for key, (_, amount) in table.items():
        sums[key[1:]] = sums.get(key[1:], 0.0) + amount
    return sums


def test_the_municipality_has_every_live_object_whole_and_none_retired(
    analysis: TestClient,
) -> None:
    body = _get(analysis, indelning="kommun")
    assert body["indelning"] == "kommun"
    assert body["ruta_m"] is None
    assert _in("kommun", _table(body)) == TOTAL
    first = body["rader"][0]
    assert first["omrade"] == {"indelning": "kommun", "id": "kommun", "namn": "Hela kommunen"}
    assert first["organisation"] == {"slug": "huge", "namn": "Huge Bostäder AB"}
    assert first["produkt"]["kod"] == "G2"
    assert first["produkt"]["namn"]


def test_objects_crossing_a_grid_line_are_clipped_to_each_cell(analysis: TestClient) -> None:
    table = _table(_get(analysis, indelning="ruta", ruta_m=100))
    assert _in(CELL_0, table) == {
        ("parkenheten", "G2", "A", "m²"): (1, 1200.0),
        ("kultur-fritid", "IG2", None, "m²"): (1, 400.0),
        ("huge", "H1", None, "m"): (1, 20.0),
        ("huge", "UT1", None, "st"): (1, 1.0),
    }
    assert _in(CELL_EAST, table) == {
        ("parkenheten", "G2", "A", "m²"): (1, 2000.0),
        ("huge", "G2", None, "m²"): (1, 2000.0),
        ("huge", "H1", None, "m"): (1, 20.0),
        ("parkenheten", "UT1", None, "st"): (1, 1.0),  # on the grid line: the cell east of it
    }
    assert _in(CELL_NORTH, table) == {("parkenheten", "G1", None, "m²"): (1, 200.0)}
    assert {key[0] for key in table} == {CELL_0, CELL_EAST, CELL_NORTH}


@pytest.mark.parametrize("cell_m", [50, 100, 500, 5000])
def test_the_cells_add_up_to_the_municipality(analysis: TestClient, cell_m: int) -> None:
    body = _get(analysis, indelning="ruta", ruta_m=cell_m)
    assert body["ruta_m"] == cell_m
    total = {key: amount for key, (_, amount) in TOTAL.items()}
    assert _summed(_table(body)) == pytest.approx(total)


def test_at_50_m_a_box_ending_on_a_grid_line_reaches_no_further_cell(
    analysis: TestClient,
) -> None:
    # The lawn 70–150 × 10–50 ends on the line y = 50: cells 50_0, 100_0 hold it, none north.
    table = _table(_get(analysis, indelning="ruta", ruta_m=50))
    lawn = {key[0]: value for key, value in table.items() if key[1:3] == ("parkenheten", "G2")}
    assert lawn == {
        f"{int(E2) + 50}_{int(N2)}": (1, 1200.0),
        f"{int(E2) + 100}_{int(N2)}": (1, 2000.0),
    }


def test_per_driftomrade_only_current_contracts_count_clipped_to_the_area(
    analysis: TestClient,
) -> None:
    body = _get(analysis, indelning="driftomrade")
    scopes = {(r["omrade"]["id"], r["omrade"]["namn"]) for r in body["rader"]}
    [(area_id, name)] = scopes
    assert name == "Analys väst"
    assert _in(area_id, _table(body)) == {
        ("parkenheten", "G2", "A", "m²"): (1, 1200.0),
        ("kultur-fritid", "IG2", None, "m²"): (1, 400.0),
        ("huge", "H1", None, "m"): (1, 20.0),
        ("huge", "UT1", None, "st"): (1, 1.0),
        ("parkenheten", "UT1", None, "st"): (1, 1.0),  # on the area's edge: inside it
    }


def test_per_trakt_each_object_goes_whole_to_the_parcel_under_its_point_on_surface(
    analysis: TestClient,
) -> None:
    body = _get(analysis, indelning="trakt")
    table = _table(body)
    assert _in("TRAKTA", table) == {
        ("kultur-fritid", "IG2", None, "m²"): (1, 400.0),
        ("huge", "H1", None, "m"): (1, 40.0),  # its middle vertex (90, 90) is in TRAKTA
        ("huge", "UT1", None, "st"): (1, 1.0),
        ("parkenheten", "UT1", None, "st"): (1, 1.0),  # on both parcels: the first designation
    }
    assert _in("TRAKTB", table) == {
        ("parkenheten", "G2", "A", "m²"): (1, 3200.0),  # its point on surface is (110, 30)
        ("huge", "G2", None, "m²"): (1, 2000.0),
    }
    assert _in("", table) == {("parkenheten", "G1", None, "m²"): (1, 200.0)}
    assert {r["omrade"]["namn"] for r in body["rader"] if r["omrade"]["id"] == ""} == {
        "Utanför fastigheter"
    }


def _ring(box: tuple[float, float, float, float]) -> list[list[float]]:
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
    return [[E2 + x, N2 + y] for x, y in corners]


# The polygon 60–160 × 0–100: the whole lawn A, half of lawn B, the whole hedge, one bench.
IN_POLYGON = {
    ("parkenheten", "G2", "A", "m²"): (1, 3200.0),
    ("huge", "G2", None, "m²"): (1, 1250.0),
    ("huge", "H1", None, "m"): (1, 40.0),
    ("parkenheten", "UT1", None, "st"): (1, 1.0),
}


def test_inside_a_polygon_in_sweref_objects_are_clipped_to_it(analysis: TestClient) -> None:
    polygon = {"type": "Polygon", "coordinates": [_ring((60, 0, 160, 100))]}
    response = analysis.post(URL, params={"crs": "EPSG:3006"}, json={"geometri": polygon})
    assert response.status_code == 200, response.text
    body = response.json()
    assert Quantities.model_validate(body).model_dump(mode="json") == body
    table = _table(body)
    assert {key[0] for key in table} == {"polygon"}
    amounts = _in("polygon", table)
    assert amounts.keys() == IN_POLYGON.keys()
    for key, (count, amount) in IN_POLYGON.items():
        assert amounts[key][0] == count
        assert amounts[key][1] == pytest.approx(amount, abs=0.01)  # through lon/lat and back


def test_a_polygon_in_wgs84_is_the_default(analysis: TestClient) -> None:
    from app.core.geo import transformer

    to_lonlat = transformer(3006, 4326)
    ring = [list(to_lonlat.transform(x, y)) for x, y in _ring((60, 0, 160, 100))]
    response = analysis.post(URL, json={"geometri": {"type": "Polygon", "coordinates": [ring]}})
    assert response.status_code == 200, response.text
    amounts = _in("polygon", _table(response.json()))
    assert amounts.keys() == IN_POLYGON.keys()
    assert amounts[("huge", "G2", None, "m²")][1] == pytest.approx(1250.0, abs=0.01)


def test_the_function_others_call_gives_quantity_rows(conn: Connection, scene: None) -> None:  # noqa: ARG001
    driver = conn.connection.driver_connection
    rows = quantities_sync(driver, "ruta", cell_m=100)  # type: ignore[arg-type]
    assert QuantityRow(CELL_EAST, "huge", "G2", None, "m²", 1, 2000.0) in rows
    assert QuantityRow(CELL_0, "huge", "H1", None, "m", 1, 20.0) in rows


def _problem(response: Any, status: int, kind: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith(kind)


@pytest.mark.parametrize(
    "params",
    [
        {"indelning": "ruta", "ruta_m": 49},
        {"indelning": "ruta", "ruta_m": 5001},
        {"indelning": "ruta", "ruta_m": "stor"},
        {"indelning": "kvarter"},
    ],
)
def test_bad_parameters_are_400(analysis: TestClient, params: dict[str, Any]) -> None:
    _problem(analysis.get(URL, params=params), 400, "ogiltig-parameter")


@pytest.mark.parametrize(
    ("geometry", "kind"),
    [
        ({"type": "Point", "coordinates": [17.98, 59.24]}, "ogiltig-geometri"),
        (
            {"type": "Polygon", "coordinates": [[[17.98, 59.24], [17.99, 59.24]]]},
            "ogiltig-geometri",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]],
            },
            "ogiltig-geometri",
        ),
        ({"type": "Polygon", "coordinates": "nej"}, "ogiltig-geometri"),
    ],
)
def test_bad_polygons_are_400(analysis: TestClient, geometry: dict[str, Any], kind: str) -> None:
    _problem(analysis.post(URL, json={"geometri": geometry}), 400, kind)


def test_a_polygon_in_an_unknown_crs_is_400(analysis: TestClient) -> None:
    polygon = {"type": "Polygon", "coordinates": [_ring((0, 0, 10, 10))]}
    response = analysis.post(URL, params={"crs": "EPSG:9999"}, json={"geometri": polygon})
    _problem(response, 400, "okant-koordinatsystem")


def test_a_body_without_a_geometry_is_400(analysis: TestClient) -> None:
    _problem(analysis.post(URL, json={"polygon": {}}), 400, "ogiltig-parameter")
