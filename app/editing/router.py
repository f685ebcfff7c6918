"""HTTP for role gis: change, retire and hand over maintenance objects; history by triggers.

The handlers parse, authorise and shape the answer; the edits themselves, in the request's one
write transaction, are in `service` (an object's version, its ETag, is when it became valid).
"""

import uuid
from datetime import datetime
from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from app.access.principal import Principal, require_role
from app.core.db import ReadConnectionDep, WriteConnectionDep
from app.core.problems import InvalidInput, NotFound
from app.editing import service
from app.editing.schemas import (
    AuditEntry,
    CreatedObject,
    Handover,
    HandoverDone,
    NewObject,
    ObjectChange,
)

router = APIRouter(tags=["redigering"])
GisDep = Annotated[Principal, Depends(require_role("gis", "admin"))]


def _version(value: datetime) -> str:
    return '"' + value.isoformat() + '"'


def _parse_version(if_match: str | None) -> datetime | None:
    if if_match is None:
        return None
    try:
        return datetime.fromisoformat(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise InvalidInput("If-Match ska vara objektets ETag.") from None


def _object_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"Skötselobjektet '{value}' finns inte.") from None


@router.patch(
    "/skotselobjekt/{objekt_id}",
    summary="Ändra huvudman, produkt eller kvalitetsnivå",
    status_code=204,
    responses={
        204: {
            "description": "Ändrat",
            "headers": {
                "ETag": {"description": "Objektets nya version", "schema": {"type": "string"}}
            },
        }
    },
)
async def change_object(
    objekt_id: str,
    change: ObjectChange,
    who: GisDep,
    conn: WriteConnectionDep,
    if_match: Annotated[str | None, Header(description="Objektets ETag")] = None,
) -> Response:
    """A new version of the object; 409 when it changed since the version given in If-Match."""
    object_id = _object_id(objekt_id)
    expected = _parse_version(if_match)
    version = await service.change_object(conn, who, object_id, change, expected)
    return Response(status_code=204, headers={"ETag": _version(version)})


@router.delete(
    "/skotselobjekt/{objekt_id}",
    summary="Avsluta ett skötselobjekt (historiken finns kvar)",
    status_code=204,
)
async def retire_object(
    objekt_id: str,
    who: GisDep,
    conn: WriteConnectionDep,
    orsak: Annotated[str, Query(min_length=3, description="Varför objektet avslutas")],
    if_match: Annotated[str | None, Header(description="Objektets ETag")] = None,
) -> Response:
    """The object's current version ends now."""
    object_id = _object_id(objekt_id)
    expected = _parse_version(if_match)
    await service.retire_object(conn, who, object_id, orsak, expected)
    return Response(status_code=204)


@router.post(
    "/skotselobjekt/overlatelse",
    summary="Överlåt alla objekt inom ett område till en annan huvudman",
    response_model=HandoverDone,
)
async def hand_over(handover: Handover, who: GisDep, conn: WriteConnectionDep) -> Response:
    """One transaction: every current object of `fran` in the area gets `till` from the date."""
    if (handover.driftomrade is None) == (handover.omrade is None):
        raise InvalidInput("Ange antingen driftomrade eller omrade.")
    moved = await service.hand_over(conn, who, handover)
    body = {
        "flyttade": moved,
        "fran": handover.fran,
        "till": handover.till,
        "giltig_fran": handover.giltig_fran.isoformat(),
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get(
    "/andringslogg",
    summary="Ändringsloggen (admin)",
    response_model=list[AuditEntry],
    dependencies=[Depends(require_role("admin"))],
)
async def audit_log(
    conn: ReadConnectionDep,
    tabell: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The newest writes: table, operation, who, when, why, before and after."""
    return Response(await service.audit_log(conn, tabell, limit), media_type="application/json")


@router.post(
    "/skotselobjekt",
    summary="Skapa ett skötselobjekt",
    status_code=201,
    response_model=CreatedObject,
    responses={
        201: {
            "description": "Skapat",
            "headers": {
                "ETag": {"description": "Objektets version", "schema": {"type": "string"}},
                "Location": {"description": "Objektets historik", "schema": {"type": "string"}},
            },
        }
    },
)
async def create_object(new: NewObject, who: GisDep, conn: WriteConnectionDep) -> Response:
    """A new object; the geometry must be valid and of the product's kind."""
    object_id, version = await service.create_object(conn, who, new)
    return Response(
        orjson.dumps({"id": str(object_id)}),
        status_code=201,
        media_type="application/json",
        headers={
            "ETag": _version(version),
            "Location": f"/api/v1/skotselobjekt/{object_id}/historik",
        },
    )
