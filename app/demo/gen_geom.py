"""Vectorised geometry helpers for the maintenance objects: hosts, pieces and random points."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from app.demo.gen_frame import BoolArray, FloatArray, Frames, GeomArray, IntArray

POLYGON_TYPE = 3
LINESTRING_TYPE = 1
EMPTY_POLYGON = shapely.Polygon()


def empty_polygons(count: int) -> GeomArray:
    """An array of empty polygons."""
    return np.full(count, EMPTY_POLYGON, dtype=object)


def as_geoms(values: object) -> GeomArray:
    """A shapely result as an object array of geometries."""
    return np.asarray(values, dtype=object)


@dataclass
class Hosts:
    """Parcels that carry objects, with their (randomly mirrored) local grid rectangle."""

    row: IntArray
    district: IntArray
    place: IntArray  # kind of place, which sets the quality profile of its objects
    ua: FloatArray
    ub: FloatArray
    va: FloatArray
    vb: FloatArray
    geom: GeomArray
    free: GeomArray = field(default_factory=lambda: empty_polygons(0))
    ha: FloatArray = field(default_factory=lambda: np.zeros(0))

    def __len__(self) -> int:
        return len(self.row)

    def take(self, keep: IntArray | BoolArray) -> Hosts:
        """A subset of the hosts."""
        return Hosts(
            self.row[keep],
            self.district[keep],
            self.place[keep],
            self.ua[keep],
            self.ub[keep],
            self.va[keep],
            self.vb[keep],
            self.geom[keep],
            self.free[keep],
            self.ha[keep],
        )

    def u(self, fraction: FloatArray | float) -> FloatArray:
        """Local u at a fraction of the rectangle's width."""
        return self.ua + (self.ub - self.ua) * fraction

    def v(self, fraction: FloatArray | float) -> FloatArray:
        """Local v at a fraction of the rectangle's depth."""
        return self.va + (self.vb - self.va) * fraction

    def size(self) -> tuple[FloatArray, FloatArray]:
        """Width and depth of the local rectangles."""
        return np.abs(self.ub - self.ua), np.abs(self.vb - self.va)


@dataclass
class Placer:
    """Turns fractions of host rectangles into world geometry."""

    frames: Frames
    rng: np.random.Generator

    def jitter(self, n: int, value: float, amount: float) -> FloatArray:
        """value ± amount, per host."""
        return value + self.rng.uniform(-amount, amount, n)

    def rect(
        self, h: Hosts, fu0: float, fu1: float, fv0: float, fv1: float, jitter: float = 0.03
    ) -> GeomArray:
        """A sub-rectangle (in fractions of each host rectangle), slightly jittered."""
        n = len(h)
        du, dv = self.jitter(n, 0.0, jitter), self.jitter(n, 0.0, jitter)
        return self.frames.rects(
            h.district, h.u(fu0 + du), h.u(fu1 + du), h.v(fv0 + dv), h.v(fv1 + dv)
        )

    def line(
        self, h: Hosts, fu0: float, fv0: float, fu1: float, fv1: float, jitter: float = 0.0
    ) -> GeomArray:
        """A segment between two fractional points of each host rectangle."""
        n = len(h)
        du, dv = self.jitter(n, 0.0, jitter), self.jitter(n, 0.0, jitter)
        return self.frames.lines(
            h.district, h.u(fu0 + du), h.v(fv0 + dv), h.u(fu1 + du), h.v(fv1 + dv)
        )

    def points(self, h: Hosts, fu: FloatArray, fv: FloatArray) -> GeomArray:
        """Points at fractional positions of each host rectangle."""
        x, y = self.frames.to_world(h.district, h.u(fu), h.v(fv))
        return as_geoms(shapely.points(x, y))


def polygon_pieces(geoms: GeomArray, min_area: float) -> tuple[GeomArray, IntArray]:
    """The polygons in geoms (exploded), with the position in geoms they came from."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    ok = (shapely.get_type_id(parts) == POLYGON_TYPE) & (shapely.area(parts) >= min_area)
    return as_geoms(parts[ok]), index[ok]


def line_pieces(geoms: GeomArray, min_length: float) -> tuple[GeomArray, IntArray]:
    """The line strings in geoms (exploded), with the position in geoms they came from."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    ok = (shapely.get_type_id(parts) == LINESTRING_TYPE) & (shapely.length(parts) >= min_length)
    return as_geoms(parts[ok]), index[ok]


def outline(polygons: GeomArray) -> GeomArray:
    """The exterior ring of each polygon as a closed LineString."""
    coords, index = shapely.get_coordinates(shapely.get_exterior_ring(polygons), return_index=True)
    return as_geoms(shapely.linestrings(coords, indices=index))


def sample_points(
    polygons: GeomArray, counts: IntArray, rng: np.random.Generator, rounds: int = 40
) -> tuple[GeomArray, IntArray]:
    """counts[i] uniform random points inside polygons[i]; returns points and polygon index."""
    owner = np.repeat(np.arange(len(polygons)), counts)
    x = np.full(len(owner), np.nan)
    y = np.full(len(owner), np.nan)
    if len(owner) == 0:
        return empty_polygons(0), owner
    shapely.prepare(polygons)
    bounds = shapely.bounds(polygons)[owner]
    pending = np.flatnonzero(~shapely.is_empty(polygons[owner]))
    for _ in range(rounds):
        if len(pending) == 0:
            break
        b = bounds[pending]
        cx = rng.uniform(b[:, 0], b[:, 2])
        cy = rng.uniform(b[:, 1], b[:, 3])
        hit = shapely.contains_xy(polygons[owner[pending]], cx, cy)
        x[pending[hit]], y[pending[hit]] = cx[hit], cy[hit]
        pending = pending[~hit]
    found = ~np.isnan(x)
    return as_geoms(shapely.points(x[found], y[found])), owner[found]
