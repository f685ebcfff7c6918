"""Neighbouring work: where two organisations' maintenance meets or comes close.

Definitions (all in EPSG:3006, over the objects live now):

- *gemensam gräns* of organisations A and B with tolerance t: for each of A's area objects a,
  the length of a's boundary inside the union of the t-buffers of B's area objects; summed over
  a, that is A's side. The matrix shows the mean of A's side and B's side, so it is symmetric.
  Two rectangles sharing a 20 m edge meet along 20 m + 2·t (the boundary within t of the other
  runs on t metres past each end of the shared edge).
- *objekt nära* from A to B with distance d: the number of A's objects (any kind) within d of
  at least one of B's objects. Counted from each side, so it need not be symmetric.
"""

import math
from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

from app.analysis.live import WORK_MEM_SQL, live_now

# Just under d/√8: cells next to each other (corner to corner) lie within d.
_FINE = (1 - 1e-9) / math.sqrt(8)

# Pieces of each area object's boundary within t of another organisation's area objects.
_BOUNDARY_SQL = """
WITH areas AS NOT MATERIALIZED (
  SELECT o.id, o.huvudman_id, o.geom FROM skotselobjekt o
  WHERE o.geometrityp = 'yta'
    AND o.valid_from <= now() AND (o.valid_to IS NULL OR o.valid_to > now())
),
pieces AS (
  SELECT a.huvudman_id AS a_org, near.b_org,
         ST_Intersection(ST_Boundary(a.geom), near.zone) AS g
  FROM areas a
  CROSS JOIN LATERAL (
    SELECT b.huvudman_id AS b_org, ST_Union(ST_Buffer(b.geom, %(t)s)) AS zone
    FROM areas b
    WHERE b.huvudman_id <> a.huvudman_id AND ST_DWithin(a.geom, b.geom, %(t)s)
    GROUP BY b.huvudman_id
  ) near
),
pairs AS MATERIALIZED (
  SELECT ao.slug AS a, bo.slug AS b, sum(ST_Length(p.g)) AS length,
         CASE WHEN ao.slug < bo.slug
              THEN ST_LineMerge(ST_Union(ST_CollectionExtract(p.g, 2))) END AS lines
  FROM pieces p
  JOIN organisation ao ON ao.id = p.a_org
  JOIN organisation bo ON bo.id = p.b_org
  GROUP BY ao.slug, bo.slug
),
places AS (
  SELECT s.a, s.b, ST_Length(d.geom) AS length,
         ST_AsGeoJSON(ST_Transform(d.geom, 4326), 7) AS geometry
  FROM pairs s, ST_Dump(s.lines) d
  WHERE s.lines IS NOT NULL
  ORDER BY ST_Length(d.geom) DESC, s.a, s.b
  LIMIT %(top)s
)
SELECT false, a, b, length, NULL FROM pairs
UNION ALL
SELECT true, a, b, length, geometry FROM places
"""

