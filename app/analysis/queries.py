"""SQL of the analysis' labels and map shapes: names of organisations, products and areas,
cells and driftområden as GeoJSON in WGS84."""

from typing import Any

import psycopg

_NAMES_SQL = """
SELECT 'organisation', slug, namn FROM organisation
UNION ALL SELECT 'produkt', kod, namn FROM skotselprodukt
UNION ALL SELECT 'driftomrade', id::text, namn FROM driftomrade
"""
_CELLS_SQL = """
SELECT x || '_' || y, ST_AsGeoJSON(ST_Transform(ST_MakeEnvelope(x, y, x + %(s)s, y + %(s)s,
       3006), 4326), 7)
FROM unnest(%(x)s::bigint[], %(y)s::bigint[]) AS c(x, y)
"""
_AREAS_SQL = """
SELECT id::text, ST_AsGeoJSON(ST_Transform(geom, 4326), 7) FROM driftomrade
WHERE id = ANY(%(ids)s::int[])
"""


async def names(conn: psycopg.AsyncConnection[Any]) -> dict[str, dict[str, str]]:
    """Names by kind (organisation, produkt, driftomrade) and slug, code or id."""
    found: dict[str, dict[str, str]] = {"organisation": {}, "produkt": {}, "driftomrade": {}}
    for kind, key, name in await (await conn.execute(_NAMES_SQL)).fetchall():
        found[str(kind)][str(key)] = str(name)
    return found


async def cell_shapes(
    conn: psycopg.AsyncConnection[Any], corners: list[tuple[int, int]], cell_m: int
) -> dict[str, str]:
    """GeoJSON text (WGS84) of each cell by id, given their south-west corners."""
    params = {"x": [c[0] for c in corners], "y": [c[1] for c in corners], "s": cell_m}
    rows = await (await conn.execute(_CELLS_SQL, params)).fetchall()
    return {str(cell): str(shape) for cell, shape in rows}


async def area_shapes(conn: psycopg.AsyncConnection[Any], ids: list[int]) -> dict[str, str]:
    """GeoJSON text (WGS84) of each driftområde by id."""
    rows = await (await conn.execute(_AREAS_SQL, {"ids": ids})).fetchall()
    return {str(area): str(shape) for area, shape in rows}
