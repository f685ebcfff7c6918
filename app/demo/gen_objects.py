"""Maintenance objects (skötselobjekt) laid out on the parcels each organisation runs."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.demo.gen_frame import ESTATE, PARK, BoolArray, GeomArray, IntArray
from app.demo.gen_geom import (
    Hosts,
    Placer,
    as_geoms,
    empty_polygons,
    line_pieces,
    outline,
    polygon_pieces,
    sample_points,
)
from app.demo.gen_layout import Plots
from app.demo.gen_parcels import ROAD_HALF_WIDTH

# A quality profile per kind of place: central parks are kept finer than nature.
CENTRAL_PARK = 100
ROADSIDE = 101


@dataclass
class Batch:
    """Objects of one organisation with shared codes, geometry and where they came from."""

    org: str
    code: list[str]
    geom: GeomArray
    row: IntArray
    place: IntArray


@dataclass
class Sink:
    """Collects the generated objects."""

    batches: list[Batch] = field(default_factory=list)

    def add(
        self, org: str, code: str | list[str], geom: GeomArray, row: IntArray, place: IntArray
    ) -> None:
        """Add objects lying on parcel rows, place being the kind of place (for quality)."""
        if len(geom) == 0:
            return
        codes = [code] * len(geom) if isinstance(code, str) else code
        self.batches.append(Batch(org, codes, geom, row, place.astype(np.int64)))

    def add_on(
        self,
        org: str,
        code: str | list[str],
        geom: GeomArray,
        h: Hosts,
        index: IntArray,
        place: int | None = None,
    ) -> None:
        """Add objects where geom[i] lies on host index[i]."""
        places = h.place[index] if place is None else np.full(len(index), place)
        self.add(org, code, geom, h.row[index], places)

    def count(self, code: str | None = None) -> int:
        """How many objects (of one shared code) there are."""
        return sum(
            len(b.code) if code is None else sum(1 for c in b.code if c == code)
            for b in self.batches
        )


@dataclass
class Layout:
    """Context shared by the recipes."""

    place: Placer
    sink: Sink
    f: float

    @property
    def rng(self) -> np.random.Generator:
        """The random generator."""
        return self.place.rng

    def min_area(self) -> float:
        """Smallest area object worth keeping."""
        return 2.0 * self.f * self.f

    def chance(self, h: Hosts, p: float) -> IntArray:
        """Indices of hosts picked with probability p."""
        return np.flatnonzero(self.rng.random(len(h)) < p)

    def areas(
        self,
        org: str,
        code: str | list[str],
        h: Hosts,
        geoms: GeomArray,
        index: IntArray,
        place: int | None = None,
    ) -> tuple[GeomArray, IntArray]:
        """Add the polygons of geoms[i] (on host index[i], code[i]); return them and their hosts."""
        pieces, pos = polygon_pieces(geoms, self.min_area())
        self.sink.add_on(org, _codes(code, pos), pieces, h, index[pos], place)
        return pieces, index[pos]

    def lines(
        self, org: str, code: str | list[str], h: Hosts, geoms: GeomArray, index: IntArray
    ) -> None:
        """Add the line strings of geoms[i] (on host index[i], code[i])."""
        pieces, pos = line_pieces(geoms, 2.0 * self.f)
        self.sink.add_on(org, _codes(code, pos), pieces, h, index[pos])

    def points_in(
        self,
        org: str,
        code: str | list[str],
        h: Hosts,
        polygons: GeomArray,
        index: IntArray,
        counts: IntArray,
        place: int | None = None,
    ) -> tuple[GeomArray, IntArray]:
        """Add counts[i] random points inside polygons[i] (on host index[i], code[i])."""
        points, pos = sample_points(polygons, counts, self.rng)
        self.sink.add_on(org, _codes(code, pos), points, h, index[pos], place)
        return points, index[pos]

    def poisson(self, h: Hosts, index: IntArray, per_ha: float, extra: int = 0) -> IntArray:
        """Object counts proportional to the hosts' (scale-free) area."""
        return self.rng.poisson(per_ha * h.ha[index]).astype(np.int64) + extra

    def clipped(self, rects: GeomArray, h: Hosts, index: IntArray, free: bool = True) -> GeomArray:
        """Rectangles cut to the host's usable area."""
        container = h.free[index] if free else h.geom[index]
        return as_geoms(shapely.intersection(rects, container))

    def pick(self, index: IntArray, options: list[str], weights: list[float]) -> list[str]:
        """A random code per entry of index."""
        p = np.asarray(weights) / np.sum(weights)
        return [options[i] for i in self.rng.choice(len(options), size=len(index), p=p)]


