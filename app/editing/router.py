"""HTTP for role gis: change, retire and hand over maintenance objects; history by triggers.

Writes run in one transaction that first tells the database who writes and why
(ansvar.anvandare, ansvar.orsak, and ansvar.giltig_fran for a handover date); the triggers of
migrations 0002/0004/0006 then version and audit the rows exactly as they do for an edit in QGIS
(a handover dated the day the current version started changes that version from its start).
An object's version (ETag / If-Match) is the moment its current version became valid.
"""

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

import orjson
import psycopg
from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from app.access.principal import Principal, require_role
from app.access.writer import mark_writer
from app.core.db import PooledConnectionDep
from app.core.errors import Conflict, InvalidInput, NotFound
from app.responsibility.service import LOCAL_TIME

router = APIRouter(tags=["redigering"])
GisDep = Annotated[Principal, Depends(require_role("gis", "admin"))]
AdminDep = Annotated[Principal, Depends(require_role("admin"))]


class ObjectChange(BaseModel):
    """What to change in a maintenance object, and why."""

    huvudman: str | None = Field(default=None, description="Ny huvudman (organisationens slug)")
    produkt: str | None = Field(default=None, description="Ny skötselprodukt (kod)")
    kvalitetsniva: str | None = None
    orsak: str = Field(min_length=3, description="Varför ändringen görs")


class Handover(BaseModel):
    """Every current object of one organisation inside an area moves to another from a date."""

    fran: str = Field(description="Nuvarande huvudman (slug)")
    till: str = Field(description="Ny huvudman (slug)")
    driftomrade: int | None = Field(default=None, description="Inom detta driftområde …")
    omrade: dict[str, Any] | None = Field(
        default=None, description="… eller GeoJSON-polygon (WGS84)"
    )
    giltig_fran: date
    orsak: str = Field(min_length=3)


class ObjectConflict(Conflict):
    """Someone changed the object since the version the client had."""

    type = "objektet-har-andrats"
    title = "Objektet har ändrats av någon annan"


async def _organisation_id(conn: psycopg.AsyncConnection[Any], slug: str) -> int:
    row = await (
        await conn.execute("SELECT id FROM organisation WHERE slug = %(slug)s", {"slug": slug})
    ).fetchone()
    if row is None:
        raise InvalidInput(f"Organisationen '{slug}' finns inte.")
    return int(row[0])


def _version(value: datetime) -> str:
    return '"' + value.isoformat() + '"'


def _parse_version(if_match: str | None) -> datetime | None:
    if if_match is None:
        return None
    try:
        return datetime.fromisoformat(if_match.strip().removeprefix("W/").strip('"'))
    except ValueError:
        raise InvalidInput("If-Match ska vara objektets ETag.") from None


async def _current_version(conn: psycopg.AsyncConnection[Any], object_id: uuid.UUID) -> datetime:
    row = await (
        await conn.execute(
            "SELECT valid_from FROM skotselobjekt WHERE objekt_id = %(id)s AND valid_to IS NULL",
            {"id": object_id},
        )
    ).fetchone()
    if row is None:
        raise NotFound(f"Skötselobjektet '{object_id}' finns inte (eller är avslutat).")
    return row[0]  # type: ignore[no-any-return]


def _object_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"Skötselobjektet '{value}' finns inte.") from None


