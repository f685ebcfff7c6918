"""Coordinate reference systems and points: parsing, validation and transforms to EPSG:3006."""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from pyproj import Transformer

from app.core.problems import InvalidInput
from app.models import SRID

WGS84 = 4326
SWEREF99_1800 = 3011
SUPPORTED_EPSG = (WGS84, SRID, SWEREF99_1800)
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

# Sweden with a margin, in WGS84 and in SWEREF 99 TM; used to tell swapped axes from typos.
SWEDEN_LONLAT = (10.0, 55.0, 24.5, 69.5)
SWEDEN_3006 = (180_000.0, 6_100_000.0, 1_000_000.0, 7_700_000.0)

# ASCII digits, at most nine (no EPSG code has more): int() of thousands of digits raises.
_EPSG_PATTERNS = (
    re.compile(r"^EPSG:([0-9]{1,9})$", re.IGNORECASE),
    re.compile(r"^https?://www\.opengis\.net/def/crs/EPSG/0/([0-9]{1,9})$"),
    re.compile(r"^urn:ogc:def:crs:EPSG:[0-9.]*:([0-9]{1,9})$", re.IGNORECASE),
)
_CRS84_NAMES = {CRS84_URI, "urn:ogc:def:crs:OGC:1.3:CRS84", "CRS84", "OGC:CRS84"}


class UnknownCrs(InvalidInput):
    """A CRS the service does not accept."""

    type = "okant-koordinatsystem"
    title = "Okänt koordinatsystem"


class InvalidPoint(InvalidInput):
    """Coordinates that cannot be a point in Sweden."""

    type = "ogiltig-koordinat"
    title = "Ogiltig koordinat"


@dataclass(frozen=True)
class NamedCrs:
    """A supported CRS as a request named it: its EPSG code, and whether it was CRS84."""

    srid: int
    crs84: bool  # longitude/latitude order, whatever EPSG:4326's own axis order says


def recognise_crs(value: str) -> NamedCrs | None:
    """The supported CRS that value names (EPSG:n, an OGC URI or URN, CRS84), or None."""
    text = value.strip()
    if text in _CRS84_NAMES:
        return NamedCrs(WGS84, crs84=True)
    for pattern in _EPSG_PATTERNS:
        match = pattern.match(text)
        if match and int(match.group(1)) in SUPPORTED_EPSG:
            return NamedCrs(int(match.group(1)), crs84=False)
    return None


def parse_crs(value: str | None) -> int:
    """EPSG code of a CRS given as EPSG:n, an OGC URI or URN, or CRS84 (lon/lat → 4326)."""
    if value is None or not value.strip():
        return WGS84
    named = recognise_crs(value)
    if named is None:
        raise UnknownCrs(
            f"Koordinatsystemet '{value}' stöds inte. Använd EPSG:4326 (lon/lat), EPSG:3006 "
            "(SWEREF 99 TM) eller EPSG:3011 (SWEREF 99 18 00), som kod eller OGC-URI."
        )
    return named.srid


@lru_cache(maxsize=16)
def transformer(source: int, target: int) -> Transformer:
    """A cached x/y-ordered transformer (building one costs milliseconds)."""
    return Transformer.from_crs(source, target, always_xy=True)


def transform(x: float, y: float, source: int, target: int) -> tuple[float, float]:
    """Transform one coordinate pair (x = easting or longitude)."""
    if source == target:
        return x, y
    tx, ty = transformer(source, target).transform(x, y)
    return float(tx), float(ty)


def _inside(x: float, y: float, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


@dataclass(frozen=True)
class Point:
    """A validated point: its coordinates in EPSG:3006 and as given."""

    x: float
    y: float
    input_x: float
    input_y: float
    input_epsg: int

    def lonlat(self) -> tuple[float, float]:
        """The point in WGS84 (lon, lat)."""
        return transform(self.x, self.y, SRID, WGS84)

    def swapped(self) -> "Point | None":
        """The point with its input axes swapped, if that is a point in Sweden."""
        try:
            return make_point(self.input_y, self.input_x, self.input_epsg)
        except InvalidInput:
            return None


def _finite(name: str, value: float | None) -> float:
    if value is None:
        raise InvalidPoint(f"Koordinaten {name} saknas.")
    if not math.isfinite(value):
        raise InvalidPoint(f"Koordinaten {name} måste vara ett ändligt tal, inte {value}.")
    return value


def make_point(x: float | None, y: float | None, epsg: int) -> Point:
    """A point from x/y (lon/lat for 4326); refuse what cannot lie in Sweden, hint at swaps."""
    names = ("lon", "lat") if epsg == WGS84 else ("x", "y")
    fx, fy = _finite(names[0], x), _finite(names[1], y)
    if epsg == WGS84:
        if not (-180 <= fx <= 180 and -90 <= fy <= 90):
            raise InvalidPoint(
                f"lon {fx} / lat {fy} ligger utanför tillåtna värden (lon −180…180, lat −90…90)."
                + _swap_hint(fy, fx, epsg)
            )
        x3006, y3006 = transform(fx, fy, WGS84, SRID)
    else:
        x3006, y3006 = transform(fx, fy, epsg, SRID)
    if not (math.isfinite(x3006) and math.isfinite(y3006)) or not _inside(
        x3006, y3006, SWEDEN_3006
    ):
        raise InvalidPoint(
            f"Punkten ({names[0]} {fx}, {names[1]} {fy}) i EPSG:{epsg} ligger inte i Sverige."
            + _swap_hint(fy, fx, epsg)
        )
    return Point(x3006, y3006, fx, fy, epsg)


def _swap_hint(x: float, y: float, epsg: int) -> str:
    """A hint when the swapped coordinates would be a point in Sweden."""
    box = SWEDEN_LONLAT if epsg == WGS84 else None
    if box is not None:
        plausible = _inside(x, y, box)
    else:
        tx, ty = transform(x, y, epsg, SRID)
        plausible = math.isfinite(tx) and math.isfinite(ty) and _inside(tx, ty, SWEDEN_3006)
    if not plausible:
        return ""
    first, second = ("lon", "lat") if epsg == WGS84 else ("x", "y")
    return f" Har {first} och {second} bytt plats? Omvänt hamnar punkten i Sverige."