def _codes(code: str | list[str], pos: IntArray) -> str | list[str]:
    """The code of each piece, from one code or a code per input geometry."""
    return code if isinstance(code, str) else [code[i] for i in pos.tolist()]


def _path(lay: Layout, h: Hosts, along_u: bool, at: float, width: float) -> GeomArray:
    """A straight path across each host, as a polygon inside the host."""
    if along_u:
        line = lay.place.line(h, -0.1, at, 1.1, at, 0.06)
    else:
        line = lay.place.line(h, at, -0.1, at, 1.1, 0.06)
    band = shapely.buffer(line, width * lay.f / 2, cap_style="flat")
    return as_geoms(shapely.intersection(band, h.geom))


def park_objects(lay: Layout, h: Hosts, is_central: BoolArray) -> None:
    """Parkenheten's parks: lawns, beds, paths, playgrounds, furniture and trees."""
    org = "parkenheten"
    paths = _park_paths(lay, h)
    _park_lawns(lay, h, paths, is_central)
    _beds(lay, h, is_central)
    _pond(lay, h)
    _playground(lay, org, h, lay.chance(h, 0.6), ("LEK", "Y5", "FL", "S", "LR", "ST"))
    _benches(lay, org, h, paths, ("UT1", "UT2"), 5.0)
    _park_plants(lay, h)
    _urns(lay, h, is_central)
    _edges(lay, org, h, is_central)


def _park_paths(lay: Layout, h: Hosts) -> GeomArray:
    """A gravel path along the park and, in most parks, an asphalt path across it."""
    n = len(h)
    gravel = _path(lay, h, True, 0.5, 3.0)
    asphalt = empty_polygons(n)
    crossed = lay.chance(h, 0.6)
    asphalt[crossed] = _path(lay, h.take(crossed), False, 0.62, 3.5)
    lay.areas("parkenheten", "GR1", h, gravel, np.arange(n))
    lay.areas("parkenheten", "Y1", h, asphalt[crossed], crossed)
    return as_geoms(shapely.union(gravel, asphalt))


def _park_lawns(lay: Layout, h: Hosts, paths: GeomArray, is_central: BoolArray) -> None:
    """Lawns, a rougher corner and shrubberies between the paths."""
    org, n, place = "parkenheten", len(h), lay.place
    all_ = np.arange(n)
    fine = [
        "G1" if c or r < 0.4 else "G3" for c, r in zip(is_central, lay.rng.random(n), strict=True)
    ]
    wild = lay.pick(all_, ["G4", "NA1", "NA2", "G3"], [3, 2, 3, 2])
    for code, box in (
        ("G2", (0.03, 0.58, 0.03, 0.97)),
        (fine, (0.64, 0.97, 0.55, 0.97)),
        (wild, (0.64, 0.97, 0.03, 0.45)),
    ):
        lawn = shapely.difference(lay.clipped(place.rect(h, *box), h, all_), paths)
        lay.areas(org, code, h, as_geoms(lawn), all_)
    shrub_code = ["B1" if c else "B2" for c in is_central]
    for box, p in (((0.05, 0.16, 0.05, 0.2), 0.8), ((0.44, 0.56, 0.8, 0.95), 0.6)):
        pick = lay.chance(h, p)
        rects = lay.clipped(place.rect(h.take(pick), *box), h, pick)
        lay.areas(org, [shrub_code[i] for i in pick], h, rects, pick)


