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

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from app.analysis.rows import QuantityRow, Unit

# How the units combine into one quantity (m²): a metre of line as a 1 m wide strip, a point
# object as the 10 m² worked around it.
COMBINED_M2_PER_UNIT: dict[Unit, float] = {"m²": 1.0, "m": 1.0, "st": 10.0}
MIN_POINTS = 1

_UNIT_OF_KIND: dict[str, Unit] = {"yta": "m²", "linje": "m", "punkt": "st"}

_ZONES_SQL = """
WITH live AS (
  SELECT o.objekt_id, o.huvudman_id, o.skotselprodukt_kod, o.kvalitetsniva, o.geometrityp, o.geom,
         ST_ClusterDBSCAN(o.geom, eps := %(eps)s, minpoints := %(minpoints)s) OVER () AS cluster
  FROM skotselobjekt o
  WHERE o.valid_from <= now() AND (o.valid_to IS NULL OR o.valid_to > now())
),
performed AS MATERIALIZED (
  SELECT l.*, coalesce(pa.utforare_id, l.huvudman_id) AS performer_id, pa.namn AS area_name
  FROM live l
  LEFT JOIN LATERAL (
    SELECT d.utforare_id, d.namn FROM driftomrade d
    WHERE d.bestallare_id = l.huvudman_id AND ST_Covers(d.geom, ST_PointOnSurface(l.geom))
      AND d.avtal_fran <= (now() AT TIME ZONE 'Europe/Stockholm')::date
      AND (d.avtal_till IS NULL OR d.avtal_till >= (now() AT TIME ZONE 'Europe/Stockholm')::date)
    ORDER BY d.avtal_fran DESC, d.id
    LIMIT 1
  ) pa ON true
),
zones AS MATERIALIZED (
  SELECT cluster, md5(string_agg(objekt_id::text, ',' ORDER BY objekt_id)) AS key,
         count(*) AS objects, ST_ConvexHull(ST_Collect(geom)) AS hull
  FROM performed
  GROUP BY cluster
  HAVING count(DISTINCT huvudman_id) >= 2 OR count(DISTINCT performer_id) >= 2
)
SELECT 'zon', z.key, json_build_object(
         'objekt', z.objects,
         'geometri', ST_AsGeoJSON(ST_Transform(
           CASE WHEN ST_Dimension(z.hull) < 2 THEN ST_Buffer(z.hull, 1) ELSE z.hull END, 4326
         ), 7)::json)::text
FROM zones z
UNION ALL
SELECT 'mangd', z.key, json_build_object(
         'organisation', g.slug, 'produkt', p.skotselprodukt_kod, 'kvalitet', p.kvalitetsniva,
         'typ', p.geometrityp, 'objekt', count(*),
         'mangd', sum(CASE p.geometrityp WHEN 'yta' THEN ST_Area(p.geom)
                                         WHEN 'linje' THEN ST_Length(p.geom) ELSE 1 END))::text
FROM performed p JOIN zones z USING (cluster) JOIN organisation g ON g.id = p.huvudman_id
GROUP BY z.key, g.slug, p.skotselprodukt_kod, p.kvalitetsniva, p.geometrityp
UNION ALL
SELECT 'lag', z.key, json_build_object(
         'organisation', g.slug, 'namn', g.namn, 'objekt', count(*),
         'driftomraden', coalesce(array_agg(DISTINCT p.area_name ORDER BY p.area_name)
                                  FILTER (WHERE p.area_name IS NOT NULL), '{}'))::text
FROM performed p JOIN zones z USING (cluster) JOIN organisation g ON g.id = p.performer_id
GROUP BY z.key, g.slug, g.namn
"""


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
    cursor = await conn.execute(_ZONES_SQL, {"eps": distance_m, "minpoints": MIN_POINTS})
    outlines: dict[str, dict[str, Any]] = {}
    quantities: dict[str, list[QuantityRow]] = {}
    crews: dict[str, list[Crew]] = {}
    for kind, key, payload in await cursor.fetchall():
        item = orjson.loads(payload)
        if kind == "zon":
            outlines[key] = item
        elif kind == "mangd":
            quantities.setdefault(key, []).append(
                QuantityRow(
                    scope=key,
                    organisation_slug=item["organisation"],
                    product_code=item["produkt"],
                    quality_level=item["kvalitet"],
                    unit=_UNIT_OF_KIND[item["typ"]],
                    objects=int(item["objekt"]),
                    quantity=float(item["mangd"]),
                )
            )
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
