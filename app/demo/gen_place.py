"""Put every organisation's maintenance objects on the parcels it owns or runs."""

from __future__ import annotations

import math

import numpy as np
import shapely

from app.demo.gen_frame import (
    ESTATE,
    NATURE_KOMMUN,
    PARK,
    ROAD,
    SCHOOL,
    SPORTS,
    STRIP,
    GeomArray,
    IntArray,
)
from app.demo.gen_geom import Hosts, Placer, as_geoms
from app.demo.gen_objects import (
    CENTRAL_PARK,
    Layout,
    Sink,
    estate_objects,
    estate_park_pairs,
    nature_objects,
    park_objects,
    road_objects,
    school_objects,
    sports_objects,
    straddling_objects,
    strip_objects,
)
from app.demo.gen_world import World

STREAM_OBJECTS = 20
STRADDLING_OBJECTS = 20
# Buildings on estates and school plots, as fractions of the plot rectangle.
BUILDINGS = {
    ESTATE: ((0.1, 0.45, 0.42, 0.6), (0.55, 0.9, 0.42, 0.6)),
    SCHOOL: ((0.08, 0.5, 0.56, 0.94),),
}
INSET = {ESTATE: 1.0, SCHOOL: 1.0, PARK: 1.5, SPORTS: 1.0, STRIP: 0.5}


def district_hosts(world: World, kind: int, place: Placer) -> Hosts:
    """Plots of one kind, inset from their edges, with buildings cut out."""
    plots = world.plots
    idx = np.flatnonzero(plots.kind == kind)
    flip_u = place.rng.random(len(idx)) < 0.5
    flip_v = place.rng.random(len(idx)) < 0.5
    ua = np.where(flip_u, plots.u1[idx], plots.u0[idx])
    ub = np.where(flip_u, plots.u0[idx], plots.u1[idx])
    va = np.where(flip_v, plots.v1[idx], plots.v0[idx])
    vb = np.where(flip_v, plots.v0[idx], plots.v1[idx])
    geom = as_geoms(shapely.buffer(plots.geom[idx], -INSET[kind] * world.f, join_style="mitre"))
    h = Hosts(idx, plots.district[idx], plots.kind[idx], ua, ub, va, vb, geom)
    h.free = _without_buildings(h, kind, place)
    h.ha = shapely.area(h.geom) / 1e4 / world.f**2
    return h


def _without_buildings(h: Hosts, kind: int, place: Placer) -> GeomArray:
    free = h.geom
    for box in BUILDINGS.get(kind, ()):
        free = as_geoms(shapely.difference(free, place.rect(h, *box, jitter=0.0)))
    return free


def table_hosts(world: World, kind: int, inset: float) -> Hosts:
    """Rural or road parcels of one kind (they have no grid frame)."""
    idx = np.flatnonzero(world.table.kind == kind)
    zeros = np.zeros(len(idx))
    geom = as_geoms(shapely.buffer(world.table.geom[idx], -inset, join_style="mitre"))
    h = Hosts(
        idx,
        np.zeros(len(idx), dtype=np.int64),
        world.table.kind[idx],
        zeros,
        zeros,
        zeros,
        zeros,
        geom,
        geom,
    )
    h.ha = shapely.area(geom) / 1e4
    return h


def place_objects(world: World) -> Sink:
    """All maintenance objects of all organisations."""
    rng = np.random.default_rng([world.seed, STREAM_OBJECTS])
    lay = Layout(Placer(world.frames, rng), Sink(), world.f)
    parks = district_hosts(world, PARK, lay.place)
    central = np.array([world.specs[d].central for d in parks.district.tolist()], dtype=bool)
    # Central parks are kept to a higher standard: their objects get that quality profile.
    parks.place[central] = CENTRAL_PARK
    park_objects(lay, parks, central)
    strip_objects(lay, district_hosts(world, STRIP, lay.place))
    estate_objects(lay, district_hosts(world, ESTATE, lay.place))
    school_objects(lay, district_hosts(world, SCHOOL, lay.place))
    sports_objects(lay, district_hosts(world, SPORTS, lay.place))
    nature = table_hosts(world, NATURE_KOMMUN, 3.0)
    nature_objects(lay, nature)
    road_objects(lay, table_hosts(world, ROAD, 0.5), world.road)
    straddling_objects(lay, world.plots, estate_park_pairs(world.plots), STRADDLING_OBJECTS)
    _top_up(lay, parks, nature, world.parcels)
    return lay.sink


def _top_up(lay: Layout, parks: Hosts, nature: Hosts, parcels: int) -> None:
    """Add park benches and trees until the demo has enough of both."""
    hosts = parks if len(parks) else nature
    if len(hosts) == 0:
        return
    for _ in range(5):
        benches = math.ceil(parcels / 10) - lay.sink.count("UT1")
        trees = math.ceil(1.5 * parcels) - lay.sink.count() - max(benches, 0)
        if benches <= 0 and trees <= 0:
            return
        for code, missing in (("UT1", benches), ("T1", trees)):
            if missing > 0:
                counts = _spread(lay, hosts, missing)
                lay.points_in("parkenheten", code, hosts, hosts.free, _all(hosts), counts)


def _all(h: Hosts) -> IntArray:
    return np.arange(len(h))


def _spread(lay: Layout, h: Hosts, total: int) -> IntArray:
    """total objects spread over the hosts by area (a few extra for points that miss)."""
    weights = np.maximum(h.ha, 1e-9)
    counts: IntArray = lay.rng.multinomial(int(total * 1.05) + 1, weights / weights.sum())
    return counts