def _park_plants(lay: Layout, h: Hosts) -> None:
    """Park trees, solitary shrubs and the odd small orchard."""
    org, all_ = "parkenheten", np.arange(len(h))
    lay.points_in(org, "T1", h, h.free, all_, lay.poisson(h, all_, 22.0))
    lay.points_in(org, "B1.2", h, h.free, all_, lay.poisson(h, all_, 3.0))
    fruit = lay.chance(h, 0.2)
    orchard = lay.clipped(lay.place.rect(h.take(fruit), 0.4, 0.56, 0.55, 0.78), h, fruit)
    lay.points_in(org, "T5", h, orchard, fruit, lay.rng.integers(3, 7, len(fruit)))


def _beds(lay: Layout, h: Hosts, is_central: BoolArray) -> None:
    org, place = "parkenheten", lay.place
    perennial = lay.chance(h, 0.5)
    rects = lay.clipped(place.rect(h.take(perennial), 0.66, 0.76, 0.6, 0.7), h, perennial)
    lay.areas(org, "R2", h, rects, perennial)
    flowers = np.flatnonzero(is_central & (lay.rng.random(len(h)) < 0.9))
    rects = lay.clipped(place.rect(h.take(flowers), 0.8, 0.92, 0.76, 0.88), h, flowers)
    lay.areas(org, "R1", h, rects, flowers)


def _pond(lay: Layout, h: Hosts) -> None:
    ponds = lay.chance(h, 0.25)
    sub = h.take(ponds)
    width, depth = sub.size()
    centre = lay.place.points(
        sub, lay.place.jitter(len(sub), 0.8, 0.05), lay.place.jitter(len(sub), 0.24, 0.04)
    )
    radius = 0.09 * np.minimum(width, depth) * lay.rng.uniform(0.7, 1.2, len(sub))
    water = as_geoms(shapely.intersection(shapely.buffer(centre, radius, quad_segs=6), sub.geom))
    lay.areas("parkenheten", "V1", h, water, ponds)


def _playground(
    lay: Layout,
    org: str,
    h: Hosts,
    pick: IntArray,
    codes: tuple[str, str, str, str, str, str],
    box: tuple[float, float, float, float] = (0.08, 0.38, 0.1, 0.45),
) -> None:
    """A play area with rubber, bark and sand surfaces, play equipment and a fence."""
    lek, rubber, bark, sand, equipment, fence = codes
    place = lay.place
    sub = h.take(pick)
    u0, u1, v0, v1 = box
    du, dv = (u1 - u0), (v1 - v0)
    area = lay.clipped(place.rect(sub, u0, u1, v0, v1, 0.0), h, pick, free=False)
    pieces, owner = lay.areas(org, lek, h, area, pick)
    surfaces = (
        (rubber, (0.07, 0.4, 0.06, 0.4)),
        (bark, (0.47, 0.93, 0.06, 0.5)),
        (sand, (0.07, 0.4, 0.6, 0.94)),
    )
    for code, (a, b, c, d) in surfaces:
        if not code:
            continue
        rect = place.rect(sub, u0 + a * du, u0 + b * du, v0 + c * dv, v0 + d * dv, 0.0)
        lay.areas(org, code, h, as_geoms(shapely.intersection(rect, area)), pick)
    lay.points_in(org, equipment, h, pieces, owner, lay.rng.integers(2, 6, len(pieces)))
    fenced = lay.rng.random(len(pieces)) < 0.5
    if fence:
        lay.lines(org, fence, h, outline(pieces[fenced]), owner[fenced])


def _benches(
    lay: Layout, org: str, h: Hosts, paths: GeomArray, codes: tuple[str, str], per_ha: float
) -> None:
    """Benches beside the paths, a bin next to every other bench."""
    all_ = np.arange(len(h))
    beside = as_geoms(
        shapely.intersection(shapely.difference(shapely.buffer(paths, 3.5 * lay.f), paths), h.free)
    )
    counts = lay.poisson(h, all_, per_ha, 1)
    benches, owner = lay.points_in(org, codes[0], h, beside, all_, counts)
    _bins_near(lay, org, h, benches[::2], owner[::2], codes[1])


