"""Geometry validation shared by the importers: kind, validity, repair."""

import numpy as np
import shapely
from numpy.typing import NDArray

KIND_OF_TYPE = {
    "Polygon": "yta",
    "MultiPolygon": "yta",
    "LineString": "linje",
    "MultiLineString": "linje",
    "Point": "punkt",
}
MAX_REPAIR_AREA_CHANGE = 0.01


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
    geoms: NDArray[np.object_], expected_kinds: NDArray[np.object_]
) -> tuple[NDArray[np.object_], list[str | None]]:
    """Repaired geometries and, per feature, None if usable or the Swedish reason it is not."""
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
                reasons[i] = (
                    f"ogiltig geometri som inte kan lagas ({shapely.is_valid_reason(geoms[i])})"
                )
            else:
                geoms[i] = fixed
    return geoms, reasons
