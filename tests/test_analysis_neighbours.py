"""Neighbouring work (GET /api/v1/samordning/grannar) on a scene of its own, answers by hand.

Local metres from (E2, N2), 3 km east of the hand-made patch (tests/handmade.py):

- A, the park unit's lawn (0, 0)–(40, 20); B, Huge's lawn (40, 0)–(80, 20), sharing A's east
  edge (20 m); C, Kultur och fritid's lawn (0, 21)–(40, 41), 1 m north of A.
- At tolerance 2 m, A's boundary within 2 m of B is the shared edge plus 2 m of A's north and
  south edges: 24 m, and B's likewise, so A–B meet along 24 m. A's north edge lies 1 m from C
  (40 m) and A's west and east edges come within 2 m of C for their top metre: 42 m, and C's
  side the same. B and C touch only at the corners (40, 20) and (40, 21): B's west edge within
  2 m of C for 1 m and B's north edge for √3 m (√(x² + 1) ≤ 2), C's side the same: 1 + √3 m.
- Points 1 km further east: Huge's bench P at (1000, 0) and tree Q at (1040, 20); the park
  unit's trees at (1045, 0) (45 m from P, 20.6 m from Q) and (1000, 55) (55 m from P,
  53.2 m from Q). Within 50 m: the park unit's A and its tree at 45 m reach Huge (2); Huge's B,
  P and Q reach the park unit (3); A reaches Kultur och fritid, C reaches both, B reaches C (1).
"""

import math
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from app.core.settings import Settings
from app.demo.load import reset_data
from app.main import create_app
from tests.handmade import E0, N0
from tests.support.tables import PLACE_TABLES, empty_tables

E2, N2 = E0 + 3000, N0
AREAS = [  # box, huvudman
    ((0, 0, 40, 20), "parkenheten"),
    ((40, 0, 80, 20), "huge"),
    ((0, 21, 40, 41), "kultur-fritid"),
]
POINTS = [  # code, (x, y), huvudman
    ("UT1", (1000, 0), "huge"),
    ("T1", (1040, 20), "huge"),
    ("T1", (1045, 0), "parkenheten"),
    ("T1", (1000, 55), "parkenheten"),
]
B_C_CORNER_M = 1 + math.sqrt(3)
# The buffer's quarter circles are polygons of 8 segments: a chord lies at most 1 cm inside.
ARC_M = 0.02


def _insert(conn: Connection, code: str, kind: str, geom_sql: str, org: str) -> None:
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
            " geom, valid_from) SELECT gen_random_uuid(), :code, :kind, id, "
            f"{geom_sql}, '2025-01-01' FROM organisation WHERE slug = :org"
        ),
        {"code": code, "kind": kind, "org": org},
    )


