"""What the package's XLSX sheets share: the header's look, column widths, printing, and the
text for objects without a quality level."""

from collections.abc import Iterable, Sequence

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

NO_LEVEL_TEXT = "ej angiven"
BOLD = Font(bold=True)
HEADER_FILL = PatternFill(fill_type="solid", start_color="FFD9E7CF", end_color="FFD9E7CF")
HEADER_WIDTH = 16  # longer headers wrap instead of widening their column


def write_header(sheet: Worksheet, row: int, names: Sequence[str], numeric: Iterable[int]) -> None:
    """A bold, filled header row; the headers of number columns (1-based) are right-aligned."""
    right = set(numeric)
    if any(len(name) > HEADER_WIDTH for name in names):
        sheet.row_dimensions[row].height = 30  # two lines: Excel does not fit wrapped rows
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=column, value=name)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(
            horizontal="right" if column in right else "left", vertical="top", wrap_text=True
        )


def print_setup(sheet: Worksheet, header_row: int) -> None:
    """Frozen header, the header repeated on every printed page, landscape one page wide."""
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


def display(value: float, unit: str) -> str:
    """Roughly how Excel shows the number, for fitting the column width."""
    decimals = {"st": 0, "kr": 2}.get(unit, 1)
    return f"{value:,.{decimals}f}"


def widths(rows: Iterable[Sequence[str]], header: Sequence[str]) -> list[int]:
    """Each column as wide as its longest text; a long header wraps rather than widening it."""
    found = [min(len(name), HEADER_WIDTH) for name in header]
    for row in rows:
        for column, text in enumerate(row):
            if column == len(found):
                found.append(0)
            found[column] = max(found[column], len(text))
    return [width + 2 for width in found]


def set_widths(sheet: Worksheet, column_widths: Sequence[int]) -> None:
    """Set the columns' widths (in characters) from column A on."""
    for column, width in enumerate(column_widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
