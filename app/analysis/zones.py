"""Coordination zones: clusters of live maintenance objects where several organisations or crews
work.

Objects are clustered with ST_ClusterDBSCAN (eps = the distance, minpoints 1: every object is in
a zone, and two objects are in one zone when a chain of objects, each within the distance of the
next, joins them). A zone is kept when its objects have two or more huvudmän or two or more
performers. An object's performer is the utförare of the driftområde, current today, that covers
the object (a point on its surface) and whose beställare is its huvudman (the latest contract
first, as the responsibility answer chooses); without one, the huvudman's own unit.

A zone is known by its key: the md5 of its members' objekt_id, sorted. It is the same for the
same members at the same distance, and changes when the data moves an object in or out.
"""

import math
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from app.analysis.live import WORK_MEM_SQL, live_now
from app.analysis.rows import QuantityRow, Unit, row_from_json

# How the units combine into one quantity (m²): a metre of line as a 1 m wide strip, a point
# object as the 10 m² worked around it.
COMBINED_M2_PER_UNIT: dict[Unit, float] = {"m²": 1.0, "m": 1.0, "st": 10.0}
MIN_POINTS = 1


# Objects are first gathered into square cells by a point on each (ST_PointOnSurface; a point
# object is its own): the cell's diagonal is just under the distance, so the objects of one cell
# are all within the distance of each other and in one zone anyway. ST_ClusterDBSCAN then runs
# over one collection per cell: two cells are joined when some member of one lies within the
# distance of some member of the other, which is the objects' own chain rule — the same zones
# from far fewer, if larger, geometries.
_CELL_OF_DIAGONAL = (1 - 1e-9) / math.sqrt(2)
# An object's performer, found from the side of the (few) driftområden, so that each area's
# geometry is prepared once for all the objects under it.
_ZONES_SQL = f"""
WITH live AS NOT MATERIALIZED (
  SELECT o.id, o.objekt_id, o.huvudman_id, o.skotselprodukt_kod, o.kvalitetsniva, o.geometrityp,
         o.geom, CASE WHEN o.geometrityp = 'punkt' THEN o.geom ELSE ST_PointOnSurface(o.geom) END
         AS spot
  FROM skotselobjekt o
  WHERE {live_now()}
),
cells AS (
  SELECT floor(ST_X(spot) / %(cell)s)::int AS i, floor(ST_Y(spot) / %(cell)s)::int AS j,
         ST_Collect(geom) AS members
  FROM live
  GROUP BY 1, 2
),
clustered AS MATERIALIZED (
  SELECT i, j, ST_ConvexHull(members) AS hull,
         ST_ClusterDBSCAN(members, eps := %(eps)s, minpoints := %(minpoints)s) OVER () AS cluster
  FROM cells
),
areas AS (
  SELECT d.id, d.namn, d.bestallare_id, d.utforare_id, d.avtal_fran, d.geom FROM driftomrade d
  WHERE d.avtal_fran <= (now() AT TIME ZONE 'Europe/Stockholm')::date
    AND (d.avtal_till IS NULL OR d.avtal_till >= (now() AT TIME ZONE 'Europe/Stockholm')::date)
),
covered AS (
  SELECT DISTINCT ON (l.id) l.id, d.utforare_id, d.namn
  FROM areas d
  JOIN live l ON l.huvudman_id = d.bestallare_id AND l.geom && d.geom AND ST_Covers(d.geom, l.spot)
  ORDER BY l.id, d.avtal_fran DESC, d.id
),
performed AS MATERIALIZED (
  SELECT c.cluster, l.objekt_id, l.huvudman_id, l.skotselprodukt_kod, l.kvalitetsniva,
         l.geometrityp, CASE l.geometrityp WHEN 'yta' THEN ST_Area(l.geom)
                                           WHEN 'linje' THEN ST_Length(l.geom) ELSE 1 END AS q,
         coalesce(pa.utforare_id, l.huvudman_id) AS performer_id, pa.namn AS area_name
  FROM live l
  JOIN clustered c
    ON c.i = floor(ST_X(l.spot) / %(cell)s)::int AND c.j = floor(ST_Y(l.spot) / %(cell)s)::int
  LEFT JOIN covered pa ON pa.id = l.id
),
by_product AS MATERIALIZED (
  SELECT cluster, huvudman_id, skotselprodukt_kod, kvalitetsniva, geometrityp,
         count(*) AS objects, sum(q) AS q
  FROM performed
  GROUP BY cluster, huvudman_id, skotselprodukt_kod, kvalitetsniva, geometrityp
),
by_crew AS MATERIALIZED (
  SELECT cluster, performer_id, area_name, count(*) AS objects
  FROM performed
  GROUP BY cluster, performer_id, area_name
),
kept AS MATERIALIZED (
  SELECT cluster FROM by_product GROUP BY cluster HAVING count(DISTINCT huvudman_id) >= 2
  UNION
  SELECT cluster FROM by_crew GROUP BY cluster HAVING count(DISTINCT performer_id) >= 2
),
zones AS MATERIALIZED (
  SELECT p.cluster, md5(string_agg(p.objekt_id::text, ',' ORDER BY p.objekt_id)) AS key,
         count(*) AS objects
  FROM performed p JOIN kept k USING (cluster)
  GROUP BY p.cluster
),
outlines AS (
  SELECT c.cluster, ST_ConvexHull(ST_Collect(c.hull)) AS hull
  FROM clustered c JOIN kept k USING (cluster)
  GROUP BY c.cluster
)
SELECT 'zon', z.key, json_build_object(
         'objekt', z.objects,
         'geometri', ST_AsGeoJSON(ST_Transform(
           CASE WHEN ST_Dimension(h.hull) < 2 THEN ST_Buffer(h.hull, 1) ELSE h.hull END, 4326
         ), 7)::json)::text
FROM zones z JOIN outlines h USING (cluster)
UNION ALL
SELECT 'mangd', z.key, json_build_object(
         'organisation', g.slug, 'produkt', p.skotselprodukt_kod, 'kvalitet', p.kvalitetsniva,
         'typ', p.geometrityp, 'objekt', p.objects, 'mangd', p.q)::text
FROM by_product p JOIN zones z USING (cluster) JOIN organisation g ON g.id = p.huvudman_id
UNION ALL
SELECT 'lag', z.key, json_build_object(
         'organisation', g.slug, 'namn', g.namn, 'objekt', sum(p.objects),
         'driftomraden', coalesce(array_agg(p.area_name ORDER BY p.area_name)
                                  FILTER (WHERE p.area_name IS NOT NULL), '{{}}'))::text
FROM by_crew p JOIN zones z USING (cluster) JOIN organisation g ON g.id = p.performer_id
GROUP BY z.key, g.slug, g.namn
"""  # noqa: S608 (constants)


