"""The package's skötselbeskrivning as an XLSX sheet: one row per task of each product's levels
(see description_rows for which levels are shown)."""

from collections.abc import Sequence

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from app.export.contents import PackageContents
from app.export.description_rows import described_products

SHEET_TITLE = "Skötselbeskrivning"
HEADER = ("Kod", "Benämning", "Kvalitetsnivå", "Moment", "Utförande", "Frekvens", "Exempeldata")
# Characters per column; the long texts wrap within theirs.
_WIDTHS = (8, 26, 14, 28, 70, 40, 12)
_NO_DESCRIPTION = "Ingen skötselbeskrivning finns."
_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9E7CF", end_color="FFD9E7CF")
_WRAP = Alignment(wrap_text=True, vertical="top")


def description_rows(contents: PackageContents) -> list[tuple[str, ...]]:
    """The sheet's rows below the header, as text."""
    rows: list[tuple[str, ...]] = []
    for described in described_products(contents):
        product = described.product
        for level in described.levels:
            for task in level.tasks:
                example = "ja" if task.example_data else "nej"
                row = (product.kod, product.namn, level.level, task.task, task.how)
                rows.append((*row, task.frequency, example))
            if not level.tasks:
                rows.append((product.kod, product.namn, level.level, "", _NO_DESCRIPTION, "", ""))
        if not described.levels:
            rows.append((product.kod, product.namn, "", "", _NO_DESCRIPTION, "", ""))
    return rows


def write_description_sheet(sheet: Worksheet, contents: PackageContents) -> None:
    """Write the skötselbeskrivning as a table with a bold, frozen header on the given sheet."""
    _write_row(sheet, 1, HEADER)
    for cell in sheet[1]:
        cell.font = _BOLD
        cell.fill = _HEADER_FILL
    rows = description_rows(contents)
    for number, row in enumerate(rows, start=2):
        _write_row(sheet, number, row)
    last = get_column_letter(len(HEADER))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    for column, width in enumerate(_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _write_row(sheet: Worksheet, number: int, values: Sequence[str]) -> None:
    for column, value in enumerate(values, start=1):
        sheet.cell(row=number, column=column, value=value).alignment = _WRAP
