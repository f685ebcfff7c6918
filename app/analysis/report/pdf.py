"""The coordination report as an A4 PDF in the tender map's style: a summary, a map of the mix
index per grid cell, a map of the top zones, bar charts, the matrix and the zone list."""

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO

from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
)

from app.analysis.prices_router import EXAMPLE_NOTE
from app.analysis.report.contents import UNITS, ReportContents
from app.analysis.report.pdf_maps import map_page
from app.analysis.report.pdf_style import (
    CHART_BAR,
    MARGIN,
    NOTE_FILL,
    PAGE_WIDTH,
    STYLES,
    TEXT_WIDTH,
    NumberedCanvas,
    escape,
    kr_text,
    list_table_style,
    paragraph,
    register_fonts,
    swedish_number,
    value_text,
)
from app.export.pdf_map import FONT, FONT_BOLD, INK


def write_report_pdf(contents: ReportContents, out: BinaryIO) -> None:
    """Write the report as an A4 PDF."""
    register_fonts()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 4 * mm,
        bottomMargin=MARGIN + 4 * mm,
        title=f"Samordningsanalys – {contents.municipality}",
        author="Ansvarskartan",
        subject="Samordningsanalys av skötseln",
    )
    story: list[Flowable] = [
        *_summary(contents),
        PageBreak(),
        *map_page(contents, "mix"),
        PageBreak(),
        *map_page(contents, "zones"),
        PageBreak(),
        *_charts(contents),
        PageBreak(),
        *_matrix(contents),
        *_zone_list(contents),
    ]
    footer = _footer(contents)
    document.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=NumberedCanvas)


def _footer(contents: ReportContents) -> Callable[[Canvas, Any], None]:
    """Draw the running title and page number on every page."""
    line = (
        f"Samordningsanalys – {contents.municipality} – data per "
        f"{contents.created:%Y-%m-%d} kl. {contents.created:%H:%M}"
    )

    def draw(canvas: Canvas, _document: Any) -> None:
        canvas.saveState()
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, MARGIN + 2 * mm, PAGE_WIDTH - MARGIN, MARGIN + 2 * mm)
        canvas.setFillColor(INK)
        canvas.setFont(FONT, 7.5)
        canvas.drawString(MARGIN, MARGIN - 1.5 * mm, line)
        canvas.restoreState()

    return draw


