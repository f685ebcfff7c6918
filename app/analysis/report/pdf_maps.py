"""The report PDF's maps: the mix index per cell and the top zones, in SWEREF 99 TM."""

import math
from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import shapely
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Spacer,
)
from shapely.geometry.base import BaseGeometry

from app.analysis.interleaving import MIX_CLASSES, mix_class
from app.analysis.quantities import cell_corner
from app.analysis.report.contents import ReportContents
from app.analysis.report.pdf_style import (
    TEXT_WIDTH,
    paragraph,
    swedish_number,
    value_text,
)
from app.export.map_sheets import (
    METRES_PER_POINT_AT_1,
    grid_interval,
    nice_scale,
    scale_bar_length,
)
from app.export.pdf_map import BOUNDARY, FONT, FONT_BOLD, INK, SHEET_FRAME

MapKind = Literal["mix", "zones"]
MAP_HEIGHT = 175 * mm
LABEL_ROOM = 7 * mm  # the coordinate labels around the frame
BELOW_FRAME = 30 * mm  # legend, scale bar and north arrow under the frame


def map_page(contents: ReportContents, kind: MapKind) -> list[Flowable]:
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
    return [paragraph(heading, "h2"), _Map(contents, kind), Spacer(0, 2 * mm), paragraph(text)]


def _mix_colour(index: float) -> Color:
    return HexColor(mix_class(index).colour)


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
                (f"{c.words}: {value_text(c.low)}–{value_text(c.high)}", box(HexColor(c.colour)))
                for c in MIX_CLASSES
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
        # As wide as the longest label, so a column never runs into the next.
        column = 14 * mm + max(pdfmetrics.stringWidth(label, FONT, 7.5) for label, _ in entries)
        for n, (label, swatch) in enumerate(entries):
            x = (n // per_column) * column
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
