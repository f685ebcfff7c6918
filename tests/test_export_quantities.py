"""The quantity schedule (CSV, XLSX) of an operations area, read back with real readers (csv,
openpyxl) and checked against sums PostGIS computes itself. The DXF drawing's tests are in
tests/test_export_dxf.py; the XLSX as a priced bid form and the calculation in
tests/test_export_xlsx.py.

Only each object's part inside the area counts. The park area (the 0–100 m square) then holds,
of the park unit's current objects (worked out by hand, see EXPECTED):
- G2 without a level: the patch's lawn over the whole square, 10,000 m²;
- G2 level A: 30 × 30 m with a 10 × 10 m hole, 800 m², and a lawn x 90–130 × 10 m crossing the
  east boundary, 100 of its 400 m² inside: 2 objects, 900 m² (1,200 m² if it were not clipped);
- G2 level B: two parts of 10 × 10 and 10 × 15 m, 250 m²; G2 in all 4 objects, 11,150 m²;
- H1 level B: a line of 90 m; H1 without a level: 20 + 24 m = 44 m; H1 in all 134 m;
- UT1 at level A, level B and without a level (the patch's bench at 60, 60): 1 st each; UT2 1 st.
Totals: 11,150 m² (4 objects), 134 m (2), 4 st (4).
"""

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import psycopg
import pyogrio
import pytest
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Engine, text

from app.core.settings import Settings
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.dxf import BOUNDARY_LAYER, write_dxf
from app.export.quantities import (
    ALL_LEVELS_TEXT,
    HEADER,
    NO_LEVEL_TEXT,
    quantity_table,
    write_quantities_csv,
    write_quantities_xlsx,
)
from tests.handmade import local_wkt_sql
from tests.support.xlsx_formulas import evaluate

PARK_AREA = "Testområde park"  # handmade: park unit's area over parcel P1 (0..100 m square)
EMPTY_AREA = "Testområde tomt"
EMPTY_AREA_WKT = "POLYGON((200 100,300 100,300 200,200 200,200 100))"  # nothing there
RELATIVE = 1e-4  # 0.01 %

# Objects added to the hand-made patch so the park area has several quality levels, a hole,
# multi-geometries, an object crossing its border, a retired object and another organisation's.
# code, kind, huvudman, quality level, WKT in local metres, retired
EXTRA_OBJECTS = [
    ("G2", "yta", "parkenheten", "A", "POLYGON((10 60,40 60,40 90,10 90,10 60),"
     "(20 70,30 70,30 80,20 80,20 70))", False),
    ("G2", "yta", "parkenheten", "B", "MULTIPOLYGON(((50 10,60 10,60 20,50 20,50 10)),"
     "((70 10,80 10,80 25,70 25,70 10)))", False),
    ("G2", "yta", "parkenheten", "A", "POLYGON((90 40,130 40,130 50,90 50,90 40))", False),
    ("G2", "yta", "parkenheten", "C", "POLYGON((5 5,9 5,9 9,5 9,5 5))", True),
    ("G2", "yta", "huge", "A", "POLYGON((40 40,45 40,45 45,40 45,40 40))", False),
    ("H1", "linje", "parkenheten", "B", "LINESTRING(5 5,5 50,5 95)", False),
    ("H1", "linje", "parkenheten", None, "MULTILINESTRING((10 5,30 5),(10 8,30 8,30 12))", False),
    ("UT1", "punkt", "parkenheten", "A", "POINT(15 15)", False),
    ("UT1", "punkt", "parkenheten", "B", "POINT(16 16)", False),
    ("UT2", "punkt", "parkenheten", None, "POINT(25 25)", False),
]  # fmt: skip

# (code, level): (objects, quantity inside the area), worked out in the module docstring
EXPECTED = {
    ("G2", None): (1, 10000.0),
    ("G2", "A"): (2, 900.0),
    ("G2", "B"): (1, 250.0),
    ("H1", "B"): (1, 90.0),
    ("H1", None): (1, 44.0),
    ("UT1", "A"): (1, 1.0),
    ("UT1", "B"): (1, 1.0),
    ("UT1", None): (1, 1.0),
    ("UT2", None): (1, 1.0),
}
ROUNDING = 0.05  # the XLSX holds m² and m to one decimal