@dataclass(frozen=True)
class Crew:
    """A performer that works in a zone: a driftområde's utförare or a huvudman's own unit."""

    organisation_slug: str
    name: str
    objects: int  # the zone's objects it performs
    operations_areas: list[str]  # names of the driftområden it works them under; [] = own unit


@dataclass(frozen=True)
class Zone:
    """One coordination zone, its outline, quantities and crews."""

    key: str
    objects: int
    outline: dict[str, Any]  # GeoJSON in WGS84: the members' convex hull (1 m wide if flat)
    quantities: list[QuantityRow]  # whole objects, by organisation, product, quality level
    crews: list[Crew]

    @property
    def organisations(self) -> list[str]:
        """The zone's huvudmän, by slug."""
        return sorted({row.organisation_slug for row in self.quantities})

    @property
    def combined_m2(self) -> float:
        """Every quantity in m² by COMBINED_M2_PER_UNIT."""
        return sum(row.quantity * COMBINED_M2_PER_UNIT[row.unit] for row in self.quantities)

    @property
    def score(self) -> float:
        """What ranks the zones: the combined quantity times the number of crews."""
        return self.combined_m2 * len(self.crews)


async def coordination_zones(conn: psycopg.AsyncConnection[Any], distance_m: float) -> list[Zone]:
    """Every kept zone at this distance, ranked: highest score first, then by key."""
    params = {"eps": distance_m, "minpoints": MIN_POINTS, "cell": distance_m * _CELL_OF_DIAGONAL}
    async with conn.transaction():
        await conn.execute(WORK_MEM_SQL)
        cursor = await conn.execute(_ZONES_SQL, params)
        fetched = await cursor.fetchall()
    outlines: dict[str, dict[str, Any]] = {}
    quantities: dict[str, list[QuantityRow]] = {}
    crews: dict[str, list[Crew]] = {}
    for kind, key, payload in fetched:
        item = orjson.loads(payload)
        if kind == "zon":
            outlines[key] = item
        elif kind == "mangd":
            quantities.setdefault(key, []).append(row_from_json(key, item))
        else:
            crews.setdefault(key, []).append(
                Crew(item["organisation"], item["namn"], int(item["objekt"]), item["driftomraden"])
            )
    zones = [
        Zone(
            key=key,
            objects=int(outline["objekt"]),
            outline=outline["geometri"],
            quantities=sorted(
                quantities.get(key, []),
                key=lambda r: (r.organisation_slug, r.product_code, r.quality_level or ""),
            ),
            crews=sorted(crews.get(key, []), key=lambda c: c.organisation_slug),
        )
        for key, outline in outlines.items()
    ]
    zones.sort(key=lambda z: (-z.score, z.key))
    return zones