def _bins_near(
    lay: Layout, org: str, h: Hosts, benches: GeomArray, owner: IntArray, code: str
) -> None:
    offset = lay.rng.normal(0.0, 1.5 * lay.f, (len(benches), 2))
    xy = shapely.get_coordinates(benches) + offset
    bins = as_geoms(shapely.points(xy))
    inside = (
        shapely.contains_xy(h.geom[owner], xy[:, 0], xy[:, 1]) if len(xy) else np.zeros(0, bool)
    )
    lay.sink.add_on(org, code, bins[inside], h, owner[inside])


def _urns(lay: Layout, h: Hosts, is_central: BoolArray) -> None:
    counts = np.where(is_central, lay.rng.integers(2, 5, len(h)), lay.rng.random(len(h)) < 0.1)
    rects = lay.clipped(lay.place.rect(h, 0.74, 0.96, 0.7, 0.92), h, np.arange(len(h)))
    lay.points_in("parkenheten", "U1", h, rects, np.arange(len(h)), counts.astype(np.int64))


def _edges(lay: Layout, org: str, h: Hosts, is_central: BoolArray) -> None:
    hedged = lay.chance(h, 0.5)
    codes = ["H1" if is_central[i] or lay.rng.random() < 0.5 else "H2" for i in hedged]
    lines = lay.place.line(h.take(hedged), 0.05, 0.02, 0.95, 0.02)
    lay.lines(org, codes, h, as_geoms(shapely.intersection(lines, h.geom[hedged])), hedged)
    fenced = lay.chance(h, 0.2)
    lines = lay.place.line(h.take(fenced), 0.05, 0.98, 0.95, 0.98)
    lay.lines(org, "ST", h, as_geoms(shapely.intersection(lines, h.geom[fenced])), fenced)


def estate_objects(lay: Layout, h: Hosts) -> None:
    """Huge's housing estates: lawns round the buildings, shrubs, hedges, a playground."""
    org, all_ = "huge", np.arange(len(h))
    _estate_grounds(lay, h)
    box = (0.6, 0.88, 0.7, 0.93)
    _playground(lay, org, h, lay.chance(h, 0.7), ("LEK", "", "", "", "LR", "ST"), box)
    yard = lay.clipped(lay.place.rect(h, 0.3, 0.7, 0.68, 0.95), h, all_)
    benches, owner = lay.points_in(org, "UT1", h, yard, all_, lay.poisson(h, all_, 2.0, 2))
    _bins_near(lay, org, h, benches[::2], owner[::2], "UT2")
    lay.points_in(org, "T1", h, h.free, all_, lay.poisson(h, all_, 12.0))


def _estate_grounds(lay: Layout, h: Hosts) -> None:
    """Paved paths to the doors, the lawn round them, shrubs by the facades, edge hedges."""
    org, all_, place = "huge", np.arange(len(h)), lay.place
    paths = shapely.union(
        lay.clipped(place.rect(h, 0.47, 0.53, 0.0, 0.38, 0.02), h, all_),
        lay.clipped(place.rect(h, 0.08, 0.92, 0.34, 0.38, 0.0), h, all_),
    )
    lay.areas(org, "Y2", h, as_geoms(paths), all_)
    lawn = shapely.difference(
        lay.clipped(place.rect(h, 0.02, 0.98, 0.02, 0.98, 0.0), h, all_), paths
    )
    lay.areas(org, "G2", h, as_geoms(lawn), all_)
    for box in ((0.12, 0.3, 0.63, 0.67), (0.6, 0.85, 0.63, 0.67)):
        pick = lay.chance(h, 0.8)
        lay.areas(org, "B2", h, lay.clipped(place.rect(h.take(pick), *box, 0.0), h, pick), pick)
    for fv in (0.015, 0.985):
        pick = lay.chance(h, 0.7)
        lines = place.line(h.take(pick), 0.03, fv, 0.97, fv)
        lay.lines(org, "H1", h, as_geoms(shapely.intersection(lines, h.geom[pick])), pick)


