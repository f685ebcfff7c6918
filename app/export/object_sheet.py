"""The package's per-object sheet: one row per object with its number on the map, its part
inside the area and the map sheet that shows it.

An area can have hundreds of thousands of objects, and openpyxl takes about 0.13 ms a cell (50 s
for the 1M demo's largest area), so openpyxl writes the sheet with its header and settings only
and the rows are added to the saved file as XML text (a few seconds).
"""

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from typing import BinaryIO
from xml.sax.saxutils import escape

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.export.contents import PackageContents
from app.export.xlsx_sheets import (
    HEADER_WIDTH,
    NO_LEVEL_TEXT,
    display,
    print_setup,
    set_widths,
    write_header,
)

OBJECT_SHEET_TITLE = "Per objekt"
OBJECT_HEADER = (
    "Nr",
    "Objekt-id",
    "Kod",
    "Benämning",
    "Kvalitetsnivå",
    "Mängd inom området",
    "Enhet",
    "Delvis inom området",
    "Andel inom området, %",
    "Kartblad",
)
PARTLY_TEXT = "Ja"
OVERVIEW_TEXT = "översikt"  # the sheet number 0: the object is drawn on the overview only

# A cell's XML after its reference: inline strings, so no shared string table is needed.
_TEXT_CELL = ' t="inlineStr"><is><t>{}</t></is></c>'
_PRESERVED_TEXT_CELL = ' t="inlineStr"><is><t xml:space="preserve">{}</t></is></c>'
_NUMBER_CELL = "><v>{}</v></c>"
_EMPTY_CELL = "/>"
_ROW_BATCH = 20_000
# Level 1 compresses the big sheet 2.5x faster than zlib's default for a fifth more bytes.
_ZIP_LEVEL = 1


def prepare_object_sheet(sheet: Worksheet, contents: PackageContents) -> None:
    """The per-object sheet's header, filter, frozen header, widths and printing; no rows."""
    write_header(sheet, 1, OBJECT_HEADER, (1, 6, 9, 10))
    last = len(contents.objects) + 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(OBJECT_HEADER))}{last}"
    print_setup(sheet, 1)
    set_widths(sheet, _object_widths(contents))


def save_with_object_rows(
    workbook: Workbook, sheet: Worksheet, contents: PackageContents, out: BinaryIO
) -> None:
    """Save the workbook to out with a row per object added to sheet (made by
    prepare_object_sheet, and left without rows)."""
    _save_with_rows(workbook, sheet, _object_rows(contents), len(contents.objects) + 1, out)


def _text_cell(value: str) -> str:
    clean = escape(ILLEGAL_CHARACTERS_RE.sub("", value))
    template = _PRESERVED_TEXT_CELL if clean != clean.strip() else _TEXT_CELL
    return template.format(clean)


def _plain(texts: set[str]) -> bool:
    """Whether the texts can stand in cells as they are: nothing to escape, drop or preserve."""
    joined = "".join(texts)
    if any(mark in joined for mark in "&<>") or ILLEGAL_CHARACTERS_RE.search(joined):
        return False
    return not any(text != text.strip() for text in texts)


def _text_cells(values: pd.Series) -> list[str]:
    """Each value as a text cell's XML, built once per distinct value."""
    texts = [str(value) for value in values.tolist()]
    distinct = set(texts)
    if len(distinct) > 1000 and _plain(distinct):  # ids: nothing to escape, checked at once
        return [_TEXT_CELL.format(text) for text in texts]
    cells = {text: _text_cell(text) for text in distinct}
    return [cells[text] for text in texts]


