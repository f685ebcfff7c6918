"""The map PDF of an operations area's package: overview pages and detail sheets on A3.

The sheets are planned in map_sheets, the products' symbols drawn by pdf_symbols, the parcels
and the objects' numbers placed by pdf_labels; this module lays out the pages.
"""

import math
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import BinaryIO

import numpy as np
import shapely
from numpy.typing import NDArray
from reportlab import rl_config
from reportlab.lib.colors import HexColor, white
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from shapely.geometry import MultiPolygon

from app.catalogue.schemas import Product
from app.export.contents import PackageContents
from app.export.map_sheets import (
    FRAME,
    METRES_PER_POINT_AT_1,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PANEL,
    Coords,
    Sheet,
    grid_interval,
    overview_sheets,
    scale_bar_length,
)

# Re-exported: the analysis report and the description PDF draw in the map's fonts and colours.
from app.export.pdf_drawing import BOUNDARY as BOUNDARY
from app.export.pdf_drawing import FILL_EVEN_ODD, OUTSIDE, numpy_path, register_fonts
from app.export.pdf_drawing import FONT as FONT
from app.export.pdf_drawing import FONT_BOLD as FONT_BOLD
from app.export.pdf_drawing import INK as INK
from app.export.pdf_drawing import SHEET_FRAME as SHEET_FRAME
from app.export.pdf_labels import (
    KIND_CODES,
    NUMBER_SIZE,
    Label,
    Occupancy,
    ParcelLayer,
    SheetObjects,
    draw_labels,
    draw_parcel_names,
    draw_rings,
    marker_boxes,
    place_numbers,
)
from app.export.pdf_symbols import (
    SWATCH,
    define_marker_forms,
    draw_boundary_swatch,
    draw_features,
    draw_number_swatch,
    draw_parcel_swatch,
    draw_ring_swatch,
    draw_sheet_swatch,
    draw_swatch,
    marker_radius,
)

SIMPLIFY_POINTS = 0.25  # geometry detail below a quarter of a point is invisible in print
OVERVIEW_SYMBOLS = 0.35  # symbols shrink on the overview so its objects do not merge


def write_map_pdf(contents: PackageContents, out: BinaryIO) -> int:
    """Write the package's map (overviews, then detail sheets) as A3 PDF; the page count."""
    register_fonts()
    area, sheets = contents.area.geom, contents.sheets
    overviews = overview_sheets(area, sheets)
    layers = _Layers(contents)
    parcels = ParcelLayer(contents.parcels, sheets)
    canvas = Canvas(out, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), pageCompression=1)
    canvas.setTitle(f"Skötselkarta – {contents.area.name}")
    canvas.setAuthor(contents.area.client)
    canvas.setSubject("Skötselkarta för driftområde")
    define_marker_forms(canvas, layers.order, (OVERVIEW_SYMBOLS, 1.0))
    pages = len(overviews) + len(sheets)
    for page, sheet in enumerate([*overviews, *sheets], start=1):
        _draw_page(canvas, contents, layers, parcels, sheet, sheets, (page, pages))
        canvas.showPage()
    with _binary_streams():
        canvas.save()
    return pages


class _FastZlib:
    """zlib as reportlab's pdfdoc uses it, compressing at level 1: a map's page streams are
    long runs of coordinates, where level 6 takes three times as long for a few per cent."""

    compress = staticmethod(partial(zlib.compress, level=1))
    decompress = staticmethod(zlib.decompress)


@contextmanager
def _binary_streams() -> Iterator[None]:
    """Write compressed streams fast: without ASCII85 (encoded in Python), at zlib level 1."""
    pdfdoc_globals = vars(pdfdoc)
    before = rl_config.useA85, pdfdoc_globals["zlib"]
    rl_config.useA85 = 0
    pdfdoc_globals["zlib"] = _FastZlib
    try:
        yield
    finally:
        rl_config.useA85, pdfdoc_globals["zlib"] = before


def _swedish_number(value: float) -> str:
    return f"{round(value):,}".replace(",", " ")


def _scale_text(scale: int) -> str:
    return f"Skala 1:{_swedish_number(scale)}"


# --- The objects, prepared once and cut per sheet -------------------------------------------


