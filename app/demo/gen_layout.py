"""Districts as street grids: blocks between streets, subdivided into plots."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.demo.gen_frame import (
    ESTATE,
    KVARTER,
    PARK,
    SCHOOL,
    SPORTS,
    STRIP,
    VILLA,
    BoolArray,
    DistrictSpec,
    FloatArray,
    Frames,
    GeomArray,
    IntArray,
)

STRIP_WIDTH = 7.0
# Plots clipped by the district edge are kept only if this share of them is left.
MIN_KEPT_SHARE = 0.45


@dataclass
class Blocks:
    """Street blocks in local grid coordinates."""

    district: IntArray
    row: IntArray
    u0: FloatArray
    u1: FloatArray
    v0: FloatArray
    v1: FloatArray
    landuse: IntArray
    mixed: BoolArray
    kvarter: list[str | None]


@dataclass
class Plots:
    """Plots (future parcels) of the districts with their local rectangles."""

    block: IntArray
    district: IntArray
    kind: IntArray
    u0: FloatArray
    u1: FloatArray
    v0: FloatArray
    v1: FloatArray
    geom: GeomArray


def blob(centre: tuple[float, float], radius: float, rng: np.random.Generator) -> shapely.Polygon:
    """An irregular roundish polygon around centre."""
    t = np.linspace(0.0, 2 * math.pi, 96, endpoint=False)
    r = np.ones_like(t)
    for k, amplitude in ((2, 0.2), (3, 0.12), (4, 0.07), (6, 0.04)):
        r += amplitude * rng.uniform(0.4, 1.0) * np.sin(k * t + rng.uniform(0, 2 * math.pi))
    r *= radius
    return shapely.Polygon(np.column_stack([centre[0] + r * np.cos(t), centre[1] + r * np.sin(t)]))


def district_polygons(
    specs: tuple[DistrictSpec, ...],
    municipality: BaseGeometry,
    road_cut: BaseGeometry,
    scale: float,
    rng: np.random.Generator,
) -> list[BaseGeometry]:
    """Non-overlapping district areas inside the municipality, with streets between them."""
    taken: BaseGeometry = road_cut
    polygons: list[BaseGeometry] = []
    for spec in specs:
        radius = math.sqrt(spec.area_km2 * 1e6 / math.pi) * scale
        area = blob(spec.centre, radius, rng).intersection(municipality).difference(taken)
        area = shapely.buffer(shapely.buffer(area, -5.0), 5.0).intersection(municipality)
        area = area.difference(taken)
        polygons.append(area)
        taken = taken.union(area.buffer(spec.street, quad_segs=4))
    for polygon in polygons:
        shapely.prepare(polygon)
    return polygons


def _grid(
    spec: DistrictSpec,
    bounds: tuple[float, float, float, float],
    f: float,
    rng: np.random.Generator,
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Candidate blocks covering the local bounds: row, u0, u1, v0, v1."""
    umin, vmin, umax, vmax = bounds
    width, depth = spec.block[0] * f, spec.block[1] * f
    street = spec.street * f
    nrows = int((vmax - vmin) / (depth * 0.9 + street)) + 2
    ncols = int((umax - umin) / (width * 0.7 + street)) + 2
    depths = depth * rng.uniform(0.9, 1.1, nrows)
    # Every fourth street is a wider collector street.
    row_gaps = street + 6.0 * f * (np.arange(nrows) % 4 == 0)
    v_start = (
        vmin - rng.uniform(0.0, depth) + np.concatenate([[0.0], np.cumsum(depths + row_gaps)[:-1]])
    )
    widths = width * rng.uniform(0.7, 1.3, (nrows, ncols))
    col_gaps = street + 4.0 * f * (np.arange(ncols) % 5 == 0)
    steps = widths + col_gaps[None, :]
    u_start = umin - rng.uniform(0.0, width, (nrows, 1)) + np.cumsum(steps, axis=1) - steps
    rows = np.repeat(np.arange(nrows), ncols)
    u0 = u_start.ravel()
    u1 = (u_start + widths).ravel()
    v0 = v_start[rows]
    v1 = (v_start + depths)[rows]
    keep = u0 < umax
    return rows[keep].astype(np.int64), u0[keep], u1[keep], v0[keep], v1[keep]


