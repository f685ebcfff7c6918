"""The coordination report as an A4 PDF in the tender map's style: a summary, a map of the mix
index per grid cell, a map of the top zones, bar charts, the matrix and the zone list."""

import math
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, BinaryIO, Literal

import numpy as np
import shapely
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
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
    TableStyle,
)
from shapely.geometry.base import BaseGeometry

from app.analysis.prices_router import EXAMPLE_NOTE
from app.analysis.quantities import cell_corner
from app.analysis.report.contents import UNITS, ReportContents
from app.export.map_sheets import (
    METRES_PER_POINT_AT_1,
    grid_interval,
    nice_scale,
    scale_bar_length,
)
from app.export.pdf_map import BOUNDARY, FONT, FONT_BOLD, INK, SHEET_FRAME

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN
PALE = HexColor("#dce6f1")
NOTE_FILL = HexColor("#fff4d6")
# Five classes of the mix index, light to dark (a colour-blind-safe sequential ramp).
MIX_CLASSES: tuple[tuple[float, float, str], ...] = (
    (0.0, 0.2, "#fde725"),
    (0.2, 0.4, "#7ad151"),
    (0.4, 0.6, "#22a884"),
    (0.6, 0.8, "#2a788e"),
    (0.8, 1.0, "#414487"),
)
CHART_BAR = HexColor("#2a788e")

_STYLES = {
    "title": ParagraphStyle("title", fontName=FONT_BOLD, fontSize=20, leading=24, textColor=INK),
    "subtitle": ParagraphStyle("subtitle", fontName=FONT_BOLD, fontSize=12, leading=15),
    "h2": ParagraphStyle(
        "h2",
        fontName=FONT_BOLD,
        fontSize=12,
        leading=15,
        spaceBefore=6,
        spaceAfter=4,
        textColor=INK,
    ),
    "body": ParagraphStyle("body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7, leading=9, textColor=INK),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9, textColor=INK),
    "head": ParagraphStyle("head", fontName=FONT_BOLD, fontSize=7.5, leading=9, textColor=INK),
}


def register_fonts() -> None:
    """The tender map's fonts: Bitstream Vera, shipped with reportlab, embedded."""
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, "VeraBd.ttf"))


def swedish_number(value: float | Decimal, decimals: int = 0) -> str:
    """A number as written in Swedish: a space between thousands, a decimal comma."""
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", " ").replace(".", ",")


def kr_text(value: Decimal) -> str:
    """Kronor per year, whole, as the report writes them."""
    return f"{swedish_number(value)} kr/år"


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
        *_map_page(contents, "mix"),
        PageBreak(),
        *_map_page(contents, "zones"),
        PageBreak(),
        *_charts(contents),
        PageBreak(),
        *_matrix(contents),
        *_zone_list(contents),
    ]
    footer = _footer(contents)
    document.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=_NumberedCanvas)


