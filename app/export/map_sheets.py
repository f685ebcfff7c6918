"""Planning the map's pages: the sheets' extents and scales, in ground metres and page points.

The detail scale is 1:2 000: one millimetre on paper is two metres, so a bench, a one-metre
hedge and a small flower bed stay apart, and an A3 sheet still covers a block of about
580 m × 525 m, so a district needs tens of sheets rather than hundreds (1:1 000 would need
four times as many).

The sheet rule (SHEET_RULE_TEXT, for the reader). The area's bounds are tiled with sheets that
overlap their neighbours by 30 m; a tile's core is the part no neighbour shares, so the cores
partition the tiled extent and each part of an object lies in exactly one core. A tile is
printed when its core holds

- the largest part of an object legible at 1:2 000: an area of at least 10 m² (1.6 mm square
  on paper), a line of at least 5 m (2.5 mm) or any point. That is every object's home sheet,
  where it is shown in full or in its largest piece; or
- at least 15 000 m² of area objects (about 5 % of a core, a 6 cm square on paper) or 150 m of
  line objects (7.5 cm): a large piece of a large object whose home is another sheet.

Left out are tiles whose core holds only smaller pieces of objects shown on another sheet,
such as the edge of a meadow or the bit of a lawn just across a sheet's edge (the neighbouring
sheet shows 15 m into the tile anyway). An object's sheet (`blad`) is its home sheet; when the
home is left out (a crumb under 10 m² or 5 m that the clipping at the area's boundary leaves,
alone on its tile) the printed sheet whose box shows most of it; else 0: the object is then
only on the overview, where it is ringed with its number.
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
# The sheet rule (see the module's docstring).
LEGIBLE_M2, LEGIBLE_M = 10.0, 5.0  # the least area or line that needs a sheet of its own
LARGE_PART_M2, LARGE_PART_M = 15_000.0, 150.0  # a piece large enough for a sheet of its own
SHEET_RULE_TEXT = (
    "Ett detaljblad skrivs ut där bladets egen del (utan överlappet mot grannbladen) rymmer"
    " den största delen av minst ett objekt som syns i skala 1:2 000 (en yta på minst 10 m²,"
    " en linje på minst 5 m eller en punkt) eller minst 15 000 m² ytor eller 150 m linjer;"
    " ett objekt som inte syns på något detaljblad är inringat med sitt nummer på"
    " översiktskartan."
)


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
    """The detail sheets: without objects every tile whose own part (core) holds some of the
    area; with the area's (clipped) objects, the tiles the sheet rule prints."""
    if objects is None:
        return [
            Sheet(number, DETAIL_SCALE, tile.box, tile.row, tile.column)
            for number, tile in enumerate(_area_tiles(area), start=1)
        ]
    return plan_detail_sheets(area, objects)[0]


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


@dataclass(frozen=True)
class _Tile:
    row: int
    column: int
    box: Box
    core: Box  # the part no neighbour shares


def _area_tiles(area: MultiPolygon) -> list[_Tile]:
    """The tiles of the area's bounds whose core holds some of the area, in reading order."""
    every = tile_boxes(area.bounds)
    last_row, last_column = max(t[0] for t in every), max(t[1] for t in every)
    touches = prep(area).intersects
    tiles = [_Tile(*tile, tile_core(tile, last_row, last_column)) for tile in every]
    return [tile for tile in tiles if touches(shapely.box(*tile.core))]


_AREA, _LINE, _POINT = 0, 1, 2


def _kinds(objects: NDArray[np.object_]) -> NDArray[np.int64]:
    """Each geometry as an area, a line or a point object (a point counts one, wherever)."""
    types = shapely.get_type_id(objects)
    kinds = np.where(shapely.area(objects) > 0, _AREA, _LINE)
    return np.where(np.isin(types, (0, 4)), _POINT, kinds).astype(np.int64)


def _amounts(parts: NDArray[np.object_], kinds: NDArray[np.int64]) -> NDArray[np.float64]:
    """m² of areas, m of lines, 1 for a point (0 when the part is empty)."""
    present = (~shapely.is_empty(parts)).astype(np.float64)
    measure = np.where(kinds == _AREA, shapely.area(parts), shapely.length(parts))
    return np.asarray(np.where(kinds == _POINT, present, measure), dtype=np.float64)