def _local_bounds(
    frames: Frames, d: int, polygon: BaseGeometry
) -> tuple[float, float, float, float]:
    coords = shapely.get_coordinates(polygon)
    u, v = frames.to_local(d, coords[:, 0], coords[:, 1])
    return float(u.min()), float(v.min()), float(u.max()), float(v.max())


def _choose_landuse(
    specs: tuple[DistrictSpec, ...], district: IntArray, rng: np.random.Generator
) -> IntArray:
    kinds = np.array([ESTATE, SCHOOL, PARK, SPORTS], dtype=np.int64)
    probs = np.array([[s.estate, s.school, s.park, s.sports] for s in specs])[district]
    cum = np.cumsum(probs, axis=1)
    draw = rng.random(len(district))[:, None]
    chosen = (draw >= cum).sum(axis=1)
    landuse = np.full(len(district), VILLA, dtype=np.int64)
    hit = chosen < len(kinds)
    landuse[hit] = kinds[chosen[hit]]
    return landuse


def _ensure_each(
    landuse: IntArray,
    district: IntArray,
    inside: BoolArray,
    n_districts: int,
    rng: np.random.Generator,
) -> None:
    """Give every district at least one school, park and sports ground (when big enough)."""
    for d in range(n_districts):
        for kind, min_blocks in ((SCHOOL, 4), (PARK, 4), (SPORTS, 12), (ESTATE, 12)):
            mine = np.flatnonzero(district == d)
            if len(mine) < min_blocks or np.any(landuse[mine] == kind):
                continue
            villas = mine[(landuse[mine] == VILLA) & inside[mine]]
            if len(villas):
                landuse[rng.choice(villas)] = kind


def make_blocks(
    specs: tuple[DistrictSpec, ...],
    polygons: list[BaseGeometry],
    frames: Frames,
    f: float,
    rng: np.random.Generator,
) -> Blocks:
    """All street blocks of all districts, with land use and kvarter names."""
    parts: list[tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]] = []
    insides: list[BoolArray] = []
    for d, (spec, polygon) in enumerate(zip(specs, polygons, strict=True)):
        if polygon.is_empty:
            continue
        rows, u0, u1, v0, v1 = _grid(spec, _local_bounds(frames, d, polygon), f, rng)
        dist = np.full(len(rows), d, dtype=np.int64)
        rects = frames.rects(dist, u0, u1, v0, v1)
        keep = shapely.intersects(polygon, rects)
        insides.append(shapely.contains_properly(polygon, rects[keep]))
        parts.append((dist[keep], rows[keep], u0[keep], u1[keep], v0[keep], v1[keep]))
    district, row, u0, u1, v0, v1 = (np.concatenate(cols) for cols in zip(*parts, strict=True))
    inside = np.concatenate(insides)
    landuse = _choose_landuse(specs, district, rng)
    kvarter = _assign_kvarter(specs, district, u0, u1, v0, v1, inside, landuse)
    _ensure_each(landuse, district, inside, len(specs), rng)
    mixed = _choose_mixed(landuse, inside, rng)
    return Blocks(district, row, u0, u1, v0, v1, landuse, mixed, kvarter)


