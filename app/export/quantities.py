"""The quantity schedule (mängdförteckning) of an operations area: CSV, and XLSX as a priced list.

Quantities are the objects' parts inside the area (the package contents clip them). m², m and st
cannot be added to each other, so the quantity totals are one row per unit; kronor can, so the
XLSX ends with one total in kr per year. Every sum in the XLSX is a formula over the cells it
adds: the bidder fills in the à-prices and Excel does the rest. The quantity cells hold the
rounded quantities the bidder sees, so each sum can be checked by hand.
"""

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from typing import BinaryIO, Literal, TextIO, cast

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.analysis.costs import price_for
from app.analysis.prices import Price
from app.analysis.rows import QuantityRow as AnalysisRow
from app.analysis.rows import Unit
from app.export.contents import PackageContents
from app.export.description_sheet import SHEET_TITLE as DESCRIPTION_SHEET_TITLE
from app.export.description_sheet import write_description_sheet
from app.export.object_sheet import (
    OBJECT_SHEET_TITLE,
    prepare_object_sheet,
    save_with_object_rows,
)
from app.export.xlsx_sheets import (
    BOLD,
    display,
    print_setup,
    set_widths,
    widths,
    write_header,
)
from app.export.xlsx_sheets import NO_LEVEL_TEXT as NO_LEVEL_TEXT  # the files' text, shared

UNITS = ("m²", "m", "st")
HEADER = ("Kod", "Benämning", "Kvalitetsnivå", "Enhet", "Antal objekt", "Mängd")  # the CSV's
PRICE_HEADER = "À-pris, kr per enhet och år"
SUM_HEADER = "Summa, kr per år"
SOURCE_HEADER = "Källa för à-pris"
XLSX_HEADER = (*HEADER, PRICE_HEADER, SUM_HEADER)
CALCULATION_HEADER = (*XLSX_HEADER, SOURCE_HEADER)
PRODUCT_HEADER = ("Kod", "Benämning", "Kategori", "Enhet", "Antal objekt", "Mängd")
SHEET_TITLE = "Mängdförteckning"
_CALCULATION_TITLE = "Kalkyl för driftområde (beställarens arbetsexemplar, inte för utförare)"
PRODUCT_SHEET_TITLE = "Per produkt"
CRS_TEXT = "SWEREF 99 TM (EPSG:3006)"
ALL_LEVELS_TEXT = "alla nivåer"
GRAND_TOTAL_TEXT = "Summa alla enheter, kr per år"
MISSING_PRICE_TEXT = "saknar à-pris"
EXAMPLE_PRICE_TEXT = "exempeldata"

# The schedule's columns by role (1-based): the formulas name them.
COUNT_COLUMN, QUANTITY_COLUMN, PRICE_COLUMN, SUM_COLUMN, SOURCE_COLUMN = 5, 6, 7, 8, 9

RowKind = Literal["niva", "delsumma", "summa"]

_COUNT_FORMAT = "#,##0"
_NUMBER_FORMAT = {"m²": "#,##0.0", "m": "#,##0.0", "st": "#,##0"}
_KR_FORMAT = "#,##0.00"
_MISSING_FONT = Font(bold=True, color="FFC00000")
_SUM_FILL = PatternFill(fill_type="solid", start_color="FFF2F2F2", end_color="FFF2F2F2")
PRICE_FILL = PatternFill(fill_type="solid", start_color="FFFFF2CC", end_color="FFFFF2CC")
_UNLOCKED = Protection(locked=False)
_SOURCE_WIDTH = 40


@dataclass(frozen=True)
class QuantityRow:
    """One row of the schedule: a product at one quality level, a product's subtotal or a unit's
    total."""

    kod: str  # empty on the unit totals
    namn: str
    enhet: str
    kvalitetsniva: str | None  # None: not given on the objects (or not applicable to sums)
    antal_objekt: int
    mangd: float  # unrounded: m² for areas, m for lines, st for points
    radtyp: RowKind = "niva"

    @property
    def kvalitetsniva_text(self) -> str:
        """The quality level as the files show it."""
        if self.radtyp == "delsumma":
            return ALL_LEVELS_TEXT
        if self.radtyp == "summa":
            return ""
        return self.kvalitetsniva or NO_LEVEL_TEXT