class _Layers:
    """The objects by product in drawing order, with a spatial index and simplified copies."""

    def __init__(self, contents: PackageContents) -> None:
        objects = contents.objects
        self.geometries = np.asarray(objects.geometry.to_numpy(), dtype=object)
        self.codes = np.asarray(objects["produkt"].to_numpy(), dtype=object)
        self.tree = shapely.STRtree(self.geometries)
        self.present = contents.products_present()  # in catalogue order, for the legend
        self.order = _drawing_order(self.present)
        self._simplified: dict[int, NDArray[np.object_]] = {}
        self.kinds = objects["geometrityp"].map(KIND_CODES).to_numpy(dtype=np.int64)
        self.numbers = np.asarray(objects["nr"].to_numpy(), dtype=np.int64)
        self.sheet_of = np.asarray(objects["blad"].to_numpy(), dtype=np.int64)
        radius = {p.kod: marker_radius(p) for p in self.order if p.geometrityp == "punkt"}
        self.radius = objects["produkt"].map(radius).fillna(0.0).to_numpy(dtype=np.float64)

    def sheet_objects(self, sheet: Sheet) -> SheetObjects:
        """The objects the sheet's box shows, as drawn, for their numbers."""
        hits = self.tree.query(shapely.box(*sheet.box))
        return SheetObjects(
            geometries=self.simplified(sheet.scale)[hits],
            kinds=self.kinds[hits],
            numbers=self.numbers[hits],
            own=self.sheet_of[hits] == sheet.number,
            radius=self.radius[hits],
        )

    def only_on_overview(self) -> tuple[NDArray[np.object_], NDArray[np.int64]]:
        """The geometries and numbers of the objects on no detail sheet."""
        chosen = self.sheet_of == 0
        return self.geometries[chosen], self.numbers[chosen]

    def simplified(self, scale: int) -> NDArray[np.object_]:
        """The geometries simplified to a quarter of a printed point at this scale."""
        if scale not in self._simplified:
            tolerance = SIMPLIFY_POINTS * METRES_PER_POINT_AT_1 * scale
            self._simplified[scale] = shapely.simplify(
                self.geometries, tolerance, preserve_topology=True
            )
        return self._simplified[scale]

    def on_sheet(self, sheet: Sheet, margin: float) -> Iterable[tuple[Product, Coords, Coords]]:
        """Per product in drawing order: its geometries cut to the sheet, as page paths."""
        if len(self.geometries) == 0:
            return
        minx, miny, maxx, maxy = sheet.box
        window = (minx - margin, miny - margin, maxx + margin, maxy + margin)
        hits = self.tree.query(shapely.box(*window))
        geometries, codes = self.simplified(sheet.scale)[hits], self.codes[hits]
        for product in self.order:
            chosen = geometries[codes == product.kod]
            if len(chosen) == 0:
                continue
            if product.geometrityp != "punkt":
                chosen = shapely.clip_by_rect(chosen, *window)
            coords, index = _vertices(chosen, product.geometrityp)
            if len(coords):
                yield product, sheet.to_page(coords), index


def _drawing_order(products: Sequence[Product]) -> list[Product]:
    # Areas of low precedence (large natural areas) first, so specific areas lie on top.
    kinds = {"yta": 0, "linje": 1, "punkt": 2}

    def key(p: Product) -> tuple[int, int, int, str]:
        precedence = p.prioritet if p.geometrityp == "yta" else 0
        return kinds[p.geometrityp], precedence, p.sortering, p.kod

    return sorted(products, key=key)


_POLYGON_TYPES = (3, 6)  # Polygon, MultiPolygon
_LINE_TYPES = (1, 2, 5)  # LineString, LinearRing, MultiLineString
_POINT_TYPES = (0, 4)  # Point, MultiPoint


def _vertices(geometries: NDArray[np.object_], kind: str) -> tuple[Coords, Coords]:
    """The vertices of the geometries of one kind, with the index of the ring or line."""
    parts = shapely.get_parts(geometries[~shapely.is_empty(geometries)])
    types = shapely.get_type_id(parts)
    if kind == "yta":
        # Exteriors counter-clockwise and holes clockwise, so the nonzero rule keeps holes open.
        polygons = shapely.orient_polygons(parts[np.isin(types, _POLYGON_TYPES)])
        parts = shapely.get_rings(polygons)
    elif kind == "linje":
        parts = parts[np.isin(types, _LINE_TYPES)]
    else:
        parts = parts[np.isin(types, _POINT_TYPES)]
    coords, index = shapely.get_coordinates(parts, return_index=True)
    return coords, index.astype(np.float64)


