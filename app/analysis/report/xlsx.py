"""The coordination report as an XLSX workbook: summary, per organisation, per zone, matrix and
parameters with the price list's sources."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.analysis.costs import CostRow
from app.analysis.prices_router import EXAMPLE_NOTE
from app.analysis.quantities import cell_corner
from app.analysis.report.contents import UNITS, ReportContents

SHEETS = ("Sammanfattning", "Per organisation", "Per zon", "Matris", "Parametrar och källor")
KR = "#,##0.00"
QUANTITY = "#,##0.0"
WHOLE = "#,##0"
SHARE = "0.0%"
INDEX = "0.000"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
SUBTOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
QUANTITY_HEADING = {"m²": "Skött yta (m²)", "m": "Linjeobjekt (m)", "st": "Punktobjekt (st)"}


def write_report_xlsx(contents: ReportContents, out: BinaryIO) -> None:
    """Write the report workbook."""
    book = Workbook()
    summary = book.active
    assert summary is not None  # a new workbook has its first sheet
    summary.title = SHEETS[0]
    _summary(summary, contents)
    _per_organisation(book.create_sheet(SHEETS[1]), contents)
    _per_zone(book.create_sheet(SHEETS[2]), contents)
    _matrix(book.create_sheet(SHEETS[3]), contents)
    _parameters(book.create_sheet(SHEETS[4]), contents)
    book.save(out)


def _kr(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def _header(sheet: Worksheet, row: int, titles: Sequence[str]) -> None:
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row, column, title)
        cell.font = BOLD
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _put(sheet: Worksheet, row: int, values: Sequence[Any], formats: Sequence[str | None]) -> None:
    for column, (value, number_format) in enumerate(zip(values, formats, strict=True), start=1):
        cell = sheet.cell(row, column, value)
        if number_format:
            cell.number_format = number_format


def _widths(sheet: Worksheet, widths: Sequence[float]) -> None:
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _summary(sheet: Worksheet, contents: ReportContents) -> None:
    sheet.cell(1, 1, "Samordningsanalys").font = TITLE
    facts: list[tuple[str, Any, str | None]] = [
        ("Datum", contents.created.strftime("%Y-%m-%d %H:%M"), None),
        ("Kommun", contents.municipality, None),
        ("Antal objekt", contents.object_count, WHOLE),
        ("Antal organisationer (huvudmän)", len(contents.organisations), WHOLE),
        *((QUANTITY_HEADING[unit], contents.total(unit), QUANTITY) for unit in UNITS),
        ("Kostnad per år (kr), rader med pris", _kr(contents.costs.total), KR),
        ("Rader utan pris (ingår inte i kostnaden)", len(contents.costs.without_price), WHOLE),
        ("Antal samordningszoner", contents.zone_count, WHOLE),
    ]
    row = 3
    for label, value, number_format in facts:
        sheet.cell(row, 1, label).font = BOLD
        _put(sheet, row, [label, value], [None, number_format])
        row += 1
    row += 1
    note = EXAMPLE_NOTE if contents.example_data else "Inga exempelpriser används."
    sheet.cell(row, 1, "Exempeldata").font = BOLD
    sheet.cell(row, 2, note).alignment = Alignment(wrap_text=True, vertical="top")
    row += 2
    cell_m = contents.parameters.ruta_m
    sheet.cell(row, 1, f"Mest blandade rutor ({cell_m} m)").font = BOLD
    row += 1
    _header(
        sheet,
        row,
        [
            "Rang",
            "Ruta (E_N, sydvästra hörnet)",
            "E",
            "N",
            "Skött yta (m²)",
            "Organisationer",
            "Största andel",
            "Blandningsindex",
            "Störst",
        ],
    )
    for rank, mix in enumerate(contents.top_cells, start=1):
        east, north = cell_corner(mix.scope)
        largest = contents.organisation_name(mix.shares[0][0]) if mix.shares else ""
        _put(
            sheet,
            row + rank,
            [
                rank,
                mix.scope,
                east,
                north,
                mix.weight_total,
                mix.organisations,
                mix.largest_share,
                mix.mix_index,
                largest,
            ],
            [WHOLE, None, "0", "0", QUANTITY, WHOLE, SHARE, INDEX, None],
        )
    _widths(sheet, [40, 44, 10, 10, 14, 14, 12, 14, 30])


def _per_organisation(sheet: Worksheet, contents: ReportContents) -> None:
    _header(
        sheet,
        1,
        [
            "Organisation",
            "Produkt",
            "Produktnamn",
            "Produktgrupp",
            "Kvalitetsnivå",
            "Antal objekt",
            "Mängd",
            "Enhet",
            "À-pris (kr per enhet och år)",
            "Kostnad (kr/år)",
            "Anmärkning",
        ],
    )
    formats = [None, None, None, None, None, WHOLE, QUANTITY, None, KR, KR, None]
    by_organisation: dict[str, list[CostRow]] = {}
    for costed in contents.costs.rows:
        by_organisation.setdefault(costed.row.organisation_slug, []).append(costed)
    row = 2
    for slug in sorted(by_organisation, key=contents.organisation_name):
        name = contents.organisation_name(slug)
        for costed in by_organisation[slug]:
            item, price = costed.row, costed.price
            note = "saknar pris" if price is None else None
            if price is not None and price.example_data:
                note = "exempeldata"
            values = [
                name,
                item.product_code,
                contents.product_name(item.product_code),
                contents.category(item.product_code),
                item.quality_level,
                item.objects,
                item.quantity,
                item.unit,
                _kr(price.kr_per_unit_and_year) if price else None,
                _kr(costed.kr_per_year),
                note,
            ]
            _put(sheet, row, values, formats)
            row += 1
        _subtotal(sheet, row, f"Summa {name}", contents.costs.by_organisation.get(slug))
        row += 1
    _subtotal(sheet, row, "Totalt", contents.costs.total)
    sheet.freeze_panes = "A2"
    _widths(sheet, [30, 10, 28, 18, 14, 12, 14, 7, 16, 16, 14])


def _subtotal(sheet: Worksheet, row: int, label: str, kr: Decimal | None) -> None:
    sheet.cell(row, 1, label)
    cell = sheet.cell(row, 10, _kr(kr if kr is not None else Decimal(0)))
    cell.number_format = KR
    for column in range(1, 12):
        sheet.cell(row, column).font = BOLD
        sheet.cell(row, column).fill = SUBTOTAL_FILL


def _per_zone(sheet: Worksheet, contents: ReportContents) -> None:
    _header(
        sheet,
        1,
        [
            "Rang",
            "Zon-id",
            "Antal objekt",
            "Organisationer",
            "Antal lag",
            "Lag",
            "Samlad mängd (m²)",
            "Poäng (mängd × lag)",
            "Kostnad (kr/år)",
        ],
    )
    formats = [WHOLE, None, WHOLE, None, WHOLE, None, QUANTITY, QUANTITY, KR]
    for row, ranked in enumerate(contents.top_zones, start=2):
        zone = ranked.zone
        organisations = ", ".join(contents.organisation_name(s) for s in zone.organisations)
        crews = ", ".join(crew.name for crew in zone.crews)
        values = [
            ranked.rank,
            zone.key,
            zone.objects,
            organisations,
            len(zone.crews),
            crews,
            zone.combined_m2,
            zone.score,
            _kr(ranked.kr_per_year),
        ]
        _put(sheet, row, values, formats)
    sheet.freeze_panes = "A2"
    _widths(sheet, [7, 36, 12, 44, 10, 44, 16, 18, 16])


def _matrix(sheet: Worksheet, contents: ReportContents) -> None:
    found, parameters = contents.neighbours, contents.parameters
    names = [contents.organisation_name(slug) for slug in found.organisations]
    blocks: list[tuple[str, dict[tuple[str, str], Any], str]] = [
        (
            f"Gemensam gräns (m), där ytobjekt ligger inom {parameters.tolerans_m:g} m"
            " (symmetrisk)",
            dict(found.shared_boundary_m),
            QUANTITY,
        ),
        (
            f"Objekt nära (antal): radens objekt inom {parameters.nara_m:g} m från kolumnens",
            dict(found.objects_near),
            WHOLE,
        ),
    ]
    row = 1
    for title, values, number_format in blocks:
        sheet.cell(row, 1, title).font = BOLD
        _header(sheet, row + 1, ["", *names])
        for offset, a in enumerate(found.organisations, start=2):
            sheet.cell(row + offset, 1, contents.organisation_name(a)).font = BOLD
            for column, b in enumerate(found.organisations, start=2):
                if a == b:
                    continue
                cell = sheet.cell(row + offset, column, values.get((a, b), 0))
                cell.number_format = number_format
        row += len(names) + 4
    sheet.freeze_panes = "B1"
    _widths(sheet, [34, *([20] * len(names))])


def _parameters(sheet: Worksheet, contents: ReportContents) -> None:
    _header(sheet, 1, ["Parameter", "Värde", "Betydelse"])
    described = contents.parameters.described()
    for row, (name, value, meaning) in enumerate(described, start=2):
        _put(sheet, row, [name, value, meaning], [None, None, None])
    row = len(described) + 3
    sheet.cell(row, 1, "À-prislistan").font = BOLD
    _header(
        sheet,
        row + 1,
        [
            "Produkt",
            "Produktnamn",
            "Kvalitetsnivå",
            "Enhet",
            "Kr per enhet och år",
            "Källa",
            "Exempeldata",
            "Används i rapporten",
        ],
    )
    used = {(c.price.product_code, c.price.quality_level) for c in contents.costs.rows if c.price}
    for offset, price in enumerate(contents.prices, start=2):
        key = (price.product_code, price.quality_level)
        values = [
            price.product_code,
            contents.product_name(price.product_code),
            price.quality_level or "alla",
            price.unit,
            _kr(price.kr_per_unit_and_year),
            price.source,
            "ja" if price.example_data else "nej",
            "ja" if key in used else "nej",
        ]
        _put(sheet, row + offset, values, [None, None, None, None, KR, None, None, None])
    sheet.freeze_panes = "A2"
    _widths(sheet, [24, 40, 60, 8, 16, 70, 12, 18])