def quantity_table(contents: PackageContents) -> list[QuantityRow]:
    """Rows per product and quality level in catalogue order, a subtotal per product with more
    than one level, then one total per unit (m², m, st)."""
    groups = _groups(contents)
    rows: list[QuantityRow] = []
    totals: dict[str, tuple[int, float]] = {}
    for product in contents.products_present():
        levels = groups.get(product.kod, [])
        for level, count, amount in levels:
            rows.append(QuantityRow(product.kod, product.namn, product.enhet, level, count, amount))
        count = sum(level[1] for level in levels)
        amount = sum(level[2] for level in levels)
        if len(levels) > 1:
            rows.append(
                QuantityRow(
                    product.kod,
                    f"Summa {product.namn}",
                    product.enhet,
                    None,
                    count,
                    amount,
                    "delsumma",
                )
            )
        unit_count, unit_amount = totals.get(product.enhet, (0, 0.0))
        totals[product.enhet] = (unit_count + count, unit_amount + amount)
    for unit in UNITS:
        if unit in totals:
            count, amount = totals[unit]
            rows.append(QuantityRow("", f"Summa {unit}", unit, None, count, amount, "summa"))
    return rows


def rounded_quantity(value: float, unit: str) -> float | int:
    """The quantity as the XLSX holds it: m² and m to one decimal, st whole."""
    return round(value) if unit == "st" else round(value, 1)


def write_quantities_csv(contents: PackageContents, out: TextIO) -> None:
    """Write the schedule as CSV for Swedish Excel: UTF-8 with BOM, ';', decimal comma.

    Open `out` with newline="" and encoding "utf-8"; the BOM is written here. Subtotal rows
    read "alla nivåer" in Kvalitetsnivå, unit totals have an empty Kod. Quantities are rounded
    (m² and m to one decimal, st to whole numbers) without thousands separators; a total is
    the rounded sum of the exact values, so it may differ from the sum of the rounded rows in
    the last decimal.
    """
    out.write("\ufeff")  # Excel reads a double-clicked CSV as UTF-8 only with a BOM
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in quantity_table(contents):
        writer.writerow(
            (
                row.kod,
                row.namn,
                row.kvalitetsniva_text,
                row.enhet,
                row.antal_objekt,
                _decimal_comma(row.mangd, row.enhet),
            )
        )


