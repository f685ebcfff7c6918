"""The quantity schedule as a priced bid form and the client's calculation (kalkyl), read back
with openpyxl (and recalculated by LibreOffice), against quantities and
sums worked out by hand.

The area "XLSX-test" of the park unit is the square x 1500–1600, y 0–100 (local metres of the
hand-made patch). Its objects:
- e001 lawn G2 level A, x 1580–1630 × y 10–30: 400 m² of its 1,000 m² inside (40.0 %);
- e002 lawn G2 level A, 12.34 × 10 m: 123.4 m²; so G2 A is 2 objects, 523.4 m²;
- e003 lawn G2 level B, 15 × 10 m: 150 m²;
- e004 lawn G2 without a level, 10.05 × 10 m: 100.5 m²; G2 in all 4 objects, 773.9 m²;
- e005 path H1 level B from x 1550 to 1690: 50 m of its 140 m inside (35.7 %);
- e006 path H1 without a level, 12.3 m; H1 in all 2 objects, 62.3 m;
- e007, e008 benches UT1 level A, e009 a bench UT1 without a level: UT1 3 st;
- e00a a litter bin UT2 at the level "Särskild <A&B>" (text to escape): 1 st.
Totals: 773.9 m² (4 objects), 62.3 m (2), 4 st (4).

The calculation's price list: G2 all levels 3.50 kr (example data), G2 level A 4.25 kr, H1 level
B only 40.00 kr, UT1 all levels 800.00 kr, nothing for UT2. So G2 A 523.4 × 4.25 = 2,224.45,
G2 B 150 × 3.50 = 525.00, G2 without a level 100.5 × 3.50 = 351.75 (G2 3,101.20); H1 B 50 × 40 =
2,000.00, H1 without a level has no price; UT1 3 × 800 = 2,400.00; UT2 has no price. In all
7,501.20 kr per year.
"""

import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import psycopg
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import Connection, Engine, text

from app.analysis.prices import Price, load_prices, sync_prices
from app.core.settings import Settings
from app.export.calculation import CALCULATION_SHEET_TITLE, write_calculation_xlsx
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.object_sheet import (
    OBJECT_HEADER,
    OBJECT_SHEET_TITLE,
    OVERVIEW_TEXT,
    PARTLY_TEXT,
)
from app.export.quantities import (
    ALL_LEVELS_TEXT,
    CALCULATION_HEADER,
    GRAND_TOTAL_TEXT,
    MISSING_PRICE_TEXT,
    NO_LEVEL_TEXT,
    PRICE_FILL,
    PRODUCT_SHEET_TITLE,
    SHEET_TITLE,
    XLSX_HEADER,
    write_quantities_xlsx,
)
from tests.handmade import local_wkt_sql
from tests.support.xlsx_formulas import evaluate, recalculated