# The part of each object inside the area, computed without the package's shortcut for objects
# wholly inside; an object that only touches the boundary has no part inside and does not count.
INDEPENDENT_SUMS_SQL = """
SELECT o.skotselprodukt_kod, o.kvalitetsniva, count(*), sum(x.inside)
FROM skotselobjekt o, driftomrade d,
     LATERAL (SELECT CASE o.geometrityp
                          WHEN 'yta' THEN ST_Area(ST_Intersection(o.geom, d.geom))
                          WHEN 'linje' THEN ST_Length(ST_Intersection(o.geom, d.geom))
                          ELSE 1 END AS inside) x
WHERE d.id = %(id)s AND o.valid_to IS NULL AND o.huvudman_id = d.bestallare_id
  AND ST_Intersects(o.geom, d.geom) AND x.inside > 0
GROUP BY 1, 2
"""


@pytest.fixture(scope="module")
def extra_objects(engine: Engine, handmade_data: None) -> None:  # noqa: ARG001 (a fixture set up first)
    """The extra objects and an empty area, committed; handmade_data's teardown removes them."""
    with engine.begin() as conn:
        for code, kind, org, level, wkt, retired in EXTRA_OBJECTS:
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp, huvudman_id,"
                    f" kvalitetsniva, geom, valid_from, valid_to) SELECT :code, :kind, id,"
                    f" :level, {local_wkt_sql(wkt)}, '2025-01-01',"
                    " CASE WHEN :retired THEN CAST('2025-06-01' AS timestamptz) END"
                    " FROM organisation WHERE slug = :org"
                ),
                {"code": code, "kind": kind, "org": org, "level": level, "retired": retired},
            )
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, geom)"
                " SELECT :name, c.id, p.id, '2025-01-01',"
                f" ST_Multi({local_wkt_sql(EMPTY_AREA_WKT)})"
                " FROM organisation c, organisation p"
                " WHERE c.slug = 'parkenheten' AND p.slug = 'sodertorns-parkdrift'"
            ),
            {"name": EMPTY_AREA},
        )


@pytest.fixture(scope="module")
def pg(settings: Settings, extra_objects: None) -> Iterator[psycopg.Connection[Any]]:  # noqa: ARG001 (a fixture set up first)
    """A plain psycopg connection to the test database, as the export code takes it."""
    url = settings.database_url.replace("+psycopg", "")
    with psycopg.connect(url, autocommit=True) as connection:
        yield connection


def _contents(pg: psycopg.Connection[Any], name: str) -> tuple[int, PackageContents]:
    area_id = find_area_id(pg, name)
    assert area_id is not None
    contents = load_contents(pg, area_id)
    assert contents is not None
    return area_id, contents


@pytest.fixture(scope="module")
def park(pg: psycopg.Connection[Any]) -> tuple[int, PackageContents]:
    """The park area's id and package contents."""
    return _contents(pg, PARK_AREA)


@pytest.fixture(scope="module")
def postgis_sums(
    pg: psycopg.Connection[Any], park: tuple[int, PackageContents]
) -> dict[tuple[str, str | None], tuple[int, float]]:
    """(count, quantity) per product and quality level, summed by PostGIS on its own."""
    with pg.transaction():
        rows = pg.execute(INDEPENDENT_SUMS_SQL, {"id": park[0]}).fetchall()
    return {(code, level): (int(count), float(amount)) for code, level, count, amount in rows}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=RELATIVE, abs_tol=1e-9)


def _per_product(
    sums: dict[tuple[str, str | None], tuple[int, float]],
) -> dict[str, tuple[int, float]]:
    totals: dict[str, tuple[int, float]] = {}
    for (code, _), (count, amount) in sums.items():
        old = totals.get(code, (0, 0.0))
        totals[code] = (old[0] + count, old[1] + amount)
    return totals