def _assign_kvarter(
    specs: tuple[DistrictSpec, ...],
    district: IntArray,
    u0: FloatArray,
    u1: FloatArray,
    v0: FloatArray,
    v1: FloatArray,
    inside: BoolArray,
    landuse: IntArray,
) -> list[str | None]:
    """Name the whole blocks nearest each district centre as kvarter (town blocks)."""
    names: list[str | None] = [None] * len(district)
    # Frames are centred on the district centres, so the local origin is the centre.
    dist2 = ((u0 + u1) / 2) ** 2 + ((v0 + v1) / 2) ** 2
    for d, spec in enumerate(specs):
        candidates = np.flatnonzero((district == d) & inside)
        nearest = candidates[np.argsort(dist2[candidates], kind="stable")][: len(spec.kvarter)]
        for block, name in zip(nearest, spec.kvarter, strict=False):
            names[block] = name
            landuse[block] = KVARTER
    return names


def _choose_mixed(landuse: IntArray, inside: BoolArray, rng: np.random.Generator) -> BoolArray:
    """Whole estate blocks that share the block with a small municipal park."""
    estates = np.flatnonzero((landuse == ESTATE) & inside)
    count = max(8, int(0.15 * len(estates)))
    mixed = np.zeros(len(landuse), dtype=bool)
    mixed[rng.permutation(estates)[:count]] = True
    return mixed


@dataclass
class _Segments:
    """Rows of plots inside blocks: each segment is cut into n plots along u."""

    block: IntArray
    v0: FloatArray
    v1: FloatArray
    n: IntArray
    kind: IntArray
    last_kind: IntArray


