"""Geometry validation shared by the importers: kind, validity, repair."""

import re
from collections.abc import Callable
from typing import TypeVar

import numpy as np
import shapely
from numpy.typing import NDArray

from app.core.geo import SWEDEN_3006

Bounds = tuple[float, float, float, float]
Geometries = TypeVar("Geometries", shapely.Geometry, NDArray[np.object_])

KIND_OF_TYPE = {
    "Polygon": "yta",
    "MultiPolygon": "yta",
    "LineString": "linje",
    "MultiLineString": "linje",
    "Point": "punkt",
}
MAX_REPAIR_AREA_CHANGE = 0.01
# GEOS's reasons, as it words them, for the GIS technician.
_INVALIDITY = {
    "Self-intersection": "ytan korsar sig själv",
    "Ring Self-intersection": "en ring korsar sig själv",
    "Too few points in geometry component": "för få punkter",
    "Hole lies outside shell": "ett hål ligger utanför ytterringen",
    "Nested holes": "hål ligger i hål",
    "Nested shells": "ytterringar ligger i varandra",
    "Interior is disconnected": "ytan delas i flera delar av sina hål",
    "Duplicate Rings": "samma ring förekommer två gånger",
    "Invalid Coordinate": "ogiltig koordinat",
    "Ring is not closed": "en ring är inte sluten",
}
_AT = re.compile(r"^(?P<what>[^\[]*)\[(?P<x>[-+0-9.eE]+) (?P<y>[-+0-9.eE]+)\]$")
Place = Callable[[float, float], str]


def _reason(geom: shapely.Geometry) -> tuple[str, tuple[float, float] | None]:
    """GEOS's reason a geometry is invalid, in Swedish, and the spot it names (EPSG:3006)."""
    reason = str(shapely.is_valid_reason(geom))
    found = _AT.match(reason)
    what = reason if found is None else found["what"].strip()
    # GEOS's own words stay beside ours: they are what GIS tools and their help pages use.
    worded = f"{_INVALIDITY[what]}: {what}" if what in _INVALIDITY else what
    return worded, None if found is None else (float(found["x"]), float(found["y"]))


def inside_sweden(bounds: Bounds) -> bool:
    """True when bounds in EPSG:3006 lie within Sweden (with a margin): every writer's rule."""
    west, south, east, north = SWEDEN_3006
    x0, y0, x1, y1 = bounds
    return bool(west <= x0 and x1 <= east and south <= y0 and y1 <= north)


def swapped_axes(geoms: Geometries) -> Geometries:
    """The geometries with x and y of every coordinate exchanged (for the "swapped axes?" hint).

    Swap in the source CRS, then transform: whether the swapped data lands in Sweden says
    whether the axes were given in the wrong order.
    """
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


def invalidity(geom: shapely.Geometry, place: Place | None = None) -> str:
    """Why a geometry is invalid, in Swedish, with the spot as place() writes it."""
    what, spot = _reason(geom)
    if spot is None:
        return what
    x, y = spot
    return f"{what} vid {place(x, y) if place else f'E {x:.2f} N {y:.2f}'}"


def geometry_kinds(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """yta / linje / punkt per geometry, None for other types and missing geometries."""
    types = shapely.get_type_id(geoms)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ],
        dtype=object,
    )
    kinds = np.full(len(geoms), None, dtype=object)
    present = types >= 0
    kinds[present] = [KIND_OF_TYPE.get(n) for n in names[types[present]]]
    return kinds


def _repaired_same_kind(geom: shapely.Geometry, kind: str) -> shapely.Geometry | None:
    fixed = shapely.make_valid(geom)
    if kind == "yta":
        parts = [g for g in shapely.get_parts(fixed) if isinstance(g, shapely.Polygon)]
        if not parts:
            return None
        fixed = shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
        # GEOS computes the area of an invalid polygon by the shoelace formula, so a bow-tie
        # that folds onto itself reports a much smaller area than its repair.
        before = abs(shapely.area(geom))
        if before == 0 or abs(fixed.area - before) / before > MAX_REPAIR_AREA_CHANGE:
            return None
    elif kind == "linje":
        lines = [g for g in shapely.get_parts(fixed) if isinstance(g, shapely.LineString)]
        if not lines:
            return None
        fixed = shapely.MultiLineString(lines) if len(lines) > 1 else lines[0]
    return fixed if fixed.is_valid and not fixed.is_empty else None


def check_geometries(
    geoms: NDArray[np.object_], expected_kinds: NDArray[np.object_], place: Place | None = None
) -> tuple[NDArray[np.object_], list[str | None]]:
    """Repaired geometries and, per feature, None if usable or the Swedish reason it is not.

    place writes a spot given in EPSG:3006 in the file's own coordinates, for the reasons.
    """
    geoms = geoms.copy()
    reasons: list[str | None] = [None] * len(geoms)
    kinds = geometry_kinds(geoms)
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    valid = shapely.is_valid(geoms)
    for i in range(len(geoms)):
        expected = expected_kinds[i]
        if expected is None:
            continue
        if empty[i]:
            reasons[i] = "geometri saknas eller är tom"
        elif kinds[i] is None:
            reasons[i] = f"geometritypen {geoms[i].geom_type} stöds inte"
        elif kinds[i] != expected:
            reasons[i] = f"geometrin är av typen {kinds[i]} men produkten är {expected}"
        elif not valid[i]:
            fixed = _repaired_same_kind(geoms[i], expected)
            if fixed is None:
                reasons[i] = f"ogiltig geometri som inte kan lagas ({invalidity(geoms[i], place)})"
            else:
                geoms[i] = fixed
    return geoms, reasons


def repair_notes(
    before: NDArray[np.object_], after: NDArray[np.object_], reasons: list[str | None]
) -> list[str | None]:
    """Per feature, how its repair changed it (None where nothing was repaired)."""
    notes: list[str | None] = [None] * len(before)
    present = ~(shapely.is_missing(before) | shapely.is_empty(before))
    repaired = present & ~shapely.is_valid(before)
    for i in np.flatnonzero(repaired):
        if reasons[i] is not None:
            continue
        what, _ = _reason(before[i])
        if shapely.get_dimensions(after[i]) == 2:
            old, new = abs(shapely.area(before[i])), shapely.area(after[i])
            change = (new - old) / old * 100 if old else 0.0
            notes[i] = f"lagad ({what}): yta {old:.1f} → {new:.1f} m² ({change:+.2f} %)"
        else:
            notes[i] = f"lagad ({what}): längd {shapely.length(after[i]):.1f} m"
    return notes
