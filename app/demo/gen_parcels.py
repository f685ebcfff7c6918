"""Parcels shaped like Lantmäteriet's Fastighetsindelning, and who owns them."""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry
from shapely.ops import split

from app.demo.gen_frame import (
    KOMMUNKOD,
    KOMMUNNAMN,
    LANSKOD,
    NATURE_KOMMUN,
    NATURE_PRIVAT,
    OWNER_BY_KIND,
    RURAL_TRAKTER,
    STATE_ROAD,
    VILLA,
    DistrictSpec,
    FloatArray,
    GeomArray,
    IntArray,
)
from app.demo.gen_layout import Blocks, Plots

ROAD_HALF_WIDTH = 30.0
ROAD_PIECE_LENGTH = 400.0
MIN_RURAL_AREA = 3_000.0
RURAL_BLOCK_SIZE = 25
UNKNOWN_OWNER_SHARE = 0.015


def road_line(municipality: BaseGeometry) -> shapely.LineString:
    """The state road's centre line inside the municipality (its longest piece)."""
    parts = shapely.get_parts(shapely.LineString(STATE_ROAD).intersection(municipality))
    longest = parts[np.argmax(shapely.length(parts))]
    assert isinstance(longest, shapely.LineString)
    return longest


def road_corridor(line: shapely.LineString, municipality: BaseGeometry) -> BaseGeometry:
    """The state road's land: a band along the centre line."""
    return line.buffer(ROAD_HALF_WIDTH, cap_style="flat").intersection(municipality)


def road_parcels(line: shapely.LineString, corridor: BaseGeometry) -> GeomArray:
    """The corridor cut across the road into a chain of parcels, in order along the road."""
    count = max(1, round(line.length / ROAD_PIECE_LENGTH))
    at = np.linspace(0.0, line.length, count + 1)[1:-1]
    before = shapely.line_interpolate_point(line, at - 1.0)
    after = shapely.line_interpolate_point(line, at + 1.0)
    centre = shapely.line_interpolate_point(line, at)
    direction = shapely.get_coordinates(after) - shapely.get_coordinates(before)
    normal = np.column_stack([-direction[:, 1], direction[:, 0]])
    normal /= np.linalg.norm(normal, axis=1)[:, None]
    reach = 3 * ROAD_HALF_WIDTH
    mid = shapely.get_coordinates(centre)
    ends = np.stack([mid - reach * normal, mid + reach * normal], axis=1)
    pieces = shapely.get_parts(split(corridor, shapely.MultiLineString(list(ends))))
    pieces = pieces[shapely.area(pieces) > 1.0]
    order = np.argsort(shapely.line_locate_point(line, shapely.centroid(pieces)), kind="stable")
    return np.asarray(pieces[order], dtype=object)


def random_points_in(
    polygon: BaseGeometry, count: int, rng: np.random.Generator
) -> tuple[FloatArray, FloatArray]:
    """Uniform random points inside one polygon."""
    xmin, ymin, xmax, ymax = polygon.bounds
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    found = 0
    while found < count:
        x = rng.uniform(xmin, xmax, 2 * count)
        y = rng.uniform(ymin, ymax, 2 * count)
        ok = shapely.contains_xy(polygon, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
        found += int(ok.sum())
    return np.concatenate(xs)[:count], np.concatenate(ys)[:count]


def rural_parcels(
    municipality: BaseGeometry, land: BaseGeometry, seeds: int, rng: np.random.Generator
) -> GeomArray:
    """Forest and farmland: Voronoi cells clipped to the land outside districts and road."""
    x, y = random_points_in(municipality, seeds, rng)
    cells = shapely.voronoi_polygons(
        shapely.multipoints(np.column_stack([x, y])), extend_to=municipality, ordered=True
    )
    clipped = shapely.intersection(shapely.get_parts(cells), land)
    parts = shapely.get_parts(clipped)
    parts = parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) >= MIN_RURAL_AREA)]
    return np.asarray(parts, dtype=object)