def _table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric_from: int = 1,
    bold_rows: Sequence[int] = (),
) -> Table:
    """A table of text: a pale header row, numbers right-aligned from column numeric_from."""
    right = {
        name: ParagraphStyle(f"{name}-right", parent=STYLES[name], alignment=2)
        for name in ("head", "cell")
    }

    def cell(r: int, c: int, value: str) -> Paragraph:
        name = "head" if r == 0 or r in bold_rows else "cell"
        return Paragraph(escape(value), right[name] if c >= numeric_from else STYLES[name])

    cells = [[cell(r, c, value) for c, value in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(list_table_style())
    return table


# --- Page 1: the summary -----------------------------------------------------------------


def _summary(contents: ReportContents) -> list[Flowable]:
    created = contents.created
    facts = [
        paragraph("Samordningsanalys", "title"),
        Spacer(0, 2 * mm),
        paragraph(contents.municipality, "subtitle"),
        Spacer(0, 1.5 * mm),
        paragraph(
            "Var huvudmännens skötsel varvas, var den möts och vad den kostar per år till"
            " à-prislistan",
            "subtitle",
        ),
        Spacer(0, 2 * mm),
        paragraph(f"Data per {created:%Y-%m-%d} kl. {created:%H:%M}"),
        paragraph("Källa: Ansvarskartan, gällande skötselobjekt, driftområden och à-prislistan"),
        paragraph("Koordinatsystem SWEREF 99 TM (EPSG:3006)"),
        _Rule(),
    ]
    costs = contents.costs
    totals = [
        ["Sammanfattning", "Värde"],
        ["Antal objekt", swedish_number(contents.object_count)],
        ["Antal organisationer (huvudmän)", swedish_number(len(contents.organisations))],
        ["Skött yta", f"{swedish_number(contents.total('m²'))} m²"],
        ["Linjeobjekt", f"{swedish_number(contents.total('m'))} m"],
        ["Punktobjekt", f"{swedish_number(contents.total('st'))} st"],
        ["Kostnad per år till à-prislistan", kr_text(costs.total)],
        ["Rader utan pris (ingår inte i kostnaden)", swedish_number(len(costs.without_price))],
        [
            f"Samordningszoner (avstånd {contents.parameters.avstand_m:g} m)",
            swedish_number(contents.zone_count),
        ],
    ]
    story: list[Flowable] = [*facts, _table(totals, [110 * mm, 50 * mm])]
    if contents.example_data:
        story += [Spacer(0, 4 * mm), _Note(f"Exempeldata. {EXAMPLE_NOTE}")]
    story += [paragraph("Per organisation", "h2"), _organisation_table(contents)]
    story += [paragraph("Parametrar", "h2")]
    story += [
        _table(
            [["Parameter", "Värde", "Betydelse"]]
            + [
                [name, value_text(value), meaning]
                for name, value, meaning in contents.parameters.described()
            ],
            [32 * mm, 28 * mm, 120 * mm],
            numeric_from=3,
        )
    ]
    return story


def _organisation_table(contents: ReportContents) -> Table:
    rows = [["Organisation", "Objekt", "Yta (m²)", "Linje (m)", "Punkt (st)", "Kostnad"]]
    for slug in sorted(contents.organisations, key=contents.organisation_name):
        own = [r for r in contents.rows if r.organisation_slug == slug]
        by_unit = {u: sum(r.quantity for r in own if r.unit == u) for u in UNITS}
        kr = contents.costs.by_organisation.get(slug, Decimal(0))
        rows.append(
            [
                contents.organisation_name(slug),
                swedish_number(sum(r.objects for r in own)),
                *(swedish_number(by_unit[u]) for u in UNITS),
                kr_text(kr),
            ]
        )
    rows.append(
        [
            "Totalt",
            swedish_number(contents.object_count),
            *(swedish_number(contents.total(u)) for u in UNITS),
            kr_text(contents.costs.total),
        ]
    )
    return _table(
        rows, [58 * mm, 18 * mm, 24 * mm, 22 * mm, 22 * mm, 36 * mm], bold_rows=[len(rows) - 1]
    )


class _Rule(Flowable):
    """The title block's closing line."""

    def wrap(self, available_width: float, _available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, 5 * mm

    def draw(self) -> None:
        self.canv.setStrokeColor(INK)
        self.canv.setLineWidth(0.4)
        self.canv.line(0, 2.5 * mm, self.width, 2.5 * mm)


class _Note(Flowable):
    """The example-data warning on a pale yellow box."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.paragraph = paragraph(text)

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _, height = self.paragraph.wrap(available_width - 6 * mm, available_height)
        self.height = height + 5 * mm
        return self.width, self.height

    def draw(self) -> None:
        self.canv.setFillColor(NOTE_FILL)
        self.canv.setStrokeColor(HexColor("#b08000"))
        self.canv.setLineWidth(0.6)
        self.canv.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        self.paragraph.drawOn(self.canv, 3 * mm, 2.5 * mm)


# --- The maps ----------------------------------------------------------------------------


def _bar_chart(
    title: str, bars: list[tuple[str, float]], unit: str, label_width: float = 75 * mm
) -> Drawing:
    """A horizontal bar chart (reportlab.graphics.charts), largest first, values at the bars."""
    bars = sorted(bars, key=lambda b: -b[1]) or [("Inga värden", 0.0)]
    row = 7 * mm
    height = 14 * mm + row * len(bars)
    drawing = Drawing(TEXT_WIDTH, height)
    drawing.add(String(0, height - 10, title, fontName=FONT_BOLD, fontSize=10, fillColor=INK))
    chart = HorizontalBarChart()
    chart.x, chart.y = round(label_width), round(8 * mm)
    chart.width = round(TEXT_WIDTH - label_width - 22 * mm)
    chart.height = round(row * len(bars))
    # The chart draws its first category at the bottom: reversed, the largest is on top.
    chart.data = [[value for _, value in reversed(bars)]]
    chart.categoryAxis.categoryNames = [_short(name, 52) for name, _ in reversed(bars)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.labelTextFormat = _axis_label
    chart.valueAxis.maximumTicks = 6
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = HexColor("#d0d0d0")
    chart.bars[0].fillColor = CHART_BAR
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda value: f"{swedish_number(value)} {unit}"
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
    return drawing


def _axis_label(value: float) -> str:
    """An axis value: whole numbers, millions as "2,5 mn" so the labels keep apart."""
    if abs(value) >= 1_000_000:
        millions = value / 1_000_000
        return f"{swedish_number(millions, 0 if millions == int(millions) else 1)} mn"
    return swedish_number(value)


def _short(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _charts(contents: ReportContents) -> list[Flowable]:
    area_by_org: dict[str, float] = {}
    area_by_group: dict[str, float] = {}
    for row in contents.rows:
        if row.unit == "m²":
            name = contents.organisation_name(row.organisation_slug)
            area_by_org[name] = area_by_org.get(name, 0.0) + row.quantity
            group = contents.category(row.product_code)
            area_by_group[group] = area_by_group.get(group, 0.0) + row.quantity
    kr_by_group: dict[str, float] = {}
    for code, kr in contents.costs.by_product.items():
        group = contents.category(code)
        kr_by_group[group] = kr_by_group.get(group, 0.0) + float(kr)
    kr_by_org = [
        (contents.organisation_name(slug), float(kr))
        for slug, kr in contents.costs.by_organisation.items()
    ]
    charts = [
        _bar_chart("Skött yta per organisation (m²)", list(area_by_org.items()), "m²"),
        _bar_chart("Kostnad per organisation (kr/år)", kr_by_org, "kr"),
        _bar_chart("Skött yta per produktgrupp (m²)", list(area_by_group.items()), "m²", 40 * mm),
        _bar_chart("Kostnad per produktgrupp (kr/år)", list(kr_by_group.items()), "kr", 40 * mm),
    ]
    story: list[Flowable] = [paragraph("Mängd och kostnad per organisation och produktgrupp", "h2")]
    for chart in charts:
        story += [CondPageBreak(chart.height + 4 * mm), chart, Spacer(0, 5 * mm)]
    story.append(
        paragraph(
            "Skött yta är ytobjektens m²; linje- och punktobjekt finns i tabellen på sidan 1 och"
            " i XLSX-filen. Kostnaden är mängd × à-pris för rader med pris.",
            "small",
        )
    )
    return story


# --- The matrix and the zone list --------------------------------------------------------


def _matrix(contents: ReportContents) -> list[Flowable]:
    found, parameters = contents.neighbours, contents.parameters
    slugs = found.organisations
    # Columns by number, as the rows name them: full names would not fit across the page.
    labels = {slug: f"({n}) {contents.organisation_name(slug)}" for n, slug in enumerate(slugs, 1)}
    first = 62 * mm
    width = min(30 * mm, (TEXT_WIDTH - first) / max(1, len(slugs)))
    story: list[Flowable] = [paragraph("Grannarbete: var huvudmännens skötsel möts", "h2")]
    blocks: list[tuple[str, Callable[[str, str], str]]] = [
        (
            f"Gemensam gräns (m): där två huvudmäns ytobjekt ligger inom"
            f" {value_text(parameters.tolerans_m)} m från varandra (symmetrisk).",
            lambda a, b: swedish_number(found.shared_boundary_m.get((a, b), 0.0), 1),
        ),
        (
            f"Objekt nära (antal): radens objekt inom {value_text(parameters.nara_m)} m från"
            " något av kolumnens objekt.",
            lambda a, b: swedish_number(found.objects_near.get((a, b), 0)),
        ),
    ]
    for text, value in blocks:
        rows = [["", *(f"({n})" for n in range(1, len(slugs) + 1))]]
        rows += [[labels[a], *("–" if a == b else value(a, b) for b in slugs)] for a in slugs]
        story += [
            KeepTogether(
                [paragraph(text), Spacer(0, 1.5 * mm), _table(rows, [first, *[width] * len(slugs)])]
            ),
            Spacer(0, 4 * mm),
        ]
    return story


def _zone_list(contents: ReportContents) -> list[Flowable]:
    rows = [["Rang", "Zon", "Huvudmän", "Lag", "Samlad mängd", "Poäng", "Kostnad per år"]]
    for ranked in contents.top_zones:
        zone = ranked.zone
        rows.append(
            [
                str(ranked.rank),
                zone.key[:8],
                ", ".join(contents.organisation_name(s) for s in zone.organisations),
                ", ".join(crew.name for crew in zone.crews),
                f"{swedish_number(zone.combined_m2)} m²",
                swedish_number(zone.score),
                f"{swedish_number(ranked.kr_per_year)} kr",
            ]
        )
    count = contents.zone_count
    note = (
        f"{swedish_number(count)} {'zon' if count == 1 else 'zoner'} vid"
        f" {value_text(contents.parameters.avstand_m)} m, här de {len(contents.top_zones)}"
        " främsta efter samlad mängd × antal lag. Zonens fullständiga id står i XLSX-filen"
        " och används i API:t (/api/v1/samordning/zoner/{zon_id})."
    )
    widths = [12 * mm, 18 * mm, 40 * mm, 42 * mm, 24 * mm, 20 * mm, 24 * mm]
    return [
        CondPageBreak(40 * mm),
        paragraph("Samordningszonerna", "h2"),
        paragraph(note),
        Spacer(0, 1.5 * mm),
        _table(rows, widths, numeric_from=4),
    ]