@dataclass(frozen=True)
class _CoreParts:
    """What each tile's core holds: m² of areas and m of lines, and each object's home tile
    (the core holding its largest part; -1 for an empty geometry)."""

    area_m2: NDArray[np.float64]
    line_m: NDArray[np.float64]
    home: NDArray[np.int64]


def _core_parts(
    tiles: Sequence[_Tile], objects: NDArray[np.object_], kinds: NDArray[np.int64]
) -> _CoreParts:
    tree = shapely.STRtree(objects)
    area_m2, line_m = np.zeros(len(tiles)), np.zeros(len(tiles))
    largest, home = np.zeros(len(objects)), np.full(len(objects), -1, dtype=np.int64)
    for k, tile in enumerate(tiles):
        hits = tree.query(shapely.box(*tile.core))
        if not len(hits):
            continue
        kind = kinds[hits]
        # A point the query finds is in the core (on its edge it counts for both tiles).
        clipped = objects[hits].copy()
        cut = kind != _POINT
        clipped[cut] = shapely.clip_by_rect(clipped[cut], *tile.core)
        amount = _amounts(clipped, kind)
        area_m2[k] = amount[kind == _AREA].sum()
        line_m[k] = amount[kind == _LINE].sum()
        larger = amount > largest[hits]  # on a tie the first tile in reading order keeps it
        largest[hits[larger]] = amount[larger]
        home[hits[larger]] = k
    return _CoreParts(area_m2, line_m, home)


def plan_detail_sheets(
    area: MultiPolygon, objects: NDArray[np.object_]
) -> tuple[list[Sheet], NDArray[np.int64]]:
    """The detail sheets the sheet rule prints for the area's (clipped) objects, and each
    object's sheet number: its home tile's sheet when printed, else the printed sheet whose box
    shows most of it, else 0 (the object is then shown on the overview only)."""
    objects = np.asarray(objects, dtype=object)
    sheet_of = np.zeros(len(objects), dtype=np.int64)
    tiles = _area_tiles(area)
    if not len(objects) or not tiles:
        return [], sheet_of
    kinds = _kinds(objects)
    parts = _core_parts(tiles, objects, kinds)
    sizes = _amounts(objects, kinds)
    legible = (kinds == _POINT) | (sizes >= np.where(kinds == _AREA, LEGIBLE_M2, LEGIBLE_M))
    printed = (parts.area_m2 >= LARGE_PART_M2) | (parts.line_m >= LARGE_PART_M)
    printed[parts.home[legible & (parts.home >= 0)]] = True
    number_of_tile = np.where(printed, np.cumsum(printed), 0)
    sheets = [
        Sheet(int(number), DETAIL_SCALE, tile.box, tile.row, tile.column)
        for tile, number in zip(tiles, number_of_tile.tolist(), strict=True)
        if number
    ]
    homed = parts.home >= 0
    sheet_of[homed] = number_of_tile[parts.home[homed]]
    if sheets:
        _assign_by_overlap(sheets, objects, kinds, sheet_of)
    return sheets, sheet_of


def _assign_by_overlap(
    sheets: Sequence[Sheet],
    objects: NDArray[np.object_],
    kinds: NDArray[np.int64],
    sheet_of: NDArray[np.int64],
) -> None:
    """Give objects without a sheet the printed sheet whose box shows most of them."""
    missing = np.flatnonzero(sheet_of == 0)
    if not len(missing):
        return
    boxes = shapely.box(*np.array([s.box for s in sheets]).T)
    which, sheet_index = shapely.STRtree(boxes).query(objects[missing], predicate="intersects")
    if not len(which):
        return
    parts = shapely.intersection(objects[missing][which], boxes[sheet_index])
    amount = _amounts(parts, kinds[missing][which])
    # Per object the pair with the largest part: sort by object, then by amount descending.
    order = np.lexsort((-amount, which))
    first = order[np.r_[True, which[order][1:] != which[order][:-1]]]
    numbers = np.array([s.number for s in sheets], dtype=np.int64)
    sheet_of[missing[which[first]]] = numbers[sheet_index[first]]
