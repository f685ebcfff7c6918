"""SQL of the what-if joint tender: the area, the organisations and the sites of each crew.

The objects are the live objects of the chosen huvudmän that reach into the area, clipped to it
(as quantities' polygon scope; a piece measuring 0, such as an area object touching the edge, is
left out). Each object's crew is the one zones.py decides: the utförare of the current
driftområde of its huvudman covering its point on surface (the latest contract first), else the
huvudman's own unit. Sites are ST_ClusterDBSCAN clusters (eps = the site distance, minpoints 1)
of the clipped objects, per crew and once over all of them; a site's point is ST_Centroid of the
cluster's collection (of a mixed collection, its highest dimension's parts).
"""

from dataclasses import dataclass, field
from typing import Any

import orjson
import psycopg

from app.analysis.rows import UNIT_OF_KIND, QuantityRow
from app.analysis.whatif_model import Site

AREA_SCOPE = "omrade"  # the scope of the what-if's quantity rows

_CURRENT_CONTRACT = """d.avtal_fran <= (now() AT TIME ZONE 'Europe/Stockholm')::date
      AND (d.avtal_till IS NULL OR d.avtal_till >= (now() AT TIME ZONE 'Europe/Stockholm')::date)"""

# A contractor sees its own driftområden alone, as in GET /samordning/mangder.
_OPERATIONS_AREAS_SQL = f"""
WITH chosen AS (
  SELECT d.id, d.namn, d.geom FROM driftomrade d
  WHERE d.id = ANY(%(ids)s::int[]) AND {_CURRENT_CONTRACT}
    AND (%(own)s::int IS NULL OR d.utforare_id = %(own)s)
), area AS (SELECT ST_Multi(ST_Union(geom)) AS geom FROM chosen)
SELECT (SELECT coalesce(json_agg(json_build_object('id', id, 'namn', namn) ORDER BY namn, id),
                        '[]') FROM chosen)::text,
       ST_AsBinary(a.geom), ST_Area(a.geom), ST_AsGeoJSON(ST_Transform(a.geom, 4326), 7)
FROM area a
"""  # noqa: S608 (constants)
_POLYGON_SQL = """
SELECT ST_Area(g), ST_AsGeoJSON(ST_Transform(g, 4326), 7)
FROM (SELECT ST_GeomFromWKB(%(wkb)s, 3006) AS g) s
"""
_ORGANISATIONS_SQL = "SELECT slug, id, namn FROM organisation WHERE slug = ANY(%(slugs)s::text[])"
_PRODUCTS_SQL = "SELECT kod, namn FROM skotselprodukt ORDER BY sortering, kod"

_MODEL_SQL = f"""
WITH shape AS (SELECT ST_GeomFromWKB(%(wkb)s, 3006) AS geom),
inside AS MATERIALIZED (
  SELECT o.huvudman_id, o.skotselprodukt_kod AS kod, o.kvalitetsniva, o.geometrityp, o.geom,
         CASE WHEN ST_CoveredBy(o.geom, s.geom) THEN o.geom
              ELSE ST_Intersection(o.geom, s.geom) END AS part
  FROM shape s JOIN skotselobjekt o ON ST_Intersects(o.geom, s.geom)
  WHERE o.valid_from <= now() AND (o.valid_to IS NULL OR o.valid_to > now())
    AND (%(orgs)s::int[] IS NULL OR o.huvudman_id = ANY(%(orgs)s::int[]))
),
performed AS MATERIALIZED (
  SELECT i.huvudman_id, i.kod, i.kvalitetsniva, i.geometrityp, i.part, i.q,
         coalesce(pa.utforare_id, i.huvudman_id) AS performer_id
  FROM (
    SELECT inside.*, CASE geometrityp WHEN 'yta' THEN ST_Area(part)
                                      WHEN 'linje' THEN ST_Length(part) ELSE 1 END AS q
    FROM inside
  ) i
  LEFT JOIN LATERAL (
    SELECT d.utforare_id FROM driftomrade d
    WHERE d.bestallare_id = i.huvudman_id AND ST_Covers(d.geom, ST_PointOnSurface(i.geom))
      AND {_CURRENT_CONTRACT}
    ORDER BY d.avtal_fran DESC, d.id
    LIMIT 1
  ) pa ON true
  WHERE i.q > 0
),
clustered AS MATERIALIZED (
  SELECT performer_id, kod, part,
         ST_ClusterDBSCAN(part, eps := %(eps)s, minpoints := 1)
           OVER (PARTITION BY performer_id) AS crew_site,
         ST_ClusterDBSCAN(part, eps := %(eps)s, minpoints := 1) OVER () AS joint_site
  FROM performed
)
SELECT 'lag' AS kind, g.slug, g.namn, ST_X(s.c) AS x, ST_Y(s.c) AS y, s.products,
       NULL::text AS level, NULL::text AS typ, s.n AS objects, NULL::float8 AS quantity
FROM (
  SELECT performer_id, ST_Centroid(ST_Collect(part)) AS c, count(*) AS n,
         array_agg(DISTINCT kod ORDER BY kod) AS products
  FROM clustered GROUP BY performer_id, crew_site
) s JOIN organisation g ON g.id = s.performer_id
UNION ALL
SELECT 'gemensam', NULL, NULL, ST_X(s.c), ST_Y(s.c), s.products, NULL, NULL, s.n, NULL
FROM (
  SELECT ST_Centroid(ST_Collect(part)) AS c, count(*) AS n,
         array_agg(DISTINCT kod ORDER BY kod) AS products
  FROM clustered GROUP BY joint_site
) s
UNION ALL
SELECT 'mangd', g.slug, g.namn, NULL, NULL, ARRAY[p.kod], p.kvalitetsniva, p.geometrityp,
       count(*), sum(p.q)
FROM performed p JOIN organisation g ON g.id = p.huvudman_id
GROUP BY g.slug, g.namn, p.kod, p.kvalitetsniva, p.geometrityp
"""  # noqa: S608 (constants)


