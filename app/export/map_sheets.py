"""Planning the map's pages: the sheets' extents and scales, in ground metres and page points.

The detail scale is 1:2 000: one millimetre on paper is two metres, so a bench, a one-metre
hedge and a small flower bed stay apart, and an A3 sheet still covers a block of about
580 m × 525 m, so a district needs tens of sheets rather than hundreds (1:1 000 would need
four times as many).
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from reportlab.lib.pagesizes import A3, landscape
from reportlab.lib.units import mm
from shapely.geometry import MultiPolygon
from shapely.prepared import prep

PAGE_WIDTH, PAGE_HEIGHT = landscape(A3)
Box = tuple[float, float, float, float]  # minx, miny, maxx, maxy
Coords = NDArray[np.float64]
DETAIL_SCALE = 2_000
SHEET_OVERLAP_M = 30.0
MARGIN = 10 * mm
PANEL_WIDTH = 92 * mm
# The map frame leaves room for the coordinate labels on all four sides.
FRAME: Box = (
    MARGIN + 9 * mm,
    MARGIN + 7 * mm,
    PAGE_WIDTH - MARGIN - PANEL_WIDTH - 9 * mm,
    PAGE_HEIGHT - MARGIN - 7 * mm,
)
PANEL: Box = (PAGE_WIDTH - MARGIN - PANEL_WIDTH, MARGIN, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN)
METRES_PER_POINT_AT_1 = 0.0254 / 72  # ground metres per printed point at scale 1:1
# Parts of an area closer than this share an overview page; an overview is split per group
# when the whole would be drawn at more than twice the scale denominator of the largest group.
PART_GAP_M = 1_000
SPLIT_OVERVIEW_FACTOR = 2
NICE_MANTISSAS = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5)


@dataclass(frozen=True)
class Sheet:
    """One map page: its ground extent (EPSG:3006 metres) and scale; number 0 is the overview."""

    number: int
    scale: int
    box: Box
    row: int = 0  # place in the tiling, north to south
    column: int = 0  # west to east
    part: int = 1  # an overview of one of the area's far-apart parts: which, of how many
    parts: int = 1

    @property
    def points_per_metre(self) -> float:
        """Printed points per ground metre."""
        return 1 / (METRES_PER_POINT_AT_1 * self.scale)

    def to_page(self, coords: Coords) -> Coords:
        """Ground coordinates as page coordinates (points) of the map frame."""
        origin = np.array([self.box[0], self.box[1]])
        page = (coords - origin) * self.points_per_metre + np.array([FRAME[0], FRAME[1]])
        return np.asarray(page, dtype=np.float64)


def frame_ground_size(scale: int) -> tuple[float, float]:
    """Width and height in metres that the map frame covers at a scale."""
    metres = METRES_PER_POINT_AT_1 * scale
    return (FRAME[2] - FRAME[0]) * metres, (FRAME[3] - FRAME[1]) * metres


def round_up(minimum: float, mantissas: Sequence[float]) -> int:
    """The smallest mantissa × 10ⁿ (whole, n ≥ 0) at least minimum; mantissas from 1 to < 10."""
    power = 10.0 ** math.floor(math.log10(max(minimum, 1.0)))
    for factor in (power, power * 10):
        for mantissa in mantissas:
            if mantissa * factor >= minimum:
                return round(mantissa * factor)
    raise AssertionError("unreachable: the next power of ten is always large enough")


def nice_scale(minimum: float) -> int:
    """The smallest round scale denominator (1 000, 1 250, 1 500, 2 000, ...) ≥ minimum."""
    return round_up(minimum, NICE_MANTISSAS)


def overview_sheet(bounds: Box) -> Sheet:
    """An overview of bounds at a round scale, never more detailed than the detail sheets."""
    minx, miny, maxx, maxy = bounds
    width, height = frame_ground_size(1)
    needed = max((maxx - minx) / width, (maxy - miny) / height) * 1.06  # a little air
    scale = max(nice_scale(needed), DETAIL_SCALE)
    return Sheet(0, scale, _centred_box(bounds, *frame_ground_size(scale)))


def overview_sheets(area: MultiPolygon, sheets: Sequence[Sheet]) -> list[Sheet]:
    """The overview pages: the whole area and its sheets, or one page per group of parts when
    they lie so far apart that one page would show mostly the land between them."""
    whole = overview_sheet(_bounds_with_sheets(area, sheets))
    groups = _part_groups(area)
    if len(groups) == 1:
        return [whole]
    own = [overview_sheet(_bounds_with_sheets(group, sheets)) for group in groups]
    if whole.scale <= SPLIT_OVERVIEW_FACTOR * max(sheet.scale for sheet in own):
        return [whole]
    return [
        Sheet(0, sheet.scale, sheet.box, part=k, parts=len(own))
        for k, sheet in enumerate(own, start=1)
    ]


def _bounds_with_sheets(area: MultiPolygon, sheets: Sequence[Sheet]) -> Box:
    """The bounds of the area and of the sheets that show it, so every sheet is on the page."""
    boxes = [shapely.box(*s.box) for s in sheets if shapely.box(*s.box).intersects(area)]
    minx, miny, maxx, maxy = shapely.union_all([area, *boxes]).bounds
    return (minx, miny, maxx, maxy)


def _part_groups(area: MultiPolygon) -> list[MultiPolygon]:
    """The area's polygons grouped by nearness (within PART_GAP_M), north-west first."""
    parts = list(area.geoms)
    joined = shapely.get_parts(shapely.union_all([p.buffer(PART_GAP_M / 2) for p in parts]))
    groups = [MultiPolygon([p for p in parts if p.intersects(zone)]) for zone in joined]
    return sorted(groups, key=lambda g: (-g.bounds[3], g.bounds[0]))


