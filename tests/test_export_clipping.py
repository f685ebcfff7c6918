"""Objects crossing an operations area's boundary count in each package with their part inside.

Two areas of the park unit side by side on the hand-made patch, west (x 1000–1100) and east
(x 1100–1200), both 100 m high (local metres):
- a lawn from x 1080 to 1130, 20 m high: 400 m² in the west, 600 m² in the east (1,000 m²);
- a path from x 1050 to 1190 at y 50: 50 m west, 90 m east (140 m);
- a two-part bed, one 10 × 10 part in each area: 100 m² each;
- a lawn inside the west area touching the shared boundary with one edge: wholly west, and not
  in the east package at all (nothing of it lies inside the east area);
- a bench well inside the west area: 1 st west, none east.
"""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

from app.core.settings import Settings
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.quantities import quantity_table
from tests.handmade import local_wkt_sql

WEST, EAST = "Klipptest väst", "Klipptest öst"
AREAS = {
    WEST: "POLYGON((1000 0,1100 0,1100 100,1000 100,1000 0))",
    EAST: "POLYGON((1100 0,1200 0,1200 100,1100 100,1100 0))",
}
# code, kind, WKT in local metres
OBJECTS = [
    ("G2", "yta", "POLYGON((1080 10,1130 10,1130 30,1080 30,1080 10))"),
    ("H1", "linje", "LINESTRING(1050 50,1190 50)"),
    ("G3", "yta", "MULTIPOLYGON(((1060 70,1070 70,1070 80,1060 80,1060 70)),"
     "((1150 70,1160 70,1160 80,1150 80,1150 70)))"),
    ("G4", "yta", "POLYGON((1090 85,1100 85,1100 95,1090 95,1090 85))"),
    ("UT1", "punkt", "POINT(1020 20)"),
]  # fmt: skip
# (product, area): quantity inside, worked out in the module docstring
EXPECTED = {
    ("G2", WEST): 400.0,
    ("G2", EAST): 600.0,
    ("H1", WEST): 50.0,
    ("H1", EAST): 90.0,
    ("G3", WEST): 100.0,
    ("G3", EAST): 100.0,
    ("G4", WEST): 100.0,
    ("UT1", WEST): 1.0,
}
WHOLE = {"G2": 1000.0, "H1": 140.0, "G3": 200.0, "G4": 100.0, "UT1": 1.0}


@pytest.fixture(scope="module")
def pg(
    engine: Engine,
    settings: Settings,
    handmade_data: None,  # noqa: ARG001 (a fixture set up first)
) -> Iterator[psycopg.Connection[Any]]:
    """The two areas and the crossing objects, committed (handmade_data's teardown removes
    them), and a plain psycopg connection as the export code takes it."""
    with engine.begin() as conn:
        for name, wkt in AREAS.items():
            conn.execute(
                text(
                    "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, geom)"
                    f" SELECT :name, c.id, p.id, '2025-01-01', ST_Multi({local_wkt_sql(wkt)})"
                    " FROM organisation c, organisation p"
                    " WHERE c.slug = 'parkenheten' AND p.slug = 'sodertorns-parkdrift'"
                ),
                {"name": name},
            )
        for code, kind, wkt in OBJECTS:
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp, huvudman_id,"
                    f" kvalitetsniva, geom, valid_from) SELECT :code, :kind, id, 'B',"
                    f" {local_wkt_sql(wkt)}, '2025-01-01'"
                    " FROM organisation WHERE slug = 'parkenheten'"
                ),
                {"code": code, "kind": kind},
            )
    with psycopg.connect(settings.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        yield conn


def _package(pg: psycopg.Connection[Any], name: str) -> PackageContents:
    area_id = find_area_id(pg, name)
    assert area_id is not None
    contents = load_contents(pg, area_id)
    assert contents is not None
    return contents


def _ours(contents: PackageContents) -> PackageContents:
    """Only this test's objects (the patch's own objects lie west of x 1000)."""
    codes = {code for code, _, _ in OBJECTS}
    objects = contents.objects[contents.objects["produkt"].isin(codes)]
    return PackageContents(contents.area, contents.products, objects, contents.created)


def test_each_package_counts_only_the_part_inside_its_area(pg: psycopg.Connection[Any]) -> None:
    for name in (WEST, EAST):
        rows = quantity_table(_ours(_package(pg, name)))
        got = {r.kod: r.mangd for r in rows if r.radtyp == "niva"}
        expected = {code: amount for (code, area), amount in EXPECTED.items() if area == name}
        assert got == pytest.approx(expected), name


def test_a_crossing_object_sums_to_its_whole_across_the_two_packages(
    pg: psycopg.Connection[Any],
) -> None:
    totals: dict[str, float] = {}
    for name in (WEST, EAST):
        objects = _ours(_package(pg, name)).objects
        for code, amount in zip(objects["produkt"], objects["mangd"], strict=True):
            totals[code] = totals.get(code, 0.0) + float(amount)
    assert totals == pytest.approx(WHOLE)


def test_partly_inside_objects_are_flagged_with_their_share_and_drawn_clipped(
    pg: psycopg.Connection[Any],
) -> None:
    objects = _ours(_package(pg, EAST)).objects.set_index("produkt")
    assert bool(objects.loc["G2", "delvis_inom"])
    assert objects.loc["G2", "andel_inom"] == pytest.approx(0.6)
    assert objects.loc["G2", "mangd_hela"] == pytest.approx(1000.0)
    # The geometry is the part inside: its own area is the counted quantity.
    assert objects.loc["G2", "geometry"].area == pytest.approx(600.0)
    assert objects.loc["H1", "geometry"].length == pytest.approx(90.0)
    west = _ours(_package(pg, WEST)).objects.set_index("produkt")
    assert not bool(west.loc["G4", "delvis_inom"])
    assert west.loc["G4", "andel_inom"] == pytest.approx(1.0)
    assert not bool(west.loc["UT1", "delvis_inom"])


def test_objects_are_numbered_in_list_order_and_given_a_printed_sheet(
    pg: psycopg.Connection[Any],
) -> None:
    contents = _package(pg, WEST)
    objects = contents.objects
    assert objects["nr"].tolist() == list(range(1, len(objects) + 1))
    printed = {sheet.number for sheet in contents.sheets}
    assert printed
    assert set(objects["blad"]) <= printed | {0}
    assert (objects["blad"] > 0).all()  # a 100 m area fits one sheet, which shows everything