@router.patch("/skotselobjekt/{objekt_id}", summary="Ändra huvudman, produkt eller kvalitetsnivå")
async def change_object(
    objekt_id: str,
    change: ObjectChange,
    who: GisDep,
    conn: PooledConnectionDep,
    if_match: Annotated[str | None, Header(description="Objektets ETag")] = None,
) -> Response:
    """A new version of the object; 409 when it changed since the version given in If-Match."""
    object_id = _object_id(objekt_id)
    expected = _parse_version(if_match)
    async with conn.transaction():
        await mark_writer(conn, who, change.orsak)
        huvudman = await _organisation_id(conn, change.huvudman) if change.huvudman else None
        try:
            cursor = await conn.execute(
                "UPDATE skotselobjekt SET huvudman_id = coalesce(%(huvudman)s, huvudman_id),"
                " skotselprodukt_kod = coalesce(%(produkt)s, skotselprodukt_kod),"
                " kvalitetsniva = coalesce(%(kvalitet)s, kvalitetsniva)"
                " WHERE objekt_id = %(id)s AND valid_to IS NULL"
                " AND (%(expected)s::timestamptz IS NULL OR valid_from = %(expected)s::timestamptz)"
                " RETURNING valid_from",
                {
                    "huvudman": huvudman,
                    "produkt": change.produkt.upper() if change.produkt else None,
                    "kvalitet": change.kvalitetsniva,
                    "id": object_id,
                    "expected": expected,
                },
            )
        except psycopg.errors.ForeignKeyViolation:
            raise InvalidInput(
                f"Skötselprodukten '{change.produkt}' finns inte eller har en annan geometrityp."
            ) from None
        except psycopg.errors.CheckViolation as exc:
            # The current version starts on a later day (a handover dated ahead, say).
            raise InvalidInput(f"Objektet kan inte ändras nu: {exc.diag.message_primary}") from None
        row = await cursor.fetchone()
        if row is None:
            current = await _current_version(conn, object_id)
            raise ObjectConflict(
                "Objektet har ändrats sedan du hämtade det; hämta det igen och gör om ändringen.",
                aktuell_version=_version(current).strip('"'),
            )
    return Response(status_code=204, headers={"ETag": _version(row[0])})


@router.delete(
    "/skotselobjekt/{objekt_id}", summary="Avsluta ett skötselobjekt (historiken finns kvar)"
)
async def retire_object(
    objekt_id: str,
    who: GisDep,
    conn: PooledConnectionDep,
    orsak: Annotated[str, Query(min_length=3, description="Varför objektet avslutas")],
    if_match: Annotated[str | None, Header(description="Objektets ETag")] = None,
) -> Response:
    """The object's current version ends now."""
    object_id = _object_id(objekt_id)
    expected = _parse_version(if_match)
    async with conn.transaction():
        await mark_writer(conn, who, orsak)
        current = await _current_version(conn, object_id)
        if expected is not None and current != expected:
            raise ObjectConflict(
                "Objektet har ändrats sedan du hämtade det.", aktuell_version=current.isoformat()
            )
        if current > datetime.now(UTC):
            raise InvalidInput(
                "Objektet kan inte avslutas nu: dess aktuella version gäller först från "
                f"{current.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}."
            )
        await conn.execute(
            "UPDATE skotselobjekt SET valid_to = now()"
            " WHERE objekt_id = %(id)s AND valid_to IS NULL",
            {"id": object_id},
        )
    return Response(status_code=204)


