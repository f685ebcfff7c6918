"""The demo's land: districts, plots, rural land and the state road, as one parcel table."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from app.demo.gen_frame import (
    DISTRICTS,
    ROAD,
    SCHOOL,
    SPORTS,
    DistrictSpec,
    Frames,
    GeomArray,
    IntArray,
    district_scale,
    initial_plot_scale,
    load_municipality,
    make_frames,
)
from app.demo.gen_layout import (
    Blocks,
    Plots,
    district_polygons,
    estimate_plot_count,
    make_blocks,
    make_plots,
)
from app.demo.gen_parcels import (
    Designations,
    ParcelTable,
    build_table,
    district_designations,
    multi_area_pairs,
    road_corridor,
    road_line,
    road_parcels,
    rural_designations,
    rural_kinds,
    rural_parcels,
)

# Independent random streams, so that changing one part does not reshuffle the others.
STREAM_FRAMES, STREAM_DISTRICTS, STREAM_BLOCKS, STREAM_PLOTS = 1, 2, 3, 4
STREAM_RURAL, STREAM_KINDS, STREAM_PAIRS, STREAM_TABLE = 5, 6, 7, 8
ROAD_GAP = 15.0
RURAL_GAP = 12.0


def stream(seed: int, number: int) -> np.random.Generator:
    """The random generator of one part of the demo."""
    return np.random.default_rng([seed, number])


@dataclass
class World:
    """Everything the objects and files are made from."""

    seed: int
    parcels: int
    f: float
    municipality: BaseGeometry
    road: shapely.LineString
    frames: Frames
    districts: list[BaseGeometry]
    specs: tuple[DistrictSpec, ...]
    blocks: Blocks
    plots: Plots
    rural: GeomArray
    road_parcels: GeomArray
    table: ParcelTable


def _calibrated_plots(
    goal: int, parcels: int, seed: int, polygons: list[BaseGeometry], frames: Frames
) -> tuple[Blocks, Plots, float]:
    """Blocks and plots with a plot size that gives between goal and ~8 % more plots."""
    f = initial_plot_scale(parcels)
    target = goal * 1.035
    for _ in range(12):
        blocks = make_blocks(DISTRICTS, polygons, frames, f, stream(seed, STREAM_BLOCKS))
        estimate = estimate_plot_count(
            blocks, DISTRICTS, polygons, frames, f, stream(seed, STREAM_PLOTS)
        )
        if goal * 1.01 <= estimate <= goal * 1.07:
            break
        f *= math.sqrt(max(estimate, 1) / target)
    for _ in range(12):
        plots = make_plots(blocks, DISTRICTS, polygons, frames, f, stream(seed, STREAM_PLOTS))
        if goal <= len(plots.kind) <= goal * 1.1:
            break
        f *= math.sqrt(max(len(plots.kind), 1) / target)
        blocks = make_blocks(DISTRICTS, polygons, frames, f, stream(seed, STREAM_BLOCKS))
    return blocks, plots, f


def _join(first: Designations, second: Designations) -> Designations:
    return Designations(
        first.trakt + second.trakt,
        first.block + second.block,
        np.concatenate([first.enhet, second.enhet]),
    )


def rural_seed_count(parcels: int) -> int:
    """How many Voronoi seeds cut the rural land (a few hundred parcels)."""
    return int(min(600, max(min(120, parcels // 10), parcels * 0.015)))


def multi_area_count(parcels: int) -> int:
    """How many parcels get two areas (a few dozen)."""
    return min(60, max(12, parcels // 500))


def build_world(seed: int, parcels: int) -> World:
    """Lay out districts, plots, rural land and road, and build the parcel table."""
    municipality = load_municipality()
    road = road_line(municipality)
    corridor = road_corridor(road, municipality)
    frames = make_frames(DISTRICTS, stream(seed, STREAM_FRAMES))
    polygons = district_polygons(
        DISTRICTS,
        municipality,
        corridor.buffer(ROAD_GAP),
        district_scale(parcels),
        stream(seed, STREAM_DISTRICTS),
    )
    built = shapely.union_all(polygons)
    land = municipality.difference(corridor).difference(built.buffer(RURAL_GAP))
    rural = rural_parcels(municipality, land, rural_seed_count(parcels), stream(seed, STREAM_RURAL))
    on_road = road_parcels(road, corridor)
    goal = parcels - len(rural) - len(on_road)
    blocks, plots, f = _calibrated_plots(goal, parcels, seed, polygons, frames)
    geom = np.concatenate([plots.geom, rural, on_road])
    kind = np.concatenate(
        [
            plots.kind,
            rural_kinds(rural, built, stream(seed, STREAM_KINDS)),
            np.full(len(on_road), ROAD, dtype=np.int64),
        ]
    )
    names = _join(
        district_designations(plots, blocks, DISTRICTS),
        rural_designations(np.concatenate([rural, on_road])),
    )
    pairs = multi_area_pairs(
        geom,
        np.concatenate([plots.block, np.full(len(geom) - len(plots.block), -1)]),
        kind,
        multi_area_count(parcels),
        stream(seed, STREAM_PAIRS),
    )
    table = build_table(geom, kind, names, pairs, seed, stream(seed, STREAM_TABLE))
    return World(
        seed,
        parcels,
        f,
        municipality,
        road,
        frames,
        polygons,
        DISTRICTS,
        blocks,
        plots,
        rural,
        on_road,
        table,
    )


def row_labels(world: World) -> dict[str, list[str]]:
    """Per parcel row: district (or rural trakt) name, school and sports ground names."""
    n_plots = len(world.plots.kind)
    trakt = world.table.frame["trakt"].tolist()
    district = [world.specs[d].name for d in world.plots.district.tolist()]
    district += [t.title() for t in trakt[n_plots:]]
    school = [""] * len(trakt)
    facility = [""] * len(trakt)
    _name_places(world.table.kind, trakt, SCHOOL, school, _school_name)
    _name_places(world.table.kind, trakt, SPORTS, facility, _facility_name)
    return {"district": district, "school": school, "facility": facility}


def _genitive(name: str) -> str:
    return name if name[-1] in "sxzaeiouyåäö" else name + "s"


def _school_name(trakt: str, k: int) -> str:
    base = _genitive(trakt.title())
    preschools = ("Ekorren", "Solrosen", "Lärkan", "Blåklockan", "Humlan", "Myran", "Trollet")
    if k % 2:
        return f"Förskolan {preschools[(k // 2) % len(preschools)]}, {trakt.title()}"
    prefixes = ("", "Norra ", "Södra ", "Östra ", "Västra ")
    number = "" if k // 2 < len(prefixes) else f" {k // 2 // len(prefixes) + 1}"
    return f"{prefixes[(k // 2) % len(prefixes)]}{base}skolan{number}"


def _facility_name(trakt: str, k: int) -> str:
    kinds = ("IP", "bollplan", "idrottsplats", "sportfält")
    number = "" if k < len(kinds) else f" {k // len(kinds) + 1}"
    return f"{_genitive(trakt.title())} {kinds[k % len(kinds)]}{number}"


def _name_places(
    kind: IntArray, trakt: list[str], wanted: int, out: list[str], namer: Callable[[str, int], str]
) -> None:
    seen: dict[str, int] = {}
    for row in np.flatnonzero(kind == wanted).tolist():
        k = seen.get(trakt[row], 0)
        seen[trakt[row]] = k + 1
        out[row] = namer(trakt[row], k)