def write_quantities_xlsx(contents: PackageContents, out: BinaryIO) -> None:
    """Write the bid form: "Mängdförteckning" (only the price cells editable),
    "Skötselbeskrivning", "Per produkt" and "Per objekt" (one row per object, partial objects
    flagged with their share)."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SHEET_TITLE
    write_schedule_sheet(sheet, contents)
    write_description_sheet(workbook.create_sheet(DESCRIPTION_SHEET_TITLE), contents)
    write_product_sheet(workbook.create_sheet(PRODUCT_SHEET_TITLE), contents)
    objects = workbook.create_sheet(OBJECT_SHEET_TITLE)
    prepare_object_sheet(objects, contents)
    workbook.properties.title = f"{SHEET_TITLE} {contents.area.name}"
    workbook.properties.creator = "Ansvarskartan"
    save_with_object_rows(workbook, objects, contents, out)


def write_schedule_sheet(
    sheet: Worksheet, contents: PackageContents, prices: Sequence[Price] | None = None
) -> None:
    """The priced schedule on sheet.

    prices None: the bid form, protected without a password, with empty price cells that alone
    are editable. Given prices: the client's calculation, each row at the price list's price
    (the level's, else the product's all-levels price) with its source, unprotected.
    """
    rows = quantity_table(contents)
    by_key = None if prices is None else {(p.product_code, p.quality_level): p for p in prices}
    header = XLSX_HEADER if by_key is None else CALCULATION_HEADER
    title = _title_block(contents) + _notes(contents, rows, by_key)
    sheet["A1"] = f"{SHEET_TITLE} för driftområde" if by_key is None else _CALCULATION_TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    for offset, (label, value) in enumerate(title, start=2):
        sheet.cell(row=offset, column=1, value=label).font = BOLD
        sheet.cell(row=offset, column=2, value=value)
    header_row = len(title) + 3
    write_header(sheet, header_row, header, range(COUNT_COLUMN, SUM_COLUMN + 1))
    current = header_row
    closing_rows: dict[str, list[int]] = {}  # per unit: the row that sums up each product
    body = [row for row in rows if row.radtyp != "summa"]
    for _, group in groupby(body, key=lambda row: row.kod):
        product_rows = list(group)
        first = current + 1
        for row in product_rows:
            current += 1
            if row.radtyp == "niva":
                price = None if by_key is None else price_for(_analysis_row(contents, row), by_key)
                _write_level_row(sheet, current, row, price, priced=by_key is not None)
            else:
                _write_sum_row(sheet, current, row, _range_sums(first, current - 1))
        closing_rows.setdefault(product_rows[0].enhet, []).append(current)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(header))}{current}"
    current += 1  # a blank row keeps the totals out of the filter range
    total_rows: list[int] = []
    for row in (row for row in rows if row.radtyp == "summa"):
        current += 1
        _write_sum_row(sheet, current, row, _added_sums(closing_rows[row.enhet]))
        total_rows.append(current)
    if total_rows:
        current += 1
        _write_grand_total(sheet, current, total_rows, len(header))
    if by_key is None:
        _protect(sheet)
    print_setup(sheet, header_row)
    column_widths = widths([_texts(row) for row in rows], header)
    column_widths[0] = max(column_widths[0], *(len(label) + 2 for label, _ in title))
    if by_key is not None:
        column_widths.append(_SOURCE_WIDTH)  # long sources run on into the empty cells beside
    set_widths(sheet, column_widths)


def write_product_sheet(sheet: Worksheet, contents: PackageContents) -> None:
    """One row per product with its object count and quantity (the sum of the schedule's rounded
    rows, so the two sheets agree to the decimal)."""
    write_header(sheet, 1, PRODUCT_HEADER, (5, 6))
    groups = _groups(contents)
    texts: list[Sequence[str]] = []
    current = 1
    for product in contents.products_present():
        levels = groups.get(product.kod, [])
        count = sum(level[1] for level in levels)
        amount = rounded_quantity(
            sum(rounded_quantity(level[2], product.enhet) for level in levels), product.enhet
        )
        current += 1
        labels = (product.kod, product.namn, product.kategori, product.enhet)
        cells = [
            sheet.cell(row=current, column=column, value=value)
            for column, value in enumerate((*labels, count, amount), start=1)
        ]
        cells[4].number_format = _COUNT_FORMAT
        cells[5].number_format = _NUMBER_FORMAT[product.enhet]
        texts.append((*labels, display(count, "st"), display(amount, product.enhet)))
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(PRODUCT_HEADER))}{current}"
    sheet.freeze_panes = "A2"
    set_widths(sheet, widths(texts, PRODUCT_HEADER))


def _groups(contents: PackageContents) -> dict[str, list[tuple[str | None, int, float]]]:
    """(level, count, amount) per product code, levels sorted with "not given" last."""
    objects = contents.objects
    if objects.empty:
        return {}
    frame = pd.DataFrame(
        {
            "produkt": objects["produkt"],
            "niva": objects["kvalitetsniva"].astype(object),
            "mangd": objects["mangd"],
        }
    )
    summary = frame.groupby(["produkt", "niva"], dropna=False)["mangd"].agg(["size", "sum"])
    groups: dict[str, list[tuple[str | None, int, float]]] = {}
    for (code, level), size, total in zip(
        summary.index, summary["size"], summary["sum"], strict=True
    ):
        given = None if pd.isna(level) else str(level)
        groups.setdefault(str(code), []).append((given, int(size), float(total)))
    for levels in groups.values():
        levels.sort(key=lambda level: (level[0] is None, level[0] or ""))
    return groups


def _decimal_comma(value: float, unit: str) -> str:
    if unit == "st":
        return str(round(value))
    return f"{value:.1f}".replace(".", ",")


def _period(contents: PackageContents) -> str:
    area = contents.area
    if area.contract_end is None:
        return f"från {area.contract_start.isoformat()} (tills vidare)"
    return f"{area.contract_start.isoformat()} – {area.contract_end.isoformat()}"


def _title_block(contents: PackageContents) -> list[tuple[str, str]]:
    area = contents.area
    return [
        ("Driftområde", area.name),
        ("Beställare", area.client),
        ("Utförare", area.performer),
        ("Avtalsperiod", _period(contents)),
        ("Data per", contents.created.strftime("%Y-%m-%d %H:%M")),
        ("Koordinatsystem", CRS_TEXT),
    ]


def _notes(
    contents: PackageContents,
    rows: list[QuantityRow],
    by_key: dict[tuple[str, str | None], Price] | None,
) -> list[tuple[str, str]]:
    """The lines under the title: objects at the boundary, and how the prices are filled in."""
    partly = int(contents.objects["delvis_inom"].sum()) if len(contents.objects) else 0
    boundary = (
        f"{partly} objekt ligger delvis inom området (se bladet {OBJECT_SHEET_TITLE});"
        " bara delen inom området räknas."
        if partly
        else "Alla objekt ligger helt inom området."
    )
    notes = [("Vid gränsen", boundary)]
    if by_key is None:
        notes.append(
            (
                "À-pris",
                "Fyll i à-pris i kr per enhet och år i de gula cellerna; summorna räknas ut."
                " Övriga celler är skyddade (utan lösenord).",
            )
        )
        return notes
    levels = [row for row in rows if row.radtyp == "niva"]
    used = [price_for(_analysis_row(contents, row), by_key) for row in levels]
    missing = sum(price is None for price in used)
    text = "Från à-prislistan i samordningsanalysen; källan står på varje rad."
    if missing:
        rows_text = "rad" if missing == 1 else "rader"
        text += f" {missing} {rows_text} {MISSING_PRICE_TEXT} och räknas som 0 kr tills ett pris"
        text += " fylls i."
    notes.append(("À-pris", text))
    if any(price is not None and price.example_data for price in used):
        notes.append(
            (
                "Exempeldata",
                f"À-priser märkta {EXAMPLE_PRICE_TEXT} är exempelvärden, inte avtalade priser.",
            )
        )
    return notes


def _analysis_row(contents: PackageContents, row: QuantityRow) -> AnalysisRow:
    """The schedule row as the analysis' price rule takes it."""
    return AnalysisRow(
        scope=str(contents.area.id),
        organisation_slug=contents.area.client_slug,
        product_code=row.kod,
        quality_level=row.kvalitetsniva,
        unit=cast(Unit, row.enhet),
        objects=row.antal_objekt,
        quantity=row.mangd,
    )


