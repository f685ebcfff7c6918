"""HTTP: the versions of a maintenance object and the changes that made them."""

import uuid
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from app.access.principal import PrincipalDep, ReadAccess, contractor_of
from app.core.db import ReadConnectionDep
from app.core.problems import NotFound
from app.history.queries import object_history
from app.history.schemas import ObjectHistory

router = APIRouter(tags=["historik"], dependencies=[ReadAccess])


@router.get(
    "/skotselobjekt/{objekt_id}/historik",
    summary="Ett skötselobjekts versioner och ändringar (vem, när, varför)",
    response_model=ObjectHistory,
)
async def history(objekt_id: str, conn: ReadConnectionDep, principal: PrincipalDep) -> Response:
    """Every version of the object, oldest first, and the audited changes behind them.

    A contractor sees the history of the objects in its areas; any other is not found for it.
    """
    try:
        stable_id = uuid.UUID(objekt_id)
    except ValueError:
        raise NotFound(f"Skötselobjektet '{objekt_id}' finns inte.") from None
    found = await object_history(conn, stable_id, contractor_of(principal))
    if found is None:
        raise NotFound(f"Skötselobjektet '{objekt_id}' finns inte.")
    versions, changes = found
    body: dict[str, Any] = {
        "objekt_id": str(stable_id),
        "versioner": versions,
        "andringar": changes,
    }
    return Response(orjson.dumps(body), media_type="application/json")
