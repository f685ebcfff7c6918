"""Interleaving: per grid cell and driftområde the organisations, the largest share and the mix
index 1 − Σ share², weighted by the m² of area objects, on the scene of tests/analysis_scene.py.

By hand, 100 m cells: cell 0_0 holds 1 200 m² of Parkenheten's lawn and 400 m² of
kultur-fritid's sports ground → shares 0.75 / 0.25, mix 1 − (0.75² + 0.25²) = 0.375; cell 100_0
holds 2 000 m² each of Parkenheten and Huge → 0.5 / 0.5, mix 0.5; cell 0_100 only Parkenheten's
200 m² bed → mix 0. The hedge and the benches weigh nothing.
"""

from collections.abc import Iterator
from typing import Any

import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape
from sqlalchemy import Engine

from app.analysis.interleaving import mixes, top_places
from app.analysis.rows import QuantityRow
from app.analysis.schemas import MixCollection
from app.core.geo import transformer
from app.demo.load import reset_data
from tests.analysis_scene import E2, N2, build_scene
from tests.support.tables import PLACE_TABLES, empty_tables

URL = "/api/v1/samordning/blandning"
CELL_0 = f"{int(E2)}_{int(N2)}"
CELL_EAST = f"{int(E2) + 100}_{int(N2)}"
CELL_NORTH = f"{int(E2)}_{int(N2) + 100}"


@pytest.fixture(scope="module")
def analysis(engine: Engine, client: TestClient) -> Iterator[TestClient]:
    """The application on the committed scene."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        build_scene(conn)
    yield client
    empty_tables(engine, PLACE_TABLES)


def _get(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(URL, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    body: dict[str, Any] = response.json()
    assert MixCollection.model_validate(body).model_dump(mode="json") == body
    return body


def _by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["id"]: f["properties"] for f in body["features"]}


def test_each_cell_has_its_organisations_largest_share_and_mix_index(
    analysis: TestClient,
) -> None:
    cells = _by_id(_get(analysis, ruta_m=100))
    assert cells.keys() == {CELL_0, CELL_EAST, CELL_NORTH}
    west = cells[CELL_0]
    assert (west["antal_organisationer"], west["storsta_andel"], west["blandningsindex"]) == (
        2,
        0.75,
        0.375,
    )
    assert west["yta_m2"] == 1600.0
    assert [(o["slug"], o["andel"], o["yta_m2"]) for o in west["organisationer"]] == [
        ("parkenheten", 0.75, 1200.0),
        ("kultur-fritid", 0.25, 400.0),
    ]
    east = cells[CELL_EAST]
    assert (east["antal_organisationer"], east["storsta_andel"], east["blandningsindex"]) == (
        2,
        0.5,
        0.5,
    )
    north = cells[CELL_NORTH]
    assert (north["antal_organisationer"], north["storsta_andel"], north["blandningsindex"]) == (
        1,
        1.0,
        0.0,
    )


def test_the_cells_are_their_squares_in_wgs84(analysis: TestClient) -> None:
    features = {f["id"]: f for f in _get(analysis, ruta_m=100)["features"]}
    to_3006 = transformer(4326, 3006)
    square = shape(features[CELL_EAST]["geometry"])
    back = shapely.transform(
        square, lambda xy: shapely.get_coordinates(shapely.points(*to_3006.transform(*xy.T)))
    )
    assert back.bounds == pytest.approx((E2 + 100, N2, E2 + 200, N2 + 100), abs=0.01)


def test_the_top_places_are_the_most_mixed_cells_with_enough_maintained_area(
    analysis: TestClient,
) -> None:
    body = _get(analysis, ruta_m=100, topp=10)
    assert body["minsta_yta_m2"] == 200.0  # 2 % of a 100 m cell
    assert [(p["id"], p["blandningsindex"]) for p in body["topp"]] == [
        (CELL_EAST, 0.5),
        (CELL_0, 0.375),
    ]
    assert [p["id"] for p in _get(analysis, ruta_m=100, topp=1)["topp"]] == [CELL_EAST]


def test_at_500_m_one_cell_holds_everything(analysis: TestClient) -> None:
    body = _get(analysis)
    assert body["ruta_m"] == 500
    assert body["vikt"] == "yta"
    [cell] = body["features"]
    properties = cell["properties"]
    # 3 400 Parkenheten, 2 000 Huge, 400 kultur-fritid of 5 800 m².
    shares = {o["slug"]: o["andel"] for o in properties["organisationer"]}
    assert shares == pytest.approx(
        {"parkenheten": 3400 / 5800, "huge": 2000 / 5800, "kultur-fritid": 400 / 5800}, abs=1e-6
    )
    expected = 1 - (3400**2 + 2000**2 + 400**2) / 5800**2
    assert properties["blandningsindex"] == pytest.approx(expected, abs=1e-6)
    assert body["minsta_yta_m2"] == 5000.0  # 2 % of 250 000 m²
    assert [p["id"] for p in body["topp"]] == [cell["id"]]  # 5 800 m² is enough


def test_per_driftomrade_the_current_area_only(analysis: TestClient) -> None:
    body = _get(analysis, indelning="driftomrade")
    [area] = body["features"]
    assert area["properties"]["namn"] == "Analys väst"
    assert area["geometry"]["type"] == "MultiPolygon"
    assert area["properties"]["blandningsindex"] == 0.375
    assert body["ruta_m"] is None
    assert body["topp"] == []  # 1 600 m² is below the 10 000 m² an area needs to rank


def test_mix_from_rows_ignores_lines_and_points() -> None:
    rows = [
        QuantityRow("c", "a", "G2", None, "m²", 1, 300.0),
        QuantityRow("c", "a", "G1", "A", "m²", 2, 450.0),
        QuantityRow("c", "b", "G2", None, "m²", 1, 250.0),
        QuantityRow("c", "b", "H1", None, "m", 1, 5000.0),
        QuantityRow("c", "c", "UT1", None, "st", 9, 9.0),
        QuantityRow("d", "c", "UT1", None, "st", 1, 1.0),
    ]
    [mix] = mixes(rows)
    assert mix.scope == "c"
    assert mix.weight_total == 1000.0
    assert mix.shares == (("a", 0.75), ("b", 0.25))
    assert mix.mix_index == 0.375
    assert top_places([mix], 10, 1000.0) == [mix]
    assert top_places([mix], 10, 1000.1) == []


@pytest.mark.parametrize(
    "params",
    [{"ruta_m": 49}, {"ruta_m": 5001}, {"vikt": "pris"}, {"topp": -1}, {"indelning": "trakt"}],
)
def test_bad_parameters_are_400(analysis: TestClient, params: dict[str, Any]) -> None:
    response = analysis.get(URL, params=params)
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("ogiltig-parameter")