# --- One page ----------------------------------------------------------------------------


def _draw_page(
    canvas: Canvas,
    contents: PackageContents,
    layers: _Layers,
    parcels: ParcelLayer,
    sheet: Sheet,
    sheets: Sequence[Sheet],
    page: tuple[int, int],
) -> None:
    factor = OVERVIEW_SYMBOLS if sheet.number == 0 else 1.0
    canvas.saveState()
    _clip_to_frame(canvas)
    numbers: list[Label] = []
    neighbours: list[tuple[int, float, float, int]] = []
    if sheet.number:
        # Labels are placed before anything is drawn: the parcels' designations go where the
        # objects' numbers, the markers and the neighbours' sheet labels leave room.
        occupancy = Occupancy()
        neighbours = _neighbour_places(sheet, sheets)
        occupancy.take(np.array([_neighbour_box(*place) for place in neighbours]))
        shown = layers.sheet_objects(sheet)
        occupancy.take(marker_boxes(sheet, shown))
        numbers = place_numbers(sheet, shown, occupancy)
        rows, cut = parcels.on_sheet(sheet)
        parcels.draw_boundaries(canvas, sheet, cut)
        draw_parcel_names(canvas, parcels.place_names(sheet, rows, cut, occupancy, layers.tree))
    margin = 30 / sheet.points_per_metre  # the widest symbol, so clipped cuts stay outside
    for product, coords, index in layers.on_sheet(sheet, margin):
        draw_features(canvas, product, coords, index, factor)
    _draw_outside_veil(canvas, contents.area.geom, sheet)
    _draw_grid(canvas, sheet)
    _draw_boundary(canvas, contents.area.geom, sheet)
    if sheet.number == 0:
        draw_rings(canvas, sheet, *layers.only_on_overview())
        _draw_sheet_frames(canvas, sheet, sheets)
    else:
        draw_labels(canvas, numbers, FONT_BOLD, NUMBER_SIZE, INK, halo=True)
        _draw_neighbours(canvas, neighbours)
    canvas.restoreState()
    _draw_frame_border(canvas)
    _draw_grid_labels(canvas, sheet)
    _draw_panel(canvas, contents, layers.present, sheet, len(sheets), page)


def _clip_to_frame(canvas: Canvas) -> None:
    frame = canvas.beginPath()
    frame.rect(FRAME[0], FRAME[1], FRAME[2] - FRAME[0], FRAME[3] - FRAME[1])
    canvas.clipPath(frame, stroke=0, fill=0)


def _area_rings(area: MultiPolygon, sheet: Sheet) -> tuple[Coords, Coords]:
    tolerance = SIMPLIFY_POINTS / sheet.points_per_metre
    simple = shapely.simplify(area, tolerance, preserve_topology=True)
    coords, index = shapely.get_coordinates(
        shapely.get_rings(shapely.get_parts(simple)), return_index=True
    )
    return sheet.to_page(coords), index.astype(np.float64)


def _draw_outside_veil(canvas: Canvas, area: MultiPolygon, sheet: Sheet) -> None:
    """Grey out the map outside the area, so what belongs to the package stands out."""
    coords, index = _area_rings(area, sheet)
    left, bottom, right, top = FRAME
    frame = np.array([(left, bottom), (right, bottom), (right, top), (left, top)])
    veil = numpy_path(np.vstack([frame, coords]), np.concatenate([np.full(4, -1.0), index]), True)
    canvas.setFillColor(OUTSIDE)
    canvas.setFillAlpha(0.6)
    canvas.drawPath(veil, stroke=0, fill=1, fillMode=FILL_EVEN_ODD)  # the area stays clear


def _draw_boundary(canvas: Canvas, area: MultiPolygon, sheet: Sheet) -> None:
    coords, index = _area_rings(area, sheet)
    canvas.setDash([], 0)
    canvas.setLineJoin(1)
    canvas.setStrokeAlpha(0.85)
    for colour, width in ((white, 4.5), (BOUNDARY, 2.2)):
        canvas.setStrokeColor(colour)
        canvas.setLineWidth(width)
        canvas.drawPath(numpy_path(coords, index, closed=True), stroke=1, fill=0)
        canvas.setStrokeAlpha(1)