@router.post(
    "/skotselobjekt/overlatelse",
    summary="Överlåt alla objekt inom ett område till en annan huvudman",
)
async def hand_over(handover: Handover, who: GisDep, conn: PooledConnectionDep) -> Response:
    """One transaction: every current object of `fran` in the area gets `till` from the date."""
    if (handover.driftomrade is None) == (handover.omrade is None):
        raise InvalidInput("Ange antingen driftomrade eller omrade.")
    start = datetime.combine(handover.giltig_fran, time(0), LOCAL_TIME)
    area_sql = (
        "(SELECT geom FROM driftomrade WHERE id = %(area_id)s)"
        if handover.driftomrade is not None
        else "ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%(area)s), 4326), 3006)"
    )
    async with conn.transaction():
        await mark_writer(conn, who, handover.orsak, start)
        source = await _organisation_id(conn, handover.fran)
        target = await _organisation_id(conn, handover.till)
        try:
            cursor = await conn.execute(
                f"WITH area AS (SELECT {area_sql} AS g)"  # noqa: S608 (one of two constants)
                " UPDATE skotselobjekt s SET huvudman_id = %(target)s FROM area"
                " WHERE area.g IS NOT NULL AND s.valid_to IS NULL AND s.huvudman_id = %(source)s"
                " AND s.geom && area.g AND ST_Intersects(s.geom, area.g)",
                {
                    "area_id": handover.driftomrade,
                    "area": orjson.dumps(handover.omrade).decode(),
                    "target": target,
                    "source": source,
                },
            )
        except psycopg.errors.CheckViolation as exc:
            raise InvalidInput(
                f"Överlåtelsen kan inte gälla från {handover.giltig_fran}: "
                f"{exc.diag.message_primary}"
            ) from None
        except psycopg.errors.InternalError as exc:
            raise InvalidInput(f"Området kan inte läsas: {exc.diag.message_primary}") from None
        moved = cursor.rowcount
    body = {
        "flyttade": moved,
        "fran": handover.fran,
        "till": handover.till,
        "giltig_fran": handover.giltig_fran.isoformat(),
    }
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/andringslogg", summary="Ändringsloggen (admin)")
async def audit_log(
    who: AdminDep,
    conn: PooledConnectionDep,
    tabell: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """The newest writes: table, operation, who, when, why, before and after."""
    cursor = await conn.execute(
        "SELECT coalesce(json_agg(a ORDER BY a.id DESC), '[]'::json)::text FROM (SELECT id, tabell,"
        " operation, rad_id, utford_av, utford_tid, orsak, fore - 'geom' AS fore,"
        " efter - 'geom' AS efter FROM andringslogg"
        " WHERE %(tabell)s::text IS NULL OR tabell = %(tabell)s"
        " ORDER BY id DESC LIMIT %(limit)s) a",
        {"tabell": tabell, "limit": limit},
    )
    row = await cursor.fetchone()
    return Response((row[0] if row else "[]").encode(), media_type="application/json")


class NewObject(BaseModel):
    """A maintenance object drawn by hand: product, huvudman, geometry (GeoJSON, WGS84)."""

    produkt: str
    huvudman: str
    geometri: dict[str, Any]
    kvalitetsniva: str | None = None
    attribut: dict[str, Any] = {}
    orsak: str = Field(min_length=3)


@router.post("/skotselobjekt", summary="Skapa ett skötselobjekt", status_code=201)
async def create_object(new: NewObject, who: GisDep, conn: PooledConnectionDep) -> Response:
    """A new object; the geometry must be valid and of the product's kind."""
    async with conn.transaction():
        await mark_writer(conn, who, new.orsak)
        huvudman = await _organisation_id(conn, new.huvudman)
        try:
            cursor = await conn.execute(
                "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp, huvudman_id,"
                " kvalitetsniva, attribut, geom)"
                " SELECT p.kod, p.geometrityp, %(huvudman)s, %(kvalitet)s, %(attribut)s,"
                " ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%(geometri)s), 4326), 3006)"
                " FROM skotselprodukt p WHERE p.kod = %(produkt)s"
                " RETURNING objekt_id, valid_from",
                {
                    "huvudman": huvudman,
                    "kvalitet": new.kvalitetsniva,
                    "attribut": orjson.dumps(new.attribut).decode(),
                    "geometri": orjson.dumps(new.geometri).decode(),
                    "produkt": new.produkt.upper(),
                },
            )
        except (psycopg.errors.CheckViolation, psycopg.errors.InternalError) as exc:
            raise InvalidInput(
                f"Geometrin är ogiltig eller av fel typ för produkten: {exc.diag.message_primary}"
            ) from None
        row = await cursor.fetchone()
        if row is None:
            raise InvalidInput(f"Skötselprodukten '{new.produkt}' finns inte.")
    body = {"id": str(row[0])}
    return Response(
        orjson.dumps(body),
        status_code=201,
        media_type="application/json",
        headers={"ETag": _version(row[1]), "Location": f"/api/v1/skotselobjekt/{row[0]}/historik"},
    )