class _NumberedCanvas(Canvas):
    """A canvas that holds its pages back until the end, to write "Sida n av N" on each."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        # What Canvas.showPage does after writing the page: begin the next, writing nothing.
        self._startPage()  # type: ignore[attr-defined]

    def save(self) -> None:
        """Number every page, then write the file."""
        for number, page in enumerate(self._pages, start=1):
            self.__dict__.update(page)
            self.setFillColor(INK)
            self.setFont(FONT_BOLD, 8)
            self.drawRightString(
                PAGE_WIDTH - MARGIN,
                MARGIN - 1.5 * mm,
                f"Sida {number} av {len(self._pages)}",
            )
            super().showPage()
        super().save()


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


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(_escape(text), _STYLES[style])


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    numeric_from: int = 1,
    bold_rows: Sequence[int] = (),
) -> Table:
    """A table of text: a pale header row, numbers right-aligned from column numeric_from."""
    right = {
        name: ParagraphStyle(f"{name}-right", parent=_STYLES[name], alignment=2)
        for name in ("head", "cell")
    }

    def cell(r: int, c: int, value: str) -> Paragraph:
        name = "head" if r == 0 or r in bold_rows else "cell"
        return Paragraph(_escape(value), right[name] if c >= numeric_from else _STYLES[name])

    cells = [[cell(r, c, value) for c, value in enumerate(row)] for r, row in enumerate(rows)]
    table = Table(cells, colWidths=list(widths), repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), PALE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, HexColor("#b0b0b0")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


# --- Page 1: the summary -----------------------------------------------------------------


def _summary(contents: ReportContents) -> list[Flowable]:
    created = contents.created
    facts = [
        _p("Samordningsanalys", "title"),
        Spacer(0, 2 * mm),
        _p(contents.municipality, "subtitle"),
        Spacer(0, 1.5 * mm),
        _p(
            "Var huvudmännens skötsel varvas, var den möts och vad den kostar per år till"
            " à-prislistan",
            "subtitle",
        ),
        Spacer(0, 2 * mm),
        _p(f"Data per {created:%Y-%m-%d} kl. {created:%H:%M}"),
        _p("Källa: Ansvarskartan, gällande skötselobjekt, driftområden och à-prislistan"),
        _p("Koordinatsystem SWEREF 99 TM (EPSG:3006)"),
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
    story += [_p("Per organisation", "h2"), _organisation_table(contents)]
    story += [_p("Parametrar", "h2")]
    story += [
        _table(
            [["Parameter", "Värde", "Betydelse"]]
            + [
                [name, _value_text(value), meaning]
                for name, value, meaning in contents.parameters.described()
            ],
            [32 * mm, 28 * mm, 120 * mm],
            numeric_from=3,
        )
    ]
    return story


def _value_text(value: float | int | str) -> str:
    if isinstance(value, str):
        return value
    return f"{value:g}".replace(".", ",")


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
        self.paragraph = _p(text)

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

MapKind = Literal["mix", "zones"]
MAP_HEIGHT = 175 * mm
LABEL_ROOM = 7 * mm  # the coordinate labels around the frame
BELOW_FRAME = 30 * mm  # legend, scale bar and north arrow under the frame


def _map_page(contents: ReportContents, kind: MapKind) -> list[Flowable]:
    cell_m = contents.parameters.ruta_m
    if kind == "mix":
        heading = f"Blandningsindex per ruta ({swedish_number(cell_m)} m)"
        text = (
            "Blandningsindex = 1 − summan av andel², där andelarna är huvudmännens skötta yta"
            " (m² ytobjekt) i rutan: 0 när en huvudman sköter allt, högre ju fler som delar jämnt."
            f" Rutornas hörn ligger på jämna {swedish_number(cell_m)} m i SWEREF 99 TM."
        )
    else:
        heading = (
            f"Samordningszonerna efter rang ({len(contents.top_zones)} av {contents.zone_count})"
        )
        text = (
            f"Zonerna är kluster av objekt inom {contents.parameters.avstand_m:g} m från varandra"
            " där två eller fler huvudmän eller lag arbetar, numrerade efter rang (samlad mängd"
            " × antal lag). Ytan är objektens konvexa hölje."
        )
    return [_p(heading, "h2"), _Map(contents, kind), Spacer(0, 2 * mm), _p(text)]


def _mix_colour(index: float) -> Color:
    for low, high, colour in MIX_CLASSES:
        if low <= index < high:
            return HexColor(colour)
    return HexColor(MIX_CLASSES[-1][2])


def _extent(contents: ReportContents, kind: MapKind) -> tuple[float, float, float, float]:
    boxes: list[tuple[float, float, float, float]] = []
    if contents.boundary is not None and not contents.boundary.is_empty:
        boxes.append(contents.boundary.bounds)
    if kind == "mix":
        cell_m = contents.parameters.ruta_m
        for mix in contents.cells:
            x, y = cell_corner(mix.scope)
            boxes.append((x, y, x + cell_m, y + cell_m))
    else:
        boxes += [z.outline.bounds for z in contents.top_zones]
    if not boxes:
        return (0.0, 0.0, 1000.0, 1000.0)
    array = np.array(boxes)
    return (array[:, 0].min(), array[:, 1].min(), array[:, 2].max(), array[:, 3].max())


class _Map(Flowable):
    """A map drawn on the canvas: content clipped to a frame, coordinates, legend, scale."""

    def __init__(self, contents: ReportContents, kind: MapKind) -> None:
        super().__init__()
        self.contents, self.kind = contents, kind
        self.width, self.height = TEXT_WIDTH, MAP_HEIGHT + BELOW_FRAME

    def wrap(self, _available_width: float, _available_height: float) -> tuple[float, float]:
        return self.width, self.height

    @property
    def frame(self) -> tuple[float, float, float, float]:
        return (LABEL_ROOM, BELOW_FRAME + LABEL_ROOM, self.width - LABEL_ROOM, self.height - 4)

    def draw(self) -> None:
        canvas = self.canv
        x0, y0, x1, y1 = self.frame
        minx, miny, maxx, maxy = _extent(self.contents, self.kind)
        needed = max((maxx - minx) / (x1 - x0), (maxy - miny) / (y1 - y0)) * 1.08
        self.scale = nice_scale(needed / METRES_PER_POINT_AT_1)
        self.ppm = 1 / (METRES_PER_POINT_AT_1 * self.scale)
        self.centre = ((minx + maxx) / 2, (miny + maxy) / 2)
        canvas.saveState()
        clip = canvas.beginPath()
        clip.rect(x0, y0, x1 - x0, y1 - y0)
        canvas.clipPath(clip, stroke=0, fill=0)
        if self.kind == "mix":
            self._draw_cells()
        self._draw_grid()
        self._draw_boundary()
        if self.kind == "zones":
            self._draw_zones()
        canvas.restoreState()
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.8)
        canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
        self._draw_grid_labels()
        self._draw_legend()
        self._draw_scale_block()

    def to_page(self, coords: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.frame
        middle = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        placed: np.ndarray = (coords - np.array(self.centre)) * self.ppm + middle
        return placed

    def _ground_box(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = self.frame
        cx, cy = self.centre
        half_w, half_h = (x1 - x0) / 2 / self.ppm, (y1 - y0) / 2 / self.ppm
        return cx - half_w, cy - half_h, cx + half_w, cy + half_h

    def _draw_cells(self) -> None:
        canvas, cell_m = self.canv, self.contents.parameters.ruta_m
        size = cell_m * self.ppm
        canvas.setStrokeColor(white)
        canvas.setLineWidth(0.2)
        for mix in self.contents.cells:
            corner = self.to_page(np.array([cell_corner(mix.scope)], dtype=float))[0]
            canvas.setFillColor(_mix_colour(mix.mix_index))
            canvas.rect(corner[0], corner[1], size, size, stroke=1 if size > 3 else 0, fill=1)

    def _rings(self, geometry: BaseGeometry) -> list[np.ndarray]:
        rings = shapely.get_rings(shapely.get_parts(geometry))
        return [self.to_page(shapely.get_coordinates(ring)) for ring in rings]

    def _path(self, rings: list[np.ndarray]) -> Any:
        path = self.canv.beginPath()
        for ring in rings:
            path.moveTo(*ring[0])
            for x, y in ring[1:]:
                path.lineTo(x, y)
            path.close()
        return path

    def _draw_boundary(self) -> None:
        boundary = self.contents.boundary
        if boundary is None or boundary.is_empty:
            return
        rings = self._rings(boundary)
        canvas = self.canv
        canvas.setLineJoin(1)
        for colour, width in ((white, 3.0), (BOUNDARY, 1.4)):
            canvas.setStrokeColor(colour)
            canvas.setLineWidth(width)
            canvas.drawPath(self._path(rings), stroke=1, fill=0)

    def _draw_zones(self) -> None:
        canvas = self.canv
        placed = []
        for ranked in self.contents.top_zones:
            outline = ranked.outline
            canvas.setFillColor(SHEET_FRAME)
            canvas.setFillAlpha(0.3)
            canvas.setStrokeColor(SHEET_FRAME)
            canvas.setLineWidth(0.8)
            canvas.drawPath(self._path(self._rings(outline)), stroke=1, fill=1)
            canvas.setFillAlpha(1)
            point = outline.representative_point()
            placed.append((ranked.rank, self.to_page(np.array([[point.x, point.y]]))[0]))
        for rank, (x, y) in reversed(placed):  # rank 1 on top
            _number_marker(canvas, x, y, str(rank))

    def _draw_grid(self) -> None:
        canvas = self.canv
        step = grid_interval(self.scale)
        x0, y0, x1, y1 = self.frame
        minx, miny, maxx, maxy = self._ground_box()
        canvas.setStrokeColor(HexColor("#505050"))
        canvas.setStrokeAlpha(0.5)
        canvas.setLineWidth(0.3)
        for east in range(math.ceil(minx / step) * step, math.floor(maxx / step) * step + 1, step):
            x = self.to_page(np.array([[east, miny]]))[0, 0]
            canvas.line(x, y0, x, y1)
        for north in range(math.ceil(miny / step) * step, math.floor(maxy / step) * step + 1, step):
            y = self.to_page(np.array([[minx, north]]))[0, 1]
            canvas.line(x0, y, x1, y)
        canvas.setStrokeAlpha(1)

    def _draw_grid_labels(self) -> None:
        canvas = self.canv
        step = grid_interval(self.scale)
        x0, y0, x1, y1 = self.frame
        minx, miny, maxx, maxy = self._ground_box()
        canvas.setFillColor(INK)
        canvas.setFont(FONT, 6.5)
        for east in range(math.ceil(minx / step) * step, math.floor(maxx / step) * step + 1, step):
            x = self.to_page(np.array([[east, miny]]))[0, 0]
            label = f"E {swedish_number(east)}"
            half = pdfmetrics.stringWidth(label, FONT, 6.5) / 2
            if x0 <= x - half and x + half <= x1:
                canvas.drawCentredString(x, y0 - 3 * mm, label)
        for north in range(math.ceil(miny / step) * step, math.floor(maxy / step) * step + 1, step):
            y = self.to_page(np.array([[minx, north]]))[0, 1]
            label = f"N {swedish_number(north)}"
            half = pdfmetrics.stringWidth(label, FONT, 6.5) / 2
            if not (y0 <= y - half and y + half <= y1):
                continue
            canvas.saveState()
            canvas.translate(x0 - 2 * mm, y)
            canvas.rotate(90)
            canvas.drawCentredString(0, 0, label)
            canvas.restoreState()

    def _legend_entries(self) -> list[tuple[str, Callable[[float, float], None]]]:
        canvas = self.canv

        def box(fill: Color, alpha: float = 1.0) -> Callable[[float, float], None]:
            def draw(x: float, y: float) -> None:
                canvas.setFillColor(fill)
                canvas.setFillAlpha(alpha)
                canvas.setStrokeColor(INK if fill == white else fill)
                canvas.setLineWidth(0.5)
                canvas.rect(x, y - 1.5 * mm, 8 * mm, 3 * mm, stroke=1, fill=1)
                canvas.setFillAlpha(1)

            return draw

        def line(x: float, y: float) -> None:
            canvas.setStrokeColor(BOUNDARY)
            canvas.setLineWidth(1.4)
            canvas.line(x, y, x + 8 * mm, y)

        def marker(x: float, y: float) -> None:
            _number_marker(canvas, x + 4 * mm, y, "1")

        entries: list[tuple[str, Callable[[float, float], None]]]
        if self.kind == "mix":
            entries = [
                (
                    f"{_value_text(low)}–{_value_text(high)}"
                    + (" (en huvudman)" if low == 0 else ""),
                    box(HexColor(colour)),
                )
                for low, high, colour in MIX_CLASSES
            ]
            entries.append(("Ingen skött yta i rutan", box(white)))
        else:
            entries = [
                ("Samordningszon (objektens hölje)", box(SHEET_FRAME, 0.3)),
                ("Zonens rang", marker),
            ]
        entries.append(("Kommungräns", line))
        return entries

    def _draw_legend(self) -> None:
        canvas = self.canv
        top = BELOW_FRAME - 2 * mm
        canvas.setFillColor(INK)
        canvas.setFont(FONT_BOLD, 8.5)
        title = "Blandningsindex" if self.kind == "mix" else "Teckenförklaring"
        canvas.drawString(0, top - 3 * mm, title)
        entries = self._legend_entries()
        per_column = 4
        for n, (label, swatch) in enumerate(entries):
            x = (n // per_column) * 48 * mm
            y = top - 8 * mm - (n % per_column) * 4.6 * mm
            swatch(x, y)
            canvas.setFillColor(INK)
            canvas.setFont(FONT, 7.5)
            canvas.drawString(x + 10 * mm, y - 2.5, label)

    def _draw_scale_block(self) -> None:
        canvas = self.canv
        right = self.width
        top = BELOW_FRAME - 2 * mm
        _north_arrow(canvas, right - 6 * mm, top - 16 * mm)
        length = scale_bar_length(self.scale, longest=45 * mm)
        paper = length * self.ppm
        x, y = right - 16 * mm - paper, top - 12 * mm
        canvas.setFillColor(INK)
        canvas.setFont(FONT_BOLD, 9)
        canvas.drawString(x, top - 4 * mm, f"Skala 1:{swedish_number(self.scale)} (A4)")
        canvas.setLineWidth(0.6)
        canvas.setStrokeColor(INK)
        for n in range(4):
            canvas.setFillColor(INK if n % 2 == 0 else white)
            canvas.rect(x + n * paper / 4, y, paper / 4, 2 * mm, stroke=1, fill=1)
        canvas.setFillColor(INK)
        canvas.setFont(FONT, 7)
        for fraction in (0, 0.5, 1):
            text = swedish_number(length * fraction) + (" m" if fraction == 1 else "")
            canvas.drawCentredString(x + paper * fraction, y - 3 * mm, text)
        canvas.drawRightString(right, y - 11 * mm, "SWEREF 99 TM (EPSG:3006), norr är rutnätsnorr")


def _number_marker(canvas: Canvas, x: float, y: float, text: str) -> None:
    radius = 2.2 * mm
    canvas.setFillColor(white)
    canvas.setStrokeColor(SHEET_FRAME)
    canvas.setLineWidth(0.9)
    canvas.circle(x, y, radius, stroke=1, fill=1)
    canvas.setFillColor(SHEET_FRAME)
    canvas.setFont(FONT_BOLD, 7 if len(text) < 3 else 5.5)
    canvas.drawCentredString(x, y - 2.4, text)


def _north_arrow(canvas: Canvas, x: float, y: float) -> None:
    """An arrow pointing to grid north, as on the tender map."""
    half, height = 2.6 * mm, 10 * mm
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    for fill, side in ((INK, -1), (white, 1)):
        path = canvas.beginPath()
        path.moveTo(x, y + height)
        path.lineTo(x + side * half, y)
        path.lineTo(x, y + height * 0.3)
        path.close()
        canvas.setFillColor(fill)
        canvas.drawPath(path, stroke=1, fill=1)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawCentredString(x, y + height + 1.5 * mm, "N")


# --- Charts ------------------------------------------------------------------------------


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
    story: list[Flowable] = [_p("Mängd och kostnad per organisation och produktgrupp", "h2")]
    for chart in charts:
        story += [CondPageBreak(chart.height + 4 * mm), chart, Spacer(0, 5 * mm)]
    story.append(
        _p(
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
    story: list[Flowable] = [_p("Grannarbete: var huvudmännens skötsel möts", "h2")]
    blocks: list[tuple[str, Callable[[str, str], str]]] = [
        (
            f"Gemensam gräns (m): där två huvudmäns ytobjekt ligger inom"
            f" {_value_text(parameters.tolerans_m)} m från varandra (symmetrisk).",
            lambda a, b: swedish_number(found.shared_boundary_m.get((a, b), 0.0), 1),
        ),
        (
            f"Objekt nära (antal): radens objekt inom {_value_text(parameters.nara_m)} m från"
            " något av kolumnens objekt.",
            lambda a, b: swedish_number(found.objects_near.get((a, b), 0)),
        ),
    ]
    for text, value in blocks:
        rows = [["", *(f"({n})" for n in range(1, len(slugs) + 1))]]
        rows += [[labels[a], *("–" if a == b else value(a, b) for b in slugs)] for a in slugs]
        story += [
            KeepTogether(
                [_p(text), Spacer(0, 1.5 * mm), _table(rows, [first, *[width] * len(slugs)])]
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
        f" {_value_text(contents.parameters.avstand_m)} m, här de {len(contents.top_zones)}"
        " främsta efter samlad mängd × antal lag. Zonens fullständiga id står i XLSX-filen"
        " och används i API:t (/api/v1/samordning/zoner/{zon_id})."
    )
    widths = [12 * mm, 18 * mm, 40 * mm, 42 * mm, 24 * mm, 20 * mm, 24 * mm]
    return [
        CondPageBreak(40 * mm),
        _p("Samordningszonerna", "h2"),
        _p(note),
        Spacer(0, 1.5 * mm),
        _table(rows, widths, numeric_from=4),
    ]