def _range_sums(first: int, last: int) -> dict[int, str]:
    """Formulas adding the rows first..last of count, quantity and kr."""
    return {
        column: f"=SUM({get_column_letter(column)}{first}:{get_column_letter(column)}{last})"
        for column in (COUNT_COLUMN, QUANTITY_COLUMN, SUM_COLUMN)
    }


def _added_sums(rows: Sequence[int]) -> dict[int, str]:
    """Formulas adding the given rows (not adjacent) of count, quantity and kr."""
    return {
        column: "=" + "+".join(f"{get_column_letter(column)}{row}" for row in rows)
        for column in (COUNT_COLUMN, QUANTITY_COLUMN, SUM_COLUMN)
    }


def _labels(sheet: Worksheet, row_number: int, row: QuantityRow) -> list[Cell | MergedCell]:
    values = (row.kod, row.namn, row.kvalitetsniva_text, row.enhet)
    return [
        sheet.cell(row=row_number, column=column, value=value)
        for column, value in enumerate(values, start=1)
    ]


def _write_level_row(
    sheet: Worksheet, row_number: int, row: QuantityRow, price: Price | None, *, priced: bool
) -> None:
    _labels(sheet, row_number, row)
    count = sheet.cell(row=row_number, column=COUNT_COLUMN, value=row.antal_objekt)
    count.number_format = _COUNT_FORMAT
    quantity = sheet.cell(
        row=row_number, column=QUANTITY_COLUMN, value=rounded_quantity(row.mangd, row.enhet)
    )
    quantity.number_format = _NUMBER_FORMAT[row.enhet]
    price_cell = sheet.cell(row=row_number, column=PRICE_COLUMN)
    if price is not None:
        price_cell.value = float(price.kr_per_unit_and_year)
    price_cell.number_format = _KR_FORMAT
    price_cell.fill = PRICE_FILL
    price_cell.protection = _UNLOCKED
    quantity_ref = f"{get_column_letter(QUANTITY_COLUMN)}{row_number}"
    total = sheet.cell(
        row=row_number, column=SUM_COLUMN, value=f"={quantity_ref}*{price_cell.coordinate}"
    )
    total.number_format = _KR_FORMAT
    if not priced:
        return
    source = sheet.cell(row=row_number, column=SOURCE_COLUMN, value=_source_text(price))
    if price is None:
        source.font = _MISSING_FONT