def test_quantity_rows_equal_postgis_sums(
    park: tuple[int, PackageContents],
    postgis_sums: dict[tuple[str, str | None], tuple[int, float]],
) -> None:
    _, contents = park
    rows = quantity_table(contents)
    levels = {(r.kod, r.kvalitetsniva): r for r in rows if r.radtyp == "niva"}
    assert set(levels) == set(postgis_sums)
    for key, (count, amount) in postgis_sums.items():
        assert levels[key].antal_objekt == count
        assert _close(levels[key].mangd, amount), key
    # PostGIS's own sums are the ones worked out by hand.
    assert set(postgis_sums) == set(EXPECTED)
    for key, (count, amount) in EXPECTED.items():
        assert postgis_sums[key][0] == count
        assert _close(postgis_sums[key][1], amount), key

    per_product = _per_product(postgis_sums)
    subtotals = {r.kod: r for r in rows if r.radtyp == "delsumma"}
    many_levels = {code for code in per_product if sum(k[0] == code for k in postgis_sums) > 1}
    assert set(subtotals) == many_levels == {"G2", "H1", "UT1"}
    for code, row in subtotals.items():
        assert row.antal_objekt == per_product[code][0]
        assert _close(row.mangd, per_product[code][1])
        assert row.kvalitetsniva_text == ALL_LEVELS_TEXT

    order = [p.kod for p in contents.products if p.kod in per_product]
    seen = list(dict.fromkeys(r.kod for r in rows if r.radtyp != "summa"))
    assert seen == order
    for code in many_levels:
        product_rows = [r for r in rows if r.kod == code]
        assert product_rows[-1].radtyp == "delsumma"  # the subtotal closes its product

    totals = [r for r in rows if r.radtyp == "summa"]
    assert rows[-len(totals) :] == totals
    assert [r.enhet for r in totals] == ["m²", "m", "st"]
    for total in totals:
        codes = [c for c in per_product if contents.product(c).enhet == total.enhet]
        assert total.namn == f"Summa {total.enhet}"
        assert total.antal_objekt == sum(per_product[c][0] for c in codes)
        assert _close(total.mangd, sum(per_product[c][1] for c in codes))
    unlevelled = [r for r in rows if r.radtyp == "niva" and r.kvalitetsniva is None]
    assert unlevelled
    assert all(r.kvalitetsniva_text == NO_LEVEL_TEXT for r in unlevelled)


def test_only_current_objects_of_the_client_count(
    park: tuple[int, PackageContents], pg: psycopg.Connection[Any]
) -> None:
    _, contents = park
    with pg.transaction():
        retired, others = pg.execute(
            "SELECT count(*) FILTER (WHERE valid_to IS NOT NULL),"
            " count(*) FILTER (WHERE huvudman_id <> d.bestallare_id)"
            " FROM skotselobjekt o, driftomrade d"
            " WHERE d.namn = %s AND ST_Intersects(o.geom, d.geom)",
            (PARK_AREA,),
        ).fetchone() or (0, 0)
    assert retired >= 1
    assert others >= 2
    counted = sum(r.antal_objekt for r in quantity_table(contents) if r.radtyp == "summa")
    assert counted == len(contents.objects)


def _number(text_value: str) -> float:
    return float(text_value.replace(",", "."))


def test_csv_reads_back_for_swedish_excel(
    park: tuple[int, PackageContents], tmp_path: Path
) -> None:
    _, contents = park
    path = tmp_path / "mangder.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        write_quantities_csv(contents, out)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfKod;")  # for Excel, once
    with path.open(encoding="utf-8-sig", newline="") as handle:
        table = list(csv.reader(handle, delimiter=";"))
    assert tuple(table[0]) == HEADER
    expected = quantity_table(contents)
    assert len(table) == len(expected) + 1
    for line, row in zip(table[1:], expected, strict=True):
        code, name, level, unit, count, amount = line
        assert (code, name, level, unit) == (row.kod, row.namn, row.kvalitetsniva_text, row.enhet)
        assert int(count) == row.antal_objekt
        if unit == "st":
            assert amount.isdigit()
            assert int(amount) == round(row.mangd)
        else:
            assert "." not in amount
            assert amount.count(",") == 1
            assert len(amount.split(",")[1]) == 1
            assert abs(_number(amount) - row.mangd) <= 0.05 + 1e-9
    totals = {line[3]: _number(line[5]) for line in table[1:] if line[0] == ""}
    levels = [line for line in table[1:] if line[2] != ALL_LEVELS_TEXT and line[0]]
    for unit, total in totals.items():
        rows_of_unit = [_number(line[5]) for line in levels if line[3] == unit]
        assert abs(total - sum(rows_of_unit)) <= 0.05 * len(rows_of_unit) + 1e-9


def _num(cell: Cell | MergedCell) -> float:
    """A cell's value, which must be a number (not text)."""
    assert isinstance(cell.value, int | float)
    assert not isinstance(cell.value, bool)
    return cell.value


def _find_header_row(sheet: Worksheet) -> int:
    for (cell,) in sheet.iter_rows(min_col=1, max_col=1):
        if cell.value == "Kod":
            return int(cell.row or 0)
    raise AssertionError("no header row")