AREA = "XLSX-test"
AREA_WKT = "POLYGON((1500 0,1600 0,1600 100,1500 100,1500 0))"
ODD_LEVEL = "Särskild <A&B>"
ID = "00000000-0000-4000-8000-00000000{}"
# objekt_id suffix, code, kind, quality level, WKT in local metres
OBJECTS = [
    ("e001", "G2", "yta", "A", "POLYGON((1580 10,1630 10,1630 30,1580 30,1580 10))"),
    ("e002", "G2", "yta", "A", "POLYGON((1510 40,1522.34 40,1522.34 50,1510 50,1510 40))"),
    ("e003", "G2", "yta", "B", "POLYGON((1530 40,1545 40,1545 50,1530 50,1530 40))"),
    ("e004", "G2", "yta", None, "POLYGON((1550 60,1560.05 60,1560.05 70,1550 70,1550 60))"),
    ("e005", "H1", "linje", "B", "LINESTRING(1550 80,1690 80)"),
    ("e006", "H1", "linje", None, "LINESTRING(1510 90,1522.3 90)"),
    ("e007", "UT1", "punkt", "A", "POINT(1520 20)"),
    ("e008", "UT1", "punkt", "A", "POINT(1522 20)"),
    ("e009", "UT1", "punkt", None, "POINT(1525 20)"),
    ("e00a", "UT2", "punkt", ODD_LEVEL, "POINT(1540 20)"),
]
# (code, level as the sheet reads it): (objects, quantity), worked out in the docstring
LEVELS = {
    ("G2", "A"): (2, 523.4),
    ("G2", "B"): (1, 150.0),
    ("G2", NO_LEVEL_TEXT): (1, 100.5),
    ("H1", "B"): (1, 50.0),
    ("H1", NO_LEVEL_TEXT): (1, 12.3),
    ("UT1", "A"): (2, 2),
    ("UT1", NO_LEVEL_TEXT): (1, 1),
    ("UT2", ODD_LEVEL): (1, 1),
}
SUBTOTALS = {"G2": (4, 773.9), "H1": (2, 62.3), "UT1": (3, 3)}
UNIT_TOTALS = {"m²": (4, 773.9), "m": (2, 62.3), "st": (4, 4)}
PARTLY = {ID.format("e001"): 40.0, ID.format("e005"): 35.7}
# What a bidder writes in the price cells (kr per unit and year).
BID = {
    ("G2", "A"): 4.25,
    ("G2", "B"): 3.5,
    ("G2", NO_LEVEL_TEXT): 3.5,
    ("H1", "B"): 40.0,
    ("H1", NO_LEVEL_TEXT): 12.5,
    ("UT1", "A"): 800.0,
    ("UT1", NO_LEVEL_TEXT): 750.0,
    ("UT2", ODD_LEVEL): 2500.0,
}
PRICE_LIST = [  # code, level, kr, source, example data
    ("G2", None, "3.50", "Exempel för G2", True),
    ("G2", "A", "4.25", "Avtal 2025, nivå A", False),
    ("H1", "B", "40.00", "Avtal 2025, häck B", False),
    ("UT1", None, "800.00", "Avtal 2025, bänkar", False),
]
UNITS = {"G2": "m²", "H1": "m", "UT1": "st", "UT2": "st"}
# (code, level): (price, source text) the calculation shows, from the docstring
CALCULATED = {
    ("G2", "A"): (4.25, "Avtal 2025, nivå A"),
    ("G2", "B"): (3.5, "Exempel för G2 (exempeldata)"),
    ("G2", NO_LEVEL_TEXT): (3.5, "Exempel för G2 (exempeldata)"),
    ("H1", "B"): (40.0, "Avtal 2025, häck B"),
    ("H1", NO_LEVEL_TEXT): (None, MISSING_PRICE_TEXT),
    ("UT1", "A"): (800.0, "Avtal 2025, bänkar"),
    ("UT1", NO_LEVEL_TEXT): (800.0, "Avtal 2025, bänkar"),
    ("UT2", ODD_LEVEL): (None, MISSING_PRICE_TEXT),
}
CALCULATED_TOTALS = {"G2": 3101.20, "H1": 2000.0, "UT1": 2400.0}
CALCULATED_UNIT_TOTALS = {"m²": 3101.20, "m": 2000.0, "st": 2400.0}
CALCULATED_TOTAL = 7501.20
KR = 0.005  # half an öre


@pytest.fixture(scope="module")
def pg(
    engine: Engine,
    settings: Settings,
    handmade_data: None,  # noqa: ARG001 (a fixture set up first)
) -> Iterator[psycopg.Connection[Any]]:
    """The area and its objects, committed (handmade_data's teardown removes them), and a plain
    psycopg connection as the export code takes it."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran, geom)"
                f" SELECT :name, c.id, p.id, '2025-01-01', ST_Multi({local_wkt_sql(AREA_WKT)})"
                " FROM organisation c, organisation p"
                " WHERE c.slug = 'parkenheten' AND p.slug = 'sodertorns-parkdrift'"
            ),
            {"name": AREA},
        )
        for suffix, code, kind, level, wkt in OBJECTS:
            conn.execute(
                text(
                    "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                    " huvudman_id, kvalitetsniva, geom, valid_from)"
                    f" SELECT CAST(:id AS uuid), :code, :kind, id, :level, {local_wkt_sql(wkt)},"
                    " '2025-01-01' FROM organisation WHERE slug = 'parkenheten'"
                ),
                {"id": ID.format(suffix), "code": code, "kind": kind, "level": level},
            )
    with psycopg.connect(settings.database_url.replace("+psycopg", ""), autocommit=True) as conn:
        yield conn


@pytest.fixture(scope="module")
def contents(pg: psycopg.Connection[Any]) -> PackageContents:
    """The area's package contents."""
    area_id = find_area_id(pg, AREA)
    assert area_id is not None
    loaded = load_contents(pg, area_id)
    assert loaded is not None
    return loaded


