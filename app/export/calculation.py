"""The client's own calculation (kalkyl) of an operations area: the priced schedule with the
coordination analysis' price list filled in.

It is the client's working copy, so nothing is protected and every price can be changed; it is
never part of a contractor's package.
"""

from collections.abc import Sequence
from typing import BinaryIO

from openpyxl import Workbook

from app.analysis.prices import Price
from app.export.contents import PackageContents
from app.export.quantities import PRODUCT_SHEET_TITLE, write_product_sheet, write_schedule_sheet

CALCULATION_SHEET_TITLE = "Kalkyl"


def write_calculation_xlsx(
    contents: PackageContents, prices: Sequence[Price], out: BinaryIO
) -> None:
    """Write the calculation: "Kalkyl" (the schedule at the price list) and "Per produkt"."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = CALCULATION_SHEET_TITLE
    write_schedule_sheet(sheet, contents, prices)
    write_product_sheet(workbook.create_sheet(PRODUCT_SHEET_TITLE), contents)
    workbook.properties.title = f"{CALCULATION_SHEET_TITLE} {contents.area.name}"
    workbook.properties.creator = "Ansvarskartan"
    workbook.save(out)
