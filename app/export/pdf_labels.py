"""Orientation on the map PDF: the parcels drawn lightly under the objects on the detail sheets,
and the objects' numbers (`nr`, as in the per-object sheet of the quantities) where they can
be read, each placed only where no earlier label or marker is.

Placement is greedy in priority order on a grid of the map frame (an occupancy raster of
GRID_CELL points): the objects of the sheet itself first, areas, then lines, then points.
Everything that can be computed for all candidates at once (anchors, sizes, whether a label
fits inside its area or parcel) is vectorised; only the grid test is a loop per label.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from reportlab.lib.colors import Color, HexColor, white
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from app.export.map_sheets import FRAME, Coords, Sheet
from app.export.pdf_drawing import FONT, FONT_BOLD, numpy_path

NUMBER_SIZE = 6.0  # points: about 2 mm high digits, legible on a printed A3
PARCEL_SIZE = 5.0
PARCEL_LINE, PARCEL_TEXT = HexColor("#9c9c9c"), HexColor("#8a8a8a")
PARCEL_LINE_WIDTH = 0.35
HALO = 1.8  # the white outline around an object's number, so it reads on any fill
DIGIT_HEIGHT = 0.73  # Vera's digits and capitals, in ems
GRID_CELL = 1.5  # points
LABEL_GAP = 0.6  # points between a number's halo and the next label
LINE_LABEL_ROOM = 6.0  # a line shows at least this much beside its number
RING_RADIUS = 7.0  # the ring around an object shown only on the overview, in points
RING_COLOUR = HexColor("#c62828")
_AREA, _LINE, _POINT = 0, 1, 2
KIND_CODES = {"yta": _AREA, "linje": _LINE, "punkt": _POINT}


@dataclass(frozen=True)
class Label:
    """A text to draw with its left baseline end at (x, y) in page points."""

    x: float
    y: float
    text: str


class Occupancy:
    """Which cells of the map frame a label or marker covers already."""

    def __init__(self) -> None:
        self.columns = int(np.ceil((FRAME[2] - FRAME[0]) / GRID_CELL))
        self.rows = int(np.ceil((FRAME[3] - FRAME[1]) / GRID_CELL))
        self.grid = np.zeros((self.rows, self.columns), dtype=bool)

    def cells(self, boxes: NDArray[np.float64]) -> NDArray[np.int64]:
        """The cell ranges (n × 4: first row, row after, first column, column after) of page
        boxes (n × 4: x0, y0, x1, y1); a box not wholly inside the frame gets (0, 0, 0, 0)."""
        c0 = (boxes[:, 0] - FRAME[0]) // GRID_CELL
        r0 = (boxes[:, 1] - FRAME[1]) // GRID_CELL
        c1 = -((FRAME[0] - boxes[:, 2]) // GRID_CELL)  # ceiling
        r1 = -((FRAME[1] - boxes[:, 3]) // GRID_CELL)
        ranges = np.column_stack([r0, r1, c0, c1])
        inside = (c0 >= 0) & (r0 >= 0) & (c1 <= self.columns) & (r1 <= self.rows)
        ranges[~inside] = 0
        return np.nan_to_num(ranges).astype(np.int64)

    def free(self, cells: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Whether each range is inside the frame and wholly free, all at once."""
        table = np.zeros((self.rows + 1, self.columns + 1), dtype=np.int64)
        table[1:, 1:] = self.grid.cumsum(axis=0).cumsum(axis=1)
        r0, r1, c0, c1 = cells.T
        covered = table[r1, c1] - table[r0, c1] - table[r1, c0] + table[r0, c0]
        return np.asarray((covered == 0) & (r1 > r0), dtype=np.bool_)

    def take_first_free(self, ranges: Sequence[Sequence[int]]) -> int:
        """Take the first of the ranges whose cells are free; its index, or -1."""
        grid = self.grid
        for n, (r0, r1, c0, c1) in enumerate(ranges):
            if r1 > r0 and not grid[r0:r1, c0:c1].any():
                grid[r0:r1, c0:c1] = True
                return n
        return -1

    def take(self, boxes: NDArray[np.float64]) -> None:
        """Mark boxes (n × 4: x0, y0, x1, y1) as covered, clipped to the frame."""
        if not len(boxes):
            return
        c0 = np.clip((boxes[:, 0] - FRAME[0]) // GRID_CELL, 0, self.columns).astype(int)
        r0 = np.clip((boxes[:, 1] - FRAME[1]) // GRID_CELL, 0, self.rows).astype(int)
        c1 = np.clip(-((FRAME[0] - boxes[:, 2]) // GRID_CELL), 0, self.columns).astype(int)
        r1 = np.clip(-((FRAME[1] - boxes[:, 3]) // GRID_CELL), 0, self.rows).astype(int)
        for a, b, c, d in zip(r0.tolist(), r1.tolist(), c0.tolist(), c1.tolist(), strict=True):
            self.grid[a:b, c:d] = True


def _ground_boxes(sheet: Sheet, boxes: NDArray[np.float64]) -> NDArray[np.object_]:
    """Page boxes (n × 4) as shapely boxes in ground metres."""
    lower = _to_ground(sheet, boxes[:, :2])
    upper = _to_ground(sheet, boxes[:, 2:])
    return np.asarray(shapely.box(lower[:, 0], lower[:, 1], upper[:, 0], upper[:, 1]))


def _to_ground(sheet: Sheet, page: Coords) -> Coords:
    origin = np.array([FRAME[0], FRAME[1]])
    return np.asarray(
        (page - origin) / sheet.points_per_metre + np.array(sheet.box[:2]), dtype=np.float64
    )


def _text_boxes(
    x: NDArray[np.float64], y: NDArray[np.float64], width: NDArray[np.float64], size: float
) -> NDArray[np.float64]:
    """The boxes (with room for a halo) of texts whose left baseline ends are at (x, y)."""
    pad = HALO / 2
    return np.column_stack([x - pad, y - pad, x + width + pad, y + size * DIGIT_HEIGHT + pad])


# --- The objects' numbers ----------------------------------------------------------------


@dataclass(frozen=True)
class SheetObjects:
    """The objects a sheet shows, as drawn (simplified at its scale)."""

    geometries: NDArray[np.object_]
    kinds: NDArray[np.int64]  # _AREA, _LINE, _POINT
    numbers: NDArray[np.int64]  # nr
    own: NDArray[np.bool_]  # the sheet is the object's blad
    radius: NDArray[np.float64]  # a point's marker, half its size in page points


def marker_boxes(sheet: Sheet, objects: SheetObjects) -> NDArray[np.float64]:
    """The page boxes of the point objects' markers."""
    points = objects.kinds == _POINT
    centres = sheet.to_page(shapely.get_coordinates(objects.geometries[points]))
    if len(centres) != points.sum():  # a multipoint: keep the grid simple, skip
        return np.zeros((0, 4))
    r = objects.radius[points]
    return np.column_stack([centres - r[:, None], centres + r[:, None]])


def place_numbers(sheet: Sheet, objects: SheetObjects, occupancy: Occupancy) -> list[Label]:
    """The numbers that can be read on the sheet, placed where no earlier label or marker is:
    inside an area at its point on surface, at a line's midpoint, beside a point's marker."""
    if not len(objects.geometries):
        return []
    texts = objects.numbers.astype(str)
    digit = pdfmetrics.stringWidth("0", FONT_BOLD, NUMBER_SIZE)
    width = np.asarray(np.char.str_len(texts) * digit, dtype=np.float64)
    clipped = objects.geometries.copy()
    cut = objects.kinds != _POINT
    clipped[cut] = shapely.clip_by_rect(clipped[cut], *sheet.box)
    anchors = np.full((len(clipped), 2), np.nan)
    areas, lines = objects.kinds == _AREA, objects.kinds == _LINE
    anchors[areas] = _coordinates(shapely.point_on_surface(clipped[areas]))
    anchors[lines] = _coordinates(
        shapely.line_interpolate_point(clipped[lines], 0.5, normalized=True)
    )
    anchors[~cut] = _coordinates(shapely.get_geometry(clipped[~cut], 0))  # a multipoint: its first
    page = sheet.to_page(anchors)
    places, usable = _candidates(page, width, objects.kinds, objects.radius)
    usable &= ~np.isnan(page[:, :1])
    for p in range(places.shape[1]):  # an area's number must lie inside it
        boxes = _text_boxes(places[areas, p, 0], places[areas, p, 1], width[areas], NUMBER_SIZE)
        usable[areas, p] &= shapely.contains(clipped[areas], _ground_boxes(sheet, boxes))
    usable[lines, 0] &= shapely.length(clipped[lines]) * sheet.points_per_metre >= (
        width[lines] + LINE_LABEL_ROOM
    )
    pad = HALO / 2 + LABEL_GAP  # a gap keeps the numbers apart
    boxes = np.stack(
        [
            places[:, :, 0] - pad,
            places[:, :, 1] - pad,
            places[:, :, 0] + width[:, None] + pad,
            places[:, :, 1] + NUMBER_SIZE * DIGIT_HEIGHT + pad,
        ],
        axis=2,
    )
    cells = occupancy.cells(boxes.reshape(-1, 4))
    # What the markers and the sheet labels cover already rules most places out at once.
    usable &= occupancy.free(cells).reshape(usable.shape)
    cells = cells.reshape(*usable.shape, 4)
    order = np.lexsort((objects.numbers, objects.kinds, ~objects.own))
    labels = []
    for k in order[usable[order].any(axis=1)].tolist():
        chosen = np.flatnonzero(usable[k])
        taken = occupancy.take_first_free(cells[k, chosen].tolist())
        if taken >= 0:
            x, y = places[k, chosen[taken]].tolist()
            labels.append(Label(x, y, str(texts[k])))
    return labels


def _candidates(
    anchors: Coords,
    width: NDArray[np.float64],
    kinds: NDArray[np.int64],
    radius: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Where each number may go (n × 8 left baseline ends), in order of preference, and which
    of those apply: an area's centred on its anchor or shifted up, down, right or left; a
    line's centred; a point's beside its marker, right, left, above, below or at a corner
    (a row of trees has room across the row)."""
    height = NUMBER_SIZE * DIGIT_HEIGHT
    x = anchors[:, 0] - width / 2
    y = anchors[:, 1] - height / 2
    area_shifts = [(0, 0), (0, 1.4), (0, -1.4), (0.8, 0), (-0.8, 0)]
    places = np.stack(
        [np.column_stack([x + dx * width, y + dy * height]) for dx, dy in area_shifts]
        + [np.column_stack([x, y])] * 3,
        axis=1,
    )
    usable = np.zeros(places.shape[:2], dtype=bool)
    usable[kinds == _AREA, : len(area_shifts)] = True
    usable[kinds == _LINE, 0] = True
    points = kinds == _POINT
    gap = radius[points] + HALO / 2 + LABEL_GAP + 0.3  # the box clears the marker's
    across = width[points] / 2 + gap  # centre to centre, sideways
    up = gap + height / 2  # and upwards
    corner = gap  # a box's near corner at 45° from the marker, clear of its square
    sides = (
        (across, 0),
        (-across, 0),
        (0, up),
        (0, -up),
        (corner + width[points] / 2, corner + height / 2),
        (-corner - width[points] / 2, -corner - height / 2),
        (-corner - width[points] / 2, corner + height / 2),
        (corner + width[points] / 2, -corner - height / 2),
    )
    for p, (dx, dy) in enumerate(sides):
        places[points, p, 0] = x[points] + dx
        places[points, p, 1] = y[points] + dy
    usable[points] = True
    return places, usable


def _coordinates(points: NDArray[np.object_]) -> Coords:
    coords = np.full((len(points), 2), np.nan)
    present = ~shapely.is_empty(points)
    coords[present] = shapely.get_coordinates(points[present])
    return coords


def draw_labels(
    canvas: Canvas, labels: Sequence[Label], font: str, size: float, colour: Color, halo: bool
) -> None:
    """Draw texts in one text object each pass; with a halo, a white outline first."""
    if not labels:
        return
    canvas.saveState()
    canvas.setFillAlpha(1)
    canvas.setStrokeAlpha(1)
    canvas.setLineWidth(HALO)
    canvas.setLineJoin(1)
    canvas.setStrokeColor(white)
    canvas.setFillColor(colour)
    for mode in (1, 0) if halo else (0,):  # stroke only (the halo), then fill only
        # The render mode outlives the text object; the saved state resets it after the halo.
        canvas.saveState()
        text = canvas.beginText()
        text.setFont(font, size)
        text.setFillColor(colour)
        text.setStrokeColor(white)
        text.setTextRenderMode(mode)
        for label in labels:
            text.setTextOrigin(label.x, label.y)
            text.textOut(label.text)
        canvas.drawText(text)
        canvas.restoreState()
    canvas.restoreState()


# --- The objects shown only on the overview -----------------------------------------------


def ring_outline() -> Coords:
    """A ring's outline around (0, 0) as a 24-gon, in points."""
    angles = np.linspace(0, 2 * np.pi, 25)
    return np.column_stack([np.cos(angles), np.sin(angles)]) * RING_RADIUS


def draw_rings(
    canvas: Canvas, sheet: Sheet, geometries: NDArray[np.object_], numbers: NDArray[np.int64]
) -> None:
    """Ring the objects (those on no detail sheet) on an overview, each with its number."""
    if not len(geometries):
        return
    centres = sheet.to_page(_coordinates(shapely.point_on_surface(geometries)))
    inside = (
        (centres[:, 0] > FRAME[0])
        & (centres[:, 0] < FRAME[2])
        & (centres[:, 1] > FRAME[1])
        & (centres[:, 1] < FRAME[3])
    )
    centres, numbers = centres[inside], numbers[inside]
    if not len(centres):
        return
    outline = ring_outline()
    vertices = (centres[:, None, :] + outline[None, :, :]).reshape(-1, 2)
    index = np.repeat(np.arange(len(centres), dtype=np.float64), len(outline))
    canvas.saveState()
    canvas.setDash([], 0)
    canvas.setStrokeAlpha(1)
    canvas.setStrokeColor(RING_COLOUR)
    canvas.setLineWidth(1.2)
    canvas.drawPath(numpy_path(vertices, index, closed=True), stroke=1, fill=0)
    canvas.restoreState()
    occupancy = Occupancy()
    digit = pdfmetrics.stringWidth("0", FONT_BOLD, NUMBER_SIZE)
    height = NUMBER_SIZE * DIGIT_HEIGHT
    labels = []
    for (x, y), number in zip(centres.tolist(), numbers.tolist(), strict=True):
        text = str(number)
        width = len(text) * digit
        sides = (x + RING_RADIUS + 1.5, x - RING_RADIUS - 1.5 - width)
        boxes = np.array([(lx - HALO, y - height / 2 - HALO, lx + width + HALO,
                           y + height / 2 + HALO) for lx in sides])  # fmt: skip
        taken = occupancy.take_first_free(occupancy.cells(boxes).tolist())
        if taken >= 0:
            labels.append(Label(sides[taken], y - height / 2, text))
    draw_labels(canvas, labels, FONT_BOLD, NUMBER_SIZE, RING_COLOUR, halo=True)


# --- The parcels ---------------------------------------------------------------------------


class ParcelLayer:
    """The parcels the detail sheets show, with their designations, indexed once."""

    def __init__(self, parcels: gpd.GeoDataFrame | None, sheets: Sequence[Sheet]) -> None:
        geometries = np.zeros(0, dtype=object)
        names = np.zeros(0, dtype=str)
        if parcels is not None and len(parcels) and sheets:
            geometries = np.asarray(parcels.geometry.to_numpy(), dtype=object)
            # Parcels are read within a margin of the area; only those the printed sheets show
            # are drawn.
            minx, miny, maxx, maxy = shapely.bounds(geometries).T
            near = np.zeros(len(geometries), dtype=bool)
            for x0, y0, x1, y1 in (sheet.box for sheet in sheets):
                near |= (minx <= x1) & (maxx >= x0) & (miny <= y1) & (maxy >= y0)
            shown = np.flatnonzero(near)
            geometries = geometries[shown]
            names = _map_names(parcels["beteckning"].astype(str).to_numpy()[shown])
        self.geometries = geometries
        self.names = names.astype(str)
        if len(names):
            parts = np.char.rpartition(self.names, " ")
            self.districts, self.short = parts[:, 0], np.ascontiguousarray(parts[:, 2])
        else:
            self.districts, self.short = self.names, self.names
        self.tree = shapely.STRtree(self.geometries)
        self.name_width = text_widths(self.names, FONT, PARCEL_SIZE)
        self.short_width = text_widths(self.short, FONT, PARCEL_SIZE)

    def on_sheet(self, sheet: Sheet) -> tuple[NDArray[np.int64], NDArray[np.object_]]:
        """The parcels the sheet shows (their rows) and their geometries cut to the sheet."""
        hits = self.tree.query(shapely.box(*sheet.box))
        return hits, np.asarray(shapely.clip_by_rect(self.geometries[hits], *sheet.box))

    def draw_boundaries(self, canvas: Canvas, sheet: Sheet, clipped: NDArray[np.object_]) -> None:
        """Thin grey parcel boundaries."""
        rings = shapely.get_rings(shapely.get_parts(clipped[~shapely.is_empty(clipped)]))
        coords, index = shapely.get_coordinates(rings, return_index=True)
        if not len(coords):
            return
        canvas.setDash([], 0)
        canvas.setLineJoin(1)
        canvas.setStrokeColor(PARCEL_LINE)
        canvas.setStrokeAlpha(1)
        canvas.setLineWidth(PARCEL_LINE_WIDTH)
        path = numpy_path(sheet.to_page(coords), index.astype(np.float64), closed=True)
        canvas.drawPath(path, stroke=1, fill=0)

    def place_names(
        self,
        sheet: Sheet,
        hits: NDArray[np.int64],
        clipped: NDArray[np.object_],
        occupancy: Occupancy,
        objects: shapely.STRtree,
    ) -> list[Label]:
        """Designations where the parcel is large enough on paper and no object or earlier
        label lies under the text: per district (trakt) once in full on its largest parcel,
        elsewhere its block and unit (12:3), as on a cadastral map."""
        height = PARCEL_SIZE * DIGIT_HEIGHT
        areas = shapely.area(clipped)
        # A parcel on paper less than twice its short label would be crowded by it.
        paper = areas * sheet.points_per_metre**2
        room = np.flatnonzero(paper >= 2 * self.short_width[hits] * height)
        if not len(room):
            return []
        hits, parcels, areas = hits[room], clipped[room], areas[room]
        centres = sheet.to_page(_coordinates(shapely.point_on_surface(parcels)))
        full_boxes, full_fits = self._fits(sheet, parcels, centres, self.name_width[hits], objects)
        short_boxes, short_fits = self._fits(
            sheet, parcels, centres, self.short_width[hits], objects
        )
        full = np.zeros(len(hits), dtype=bool)
        candidates = np.flatnonzero(full_fits)
        if len(candidates):
            largest = candidates[np.argsort(-areas[candidates], kind="stable")]
            _, first = np.unique(self.districts[hits][largest], return_index=True)
            full[largest[first]] = True
        boxes = np.where(full[:, None], full_boxes, short_boxes)
        chosen = np.flatnonzero(full | short_fits)
        cells = occupancy.cells(boxes[chosen])
        free = occupancy.free(cells)
        chosen, cells = chosen[free], cells[free]
        labels = []
        for k, ranges in zip(chosen.tolist(), cells.tolist(), strict=True):
            if occupancy.take_first_free([ranges]) == 0:
                text = str(self.names[hits[k]] if full[k] else self.short[hits[k]])
                labels.append(Label(float(boxes[k, 0]), float(boxes[k, 1]), text))
        return labels

    def _fits(
        self,
        sheet: Sheet,
        parcels: NDArray[np.object_],
        centres: Coords,
        widths: NDArray[np.float64],
        objects: shapely.STRtree,
    ) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
        """The page boxes of texts centred on their parcels' points, and whether each lies
        inside its parcel and off the objects."""
        height = PARCEL_SIZE * DIGIT_HEIGHT
        xs, ys = centres[:, 0] - widths / 2, centres[:, 1] - height / 2
        boxes = np.column_stack([xs, ys, xs + widths, ys + height])  # no halo: no padding
        fits = ~np.isnan(xs)
        ground = _ground_boxes(sheet, boxes[fits])
        inside = shapely.contains(parcels[fits], ground)
        covered, _ = objects.query(ground, predicate="intersects")
        inside[covered] = False
        fits[fits] = inside
        return boxes, fits


def text_widths(texts: NDArray[np.str_], font: str, size: float) -> NDArray[np.float64]:
    """The printed widths of many texts at once, from the widths of their characters."""
    texts = np.ascontiguousarray(texts, dtype=str)
    if not len(texts) or texts.dtype.itemsize == 0:
        return np.zeros(len(texts))
    codes = texts.view(np.uint32).reshape(len(texts), -1)
    unique = np.unique(codes)
    widths = np.array([pdfmetrics.stringWidth(chr(c), font, size) if c else 0.0 for c in unique])
    return np.asarray(widths[np.searchsorted(unique, codes)].sum(axis=1), dtype=np.float64)


def _map_names(designations: NDArray[np.str_]) -> NDArray[np.str_]:
    """Designations without the municipality's name when every one starts with the same word
    (HUDDINGE SJÖDALEN 1:23 → SJÖDALEN 1:23): on one area's map it says nothing."""
    if not len(designations):
        return designations
    first = np.char.partition(designations.astype(str), " ")
    if (first[:, 0] == first[0, 0]).all() and (np.char.count(first[:, 2], " ") >= 1).all():
        return np.asarray(first[:, 2], dtype=str)
    return designations.astype(str)


def draw_parcel_names(canvas: Canvas, labels: Sequence[Label]) -> None:
    """The parcels' designations in small grey text, without a halo (they lie under)."""
    draw_labels(canvas, labels, FONT, PARCEL_SIZE, PARCEL_TEXT, halo=False)
