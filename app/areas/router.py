"""HTTP: operations areas: public like the map; a contractor's own only when reading is not."""

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from app.access.principal import ReadAccess, ReadScopeDep, scoped_not_found_text
from app.areas.queries import areas_json
from app.areas.schemas import OperationsArea
from app.core.db import ReadConnectionDep
from app.core.ids import RowIdPath
from app.core.problems import NotFound

router = APIRouter(tags=["driftområden"], dependencies=[ReadAccess])


@router.get(
    "/driftomraden",
    summary="Driftområden (en entreprenör ser bara sina egna när läsning kräver token)",
    response_model=list[OperationsArea],
)
async def list_areas(scope: ReadScopeDep, conn: ReadConnectionDep) -> Response:
    """Operations areas with client, performer, contract period and size."""
    body = await areas_json(conn, scope)
    return Response(body.encode(), media_type="application/json")


@router.get("/driftomraden/{area_id}", summary="Ett driftområde", response_model=OperationsArea)
async def get_area(area_id: RowIdPath, scope: ReadScopeDep, conn: ReadConnectionDep) -> Response:
    """One operations area; 404 also when it is another contractor's and reading is not public."""
    areas: list[dict[str, Any]] = orjson.loads(await areas_json(conn, scope, area_id))
    if not areas:
        raise NotFound(scoped_not_found_text(scope, f"Driftområdet {area_id}"))
    return Response(orjson.dumps(areas[0]), media_type="application/json")