@dataclass(frozen=True)
class Area:
    """The tender area: its driftområden (none for a drawn polygon), WKB in EPSG:3006, size."""

    operations_areas: list[dict[str, Any]]  # {"id", "namn"} of each chosen driftområde
    wkb: bytes
    area_m2: float
    geojson: dict[str, Any]  # WGS84


@dataclass(frozen=True)
class Crew:
    """A performer by slug and name."""

    slug: str
    name: str


@dataclass
class ModelInput:
    """What the model runs on: each crew's sites, the combined sites and the quantities."""

    crew_sites: dict[Crew, list[Site]] = field(default_factory=dict)
    joint_sites: list[Site] = field(default_factory=list)
    quantities: list[QuantityRow] = field(default_factory=list)
    huvudman_names: dict[str, str] = field(default_factory=dict)  # of those with objects


async def operations_area(
    conn: psycopg.AsyncConnection[Any], ids: list[int], contractor: int | None
) -> tuple[Area | None, list[int]]:
    """The union of the current driftområden with these ids, and the ids not found."""
    cursor = await conn.execute(_OPERATIONS_AREAS_SQL, {"ids": ids, "own": contractor})
    chosen, wkb, area_m2, geojson = (await cursor.fetchall())[0]
    found = orjson.loads(chosen)
    missing = sorted(set(ids) - {a["id"] for a in found})
    if missing or wkb is None:
        return None, missing
    return Area(found, bytes(wkb), float(area_m2), orjson.loads(geojson)), []


async def polygon_area(conn: psycopg.AsyncConnection[Any], wkb: bytes) -> Area:
    """A drawn polygon (WKB in EPSG:3006) as the tender area."""
    cursor = await conn.execute(_POLYGON_SQL, {"wkb": wkb})
    area_m2, geojson = (await cursor.fetchall())[0]
    return Area([], wkb, float(area_m2), orjson.loads(geojson))


async def organisations(
    conn: psycopg.AsyncConnection[Any], slugs: list[str]
) -> dict[str, tuple[int, str]]:
    """The id and name of each organisation among these slugs that exists."""
    cursor = await conn.execute(_ORGANISATIONS_SQL, {"slugs": slugs})
    return {str(slug): (int(id_), str(name)) for slug, id_, name in await cursor.fetchall()}


async def product_names(conn: psycopg.AsyncConnection[Any]) -> dict[str, str]:
    """Every catalogue product's name by code, in catalogue order."""
    cursor = await conn.execute(_PRODUCTS_SQL)
    return {str(code): str(name) for code, name in await cursor.fetchall()}


async def model_input(
    conn: psycopg.AsyncConnection[Any],
    wkb: bytes,
    organisation_ids: list[int] | None,
    site_distance_m: float,
) -> ModelInput:
    """The sites of each crew and combined, and the quantities, of the objects in the area."""
    params = {"wkb": wkb, "orgs": organisation_ids, "eps": site_distance_m}
    cursor = await conn.execute(_MODEL_SQL, params)
    found = ModelInput()
    for kind, slug, name, x, y, products, level, typ, objects, quantity in await cursor.fetchall():
        if kind == "lag":
            site = Site(float(x), float(y), frozenset(products))
            found.crew_sites.setdefault(Crew(str(slug), str(name)), []).append(site)
        elif kind == "gemensam":
            found.joint_sites.append(Site(float(x), float(y), frozenset(products)))
        else:
            found.huvudman_names[str(slug)] = str(name)
            found.quantities.append(
                QuantityRow(
                    scope=AREA_SCOPE,
                    organisation_slug=str(slug),
                    product_code=str(products[0]),
                    quality_level=level,
                    unit=UNIT_OF_KIND[str(typ)],
                    objects=int(objects),
                    quantity=float(quantity),
                )
            )
    found.quantities.sort(
        key=lambda r: (r.organisation_slug, r.product_code, r.quality_level or "")
    )
    return found