# Objects near, without testing every pair. Two grids over a point on each object
# (ST_PointOnSurface; a point object is its own). In the fine one (side d/√8) any two objects in
# cells next to each other (the 3 × 3 around a cell) lie within d: an object is near every other
# organisation with an object there, counted per cell. In the coarse one (side d/2) each object is
# entered in every cell its bounding box overlaps: an organisation entered in none of the 5 × 5
# cells around an object (that lies within one coarse cell) has nothing within d of it. Only the
# pairs left between the two are tested: by an index probe that stops at the first hit, or, for an
# organisation with fewer objects than pairs left (a sparse one, whose probes would mostly fail),
# against its objects collected per cell of side d, in the 3 × 3 cells around the object's box.
_NEAR_SQL = f"""
WITH live AS NOT MATERIALIZED (
  SELECT o.id, o.huvudman_id, o.geom,
         CASE WHEN o.geometrityp = 'punkt' THEN o.geom ELSE ST_PointOnSurface(o.geom) END AS spot
  FROM skotselobjekt o
  WHERE {live_now()}
),
placed AS MATERIALIZED (
  SELECT l.id, l.huvudman_id,
         floor(ST_X(l.spot) / %(fine)s)::int AS i, floor(ST_Y(l.spot) / %(fine)s)::int AS j,
         floor(ST_XMin(l.box) / %(coarse)s)::int AS x0,
         floor(ST_XMax(l.box) / %(coarse)s)::int AS x1,
         floor(ST_YMin(l.box) / %(coarse)s)::int AS y0,
         floor(ST_YMax(l.box) / %(coarse)s)::int AS y1
  FROM (SELECT live.*, live.geom::box2d AS box FROM live) l
),
in_cell AS MATERIALIZED (
  SELECT i, j, huvudman_id, count(*) AS objects FROM placed GROUP BY i, j, huvudman_id
),
next_to AS MATERIALIZED (
  SELECT c.i + di AS i, c.j + dj AS j, array_agg(DISTINCT c.huvudman_id) AS orgs
  FROM in_cell c, generate_series(-1, 1) di, generate_series(-1, 1) dj
  GROUP BY 1, 2
),
sure AS (
  SELECT c.huvudman_id AS a_org, b.org AS b_org, sum(c.objects) AS objects
  FROM in_cell c JOIN next_to n ON n.i = c.i AND n.j = c.j, unnest(n.orgs) b(org)
  WHERE b.org <> c.huvudman_id
  GROUP BY 1, 2
),
entered AS MATERIALIZED (
  SELECT x0 AS x, y0 AS y, huvudman_id FROM placed WHERE x0 = x1 AND y0 = y1
  UNION
  SELECT x, y, huvudman_id
  FROM placed, generate_series(x0, x1) x, generate_series(y0, y1) y
  WHERE NOT (x0 = x1 AND y0 = y1)
),
around AS MATERIALIZED (
  SELECT e.x + dx AS x, e.y + dy AS y, array_agg(DISTINCT e.huvudman_id) AS orgs
  FROM entered e, generate_series(-2, 2) dx, generate_series(-2, 2) dy
  GROUP BY 1, 2
),
every_org AS (SELECT array_agg(DISTINCT huvudman_id) AS orgs FROM in_cell),
open AS MATERIALIZED (
  SELECT p.id, p.huvudman_id AS a_org, b.org AS b_org
  FROM placed p
  JOIN next_to n ON n.i = p.i AND n.j = p.j
  LEFT JOIN around r ON p.x0 = p.x1 AND p.y0 = p.y1 AND r.x = p.x0 AND r.y = p.y0
  CROSS JOIN every_org e
  CROSS JOIN LATERAL unnest(CASE WHEN p.x0 = p.x1 AND p.y0 = p.y1 THEN r.orgs ELSE e.orgs END)
    AS b(org)
  WHERE b.org <> p.huvudman_id AND NOT b.org = ANY (n.orgs)
),
from_b AS MATERIALIZED (
  SELECT o.b_org FROM open o GROUP BY o.b_org
  HAVING count(*) > (SELECT sum(c.objects) FROM in_cell c WHERE c.huvudman_id = o.b_org)
),
tested_from_a AS (
  SELECT o.a_org, o.b_org, count(*) AS objects
  FROM open o
  JOIN live a ON a.id = o.id
  CROSS JOIN LATERAL (
    SELECT 1 FROM live b
    WHERE b.huvudman_id = o.b_org AND ST_DWithin(a.geom, b.geom, %(d)s)
    LIMIT 1
  ) hit
  WHERE o.b_org NOT IN (SELECT b_org FROM from_b)
  GROUP BY 1, 2
),
sparse AS MATERIALIZED (
  SELECT x, y, l.huvudman_id AS b_org, ST_Collect(l.geom) AS geom
  FROM (SELECT live.huvudman_id, live.geom, live.geom::box2d AS box FROM live) l
  JOIN from_b f ON f.b_org = l.huvudman_id,
  generate_series(floor(ST_XMin(l.box) / %(d)s)::int, floor(ST_XMax(l.box) / %(d)s)::int) x,
  generate_series(floor(ST_YMin(l.box) / %(d)s)::int, floor(ST_YMax(l.box) / %(d)s)::int) y
  GROUP BY x, y, l.huvudman_id
),
tested_from_b AS (
  SELECT q.a_org, q.b_org, count(DISTINCT q.id) AS objects
  FROM (
    SELECT o.id, o.a_org, o.b_org, a.geom, ax, ay
    FROM (SELECT * FROM open WHERE b_org IN (SELECT b_org FROM from_b)) o
    JOIN (SELECT live.id, live.geom, live.geom::box2d AS box FROM live) a ON a.id = o.id,
    generate_series(
      floor(ST_XMin(a.box) / %(d)s)::int - 1, floor(ST_XMax(a.box) / %(d)s)::int + 1
    ) ax,
    generate_series(
      floor(ST_YMin(a.box) / %(d)s)::int - 1, floor(ST_YMax(a.box) / %(d)s)::int + 1
    ) ay
    OFFSET 0  -- each object's cells first, then one hash join with the collections
  ) q
  JOIN sparse c ON c.x = q.ax AND c.y = q.ay AND c.b_org = q.b_org
  WHERE ST_DWithin(q.geom, c.geom, %(d)s)
  GROUP BY 1, 2
)
SELECT ao.slug, bo.slug, sum(n.objects) AS objects
FROM (
  SELECT * FROM sure UNION ALL SELECT * FROM tested_from_a UNION ALL SELECT * FROM tested_from_b
) n
JOIN organisation ao ON ao.id = n.a_org
JOIN organisation bo ON bo.id = n.b_org
GROUP BY ao.slug, bo.slug
"""  # noqa: S608 (constants)