def _build_scene(conn: Connection) -> None:
    for (x0, y0, x1, y1), org in AREAS:
        box = f"ST_MakeEnvelope({E2 + x0}, {N2 + y0}, {E2 + x1}, {N2 + y1}, 3006)"
        _insert(conn, "G2", "yta", box, org)
    for code, (x, y), org in POINTS:
        _insert(conn, code, "punkt", f"ST_SetSRID(ST_MakePoint({E2 + x}, {N2 + y}), 3006)", org)
    # Retired: a lawn of Huge's right on top of A must count for nothing.
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
            " geom, valid_from, valid_to) SELECT gen_random_uuid(), 'G2', 'yta', id,"
            f" ST_MakeEnvelope({E2}, {N2}, {E2 + 40}, {N2 + 20}, 3006), '2025-01-01',"
            " '2025-06-01' FROM organisation WHERE slug = 'huge'"
        )
    )


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """This module's scene alone, committed so the service sees it."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        _build_scene(conn)
    yield
    empty_tables(engine, PLACE_TABLES)


@pytest.fixture(scope="module")
def zones_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:  # noqa: ARG001 (a fixture set up first)
    """The application, on the committed scene."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _ask(client: TestClient, **params: Any) -> Any:
    response = client.get("/api/v1/samordning/grannar", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def _matrix(answer: dict[str, Any]) -> dict[tuple[str, str], tuple[float, int]]:
    return {(c["a"], c["b"]): (c["gemensam_grans_m"], c["objekt_nara"]) for c in answer["matris"]}


@pytest.mark.usefixtures("scene")
def test_shared_boundary_is_symmetric_and_measured_within_the_tolerance(
    zones_client: TestClient,
) -> None:
    answer = _ask(zones_client)
    assert (answer["tolerans_m"], answer["avstand_m"]) == (2.0, 50.0)
    assert answer["organisationer"] == ["huge", "kultur-fritid", "parkenheten"]
    matrix = _matrix(answer)
    assert len(matrix) == 6, "every ordered pair of different organisations"
    shared = {pair: value[0] for pair, value in matrix.items()}
    assert shared[("parkenheten", "huge")] == pytest.approx(24.0, abs=1e-6)
    assert shared[("parkenheten", "kultur-fritid")] == pytest.approx(42.0, abs=1e-6)
    assert shared[("huge", "kultur-fritid")] == pytest.approx(B_C_CORNER_M, abs=ARC_M)
    for (a, b), length in shared.items():
        assert shared[(b, a)] == length


@pytest.mark.usefixtures("scene")
def test_a_smaller_tolerance_leaves_the_one_metre_gap_and_the_corner_short(
    zones_client: TestClient,
) -> None:
    shared = {pair: v[0] for pair, v in _matrix(_ask(zones_client, tolerans_m=0.5)).items()}
    assert shared[("parkenheten", "huge")] == pytest.approx(21.0, abs=1e-6)
    assert shared[("parkenheten", "kultur-fritid")] == 0.0
    assert shared[("huge", "kultur-fritid")] == 0.0


@pytest.mark.usefixtures("scene")
def test_objects_near_are_counted_from_each_side(zones_client: TestClient) -> None:
    near = {pair: value[1] for pair, value in _matrix(_ask(zones_client)).items()}
    assert near == {
        ("parkenheten", "huge"): 2,  # A and the tree 45 m from P; not the one 55 m away
        ("huge", "parkenheten"): 3,  # B, P and Q
        ("parkenheten", "kultur-fritid"): 1,
        ("kultur-fritid", "parkenheten"): 1,
        ("huge", "kultur-fritid"): 1,
        ("kultur-fritid", "huge"): 1,
    }
    wider = {pair: v[1] for pair, v in _matrix(_ask(zones_client, avstand_m=56)).items()}
    assert wider[("parkenheten", "huge")] == 3, "at 56 m the tree 55 m from P counts"


@pytest.mark.usefixtures("scene")
def test_the_places_are_the_longest_stretches_as_lines_in_wgs84(zones_client: TestClient) -> None:
    places = _ask(zones_client, topp=2)["platser"]
    assert places["type"] == "FeatureCollection"
    found = [
        (f["properties"]["a"], f["properties"]["b"], f["properties"]["langd_m"])
        for f in places["features"]
    ]
    assert found == [
        ("kultur-fritid", "parkenheten", pytest.approx(42.0, abs=1e-3)),
        ("huge", "parkenheten", pytest.approx(24.0, abs=1e-3)),
    ]
    for feature in places["features"]:
        assert feature["geometry"]["type"] == "LineString"
        lon, lat = feature["geometry"]["coordinates"][0]
        assert 17.5 < lon < 18.5
        assert 59.0 < lat < 59.5
    every = _ask(zones_client)["platser"]["features"]
    assert [f["properties"]["b"] for f in every][2:] == ["kultur-fritid"], "B–C's corner last"


@pytest.mark.parametrize(
    "params",
    [{"tolerans_m": -1}, {"tolerans_m": 21}, {"avstand_m": 0}, {"avstand_m": 501}, {"topp": -1}],
)
def test_parameters_out_of_bounds_are_a_problem(
    zones_client: TestClient, params: dict[str, Any]
) -> None:
    response = zones_client.get("/api/v1/samordning/grannar", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("ogiltig-parameter")
