"""HTTP: operations areas; a contractor sees only its own (others do not exist for it)."""

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from app.access.principal import PrincipalDep, ReadAccess, contractor_of
from app.core.db import PooledConnectionDep
from app.core.errors import NotFound

router = APIRouter(tags=["driftområden"], dependencies=[ReadAccess])

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


@router.get("/driftomraden", summary="Driftområden (en entreprenör ser bara sina egna)")
async def list_areas(principal: PrincipalDep, conn: PooledConnectionDep) -> Response:
    """Operations areas with client, performer, contract period and size."""
    cursor = await conn.execute(_AREAS_SQL, {"own": contractor_of(principal), "id": None})
    row = await cursor.fetchone()
    return Response((row[0] if row else "[]").encode(), media_type="application/json")


@router.get("/driftomraden/{area_id}", summary="Ett driftområde")
async def get_area(area_id: int, principal: PrincipalDep, conn: PooledConnectionDep) -> Response:
    """One operations area; 404 also when it is another contractor's."""
    cursor = await conn.execute(_AREAS_SQL, {"own": contractor_of(principal), "id": area_id})
    row = await cursor.fetchone()
    areas: list[dict[str, Any]] = orjson.loads(row[0]) if row else []
    if not areas:
        raise NotFound(f"Driftområdet {area_id} finns inte.")
    return Response(orjson.dumps(areas[0]), media_type="application/json")
