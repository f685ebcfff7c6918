"""The quantity schedule (mängdförteckning) of an operations area, as CSV and as XLSX.

Quantities come straight from the package contents (PostGIS areas and lengths in SWEREF 99
TM). m², m and st cannot be added to each other, so the totals are one row per unit.
"""

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO, Literal, TextIO

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from app.export.contents import PackageContents

UNITS = ("m²", "m", "st")
HEADER = ("Kod", "Benämning", "Kvalitetsnivå", "Enhet", "Antal objekt", "Mängd")
PRODUCT_HEADER = ("Kod", "Benämning", "Kategori", "Enhet", "Antal objekt", "Mängd")
SHEET_TITLE = "Mängdförteckning"
PRODUCT_SHEET_TITLE = "Per produkt"
CRS_TEXT = "SWEREF 99 TM (EPSG:3006)"
NO_LEVEL_TEXT = "ej angiven"
ALL_LEVELS_TEXT = "alla nivåer"

RowKind = Literal["niva", "delsumma", "summa"]

_COUNT_FORMAT = "#,##0"
_NUMBER_FORMAT = {"m²": "#,##0.0", "m": "#,##0.0", "st": "#,##0"}
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9E7CF", end_color="FFD9E7CF")
_SUM_FILL = PatternFill(fill_type="solid", start_color="FFF2F2F2", end_color="FFF2F2F2")


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
    """Write the schedule as an Excel workbook: "Mängdförteckning" and "Per produkt"."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = SHEET_TITLE
    _write_schedule(sheet, contents, quantity_table(contents))
    _write_per_product(workbook.create_sheet(PRODUCT_SHEET_TITLE), contents)
    workbook.properties.title = f"{SHEET_TITLE} {contents.area.name}"
    workbook.properties.creator = "Ansvarskartan"
    workbook.save(out)


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


def _write_schedule(sheet: Worksheet, contents: PackageContents, rows: list[QuantityRow]) -> None:
    sheet["A1"] = f"{SHEET_TITLE} för driftområde"
    sheet["A1"].font = Font(bold=True, size=14)
    title = _title_block(contents)
    for offset, (label, value) in enumerate(title, start=2):
        sheet.cell(row=offset, column=1, value=label).font = _BOLD
        sheet.cell(row=offset, column=2, value=value)
    header_row = len(title) + 3
    body = [row for row in rows if row.radtyp != "summa"]
    totals = [row for row in rows if row.radtyp == "summa"]
    _write_header(sheet, header_row, HEADER)
    current = header_row
    for row in body:
        current += 1
        _write_quantity_row(sheet, current, row)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(HEADER))}{current}"
    current += 1  # a blank row keeps the totals out of the filter range
    for row in totals:
        current += 1
        _write_quantity_row(sheet, current, row)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    widths = _widths([HEADER, *(_texts(row) for row in rows)])
    widths[0] = max(widths[0], *(len(label) + 2 for label, _ in title))
    _set_widths(sheet, widths)


def _write_per_product(sheet: Worksheet, contents: PackageContents) -> None:
    _write_header(sheet, 1, PRODUCT_HEADER)
    groups = _groups(contents)
    texts: list[Sequence[str]] = [PRODUCT_HEADER]
    current = 1
    for product in contents.products_present():
        levels = groups.get(product.kod, [])
        count = sum(level[1] for level in levels)
        amount = sum(level[2] for level in levels)
        current += 1
        labels = (product.kod, product.namn, product.kategori, product.enhet)
        _write_cells(sheet, current, (*labels, count, amount), product.enhet)
        texts.append((*labels, _display(count, "st"), _display(amount, product.enhet)))
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(PRODUCT_HEADER))}{current}"
    sheet.freeze_panes = "A2"
    _set_widths(sheet, _widths(texts))


def _write_header(sheet: Worksheet, row: int, names: Sequence[str]) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(horizontal="right" if column > 4 else "left")


def _write_quantity_row(sheet: Worksheet, row_number: int, row: QuantityRow) -> None:
    values = (row.kod, row.namn, row.kvalitetsniva_text, row.enhet, row.antal_objekt, row.mangd)
    for cell in _write_cells(sheet, row_number, values, row.enhet):
        if row.radtyp != "niva":
            cell.font = _BOLD
            cell.fill = _SUM_FILL


def _write_cells(
    sheet: Worksheet, row_number: int, values: Sequence[str | float], unit: str
) -> list[Cell]:
    """Four text columns, then the object count and the quantity as numbers."""
    cells = [
        sheet.cell(row=row_number, column=column, value=value)
        for column, value in enumerate(values, start=1)
    ]
    cells[4].number_format = _COUNT_FORMAT
    cells[5].number_format = _NUMBER_FORMAT[unit]
    return cells


def _texts(row: QuantityRow) -> tuple[str, ...]:
    return (
        row.kod,
        row.namn,
        row.kvalitetsniva_text,
        row.enhet,
        _display(row.antal_objekt, "st"),
        _display(row.mangd, row.enhet),
    )


def _display(value: float, unit: str) -> str:
    """Roughly how Excel shows the number, for fitting the column width."""
    decimals = 0 if unit == "st" else 1
    return f"{value:,.{decimals}f}"


def _widths(rows: Iterable[Sequence[str]]) -> list[int]:
    widths: list[int] = []
    for row in rows:
        for column, text in enumerate(row):
            if column == len(widths):
                widths.append(0)
            widths[column] = max(widths[column], len(text))
    return [width + 2 for width in widths]


def _set_widths(sheet: Worksheet, widths: Sequence[int]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
