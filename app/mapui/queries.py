"""SQL of the map's search box: parcels by designation prefix, organisations by name."""

from typing import Any

import psycopg

# Designations by prefix, read in the order of the text_pattern_ops index so the scan stops
# after a few rows (a parcel with several areas has a row per area); then their extents, a
# point inside the largest area (where the map asks who is responsible) and the areas' feature
# ids in the OGC collection fastigheter (which the map outlines).
PARCELS_SQL = """
WITH names AS (
  SELECT DISTINCT beteckning FROM (
    SELECT beteckning FROM fastighet
    WHERE valid_to IS NULL AND beteckning LIKE %(prefix)s
    ORDER BY beteckning USING ~<~ LIMIT %(limit)s * 4) first_rows
)
SELECT n.beteckning, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), ST_X(p), ST_Y(p), ids
FROM names n CROSS JOIN LATERAL (
  SELECT ST_Transform(ST_SetSRID(ST_Extent(f.geom), 3006), 4326) AS e,
         ST_Transform(ST_PointOnSurface(
           (array_agg(f.geom ORDER BY ST_Area(f.geom) DESC, f.id))[1]), 4326) AS p,
         array_agg(f.objektidentitet::text ORDER BY ST_Area(f.geom) DESC, f.id) AS ids
  FROM fastighet f WHERE f.beteckning = n.beteckning AND f.valid_to IS NULL) x
ORDER BY n.beteckning USING ~<~ LIMIT %(limit)s
"""
_ORGANISATIONS_SQL = """
SELECT o.slug, o.namn,
       (SELECT ARRAY[ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)]
        FROM (SELECT ST_Transform(ST_SetSRID(ST_Extent(s.geom), 3006), 4326) AS e
              FROM skotselobjekt s WHERE s.huvudman_id = o.id AND s.valid_to IS NULL) x
        WHERE e IS NOT NULL)
FROM organisation o
WHERE o.namn ILIKE %(pattern)s OR o.kortnamn ILIKE %(pattern)s OR o.slug ILIKE %(pattern)s
ORDER BY o.namn LIMIT %(limit)s
"""


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


ParcelRow = tuple[str, float, float, float, float, float, float, list[str]]


async def parcel_suggestions(
    conn: psycopg.AsyncConnection[Any], prefix: str, limit: int
) -> list[ParcelRow]:
    """Designations that start with prefix, in index order: name, extent and inner point in
    WGS 84, and the ids of its areas."""
    cursor = await conn.execute(
        PARCELS_SQL,
        {"prefix": _like_escape(prefix) + "%", "limit": limit},
        # Never a generic plan: the index serves LIKE only when it sees the prefix.
        prepare=False,
    )
    return await cursor.fetchall()


async def organisation_suggestions(
    conn: psycopg.AsyncConnection[Any], text: str, limit: int
) -> list[tuple[str, str, list[float] | None]]:
    """Organisations whose name, short name or slug holds text: slug, name, objects' extent."""
    cursor = await conn.execute(
        _ORGANISATIONS_SQL, {"pattern": "%" + _like_escape(text) + "%", "limit": limit}
    )
    return await cursor.fetchall()
