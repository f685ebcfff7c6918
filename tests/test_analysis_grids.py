"""The grids that spare the analysis from testing every pair of objects give the same answers
as the definitions, where an object reaches far from the point that places it in a cell.

Local metres from (E4, N4), 7 km east of the hand-made patch (tests/handmade.py):

- L, the park unit's lawn (0, 0)–(300, 10): its point on surface lies near (150, 5).
- H, Huge's tree at (345, 5): 45 m east of L's end, 195 m from L's point on surface.
- K, Kultur och fritid's tree at (360, 5): 60 m from L, 15 m from H.
- F, Kultur och fritid's tree at (470, 5): 110 m from K, alone at 100 m.

Objects near at 50 m: L and H reach each other (1 each way); H and K reach each other; K does
not reach L (60 m). Zones at 100 m: L, H and K in one zone (three huvudmän: L–H 45 m, H–K 15 m),
F alone (one huvudman, not kept). At 40 m L stays out (45 m from H): the one zone kept is H
and K.
"""

import asyncio
import hashlib
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Connection, Engine, text

from app.analysis.neighbours import Neighbours, neighbours
from app.analysis.zones import Zone, coordination_zones
from app.demo.load import reset_data
from tests.handmade import E0, N0
from tests.support.tables import PLACE_TABLES, empty_tables

E4, N4 = E0 + 7000, N0
LAWN, HUGE_TREE = "00000000-0000-4000-8000-00000000f001", "00000000-0000-4000-8000-00000000f002"
CULTURE_TREE = "00000000-0000-4000-8000-00000000f003"
FAR_TREE = "00000000-0000-4000-8000-00000000f004"


def _point(x: float, y: float) -> str:
    return f"ST_SetSRID(ST_MakePoint({E4 + x}, {N4 + y}), 3006)"


OBJECTS = [  # objekt_id, code, kind, geometry, huvudman
    (LAWN, "G2", "yta", f"ST_MakeEnvelope({E4}, {N4}, {E4 + 300}, {N4 + 10}, 3006)", "parkenheten"),
    (HUGE_TREE, "T1", "punkt", _point(345, 5), "huge"),
    (CULTURE_TREE, "T1", "punkt", _point(360, 5), "kultur-fritid"),
    (FAR_TREE, "T1", "punkt", _point(470, 5), "kultur-fritid"),
]


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """This module's objects alone, committed."""
    with engine.begin() as conn:
        reset_data(conn, PLACE_TABLES)
        for object_id, code, kind, geometry, org in OBJECTS:
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                    f" huvudman_id, geom, valid_from) SELECT :id, :code, :kind, id, {geometry},"
                    " '2025-01-01' FROM organisation WHERE slug = :org"
                ),
                {"id": object_id, "code": code, "kind": kind, "org": org},
            )
    yield
    empty_tables(engine, PLACE_TABLES)


def _run(conn: Connection, work: Any) -> Any:
    dsn = conn.connection.driver_connection.info.dsn  # type: ignore[union-attr]

    async def run() -> Any:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as aconn:
            return await work(aconn)

    return asyncio.run(run())


def _key(*object_ids: str) -> str:
    return hashlib.md5(",".join(sorted(object_ids)).encode()).hexdigest()


def test_objects_near_reach_the_far_end_of_a_long_lawn(conn: Connection, scene: None) -> None:  # noqa: ARG001
    matrix: Neighbours = _run(conn, lambda c: neighbours(c, 2.0, 50.0, 0))
    assert matrix.objects_near == {
        ("parkenheten", "huge"): 1,
        ("huge", "parkenheten"): 1,
        ("huge", "kultur-fritid"): 1,
        ("kultur-fritid", "huge"): 1,
    }


def test_at_61_m_the_culture_tree_reaches_the_lawn(conn: Connection, scene: None) -> None:  # noqa: ARG001
    matrix: Neighbours = _run(conn, lambda c: neighbours(c, 2.0, 61.0, 0))
    assert matrix.objects_near[("kultur-fritid", "parkenheten")] == 1
    assert matrix.objects_near[("parkenheten", "kultur-fritid")] == 1


def test_a_zone_joins_a_tree_to_the_far_end_of_a_long_lawn(conn: Connection, scene: None) -> None:  # noqa: ARG001
    zones: list[Zone] = _run(conn, lambda c: coordination_zones(c, 100.0))
    assert [(z.key, z.objects, z.organisations) for z in zones] == [
        (_key(LAWN, HUGE_TREE, CULTURE_TREE), 3, ["huge", "kultur-fritid", "parkenheten"])
    ]


def test_at_40_m_the_lawn_stays_out(conn: Connection, scene: None) -> None:  # noqa: ARG001
    zones: list[Zone] = _run(conn, lambda c: coordination_zones(c, 40.0))
    assert [(z.key, z.objects) for z in zones] == [(_key(HUGE_TREE, CULTURE_TREE), 2)]