def _grid_values(low: float, high: float, step: int) -> list[int]:
    return list(range(math.ceil(low / step) * step, math.floor(high / step) * step + 1, step))


def _draw_grid(canvas: Canvas, sheet: Sheet) -> None:
    step = grid_interval(sheet.scale)
    canvas.setStrokeColor(HexColor("#505050"))
    canvas.setStrokeAlpha(0.6)
    canvas.setLineWidth(0.35)
    canvas.setDash([], 0)
    minx, miny, maxx, maxy = sheet.box
    for east in _grid_values(minx, maxx, step):
        x = sheet.to_page(np.array([[east, miny]]))[0, 0]
        canvas.line(x, FRAME[1], x, FRAME[3])
    for north in _grid_values(miny, maxy, step):
        y = sheet.to_page(np.array([[minx, north]]))[0, 1]
        canvas.line(FRAME[0], y, FRAME[2], y)


def _draw_grid_labels(canvas: Canvas, sheet: Sheet) -> None:
    """E coordinates above and below the frame, N coordinates beside it, where they fit."""
    step = grid_interval(sheet.scale)
    minx, miny, maxx, maxy = sheet.box
    canvas.setFillColor(INK)
    canvas.setFillAlpha(1)
    canvas.setFont(FONT, 7)
    for east in _grid_values(minx, maxx, step):
        x = sheet.to_page(np.array([[east, miny]]))[0, 0]
        label = f"E {_swedish_number(east)}"
        if _fits_along(label, x, FRAME[0], FRAME[2]):
            canvas.drawCentredString(x, FRAME[1] - 3 * mm, label)
            canvas.drawCentredString(x, FRAME[3] + 1.6 * mm, label)
    for north in _grid_values(miny, maxy, step):
        y = sheet.to_page(np.array([[minx, north]]))[0, 1]
        label = f"N {_swedish_number(north)}"
        if not _fits_along(label, y, FRAME[1], FRAME[3]):
            continue
        for x, angle in ((FRAME[0] - 1.6 * mm, 90), (FRAME[2] + 1.6 * mm, -90)):
            canvas.saveState()
            canvas.translate(x, y)
            canvas.rotate(angle)
            canvas.drawCentredString(0, 0, label)
            canvas.restoreState()


def _fits_along(label: str, centre: float, low: float, high: float) -> bool:
    half = pdfmetrics.stringWidth(label, FONT, 7) / 2
    return low <= centre - half and centre + half <= high


def _draw_sheet_frames(canvas: Canvas, overview: Sheet, sheets: Sequence[Sheet]) -> None:
    canvas.setDash([], 0)
    canvas.setLineWidth(0.9)
    for sheet in sheets:
        (x0, y0), (x1, y1) = overview.to_page(np.array(sheet.box).reshape(2, 2))
        canvas.setStrokeColor(SHEET_FRAME)
        canvas.setStrokeAlpha(0.9)
        canvas.rect(x0, y0, x1 - x0, y1 - y0, stroke=1, fill=0)
        label = f"Blad {sheet.number}"
        size = min(9.0, (x1 - x0) * 0.8 / pdfmetrics.stringWidth(label, FONT_BOLD, 1))
        if size < 6:  # a small frame keeps a legible number; the legend explains it
            label = str(sheet.number)
            size = min(9.0, (x1 - x0) * 0.8 / pdfmetrics.stringWidth(label, FONT_BOLD, 1))
        _draw_label(canvas, label, (x0 + x1) / 2, (y0 + y1) / 2, size)