def _source_text(price: Price | None) -> str:
    if price is None:
        return MISSING_PRICE_TEXT
    if price.example_data:
        return f"{price.source} ({EXAMPLE_PRICE_TEXT})"
    return price.source


def _write_sum_row(
    sheet: Worksheet, row_number: int, row: QuantityRow, formulas: dict[int, str]
) -> None:
    cells = _labels(sheet, row_number, row)
    for column, formula in formulas.items():
        cell = sheet.cell(row=row_number, column=column, value=formula)
        cell.number_format = {
            COUNT_COLUMN: _COUNT_FORMAT,
            QUANTITY_COLUMN: _NUMBER_FORMAT[row.enhet],
        }.get(column, _KR_FORMAT)
        cells.append(cell)
    cells.append(sheet.cell(row=row_number, column=PRICE_COLUMN))
    for styled in cells:
        styled.font = BOLD
        styled.fill = _SUM_FILL


def _write_grand_total(
    sheet: Worksheet, row_number: int, totals: Sequence[int], width: int
) -> None:
    """kr per year over every unit: the one sum that may cross m², m and st."""
    sheet.cell(row=row_number, column=2, value=GRAND_TOTAL_TEXT)
    column = get_column_letter(SUM_COLUMN)
    formula = "=" + "+".join(f"{column}{row}" for row in totals)
    sheet.cell(row=row_number, column=SUM_COLUMN, value=formula).number_format = _KR_FORMAT
    for number in range(1, width + 1):
        cell = sheet.cell(row=row_number, column=number)
        cell.font = BOLD
        cell.fill = _SUM_FILL


def _protect(sheet: Worksheet) -> None:
    """Protected without a password: a guard against slips, not a lock. Filtering and column
    widths stay free; everything but the price cells is locked (the cell default)."""
    protection = sheet.protection
    protection.sheet = True
    protection.autoFilter = False
    protection.sort = False
    protection.formatColumns = False
    protection.formatRows = False


def _texts(row: QuantityRow) -> tuple[str, ...]:
    texts = (
        row.kod,
        row.namn,
        row.kvalitetsniva_text,
        row.enhet,
        display(row.antal_objekt, "st"),
        display(row.mangd, row.enhet),
        "",
        display(row.mangd * 1000, "kr"),  # room for a sum in the millions
    )
    if row.radtyp == "niva":
        return texts
    return tuple(text + " " * (len(text) // 8) for text in texts)  # bold is wider