def rural_kinds(geoms: GeomArray, districts: BaseGeometry, rng: np.random.Generator) -> IntArray:
    """Municipal natural land near the districts, mostly private forest and fields further out."""
    near = shapely.distance(geoms, districts) < 500.0
    municipal = rng.random(len(geoms)) < np.where(near, 0.7, 0.3)
    return np.where(municipal, NATURE_KOMMUN, NATURE_PRIVAT).astype(np.int64)


def rank_within(group: IntArray, *keys: FloatArray | IntArray) -> IntArray:
    """0-based rank of each element within its group, ordered by keys (first key first)."""
    order = np.lexsort((*reversed(keys), group))
    sorted_group = group[order]
    starts = np.concatenate([[True], sorted_group[1:] != sorted_group[:-1]])
    index = np.arange(len(order))
    first = np.maximum.accumulate(np.where(starts, index, 0))
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = index - first
    return rank


@dataclass
class Designations:
    """trakt, block (None for kvarter) and enhet of every row."""

    trakt: list[str]
    block: list[str | None]
    enhet: IntArray


def district_designations(
    plots: Plots, blocks: Blocks, specs: tuple[DistrictSpec, ...]
) -> Designations:
    """Trakt + block:enhet for plots, or kvarter + enhet for town blocks."""
    used = np.unique(plots.block)
    b_district = blocks.district[used]
    u_mid = (blocks.u0[used] + blocks.u1[used]) / 2
    trakt_index = np.zeros(len(used), dtype=np.int64)
    for d, spec in enumerate(specs):
        mine = b_district == d
        if len(spec.trakter) > 1 and mine.any():
            trakt_index[mine] = (u_mid[mine] > np.median(u_mid[mine])).astype(np.int64)
    is_kvarter = np.array([blocks.kvarter[b] is not None for b in used], dtype=bool)
    group = (b_district * 10 + trakt_index) * 2 + is_kvarter
    number = rank_within(group, blocks.row[used], u_mid) + 1
    names: list[str] = [
        blocks.kvarter[b] or specs[d].trakter[t]
        for b, d, t in zip(used, b_district, trakt_index, strict=True)
    ]
    position = np.searchsorted(used, plots.block)
    enhet = rank_within(plots.block, np.arange(len(plots.block))) + 1
    trakt = [names[p] for p in position]
    block = [None if is_kvarter[p] else str(number[p]) for p in position]
    return Designations(trakt, block, enhet)


