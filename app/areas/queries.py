"""SQL of operations areas as the API shows them; a contractor sees only its own."""

from datetime import date
from typing import Any

import psycopg

_AREAS_SQL = """
SELECT coalesce(json_agg(a ORDER BY a.namn), '[]'::json)::text FROM (
  SELECT d.id, d.namn, b.slug AS bestallare, b.namn AS bestallare_namn, u.slug AS utforare,
         u.namn AS utforare_namn, d.avtal_fran, d.avtal_till,
         round((ST_Area(d.geom) / 10000)::numeric, 1) AS hektar
  FROM driftomrade d
  JOIN organisation b ON b.id = d.bestallare_id
  JOIN organisation u ON u.id = d.utforare_id
  WHERE (%(own)s::int IS NULL OR d.utforare_id = %(own)s) AND (%(id)s::int IS NULL OR d.id = %(id)s)
) a
"""
_NAME_SQL = (
    "SELECT namn, (now() AT TIME ZONE 'Europe/Stockholm')::date FROM driftomrade"
    " WHERE id = %(id)s AND (%(own)s::int IS NULL OR utforare_id = %(own)s)"
)


async def areas_json(
    conn: psycopg.AsyncConnection[Any], contractor: int | None, area_id: int | None = None
) -> str:
    """The areas (or the one with area_id) as a JSON array, by name; a contractor's only."""
    cursor = await conn.execute(_AREAS_SQL, {"own": contractor, "id": area_id})
    row = await cursor.fetchone()
    return str(row[0]) if row else "[]"


async def area_name(
    conn: psycopg.AsyncConnection[Any], area_id: int, contractor: int | None
) -> tuple[str, date] | None:
    """The area's name and today's date in Sweden; None when it is not there for the caller."""
    row = await (await conn.execute(_NAME_SQL, {"id": area_id, "own": contractor})).fetchone()
    return None if row is None else (str(row[0]), row[1])
