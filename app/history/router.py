"""HTTP: the versions of a maintenance object and the changes that made them."""

import uuid
from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import Response

from app.access.principal import (
    OUTSIDE_THEIR_AREAS,
    ReadAccess,
    ReadScopeDep,
    scoped_not_found_text,
)
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
async def history(objekt_id: str, conn: ReadConnectionDep, scope: ReadScopeDep) -> Response:
    """Every version of the object, oldest first, and the audited changes behind them.

    While reading is not public a contractor sees the history of the objects in its areas
    alone; any other is not found for it.
    """
    missing = scoped_not_found_text(scope, f"Skötselobjektet '{objekt_id}'", OUTSIDE_THEIR_AREAS)
    try:
        stable_id = uuid.UUID(objekt_id)
    except ValueError:
        raise NotFound(missing) from None
    found = await object_history(conn, stable_id, scope)
    if found is None:
        raise NotFound(missing)
    versions, changes = found
    body: dict[str, Any] = {
        "objekt_id": str(stable_id),
        "versioner": versions,
        "andringar": changes,
    }
    return Response(orjson.dumps(body), media_type="application/json")