def rural_designations(geoms: GeomArray) -> Designations:
    """Nearest rural trakt, blocks of RURAL_BLOCK_SIZE units, numbered north to south."""
    centres = shapely.get_coordinates(shapely.point_on_surface(geoms))
    anchors = np.array([[x, y] for _, x, y in RURAL_TRAKTER])
    dist2 = ((centres[:, None, :] - anchors[None, :, :]) ** 2).sum(axis=2)
    nearest = np.argmin(dist2, axis=1).astype(np.int64)
    rank = rank_within(nearest, -centres[:, 1], centres[:, 0])
    trakt = [RURAL_TRAKTER[i][0] for i in nearest]
    block: list[str | None] = [str(r // RURAL_BLOCK_SIZE + 1) for r in rank]
    return Designations(trakt, block, rank % RURAL_BLOCK_SIZE + 1)


def multi_area_pairs(
    geoms: GeomArray, block: IntArray, kind: IntArray, count: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """Pairs of villa plots in different blocks close to each other, to form two-area parcels."""
    villas = np.flatnonzero(kind == VILLA)
    if len(villas) < 2:
        return []
    candidates = rng.permutation(villas)[: count * 8]
    tree = shapely.STRtree(geoms[villas])
    qi, qj = tree.query(geoms[candidates], predicate="dwithin", distance=40.0)
    a, b = candidates[qi], villas[qj]
    ok = (block[a] != block[b]) & (shapely.distance(geoms[a], geoms[b]) > 2.0)
    used: set[int] = set()
    pairs: list[tuple[int, int]] = []
    for first, second in zip(a[ok].tolist(), b[ok].tolist(), strict=True):
        if first in used or second in used:
            continue
        used.update((first, second))
        pairs.append((first, second))
        if len(pairs) == count:
            break
    return pairs


@dataclass
class ParcelTable:
    """All parcel areas (rows) with designation, owner and kind."""

    frame: pd.DataFrame
    geom: GeomArray
    kind: IntArray
    designation: list[str]
    owner: list[str]


def _uuids(rnd: random.Random, count: int) -> list[str]:
    return [str(uuid.UUID(int=rnd.getrandbits(128), version=4)) for _ in range(count)]


def _timestamps(rng: np.random.Generator, count: int) -> npt.NDArray[np.datetime64]:
    start = np.datetime64("2006-01-01T00:00:00", "s")
    span = int((np.datetime64("2025-06-30T00:00:00", "s") - start).astype(np.int64))
    seconds = rng.integers(0, span, count)
    return (start + seconds.astype("timedelta64[s]")).astype("datetime64[ms]")


def build_table(
    geom: GeomArray,
    kind: IntArray,
    names: Designations,
    pairs: list[tuple[int, int]],
    seed: int,
    rng: np.random.Generator,
) -> ParcelTable:
    """The registerenhetsomradesyta table; paired rows become two areas of one parcel."""
    n = len(geom)
    rnd = random.Random(seed)
    objektidentitet = _uuids(rnd, n)
    reference = _uuids(rnd, n)
    trakt, block, enhet = list(names.trakt), list(names.block), names.enhet.copy()
    area_no = np.ones(n, dtype=np.int64)
    etikett = [f"{b}:{e}" if b is not None else str(e) for b, e in zip(block, enhet, strict=True)]
    for first, second in pairs:
        reference[second] = reference[first]
        trakt[second], block[second], enhet[second] = trakt[first], block[first], enhet[first]
        area_no[second] = 2
        base = etikett[first]
        etikett[first], etikett[second] = f"{base}>1", f"{base}>2"
    frame = pd.DataFrame(
        {
            "objektidentitet": objektidentitet,
            "registerenhetsreferens": reference,
            "objekttyp": "Fastighet",
            "senastandrad": _timestamps(rng, n),
            "lanskod": LANSKOD,
            "kommunkod": KOMMUNKOD,
            "kommunnamn": KOMMUNNAMN,
            "trakt": trakt,
            "block": pd.array(block, dtype=object),
            "enhet": enhet.astype(np.int32),
            "omradesnummer": area_no.astype(np.int32),
            "samjelittera": pd.array([None] * n, dtype=object),
            "osakertlage": np.zeros(n, dtype=np.int32),
            "etikett": etikett,
        }
    )
    designation = [
        f"{KOMMUNNAMN} {t} {e.split('>')[0]}" for t, e in zip(trakt, etikett, strict=True)
    ]
    owner = [OWNER_BY_KIND[int(k)] for k in kind]
    for first, second in pairs:
        owner[second] = owner[first]
    return ParcelTable(frame, geom, kind, designation, owner)


def write_owners(table: ParcelTable, path: Path, rng: np.random.Generator) -> int:
    """fastighetsagare.csv: one row per designation, a small share left out (owner unknown)."""
    seen: set[str] = set()
    rows: list[tuple[str, str]] = []
    for designation, owner in zip(table.designation, table.owner, strict=True):
        if designation not in seen:
            seen.add(designation)
            rows.append((designation, owner))
    unknown = rng.random(len(rows)) < UNKNOWN_OWNER_SHARE
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["fastighetsbeteckning", "agare"])
        writer.writerows(row for row, skip in zip(rows, unknown, strict=True) if not skip)
    return int((~unknown).sum())
