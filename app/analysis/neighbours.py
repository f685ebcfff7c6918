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

from dataclasses import dataclass
from typing import Any

import orjson
import psycopg

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

_NEAR_SQL = """
WITH live AS NOT MATERIALIZED (
  SELECT o.id, o.huvudman_id, o.geom FROM skotselobjekt o
  WHERE o.valid_from <= now() AND (o.valid_to IS NULL OR o.valid_to > now())
)
SELECT ao.slug, bo.slug, count(*) AS objects
FROM live a
CROSS JOIN LATERAL (
  SELECT DISTINCT b.huvudman_id AS b_org FROM live b
  WHERE b.huvudman_id <> a.huvudman_id AND ST_DWithin(a.geom, b.geom, %(d)s)
) near
JOIN organisation ao ON ao.id = a.huvudman_id
JOIN organisation bo ON bo.id = near.b_org
GROUP BY ao.slug, bo.slug
"""

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
    near_rows = await (await conn.execute(_NEAR_SQL, {"d": distance_m})).fetchall()
    near = {(str(a), str(b)): int(n) for a, b, n in near_rows}
    places.sort(key=lambda p: (-p.length_m, p.a, p.b))
    return Neighbours(organisations, shared, near, places)