def test_xlsx_reads_back_with_numbers_and_totals_per_unit(
    park: tuple[int, PackageContents],
    postgis_sums: dict[tuple[str, str | None], tuple[int, float]],
    tmp_path: Path,
) -> None:
    _, contents = park
    path = tmp_path / "mangder.xlsx"
    with path.open("wb") as out:
        write_quantities_xlsx(contents, out)
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == [
        "Mängdförteckning",
        "Skötselbeskrivning",
        "Per produkt",
        "Per objekt",
    ]
    sheet = workbook["Mängdförteckning"]

    header = _find_header_row(sheet)
    title = {
        str(row[0]): str(row[1])
        for row in sheet.iter_rows(min_row=2, max_row=header - 1, max_col=2, values_only=True)
        if row[0]
    }
    area = contents.area
    assert title["Driftområde"] == area.name
    assert title["Beställare"] == area.client
    assert title["Utförare"] == area.performer
    assert area.contract_start.isoformat() in title["Avtalsperiod"]
    assert title["Data per"].startswith(contents.created.date().isoformat())
    assert "SWEREF 99 TM" in title["Koordinatsystem"]

    header_cells = sheet[header]
    assert tuple(cell.value for cell in header_cells[:6]) == HEADER
    assert all(cell.font.bold and cell.fill.fill_type == "solid" for cell in header_cells[:6])
    assert sheet.freeze_panes == f"A{header + 1}"
    assert sheet.auto_filter.ref is not None
    assert sheet.auto_filter.ref.startswith(f"A{header}:")

    body = [r for r in sheet.iter_rows(min_row=header + 1) if r[0].value or r[3].value]
    level_rows = [r for r in body if r[0].value and r[2].value != ALL_LEVELS_TEXT]
    for cells in body:
        count_cell, amount_cell = cells[4], cells[5]
        if cells in level_rows:
            assert isinstance(count_cell.value, int)
            assert isinstance(amount_cell.value, int | float)
        else:  # the sums are formulas over the level rows
            assert str(count_cell.value).startswith("=")
            assert str(amount_cell.value).startswith("=")
        assert amount_cell.number_format == ("#,##0" if cells[3].value == "st" else "#,##0.0")
        is_sum = cells[2].value == ALL_LEVELS_TEXT or not cells[0].value
        assert bool(cells[1].font.bold) == is_sum
    got = {(r[0].value, r[2].value): (_num(r[4]), _num(r[5])) for r in level_rows}
    for (code, level), (count, amount) in postgis_sums.items():
        cell_count, cell_amount = got[(code, level or NO_LEVEL_TEXT)]
        assert cell_count == count
        assert abs(cell_amount - amount) <= ROUNDING

    totals = {str(r[3].value): r for r in body if not r[0].value}
    assert list(totals) == ["m²", "m", "st"]
    for unit, cells in totals.items():
        assert cells[1].value == f"Summa {unit}"
        of_unit = [r for r in level_rows if r[3].value == unit]
        assert evaluate(sheet, cells[4].coordinate) == sum(_num(r[4]) for r in of_unit)
        assert _close(evaluate(sheet, cells[5].coordinate), sum(_num(r[5]) for r in of_unit))

    for column, letter in enumerate("ABCDEF"):
        width = sheet.column_dimensions[letter].width
        shown = body if column < 4 else level_rows  # the sums show numbers, not formulas
        longest = max(len(str(r[column].value or "")) for r in shown)
        assert width is not None
        assert width >= longest

    per_product = workbook["Per produkt"]
    products = {
        str(row[0].value): (_num(row[4]), _num(row[5]))
        for row in per_product.iter_rows(min_row=2)
        if row[0].value
    }
    for code, (count, amount) in _per_product(postgis_sums).items():
        assert products[code][0] == count
        assert abs(products[code][1] - amount) <= ROUNDING
    assert per_product.freeze_panes == "A2"


def test_an_area_without_objects_gives_empty_tables_and_only_its_boundary(
    pg: psycopg.Connection[Any], tmp_path: Path
) -> None:
    _, contents = _contents(pg, EMPTY_AREA)
    assert contents.objects.empty
    assert quantity_table(contents) == []
    path = tmp_path / "tom.dxf"
    write_dxf(contents, path)
    assert set(pyogrio.read_dataframe(path)["Layer"]) == {BOUNDARY_LAYER}
    xlsx = tmp_path / "tom.xlsx"
    with xlsx.open("wb") as out:
        write_quantities_xlsx(contents, out)
    sheet = openpyxl.load_workbook(xlsx)["Mängdförteckning"]
    header = _find_header_row(sheet)
    assert sheet.max_row <= header + 1
    assert "tills vidare" in str(sheet.cell(row=5, column=2).value)