def tile_boxes(bounds: Box) -> list[tuple[int, int, Box]]:
    """Overlapping detail-sheet boxes (row, column, box) covering bounds, in reading order."""
    width, height = frame_ground_size(DETAIL_SCALE)
    step_x, step_y = width - SHEET_OVERLAP_M, height - SHEET_OVERLAP_M
    columns = max(1, math.ceil((bounds[2] - bounds[0] - SHEET_OVERLAP_M) / step_x))
    rows = max(1, math.ceil((bounds[3] - bounds[1] - SHEET_OVERLAP_M) / step_y))
    left, _, _, top = _centred_box(
        bounds, columns * step_x + SHEET_OVERLAP_M, rows * step_y + SHEET_OVERLAP_M
    )
    return [
        (
            row,
            column,
            (
                left + column * step_x,
                top - row * step_y - height,
                left + column * step_x + width,
                top - row * step_y,
            ),
        )
        for row in range(rows)
        for column in range(columns)
    ]


def tile_core(tile: tuple[int, int, Box], last_row: int, last_column: int) -> Box:
    """The part of a tile that no neighbour shares: the box less half the overlap inside."""
    row, column, (x0, y0, x1, y1) = tile
    half = SHEET_OVERLAP_M / 2
    return (
        x0 + (half if column > 0 else 0),
        y0 + (half if row < last_row else 0),
        x1 - (half if column < last_column else 0),
        y1 - (half if row > 0 else 0),
    )


def detail_sheets(area: MultiPolygon, objects: NDArray[np.object_] | None = None) -> list[Sheet]:
    """The detail sheets: tiles whose own part (not the overlap) holds some of the area and,
    when objects are given, that show at least one of them.

    The cores partition the tiled extent, so the kept sheets still show every object, no page
    shows only a sliver that its neighbour already shows in full, and no page is empty.
    """
    touches = prep(area).intersects
    every = tile_boxes(area.bounds)
    last_row, last_column = max(t[0] for t in every), max(t[1] for t in every)
    tiles = [t for t in every if touches(shapely.box(*tile_core(t, last_row, last_column)))]
    if objects is not None:
        tree = shapely.STRtree(objects)
        tiles = [t for t in tiles if len(tree.query(shapely.box(*t[2]), predicate="intersects"))]
    return [
        Sheet(number, DETAIL_SCALE, box, row, column)
        for number, (row, column, box) in enumerate(tiles, start=1)
    ]


def _centred_box(bounds: Box, width: float, height: float) -> Box:
    cx, cy = (bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2
    return (cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def grid_interval(scale: int) -> int:
    """Round grid spacing in metres: at least 30 mm apart on paper."""
    return round_up(30 * mm * METRES_PER_POINT_AT_1 * scale, (1, 2, 2.5, 5))


def scale_bar_length(scale: int, longest: float = 62 * mm) -> int:
    """The longest round bar length in metres (1, 2 or 5 × 10ⁿ) that fits on paper."""
    ground = longest * METRES_PER_POINT_AT_1 * scale
    power = 10.0 ** math.floor(math.log10(ground))
    return int(max(m * power for m in (1, 2, 5) if m * power <= ground))


def plan_detail_sheets(
    area: MultiPolygon, objects: NDArray[np.object_]
) -> tuple[list[Sheet], NDArray[np.int64]]:
    """The detail sheets of the area's (clipped) objects, and each object's sheet number.

    An object's sheet is the one whose own part (core) holds its representative point; when
    that tile is not printed, the printed sheet that shows most of it; 0 when none does (the
    object is then shown on the overview only).
    """
    sheets = detail_sheets(area, objects) if len(objects) else []
    sheet_of = np.zeros(len(objects), dtype=np.int64)
    if not sheets:
        return sheets, sheet_of
    every = tile_boxes(area.bounds)
    last_row, last_column = max(t[0] for t in every), max(t[1] for t in every)
    number_at = {(s.row, s.column): s.number for s in sheets}
    points = shapely.get_coordinates(shapely.point_on_surface(objects))
    for row, column, box in every:
        number = number_at.get((row, column))
        if number is None:
            continue
        x0, y0, x1, y1 = tile_core((row, column, box), last_row, last_column)
        inside = (points[:, 0] >= x0) & (points[:, 0] < x1) & (points[:, 1] >= y0)
        inside &= points[:, 1] < y1
        sheet_of[inside & (sheet_of == 0)] = number
    _assign_by_overlap(sheets, objects, sheet_of)
    return sheets, sheet_of


def _assign_by_overlap(
    sheets: Sequence[Sheet], objects: NDArray[np.object_], sheet_of: NDArray[np.int64]
) -> None:
    """Give objects without a sheet the printed sheet whose box holds most of them."""
    missing = np.flatnonzero(sheet_of == 0)
    if not len(missing):
        return
    boxes = shapely.box(*np.array([s.box for s in sheets]).T)
    tree = shapely.STRtree(boxes)
    which, sheet_index = tree.query(objects[missing], predicate="intersects")
    if not len(which):
        return
    parts = shapely.intersection(objects[missing][which], boxes[sheet_index])
    areas = shapely.area(parts)
    size = np.where(areas > 0, areas, shapely.length(parts)) + (shapely.get_type_id(parts) == 0)
    best: dict[int, tuple[float, int]] = {}
    for k, s, amount in zip(which.tolist(), sheet_index.tolist(), size.tolist(), strict=True):
        if amount > best.get(k, (-1.0, 0))[0]:
            best[k] = (amount, sheets[s].number)
    for k, (_, number) in best.items():
        sheet_of[missing[k]] = number