def _draw_label(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A sheet label centred on (x, y) on a pale box, in the sheet frames' blue."""
    width = pdfmetrics.stringWidth(text, FONT_BOLD, size)
    canvas.setFillColor(white)
    canvas.setFillAlpha(0.8)
    canvas.rect(x - width / 2 - 1.5, y - size * 0.55, width + 3, size * 1.1, stroke=0, fill=1)
    canvas.setFillColor(SHEET_FRAME)
    canvas.setFillAlpha(1)
    canvas.setFont(FONT_BOLD, size)
    canvas.drawCentredString(x, y - size * 0.35, text)


NEIGHBOUR_SIZE = 8.0


def _neighbour_places(sheet: Sheet, sheets: Sequence[Sheet]) -> list[tuple[int, float, float, int]]:
    """The adjoining sheets' numbers with where they go: the middle of each edge of the frame
    (number, x, y, angle)."""
    by_place = {(other.row, other.column): other.number for other in sheets}
    cx, cy = (FRAME[0] + FRAME[2]) / 2, (FRAME[1] + FRAME[3]) / 2
    inset = 3.5 * mm
    places = (
        ((-1, 0), cx, FRAME[3] - inset, 0),
        ((1, 0), cx, FRAME[1] + inset, 0),
        ((0, -1), FRAME[0] + inset, cy, 90),
        ((0, 1), FRAME[2] - inset, cy, -90),
    )
    found = []
    for (rows, columns), x, y, angle in places:
        number = by_place.get((sheet.row + rows, sheet.column + columns))
        if number is not None:
            found.append((number, x, y, angle))
    return found


def _neighbour_box(number: int, x: float, y: float, angle: int) -> tuple[float, ...]:
    """The page box a neighbour's label covers."""
    half_long = pdfmetrics.stringWidth(f"Blad {number}", FONT_BOLD, NEIGHBOUR_SIZE) / 2 + 2
    half_short = NEIGHBOUR_SIZE * 0.55 + 1
    if angle:
        return x - half_short, y - half_long, x + half_short, y + half_long
    return x - half_long, y - half_short, x + half_long, y + half_short


def _draw_neighbours(canvas: Canvas, places: Sequence[tuple[int, float, float, int]]) -> None:
    """The numbers of the adjoining sheets at the middle of each edge of the frame."""
    for number, x, y, angle in places:
        canvas.saveState()
        canvas.translate(x, y)
        canvas.rotate(angle)
        _draw_label(canvas, f"Blad {number}", 0, 0, NEIGHBOUR_SIZE)
        canvas.restoreState()


def _draw_frame_border(canvas: Canvas) -> None:
    canvas.setStrokeColor(INK)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(0.8)
    canvas.setDash([], 0)
    canvas.rect(FRAME[0], FRAME[1], FRAME[2] - FRAME[0], FRAME[3] - FRAME[1], stroke=1, fill=0)


# --- The side panel: title, facts, legend, scale, north arrow --------------------------------

PANEL_PAD = 4 * mm
BOTTOM_BLOCK = 62 * mm  # scale bar, north arrow, reference system and page number


def _draw_panel(
    canvas: Canvas,
    contents: PackageContents,
    products: Sequence[Product],
    sheet: Sheet,
    sheet_count: int,
    page: tuple[int, int],
) -> None:
    left, bottom, right, top = PANEL
    canvas.setStrokeColor(INK)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(0.8)
    canvas.setDash([], 0)
    canvas.rect(left, bottom, right - left, top - bottom, stroke=1, fill=0)
    y = _draw_heading(canvas, contents, sheet, sheet_count, top - PANEL_PAD)
    ringed = sheet.number == 0 and bool((contents.objects["blad"] == 0).any())
    note = _legend_note(sheet, ringed)
    note_top = _draw_note(canvas, note, bottom + BOTTOM_BLOCK)
    entries = _legend_entries(products, sheet, ringed)
    _draw_legend(canvas, entries, not products, y - 3 * mm, note_top)
    _draw_bottom_block(canvas, sheet, page)


NOTE_SIZE = 7.5


def _legend_note(sheet: Sheet, ringed: bool) -> str:
    """What the numbers and the grey parcels on the page are."""
    if sheet.number:
        return (
            "Siffrorna är objektens nummer i mängdförteckningens blad Per objekt. Fastigheterna"
            " visas med grå gränser och fastighetsbeteckningar."
        )
    if ringed:
        return (
            "Inringade objekt finns inte på något detaljblad; siffran är objektets nummer i"
            " mängdförteckningens blad Per objekt."
        )
    return ""


def _draw_note(canvas: Canvas, text: str, bottom: float) -> float:
    """The note wrapped to the panel just above bottom; the top of what it takes."""
    if not text:
        return bottom
    width = PANEL[2] - PANEL[0] - 2 * PANEL_PAD
    lines = simpleSplit(text, FONT, NOTE_SIZE, width)
    top = bottom + 2 * mm + len(lines) * NOTE_SIZE * 1.2
    canvas.setFillColor(INK)
    canvas.setFillAlpha(1)
    _write_lines(canvas, text, FONT, NOTE_SIZE, top)
    return top + 1 * mm


def _write_lines(canvas: Canvas, text: str, font: str, size: float, y: float) -> float:
    """Text wrapped to the panel's width from baseline y downwards; the next free y."""
    width = PANEL[2] - PANEL[0] - 2 * PANEL_PAD
    canvas.setFont(font, size)
    for line in simpleSplit(text, font, size, width):
        y -= size * 1.2
        canvas.drawString(PANEL[0] + PANEL_PAD, y, line)
    return y


def _draw_heading(
    canvas: Canvas, contents: PackageContents, sheet: Sheet, sheet_count: int, y: float
) -> float:
    area = contents.area
    canvas.setFillColor(INK)
    canvas.setFillAlpha(1)
    y = _write_lines(canvas, "Skötselkarta", FONT_BOLD, 20, y)
    y = _write_lines(canvas, area.name, FONT_BOLD, 12, y - 2 * mm)
    part = f", del {sheet.part} av {sheet.parts}," if sheet.parts > 1 else ""
    if sheet.number == 0 and sheet_count == 0:
        which = f"Översiktskarta{part.rstrip(',')} (inga detaljblad)"
    elif sheet.number == 0:
        which = f"Översiktskarta{part} med {sheet_count} detaljblad"
    else:
        which = f"Detaljkarta, blad {sheet.number} av {sheet_count}"
    y = _write_lines(canvas, which, FONT_BOLD, 10, y - 1.5 * mm)
    period = f"{area.contract_start:%Y-%m-%d} – " + (
        f"{area.contract_end:%Y-%m-%d}" if area.contract_end else "tills vidare"
    )
    y -= 1.5 * mm
    for text in (
        f"Beställare: {area.client}",
        f"Utförare: {area.performer}",
        f"Avtalsperiod: {period}",
        f"Data per {contents.created:%Y-%m-%d} kl. {contents.created:%H:%M}",
    ):
        y = _write_lines(canvas, text, FONT, 8.5, y)
    canvas.setLineWidth(0.4)
    canvas.line(PANEL[0] + PANEL_PAD, y - 2.5 * mm, PANEL[2] - PANEL_PAD, y - 2.5 * mm)
    return y - 2.5 * mm


Swatch = Callable[[Canvas, float, float, float], None]  # canvas, x, y (left middle), height


def _legend_entries(
    products: Sequence[Product], sheet: Sheet, ringed: bool
) -> list[tuple[str, Swatch]]:
    """The legend: each present product as "KOD Namn", then the boundary, and on an overview
    the sheet frames (and the rings), on a detail sheet the parcels and the numbers."""
    entries: list[tuple[str, Swatch]] = [
        (f"{product.kod} {product.namn}", partial(draw_swatch, product=product))
        for product in products
    ]
    entries.append(("Driftområdets gräns", draw_boundary_swatch))
    if sheet.number == 0:
        entries.append(("Detaljblad med bladnummer", draw_sheet_swatch))
        if ringed:
            entries.append(("Objekt som bara visas på översikten", draw_ring_swatch))
    else:
        entries.append(("Fastighetsgräns och fastighetsbeteckning", draw_parcel_swatch))
        entries.append(("Objektets nummer", draw_number_swatch))
    return entries


def _draw_legend(
    canvas: Canvas,
    entries: Sequence[tuple[str, Swatch]],
    no_objects: bool,
    top: float,
    bottom: float,
) -> None:
    canvas.setFillColor(INK)
    canvas.setFillAlpha(1)
    y = _write_lines(canvas, "Teckenförklaring", FONT_BOLD, 10, top) - 2 * mm
    if no_objects:
        y = _write_lines(canvas, "Inga skötselobjekt i området.", FONT, 8.5, y) - 2 * mm
    for (label, swatch), (x, row_y, height, width) in zip(
        entries, _legend_places(len(entries), y, bottom), strict=True
    ):
        swatch(canvas, x, row_y, height)
        _draw_legend_label(canvas, label, x, row_y, height, width)


def _legend_places(
    count: int, top: float, bottom: float
) -> list[tuple[float, float, float, float]]:
    """Where each legend row goes (x, middle y, height, width): one column, or two if needed."""
    available = top - bottom
    inner = PANEL[2] - PANEL[0] - 2 * PANEL_PAD
    columns = 1 if available / count >= 4 * mm else 2
    per_column = math.ceil(count / columns)
    height = min(6 * mm, available / per_column)
    width = (inner - (columns - 1) * 3 * mm) / columns
    return [
        (
            PANEL[0] + PANEL_PAD + (n // per_column) * (width + 3 * mm),
            top - (n % per_column + 0.5) * height,
            height,
            width,
        )
        for n in range(count)
    ]


def _draw_legend_label(
    canvas: Canvas, label: str, x: float, y: float, height: float, width: float
) -> None:
    room = width - SWATCH - 2 * mm
    size = min(8.0, height * 0.8)
    size = max(5.0, min(size, size * room / pdfmetrics.stringWidth(label, FONT, size)))
    canvas.setFillColor(INK)
    canvas.setFillAlpha(1)
    canvas.setFont(FONT, size)
    canvas.drawString(x + SWATCH + 2 * mm, y - size * 0.35, label)


def _draw_bottom_block(canvas: Canvas, sheet: Sheet, page: tuple[int, int]) -> None:
    left, bottom, right, _ = PANEL
    top = bottom + BOTTOM_BLOCK
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.4)
    canvas.line(left + PANEL_PAD, top, right - PANEL_PAD, top)
    _draw_north_arrow(canvas, right - PANEL_PAD - 8 * mm, top - 22 * mm)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawString(left + PANEL_PAD, top - 8 * mm, _scale_text(sheet.scale))
    _draw_scale_bar(canvas, sheet, left + PANEL_PAD + 2 * mm, top - 19 * mm)
    y = top - 29 * mm
    for text in (
        "Koordinatsystem SWEREF 99 TM (EPSG:3006)",
        f"Rutnät {_swedish_number(grid_interval(sheet.scale))} m, norr är rutnätsnorr",
        "Källa: Ansvarskartan, skötselobjekt och driftområden",
        "Skala gäller vid utskrift på A3",
    ):
        y = _write_lines(canvas, text, FONT, 7.5, y)
    canvas.setFont(FONT_BOLD, 10)
    canvas.drawRightString(right - PANEL_PAD, bottom + PANEL_PAD, f"Sida {page[0]} av {page[1]}")


def _draw_scale_bar(canvas: Canvas, sheet: Sheet, x: float, y: float) -> None:
    length = scale_bar_length(sheet.scale)
    paper = length * sheet.points_per_metre
    height = 2 * mm
    canvas.setLineWidth(0.6)
    canvas.setStrokeColor(INK)
    for n in range(4):
        canvas.setFillColor(INK if n % 2 == 0 else white)
        canvas.rect(x + n * paper / 4, y, paper / 4, height, stroke=1, fill=1)
    canvas.setFillColor(INK)
    canvas.setFont(FONT, 7.5)
    for fraction in (0, 0.5, 1):
        text = _swedish_number(length * fraction)
        if fraction == 1:
            text += " m"
        canvas.drawCentredString(x + paper * fraction, y - 3.2 * mm, text)


def _draw_north_arrow(canvas: Canvas, x: float, y: float) -> None:
    """An arrow pointing to grid north (up on the page in SWEREF 99 TM)."""
    half, height = 3.2 * mm, 12 * mm
    canvas.setFillColor(INK)
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    left = canvas.beginPath()
    left.moveTo(x, y + height)
    left.lineTo(x - half, y)
    left.lineTo(x, y + height * 0.3)
    left.close()
    canvas.drawPath(left, stroke=1, fill=1)
    right = canvas.beginPath()
    right.moveTo(x, y + height)
    right.lineTo(x + half, y)
    right.lineTo(x, y + height * 0.3)
    right.close()
    canvas.setFillColor(white)
    canvas.drawPath(right, stroke=1, fill=1)
    canvas.setFillColor(INK)
    canvas.setFont(FONT_BOLD, 11)
    canvas.drawCentredString(x, y + height + 1.5 * mm, "N")