_ORGANISATIONS_SQL = """
SELECT g.slug FROM organisation g
WHERE EXISTS (
  SELECT 1 FROM skotselobjekt o WHERE o.huvudman_id = g.id
    AND o.valid_from <= now() AND (o.valid_to IS NULL OR o.valid_to > now())
)
ORDER BY g.slug
"""


@dataclass(frozen=True)
class Place:
    """One stretch where two organisations' area objects meet."""

    a: str
    b: str
    length_m: float
    geometry: dict[str, Any]  # GeoJSON in WGS84


@dataclass(frozen=True)
class Neighbours:
    """The matrix: shared boundary (symmetric) and objects near (directed), with the places."""

    organisations: list[str]
    shared_boundary_m: dict[tuple[str, str], float]  # (a, b) and (b, a), equal
    objects_near: dict[tuple[str, str], int]  # a's objects within the distance of b's
    places: list[Place]  # longest first


async def neighbours(
    conn: psycopg.AsyncConnection[Any], tolerance_m: float, distance_m: float, top: int
) -> Neighbours:
    """The organisation × organisation matrix over the live objects, and the top places."""
    organisations = [
        str(row[0]) for row in await (await conn.execute(_ORGANISATIONS_SQL)).fetchall()
    ]
    sides: dict[tuple[str, str], float] = {}
    places: list[Place] = []
    boundary = await conn.execute(_BOUNDARY_SQL, {"t": tolerance_m, "top": top})
    for is_place, a, b, length, geometry in await boundary.fetchall():
        if is_place:
            places.append(Place(a, b, float(length), orjson.loads(geometry)))
        else:
            sides[(a, b)] = float(length or 0.0)
    shared: dict[tuple[str, str], float] = {}
    for a, b in sides:
        mean = (sides.get((a, b), 0.0) + sides.get((b, a), 0.0)) / 2
        shared[(a, b)] = shared[(b, a)] = mean
    near_params = {"d": distance_m, "fine": distance_m * _FINE, "coarse": distance_m / 2}
    async with conn.transaction():
        await conn.execute(WORK_MEM_SQL)
        near_rows = await (await conn.execute(_NEAR_SQL, near_params)).fetchall()
    near = {(str(a), str(b)): int(n) for a, b, n in near_rows}
    places.sort(key=lambda p: (-p.length_m, p.a, p.b))
    return Neighbours(organisations, shared, near, places)
