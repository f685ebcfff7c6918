"""HTTP: operations areas; a contractor sees only its own (others do not exist for it)."""

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from app.access.principal import PrincipalDep, ReadAccess, contractor_of
from app.areas.queries import areas_json
from app.areas.schemas import OperationsArea
from app.core.db import ReadConnectionDep
from app.core.ids import RowIdPath
from app.core.problems import NotFound

router = APIRouter(tags=["driftområden"], dependencies=[ReadAccess])


@router.get(
    "/driftomraden",
    summary="Driftområden (en entreprenör ser bara sina egna)",
    response_model=list[OperationsArea],
)
async def list_areas(principal: PrincipalDep, conn: ReadConnectionDep) -> Response:
    """Operations areas with client, performer, contract period and size."""
    body = await areas_json(conn, contractor_of(principal))
    return Response(body.encode(), media_type="application/json")


@router.get("/driftomraden/{area_id}", summary="Ett driftområde", response_model=OperationsArea)
async def get_area(
    area_id: RowIdPath, principal: PrincipalDep, conn: ReadConnectionDep
) -> Response:
    """One operations area; 404 also when it is another contractor's."""
    areas: list[dict[str, Any]] = orjson.loads(
        await areas_json(conn, contractor_of(principal), area_id)
    )
    if not areas:
        raise NotFound(f"Driftområdet {area_id} finns inte.")
    return Response(orjson.dumps(areas[0]), media_type="application/json")