@pytest.fixture(scope="module")
def bid_form(contents: PackageContents, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bid form as the package writes it."""
    path = tmp_path_factory.mktemp("anbud") / "mangdforteckning.xlsx"
    with path.open("wb") as out:
        write_quantities_xlsx(contents, out)
    return path


@pytest.fixture
def calculation(contents: PackageContents, conn: Connection, tmp_path: Path) -> Path:
    """The calculation at this module's price list (set in a transaction rolled back after)."""
    conn.execute(text("DELETE FROM a_pris"))
    prices = [
        Price(code, level, UNITS[code], Decimal(kr), source, example)
        for code, level, kr, source, example in PRICE_LIST
    ]
    sync_prices(conn, prices, replace=True)
    path = tmp_path / "kalkyl" / "kalkyl.xlsx"
    path.parent.mkdir()
    with path.open("wb") as out:
        write_calculation_xlsx(contents, load_prices(conn), out)
    return path


class Schedule:
    """The schedule sheet's rows by role: level rows by (code, level), subtotals by code,
    totals by unit, and the grand total's row."""

    def __init__(self, sheet: Worksheet) -> None:
        self.sheet = sheet
        self.header = next(
            int(cell.row or 0) for (cell,) in sheet.iter_rows(max_col=1) if cell.value == "Kod"
        )
        self.levels: dict[tuple[str, str], int] = {}
        self.subtotals: dict[str, int] = {}
        self.totals: dict[str, int] = {}
        self.grand_total = 0
        for row in sheet.iter_rows(min_row=self.header + 1, max_col=4):
            code, name, level, unit = (cell.value for cell in row)
            number = int(row[0].row or 0)
            if code and level == ALL_LEVELS_TEXT:
                self.subtotals[str(code)] = number
            elif code:
                self.levels[(str(code), str(level))] = number
            elif name == GRAND_TOTAL_TEXT:
                self.grand_total = number
            elif unit:
                self.totals[str(unit)] = number

    def value(self, column: str, row: int) -> float:
        """The cell's value worked out from its formula."""
        return evaluate(self.sheet, f"{column}{row}")

    def formula(self, column: str, row: int) -> str:
        """The cell's formula (it must hold one)."""
        value = self.sheet[f"{column}{row}"].value
        assert isinstance(value, str)
        assert value.startswith("=")
        return value


def _title(sheet: Worksheet, header: int) -> dict[str, str]:
    return {
        str(label): str(value)
        for label, value in sheet.iter_rows(
            min_row=2, max_row=header - 1, max_col=2, values_only=True
        )
        if label
    }


def test_the_bid_form_holds_the_parts_inside_rounded_and_every_sum_as_a_formula(
    bid_form: Path,
) -> None:
    workbook = openpyxl.load_workbook(bid_form)
    assert workbook.sheetnames[0] == SHEET_TITLE
    assert {PRODUCT_SHEET_TITLE, OBJECT_SHEET_TITLE} <= set(workbook.sheetnames)
    schedule = Schedule(workbook[SHEET_TITLE])
    sheet = schedule.sheet
    assert tuple(cell.value for cell in sheet[schedule.header]) == XLSX_HEADER
    assert "2 objekt ligger delvis inom området" in _title(sheet, schedule.header)["Vid gränsen"]

    assert list(schedule.levels) == list(LEVELS)  # catalogue order, "not given" last
    for key, (count, quantity) in LEVELS.items():
        row = schedule.levels[key]
        assert sheet[f"E{row}"].value == count
        assert sheet[f"F{row}"].value == quantity  # rounded as the bidder sees it
        assert sheet[f"G{row}"].value is None  # for the bidder to fill in
        assert schedule.formula("H", row) == f"=F{row}*G{row}"
    assert list(schedule.subtotals) == list(SUBTOTALS)
    for code, (count, quantity) in SUBTOTALS.items():
        row = schedule.subtotals[code]
        levels = [r for (c, _), r in schedule.levels.items() if c == code]
        for column in "EFH":
            assert (
                schedule.formula(column, row)
                == f"=SUM({column}{min(levels)}:{column}{max(levels)})"
            )
        assert schedule.value("E", row) == count
        assert schedule.value("F", row) == pytest.approx(quantity)
    assert list(schedule.totals) == list(UNIT_TOTALS)
    for unit, (count, quantity) in UNIT_TOTALS.items():
        row = schedule.totals[unit]
        for column in "EFH":
            assert schedule.formula(column, row).startswith(f"={column}")
        assert schedule.value("E", row) == count
        assert schedule.value("F", row) == pytest.approx(quantity)
        assert schedule.value("H", row) == 0  # no prices yet
    assert schedule.formula("H", schedule.grand_total) == "=" + "+".join(
        f"H{schedule.totals[unit]}" for unit in UNIT_TOTALS
    )
    assert sheet[f"F{schedule.grand_total}"].value is None  # m², m and st never add up


def _fill_in_bid(path: Path) -> Path:
    """The bid form with BID's prices typed into the price cells, saved as a copy."""
    workbook = openpyxl.load_workbook(path)
    schedule = Schedule(workbook[SHEET_TITLE])
    for key, price in BID.items():
        schedule.sheet[f"G{schedule.levels[key]}"] = price
    filled = path.parent / "ifylld" / path.name
    filled.parent.mkdir(exist_ok=True)
    workbook.save(filled)
    return filled


def _bid_sums() -> tuple[dict[tuple[str, str], float], dict[str, float], dict[str, float]]:
    """kr per year by level row, product and unit at BID's prices, from the hand-made tables."""
    rows = {key: LEVELS[key][1] * price for key, price in BID.items()}
    products: dict[str, float] = {}
    units: dict[str, float] = {}
    for (code, _), kr in rows.items():
        products[code] = products.get(code, 0.0) + kr
        units[UNITS[code]] = units.get(UNITS[code], 0.0) + kr
    return rows, products, units


def test_filled_in_prices_give_quantity_times_price_and_the_totals(bid_form: Path) -> None:
    schedule = Schedule(openpyxl.load_workbook(_fill_in_bid(bid_form))[SHEET_TITLE])
    rows, products, units = _bid_sums()
    for key, kr in rows.items():
        assert schedule.value("H", schedule.levels[key]) == pytest.approx(kr, abs=KR)
    for code, row in schedule.subtotals.items():
        assert schedule.value("H", row) == pytest.approx(products[code], abs=KR)
    for unit, row in schedule.totals.items():
        assert schedule.value("H", row) == pytest.approx(units[unit], abs=KR)
    assert schedule.value("H", schedule.grand_total) == pytest.approx(10104.95, abs=KR)
    assert sum(units.values()) == pytest.approx(10104.95)


def test_libreoffice_computes_the_same_sums(
    bid_form: Path, calculation: Path, tmp_path: Path
) -> None:
    bid, kalkyl = recalculated([_fill_in_bid(bid_form), calculation], tmp_path)
    sheet = openpyxl.load_workbook(bid, data_only=True)[SHEET_TITLE]
    schedule = Schedule(sheet)
    rows, products, units = _bid_sums()
    for key, kr in rows.items():
        assert sheet[f"H{schedule.levels[key]}"].value == pytest.approx(kr, abs=KR)
    for code, row in schedule.subtotals.items():
        assert sheet[f"H{row}"].value == pytest.approx(products[code], abs=KR)
        assert sheet[f"F{row}"].value == pytest.approx(SUBTOTALS[code][1])
    for unit, row in schedule.totals.items():
        assert sheet[f"H{row}"].value == pytest.approx(units[unit], abs=KR)
        assert sheet[f"E{row}"].value == UNIT_TOTALS[unit][0]
    assert sheet[f"H{schedule.grand_total}"].value == pytest.approx(10104.95, abs=KR)

    sheet = openpyxl.load_workbook(kalkyl, data_only=True)[CALCULATION_SHEET_TITLE]
    schedule = Schedule(sheet)
    for code, row in schedule.subtotals.items():
        assert sheet[f"H{row}"].value == pytest.approx(CALCULATED_TOTALS[code], abs=KR)
    assert sheet[f"H{schedule.grand_total}"].value == pytest.approx(CALCULATED_TOTAL, abs=KR)


def test_only_the_price_cells_can_be_edited(bid_form: Path) -> None:
    sheet = openpyxl.load_workbook(bid_form)[SHEET_TITLE]
    protection = sheet.protection
    assert protection.sheet
    assert protection.password is None  # a guard against slips, not a lock
    assert not protection.autoFilter  # filtering stays allowed
    schedule = Schedule(sheet)
    price_cells = {f"G{row}" for row in schedule.levels.values()}
    for row in sheet.iter_rows(min_row=1, max_row=sheet.max_row + 2, max_col=10):
        for cell in row:
            assert cell.protection.locked == (cell.coordinate not in price_cells), cell.coordinate
    for coordinate in price_cells:
        assert sheet[coordinate].fill.fgColor.rgb == PRICE_FILL.fgColor.rgb


def test_the_per_object_sheet_lists_every_object_with_its_part_inside(
    bid_form: Path, contents: PackageContents
) -> None:
    workbook = openpyxl.load_workbook(bid_form)
    sheet = workbook[OBJECT_SHEET_TITLE]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == OBJECT_HEADER
    assert len(rows) == 1 + len(OBJECTS)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:J{len(OBJECTS) + 1}"
    by_id = {str(row[1]): row for row in rows[1:]}
    assert set(by_id) == {ID.format(suffix) for suffix, *_ in OBJECTS}
    objects = contents.objects.set_index("objekt_id")
    sums: dict[tuple[str, str], float] = {}
    for object_id, (
        nr,
        _,
        code,
        name,
        level,
        quantity,
        unit,
        partly,
        share,
        sheet_no,
    ) in by_id.items():
        assert nr == objects.loc[object_id, "nr"]
        assert name == contents.product(str(code)).namn
        assert unit == UNITS[str(code)]
        key = (str(code), str(level))
        sums[key] = sums.get(key, 0.0) + float(quantity)  # type: ignore[arg-type]
        if object_id in PARTLY:
            assert (partly, share) == (PARTLY_TEXT, PARTLY[object_id])
        else:
            assert (partly, share) == (None, None)
        blad = int(objects.loc[object_id, "blad"])
        assert sheet_no == (blad if blad else OVERVIEW_TEXT)
    for key, (_, quantity) in LEVELS.items():
        assert sums[key] == pytest.approx(quantity), key  # the schedule's quantities
    assert [row[0] for row in rows[1:]] == list(range(1, len(OBJECTS) + 1))  # the map's order

    for column in "ABCDEFGHIJ":
        width = sheet.column_dimensions[column].width
        longest = max(len(str(row[ord(column) - 65] or "")) for row in rows[1:])
        assert width is not None
        assert width >= longest, column


def test_a_long_per_object_list_reads_back_row_by_row(
    contents: PackageContents, tmp_path: Path
) -> None:
    """Past a thousand ids the sheet takes its quick path; the cells must read back the same."""
    copies = pd.concat([contents.objects] * 120, ignore_index=True)
    copies["objekt_id"] = [str(uuid.uuid4()) for _ in range(len(copies))]
    copies["nr"] = range(1, len(copies) + 1)
    copies.loc[len(copies) - 1, "blad"] = 0  # only on the overview
    many = PackageContents(contents.area, contents.products, copies, contents.created)
    path = tmp_path / "lang.xlsx"
    with path.open("wb") as out:
        write_quantities_xlsx(many, out)
    sheet = openpyxl.load_workbook(path, read_only=True)[OBJECT_SHEET_TITLE]
    assert sheet.max_row == len(copies) + 1  # the sheet's stated size
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [row[:3] for row in rows] == list(
        zip(copies["nr"], copies["objekt_id"], copies["produkt"], strict=True)
    )
    assert {row[4] for row in rows} == {"A", "B", NO_LEVEL_TEXT, ODD_LEVEL}
    assert [row[9] for row in rows] == [blad or OVERVIEW_TEXT for blad in copies["blad"]]
    schedule = Schedule(openpyxl.load_workbook(path)[SHEET_TITLE])
    assert schedule.value("E", schedule.totals["st"]) == 4 * 120


def test_the_calculation_prices_each_row_from_the_price_list(calculation: Path) -> None:
    workbook = openpyxl.load_workbook(calculation)
    assert workbook.sheetnames == [CALCULATION_SHEET_TITLE, PRODUCT_SHEET_TITLE]
    sheet = workbook[CALCULATION_SHEET_TITLE]
    assert not sheet.protection.sheet  # the client's working copy
    schedule = Schedule(sheet)
    assert tuple(cell.value for cell in sheet[schedule.header]) == CALCULATION_HEADER
    title = _title(sheet, schedule.header)
    assert f"2 rader {MISSING_PRICE_TEXT}" in title["À-pris"]
    assert "exempeldata" in title["Exempeldata"]
    for key, (price, source) in CALCULATED.items():
        row = schedule.levels[key]
        assert sheet[f"G{row}"].value == price, key  # the level's price wins over all levels'
        assert sheet[f"I{row}"].value == source, key
        assert schedule.formula("H", row) == f"=F{row}*G{row}"
    for code, kr in CALCULATED_TOTALS.items():
        assert schedule.value("H", schedule.subtotals[code]) == pytest.approx(kr, abs=KR)
    for unit, kr in CALCULATED_UNIT_TOTALS.items():
        assert schedule.value("H", schedule.totals[unit]) == pytest.approx(kr, abs=KR)
    assert schedule.value("H", schedule.grand_total) == pytest.approx(CALCULATED_TOTAL, abs=KR)
