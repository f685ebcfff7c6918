"""HTTP for role gis: change, retire and hand over maintenance objects; history by triggers.

The handlers parse, authorise and shape the answer; the edits themselves, in the request's one
write transaction, are in `service` (an object's version, its ETag, is when it became valid).
A change or retirement must name the version it was made from (If-Match), so two editors never
overwrite each other unseen: without it the answer is 428.
"""

import uuid
from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response

from app.access.principal import Principal, require_role
from app.core.db import ReadConnectionDep, WriteConnectionDep
from app.core.problems import AppError, InvalidInput, NotFound
from app.core.text_limits import REASON_LENGTH
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


class VersionRequired(AppError):
    """A change or retirement that does not name the version it was made from."""

    status = 428
    type = "version-kravs"
    title = "Objektets version krävs (If-Match)"


# Declared for the API description by hand: the handler reads the header as optional, so that
# its absence is the 428 above and not a validation error.
_IF_MATCH: dict[str, Any] = {
    "parameters": [
        {
            "name": "If-Match",
            "in": "header",
            "required": True,
            "description": "Objektets ETag: versionen ändringen görs från",
            "schema": {"type": "string"},
        }
    ]
}
IfMatch = Annotated[str | None, Header(alias="If-Match", include_in_schema=False)]
_VERSION_RESPONSES: dict[int | str, dict[str, Any]] = {
    409: {"description": "Objektet har ändrats sedan versionen i If-Match (aktuell_version)"},
    428: {"description": "If-Match saknas: hämta objektet och skicka dess ETag"},
}


def _version(value: datetime) -> str:
    return '"' + value.isoformat() + '"'


def _parse_version(if_match: str | None, object_id: uuid.UUID) -> datetime:
    if if_match is None or not if_match.strip():
        raise VersionRequired(
            "Ange objektets ETag i If-Match, så skrivs ingen annans ändring över: hämta objektet"
            f" (GET /api/v1/skotselobjekt/{object_id}/historik; ETag är den aktuella versionens"
            ' giltig_fran inom citattecken, t.ex. "2025-01-01T00:00:00+01:00") och skicka den.'
        )
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
        },
        **_VERSION_RESPONSES,
    },
    openapi_extra=_IF_MATCH,
)
async def change_object(
    objekt_id: str,
    change: ObjectChange,
    who: GisDep,
    conn: WriteConnectionDep,
    if_match: IfMatch = None,
) -> Response:
    """A new version of the object; 409 when it changed since the version given in If-Match."""
    object_id = _object_id(objekt_id)
    expected = _parse_version(if_match, object_id)
    version = await service.change_object(conn, who, object_id, change, expected)
    return Response(status_code=204, headers={"ETag": _version(version)})


@router.delete(
    "/skotselobjekt/{objekt_id}",
    summary="Avsluta ett skötselobjekt (historiken finns kvar)",
    status_code=204,
    responses={204: {"description": "Avslutat"}, **_VERSION_RESPONSES},
    openapi_extra=_IF_MATCH,
)
async def retire_object(
    objekt_id: str,
    who: GisDep,
    conn: WriteConnectionDep,
    orsak: Annotated[
        str,
        Query(min_length=3, max_length=REASON_LENGTH, description="Varför objektet avslutas"),
    ],
    if_match: IfMatch = None,
) -> Response:
    """The object's current version ends now; 409 when it changed since the version in If-Match."""
    object_id = _object_id(objekt_id)
    expected = _parse_version(if_match, object_id)
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
    """A new object; its geometry passes the importers' checks (in Sweden, valid, right kind)."""
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