def _object_columns(contents: PackageContents) -> list[list[str]]:
    """The per-object sheet's cells (XML after each cell's reference), one list per column."""
    objects = contents.objects
    units = objects["produkt"].map({p.kod: p.enhet for p in contents.products})
    names = objects["produkt"].map({p.kod: p.namn for p in contents.products})
    levels = objects["kvalitetsniva"].astype(object).where(objects["kvalitetsniva"].notna())
    amounts = objects["mangd"].to_numpy(dtype="float64")
    whole = (units == "st").to_numpy()
    counted = [
        str(int(v)) if is_whole else repr(float(v))
        for v, is_whole in zip(
            np.where(whole, np.round(amounts), np.round(amounts, 1)), whole, strict=True
        )
    ]
    partly = objects["delvis_inom"].to_numpy(dtype=bool)
    # A partial object never reads 0 or 100 %, whatever the rounding.
    shares = np.clip(np.round(objects["andel_inom"].to_numpy(dtype="float64") * 100, 1), 0.1, 99.9)
    sheets = objects["blad"].to_numpy(dtype="int64")
    partly_cell = _text_cell(PARTLY_TEXT)
    overview_cell = _text_cell(OVERVIEW_TEXT)
    return [
        [_NUMBER_CELL.format(n) for n in objects["nr"].tolist()],
        _text_cells(objects["objekt_id"].astype(str)),
        _text_cells(objects["produkt"].astype(str)),
        _text_cells(names.astype(str)),
        _text_cells(levels.fillna(NO_LEVEL_TEXT).astype(str)),
        [_NUMBER_CELL.format(text) for text in counted],
        _text_cells(units.astype(str)),
        [partly_cell if p else _EMPTY_CELL for p in partly],
        [
            _NUMBER_CELL.format(repr(float(s))) if p else _EMPTY_CELL
            for s, p in zip(shares, partly, strict=True)
        ],
        [_NUMBER_CELL.format(int(s)) if s > 0 else overview_cell for s in sheets],
    ]


def _object_widths(contents: PackageContents) -> list[int]:
    objects = contents.objects
    widths = [min(len(name), HEADER_WIDTH) for name in OBJECT_HEADER]
    if len(objects):
        names = {p.kod: len(p.namn) for p in contents.products}
        longest = [
            len(str(int(objects["nr"].max()))),
            int(objects["objekt_id"].astype(str).str.len().max()),
            int(objects["produkt"].astype(str).str.len().max()),
            max(names[code] for code in objects["produkt"].unique()),
            int(objects["kvalitetsniva"].fillna(NO_LEVEL_TEXT).astype(str).str.len().max()),
            len(display(float(objects["mangd"].max()), "m²")),
            2,
            len(PARTLY_TEXT),
            4,
            len(OVERVIEW_TEXT),
        ]
        widths = [max(w, n) for w, n in zip(widths, longest, strict=True)]
    return [width + 2 for width in widths]


def _object_rows(contents: PackageContents) -> Iterator[str]:
    """The per-object sheet's rows from row 2 as XML, in batches."""
    columns = _object_columns(contents)
    cells = "".join(
        f'<c r="{get_column_letter(k)}{{0}}"{{{k}}}' for k in range(1, len(OBJECT_HEADER) + 1)
    )
    template = f'<row r="{{0}}">{cells}</row>'
    batch: list[str] = []
    for number, row in enumerate(zip(*columns, strict=True), start=2):
        batch.append(template.format(number, *row))
        if len(batch) == _ROW_BATCH:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _save_with_rows(
    workbook: Workbook, sheet: Worksheet, rows: Iterable[str], last_row: int, out: BinaryIO
) -> None:
    """Save the workbook to out with rows (XML from row 2) added to sheet's saved header row."""
    saved = io.BytesIO()
    workbook.save(saved)
    member = sheet.path.lstrip("/")  # known once saved
    last_cell = f"{get_column_letter(sheet.max_column)}{last_row}"
    with (
        zipfile.ZipFile(saved) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=_ZIP_LEVEL) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename != member:
                target.writestr(info.filename, data)
                continue
            head, tail = data.decode("utf-8").split("</sheetData>")
            head, found = re.subn(
                r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{last_cell}"/>', head
            )
            assert found == 1, "openpyxl wrote the sheet's size differently"
            with target.open(member, "w") as stream:
                stream.write(head.encode("utf-8"))
                for chunk in rows:
                    stream.write(chunk.encode("utf-8"))
                stream.write(("</sheetData>" + tail).encode("utf-8"))
