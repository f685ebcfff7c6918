"""A geometry drawn by hand (GeoJSON, WGS84), checked by the importers' rules before it is stored.

The same rules as an import: finite coordinates, Z dropped, inside Sweden (with the "swapped
axes?" hint when exchanging longitude and latitude lands there), the product's kind, and an
invalid geometry repaired only when the importers would repair it. What passes is returned in
EPSG:3006, ready to store.
"""

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import shape

from app.core.geo import SWEDEN_LONLAT, WGS84, transformer
from app.core.problems import InvalidInput
from app.imports.geometry_checks import check_geometries, inside_sweden, swapped_axes
from app.models import SRID

# How deep each GeoJSON type nests its positions: a Point is one, a Polygon a list of rings.
_DEPTH = {
    "Point": 0,
    "MultiPoint": 1,
    "LineString": 1,
    "MultiLineString": 2,
    "Polygon": 2,
    "MultiPolygon": 3,
}
# Far more than an object drawn by hand has; the check runs on the event loop (about 8 ms
# per 1,000 coordinates), so a request may hold it for a fraction of a second at most.
MAX_COORDINATES = 20_000
_EXAMPLE = '{"type": "Point", "coordinates": [17.98, 59.24]}'


class InvalidGeometry(InvalidInput):
    """A geometry that cannot be stored: not GeoJSON, not in Sweden, of the wrong kind, broken."""

    type = "ogiltig-geometri"
    title = "Ogiltig geometri"


class _TooManyCoordinates(Exception):
    pass


def _positions(value: Any, depth: int, count: list[int]) -> None:
    """Raise ValueError unless value nests lists of positions depth deep (counted in count)."""
    if depth == 0:
        if not (
            isinstance(value, list)
            and len(value) in (2, 3)
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            raise ValueError
        count[0] += 1
        if count[0] > MAX_COORDINATES:
            raise _TooManyCoordinates
        return
    if not isinstance(value, list):
        raise ValueError
    for item in value:
        _positions(item, depth - 1, count)


def _parsed(geojson: dict[str, Any], field: str) -> shapely.Geometry:
    kind = geojson.get("type")
    if kind not in _DEPTH:
        supported = ", ".join(_DEPTH)
        raise InvalidGeometry(
            f"{field} ska vara en GeoJSON-geometri ({supported}) i WGS84, t.ex. {_EXAMPLE};"
            f" typen är {kind!r}."
        )
    count = [0]
    try:
        _positions(geojson.get("coordinates"), _DEPTH[str(kind)], count)
        geom = shape(geojson)
    except _TooManyCoordinates:
        raise InvalidGeometry(
            f"{field} har fler än {MAX_COORDINATES:,} koordinater.".replace(",", " ")
        ) from None
    except (ValueError, TypeError, OverflowError, shapely.errors.ShapelyError):
        raise InvalidGeometry(
            f"{field}: koordinaterna för en {kind} är inte giltiga GeoJSON (en position är"
            f" [lon, lat] eller [lon, lat, höjd]), t.ex. {_EXAMPLE}."
        ) from None
    return shapely.force_2d(geom)  # GPS points carry an altitude; the tables are 2D


def _in_sweden_3006(lonlat: shapely.Geometry) -> shapely.Geometry | None:
    """The geometry in EPSG:3006 if it lies in Sweden, else None."""
    coordinates = shapely.get_coordinates(lonlat)
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    if not ((np.abs(lon) <= 180) & (np.abs(lat) <= 90)).all():
        return None
    to_3006 = transformer(WGS84, SRID)
    geom = shapely.transform(lonlat, lambda xy: np.column_stack(to_3006.transform(*xy.T)))
    bounds = tuple(float(v) for v in shapely.bounds(geom))
    if not all(math.isfinite(v) for v in bounds):
        return None
    return geom if inside_sweden((bounds[0], bounds[1], bounds[2], bounds[3])) else None


def _outside_sweden(lonlat: shapely.Geometry, field: str) -> InvalidGeometry:
    west, south, east, north = (float(v) for v in shapely.bounds(lonlat))
    where = f"lon {west:.6g}–{east:.6g}, lat {south:.6g}–{north:.6g}"
    if _in_sweden_3006(swapped_axes(lonlat)) is not None:
        hint = (
            " Med lon och lat i omvänd ordning hamnar den i Sverige: har axlarna bytt plats?"
            " GeoJSON skriver [lon, lat]."
        )
    elif max(abs(west), abs(east)) > 180 or max(abs(south), abs(north)) > 90:
        hint = " Koordinaterna ser inte ut som WGS84; räkna om dem till lon/lat (EPSG:4326)."
    else:
        w, s, e, n = SWEDEN_LONLAT
        hint = f" Sverige ligger inom lon {w:g}–{e:g}, lat {s:g}–{n:g}."
    return InvalidGeometry(f"{field} hamnar utanför Sverige ({where}).{hint}")


def _lonlat_place(x: float, y: float) -> str:
    lon, lat = transformer(SRID, WGS84).transform(x, y)
    return f"lon {lon:.6f}, lat {lat:.6f}"


def checked_geometry(geojson: dict[str, Any], kind: str, field: str = "geometri") -> bytes:
    """The geometry as WKB in EPSG:3006, when it passes the importers' checks for kind.

    kind is the product's geometrityp (yta, linje, punkt); a refusal is an InvalidGeometry
    naming field and the problem in Swedish.
    """
    lonlat = _parsed(geojson, field)
    if not np.isfinite(shapely.get_coordinates(lonlat)).all():
        raise InvalidGeometry(
            f"{field} har koordinater som inte är ändliga tal (NaN eller oändligt)."
        )
    empty = bool(shapely.is_empty(lonlat))
    geom = None if empty else _in_sweden_3006(lonlat)
    if geom is None and not empty:
        raise _outside_sweden(lonlat, field)
    checked: NDArray[np.object_]
    checked, reasons = check_geometries(
        np.array([geom if geom is not None else lonlat], dtype=object),
        np.array([kind], dtype=object),
        _lonlat_place,
    )
    if reasons[0] is not None:
        raise InvalidGeometry(f"{field} kan inte användas: {reasons[0]}.")
    return shapely.to_wkb(checked[0])  # type: ignore[no-any-return]
