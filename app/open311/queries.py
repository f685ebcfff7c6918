"""The one statement Open311 adds to the reports': the parcel designation of each report."""

from typing import Any

import psycopg

# The designation of the current parcel under each report (its Open311 address).
DESIGNATIONS = """
SELECT f.id, (SELECT p.beteckning FROM fastighet p
              WHERE p.valid_to IS NULL AND ST_Covers(p.geom, f.geom)
              ORDER BY p.beteckning LIMIT 1) AS beteckning
FROM felanmalan f WHERE f.id = ANY(%(ids)s)
"""


async def designations(conn: psycopg.AsyncConnection[Any], ids: list[int]) -> dict[int, str]:
    """The parcel designation of each report id that lies on a parcel."""
    if not ids:
        return {}
    cursor = await conn.execute(DESIGNATIONS, {"ids": ids})
    return {row[0]: row[1] for row in await cursor.fetchall() if row[1] is not None}