def _plot_counts(
    blocks: Blocks, specs: tuple[DistrictSpec, ...], f: float, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Plots in the first and second row of each block (villas by plot width)."""
    nb, lu = len(blocks.district), blocks.landuse
    plot_w = np.array([s.plot_width for s in specs])[blocks.district] * f
    width = blocks.u1 - blocks.u0
    villa_n = np.maximum(1, np.round(width / (plot_w * rng.uniform(0.85, 1.15, nb))))
    choices = [rng.integers(1, 4, nb), rng.integers(1, 3, nb), rng.integers(1, 3, nb)]
    other_n = np.select([lu == ESTATE, lu == SCHOOL, lu == PARK], choices, default=1)
    other_n = np.where(lu == KVARTER, rng.integers(1, 4, nb), other_n)
    other_n = np.where(blocks.mixed, 3, other_n)
    n_a = np.where(lu == VILLA, villa_n, other_n).astype(np.int64)
    second = np.where(lu == VILLA, villa_n + rng.integers(-1, 2, nb), rng.integers(1, 4, nb))
    return n_a, np.maximum(1, second).astype(np.int64)


def _segments(
    blocks: Blocks, specs: tuple[DistrictSpec, ...], f: float, rng: np.random.Generator
) -> _Segments:
    """Up to three rows per block: a street-side strip, and one or two rows of plots."""
    nb, lu = len(blocks.district), blocks.landuse
    strip_p = np.array([s.strip for s in specs])[blocks.district]
    has_strip = (lu == VILLA) & (rng.random(nb) < strip_p)
    two_rows = (lu == VILLA) | (lu == KVARTER)
    v_low = blocks.v0 + np.where(has_strip, STRIP_WIDTH * f, 0.0)
    v_mid = v_low + (blocks.v1 - v_low) * rng.uniform(0.44, 0.56, nb)
    n_a, n_b = _plot_counts(blocks, specs, f, rng)
    last = np.where(blocks.mixed, PARK, lu)
    valid = np.stack([has_strip, np.ones(nb, dtype=bool), two_rows], axis=1)
    table_v0 = np.stack([blocks.v0, v_low, v_mid], axis=1)[valid]
    table_v1 = np.stack([v_low, np.where(two_rows, v_mid, blocks.v1), blocks.v1], axis=1)[valid]
    table_n = np.stack([np.ones(nb, dtype=np.int64), n_a, n_b], axis=1)[valid]
    table_kind = np.stack([np.full(nb, STRIP), lu, lu], axis=1)[valid]
    table_last = np.stack([np.full(nb, STRIP), last, lu], axis=1)[valid]
    block_ids = np.repeat(np.arange(nb)[:, None], 3, axis=1)[valid]
    return _Segments(block_ids, table_v0, table_v1, table_n, table_kind, table_last)


def _cut_segments(
    seg: _Segments, blocks: Blocks, rng: np.random.Generator
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Cut every segment into its plots; neighbours share exactly the same edge values."""
    owner = np.repeat(np.arange(len(seg.n)), seg.n)
    first = np.concatenate([[0], np.cumsum(seg.n)[:-1]])
    pos = np.arange(len(owner)) - first[owner]
    is_last = pos == seg.n[owner] - 1
    weights = rng.uniform(0.75, 1.25, len(owner))
    # The pocket park at the end of a mixed block is narrower than the estate plots.
    weights = np.where(is_last & (seg.last_kind[owner] != seg.kind[owner]), 0.6, weights)
    cum = np.cumsum(weights)
    start_cum = (cum - weights)[first][owner]
    total = (cum[first + seg.n - 1])[owner] - start_cum
    block = seg.block[owner]
    width = blocks.u1[block] - blocks.u0[block]
    end = blocks.u0[block] + width * ((cum - start_cum) / total)
    end = np.where(is_last, blocks.u1[block], end)
    start = np.where(pos == 0, blocks.u0[block], np.roll(end, 1))
    kind = np.where(is_last, seg.last_kind[owner], seg.kind[owner])
    return block, kind, start, end, seg.v0[owner], seg.v1[owner]


def make_plots(
    blocks: Blocks,
    specs: tuple[DistrictSpec, ...],
    polygons: list[BaseGeometry],
    frames: Frames,
    f: float,
    rng: np.random.Generator,
) -> Plots:
    """Plots of all blocks, clipped to their district; slivers at the edge are dropped."""
    block, kind, u0, u1, v0, v1 = _cut_segments(_segments(blocks, specs, f, rng), blocks, rng)
    district = blocks.district[block]
    rects = frames.rects(district, u0, u1, v0, v1)
    geom = rects.copy()
    clip = np.asarray(polygons, dtype=object)[district]
    edge = ~shapely.contains_properly(clip, rects)
    geom[edge] = _largest_polygon(shapely.intersection(rects[edge], clip[edge]))
    share = shapely.area(geom) / shapely.area(rects)
    keep = np.flatnonzero(share >= MIN_KEPT_SHARE)
    return Plots(
        block[keep], district[keep], kind[keep], u0[keep], u1[keep], v0[keep], v1[keep], geom[keep]
    )


def estimate_plot_count(
    blocks: Blocks,
    specs: tuple[DistrictSpec, ...],
    polygons: list[BaseGeometry],
    frames: Frames,
    f: float,
    rng: np.random.Generator,
) -> int:
    """About how many plots make_plots would keep (plot centres inside the district)."""
    block, _, u0, u1, v0, v1 = _cut_segments(_segments(blocks, specs, f, rng), blocks, rng)
    district = blocks.district[block]
    x, y = frames.to_world(district, (u0 + u1) / 2, (v0 + v1) / 2)
    clip = np.asarray(polygons, dtype=object)[district]
    return int(np.count_nonzero(shapely.contains_xy(clip, x, y)))


def _largest_polygon(geoms: GeomArray) -> GeomArray:
    """The largest polygon of each (possibly multi-part or mixed) geometry; empty if none."""
    out = np.full(len(geoms), shapely.Polygon(), dtype=object)
    parts, index = shapely.get_parts(geoms, return_index=True)
    polygonal = shapely.get_type_id(parts) == 3
    parts, index = parts[polygonal], index[polygonal]
    if len(parts) == 0:
        return out
    order = np.lexsort((-shapely.area(parts), index))
    parts, index = parts[order], index[order]
    firsts = np.concatenate([[True], index[1:] != index[:-1]])
    out[index[firsts]] = parts[firsts]
    return out