def school_objects(lay: Layout, h: Hosts) -> None:
    """HuSF's school and preschool yards."""
    org, n, place = "husf", len(h), lay.place
    all_ = np.arange(n)
    lay.areas(org, "G2", h, lay.clipped(place.rect(h, 0.03, 0.55, 0.03, 0.5), h, all_), all_)
    fields = lay.chance(h, 0.7)
    codes = lay.pick(fields, ["IG1", "IG2"], [0.6, 0.4])
    rects = lay.clipped(place.rect(h.take(fields), 0.58, 0.96, 0.52, 0.96), h, fields)
    lay.areas(org, codes, h, rects, fields)
    _playground(lay, org, h, all_, ("LEK", "Y5", "FL", "S", "LR", ""), (0.08, 0.46, 0.08, 0.46))
    fenced = lay.chance(h, 0.8)
    lay.lines(org, "ST", h, outline(h.geom[fenced]), fenced)
    yard = lay.clipped(place.rect(h, 0.05, 0.55, 0.05, 0.5), h, all_)
    lay.points_in(org, "UT1", h, yard, all_, lay.poisson(h, all_, 3.0, 2))
    lay.points_in(org, "T1", h, h.free, all_, lay.poisson(h, all_, 9.0))


def sports_objects(lay: Layout, h: Hosts) -> None:
    """Kultur och fritid's sports grounds: a pitch, gravel round it, fence, benches."""
    org, n, place = "kultur-fritid", len(h), lay.place
    all_ = np.arange(n)
    codes = lay.pick(all_, ["IG1", "IG2"], [0.55, 0.45])
    pitch = lay.clipped(place.rect(h, 0.2, 0.8, 0.07, 0.93, 0.02), h, all_, free=False)
    lay.areas(org, codes, h, pitch, all_)
    gravel = as_geoms(
        shapely.difference(
            lay.clipped(place.rect(h, 0.03, 0.97, 0.02, 0.98, 0.0), h, all_, free=False), pitch
        )
    )
    lay.areas(org, "GR1", h, gravel, all_)
    lay.lines(org, "ST", h, outline(h.geom), all_)
    counts = lay.rng.integers(4, 11, n)
    owner = np.repeat(all_, counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    fu = 0.25 + 0.5 * (np.arange(len(owner)) - first[owner]) / np.maximum(counts[owner] - 1, 1)
    benches = place.points(h.take(owner), fu, np.full(len(owner), 0.04))
    inside = shapely.contains(h.geom[owner], benches)
    lay.sink.add_on(org, "UT1", benches[inside], h, owner[inside])
    bins = lay.rng.integers(2, 4, n)
    lay.points_in(org, "UT2", h, gravel_strip(lay, h), all_, bins)


def gravel_strip(lay: Layout, h: Hosts) -> GeomArray:
    """The strip along the long side where the spectators are."""
    return lay.clipped(
        lay.place.rect(h, 0.05, 0.95, 0.02, 0.06, 0.0), h, np.arange(len(h)), free=False
    )


def strip_objects(lay: Layout, h: Hosts) -> None:
    """Planting strips along streets: a rough lawn with a row of street trees."""
    org, n = "parkenheten", len(h)
    all_ = np.arange(n)
    lay.areas(org, "G3", h, h.geom, all_)
    centre = as_geoms(shapely.intersection(lay.place.line(h, 0.0, 0.5, 1.0, 0.5), h.geom))
    lines, owner = line_pieces(centre, 1.0)
    spacing = 12.0 * lay.f
    counts = (shapely.length(lines) // spacing).astype(np.int64)
    which = np.repeat(np.arange(len(lines)), counts)
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    at = (np.arange(len(which)) - first[which] + 0.5) * spacing
    trees = as_geoms(shapely.line_interpolate_point(lines[which], at))
    lay.sink.add_on(org, "T2", trees, h, owner[which])


def nature_objects(lay: Layout, h: Hosts) -> None:
    """Municipal natural land: meadows and woodland patches with the odd bench."""
    org, n = "parkenheten", len(h)
    counts = lay.rng.integers(1, 4, n)
    centres, owner = sample_points(h.geom, counts, lay.rng)
    radius = lay.rng.uniform(30.0, 140.0, len(centres))
    patches = as_geoms(
        shapely.intersection(shapely.buffer(centres, radius, quad_segs=8), h.geom[owner])
    )
    codes = lay.pick(owner, ["NA1", "NA2", "G4"], [3, 5, 1])
    pieces, piece_owner = lay.areas(org, codes, h, patches, owner)
    rest = lay.rng.random(len(pieces)) < 0.35
    lay.points_in(
        org, "UT1", h, pieces[rest], piece_owner[rest], lay.rng.integers(1, 3, int(rest.sum()))
    )


def road_objects(lay: Layout, h: Hosts, line: BaseGeometry) -> None:
    """Trafikverket's verges: grass slopes on both sides and fences along the edges."""
    org, n = "trafikverket", len(h)
    all_ = np.arange(n)
    slopes = line.buffer(ROAD_HALF_WIDTH - 3.0, cap_style="flat").difference(
        line.buffer(ROAD_HALF_WIDTH - 16.0, cap_style="flat")
    )
    lay.areas(org, "G5", h, as_geoms(shapely.intersection(h.geom, slopes)), all_, ROADSIDE)
    for side in (-1.0, 1.0):
        fence = shapely.offset_curve(line, side * (ROAD_HALF_WIDTH - 2.0))
        lay.lines(org, "ST", h, as_geoms(shapely.intersection(h.geom, fence)), all_)


def estate_park_pairs(plots: Plots) -> IntArray:
    """(estate plot, park plot) pairs of mixed blocks that share an edge across the block."""
    estates = np.flatnonzero(plots.kind == ESTATE)
    by_edge = {
        (int(plots.block[i]), float(plots.v0[i]), float(plots.u1[i])): int(i) for i in estates
    }
    pairs = []
    for j in np.flatnonzero(plots.kind == PARK):
        key = (int(plots.block[j]), float(plots.v0[j]), float(plots.u0[j]))
        if key in by_edge:
            pairs.append((by_edge[key], int(j)))
    return np.asarray(pairs, dtype=np.int64).reshape(-1, 2)


def straddling_objects(lay: Layout, plots: Plots, pairs: IntArray, target: int) -> None:
    """Huge's lawns and hedges that run on into the neighbouring municipal pocket park."""
    pairs = pairs[: (target + 1) // 2]
    e, p = pairs[:, 0], pairs[:, 1]
    both = as_geoms(
        shapely.buffer(
            shapely.union(plots.geom[e], plots.geom[p]), -0.5 * lay.f, join_style="mitre"
        )
    )
    border, reach = plots.u1[e], 12.0 * lay.f
    depth = plots.v1[e] - plots.v0[e]
    frames, district = lay.place.frames, plots.district[e]
    lawns = frames.rects(
        district,
        border - reach,
        border + reach,
        plots.v0[e] + 0.55 * depth,
        plots.v0[e] + 0.8 * depth,
    )
    v_hedge = plots.v0[e] + 0.2 * depth
    hedges = frames.lines(district, border - reach, v_hedge, border + reach, v_hedge)
    geoms, owner = polygon_pieces(as_geoms(shapely.intersection(lawns, both)), lay.min_area())
    lay.sink.add("huge", "G2", geoms, e[owner], np.full(len(owner), ESTATE))
    geoms, owner = line_pieces(as_geoms(shapely.intersection(hedges, both)), 2.0 * lay.f)
    lay.sink.add("huge", "H1", geoms, e[owner], np.full(len(owner), ESTATE))
