"""Editing maintenance objects: new versions, retirement, handovers and new objects.

Each use case runs on the request's write connection (`WriteConnectionDep`: one transaction,
committed before the response) and first tells the database who writes and why
(ansvar.anvandare, ansvar.orsak, and ansvar.giltig_fran for a handover date); the triggers of
migrations 0002/0004/0006 then version and audit the rows exactly as they do for an edit in QGIS
(a handover dated the day the current version started changes that version from its start).
An object's version (ETag / If-Match) is the moment its current version became valid: a change
names the version it was made from, and one made from an older version is refused (409).
Geometry passes the importers' checks (`editing.geometry`) before it reaches SQL, and a gis token
bound to an organisation writes that organisation's objects only (`access.writer.acts_for`).
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

import orjson
import psycopg
from psycopg import errors

from app.access.principal import Principal
from app.access.writer import acts_for, bound_organisation, mark_writer, not_acting_for
from app.core.problems import Conflict, InvalidInput, NotFound
from app.editing.geometry import checked_geometry
from app.editing.schemas import Handover, NewObject, ObjectChange
from app.responsibility.service import LOCAL_TIME

Connection = psycopg.AsyncConnection[Any]
# What the database may refuse, and how to say why in Swedish (given its own message).
Refusal = tuple[type[psycopg.Error] | tuple[type[psycopg.Error], ...], Callable[[str], str]]


class ObjectConflict(Conflict):
    """Someone changed the object since the version the client had."""

    type = "objektet-har-andrats"
    title = "Objektet har ändrats av någon annan"


_ORGANISATION_SQL = "SELECT id FROM organisation WHERE slug = %(slug)s"
_SLUG_SQL = "SELECT slug FROM organisation WHERE id = %(id)s"
_PRODUCT_KIND_SQL = "SELECT geometrityp FROM skotselprodukt WHERE kod = %(kod)s"
# Locked, so what is checked (version, huvudman) is what the write changes.
_CURRENT_OBJECT_SQL = (
    "SELECT s.valid_from, s.huvudman_id, o.slug, s.geometrityp FROM skotselobjekt s"
    " JOIN organisation o ON o.id = s.huvudman_id"
    " WHERE s.objekt_id = %(id)s AND s.valid_to IS NULL FOR UPDATE OF s"
)
_CURRENT_VERSION_SQL = (
    "SELECT valid_from FROM skotselobjekt WHERE objekt_id = %(id)s AND valid_to IS NULL"
)
# Changes the current version only if it is the one the client had.
_CHANGE_SQL = (
    "UPDATE skotselobjekt SET huvudman_id = coalesce(%(huvudman)s, huvudman_id),"
    " skotselprodukt_kod = coalesce(%(produkt)s, skotselprodukt_kod),"
    " kvalitetsniva = coalesce(%(kvalitet)s, kvalitetsniva),"
    " geom = coalesce(ST_GeomFromWKB(%(geom)s::bytea, 3006), geom)"
    " WHERE objekt_id = %(id)s AND valid_to IS NULL AND valid_from = %(expected)s::timestamptz"
    " RETURNING valid_from"
)
_RETIRE_SQL = (
    "UPDATE skotselobjekt SET valid_to = now() WHERE objekt_id = %(id)s AND valid_to IS NULL"
)
_AREA_OF_OPERATIONS_SQL = "(SELECT geom FROM driftomrade WHERE id = %(area_id)s)"
_DRAWN_AREA_SQL = "ST_GeomFromWKB(%(area)s::bytea, 3006)"
_HANDOVER_SQL = (
    "WITH area AS (SELECT {area} AS g)"
    " UPDATE skotselobjekt s SET huvudman_id = %(target)s FROM area"
    " WHERE area.g IS NOT NULL AND s.valid_to IS NULL AND s.huvudman_id = %(source)s"
    " AND s.geom && area.g AND ST_Intersects(s.geom, area.g)"
)
_CREATE_SQL = (
    "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp, huvudman_id,"
    " kvalitetsniva, attribut, geom)"
    " SELECT p.kod, p.geometrityp, %(huvudman)s, %(kvalitet)s, %(attribut)s,"
    " ST_GeomFromWKB(%(geometri)s::bytea, 3006)"
    " FROM skotselprodukt p WHERE p.kod = %(produkt)s"
    " RETURNING objekt_id, valid_from"
)
_AUDIT_LOG_SQL = (
    "SELECT coalesce(json_agg(a ORDER BY a.id DESC), '[]'::json)::text FROM (SELECT id, tabell,"
    " operation, rad_id, utford_av, utford_tid, orsak, fore - 'geom' AS fore,"
    " efter - 'geom' AS efter FROM andringslogg"
    " WHERE %(tabell)s::text IS NULL OR tabell = %(tabell)s"
    " ORDER BY id DESC LIMIT %(limit)s) a"
)


@contextmanager
def _refused_as_invalid(*refusals: Refusal) -> Iterator[None]:
    """A statement the database refuses for one of these reasons becomes a 400 saying why."""
    try:
        yield
    except psycopg.Error as exc:
        for kinds, explain in refusals:
            if isinstance(exc, kinds):
                raise InvalidInput(explain(exc.diag.message_primary or "")) from None
        raise


async def _organisation_id(conn: Connection, slug: str) -> int:
    row = await (await conn.execute(_ORGANISATION_SQL, {"slug": slug})).fetchone()
    if row is None:
        raise InvalidInput(f"Organisationen '{slug}' finns inte.")
    return int(row[0])


async def _check_acts_for(
    conn: Connection, who: Principal, organisation_id: int, action: str
) -> None:
    """403 when who is a gis token bound to another organisation than this one."""
    if acts_for(who, organisation_id):
        return
    bound = bound_organisation(who)
    row = await (await conn.execute(_SLUG_SQL, {"id": bound})).fetchone()
    raise not_acting_for(str(row[0]) if row else f"organisation {bound}", action)


async def _product_kind(conn: Connection, code: str) -> str:
    row = await (await conn.execute(_PRODUCT_KIND_SQL, {"kod": code.upper()})).fetchone()
    if row is None:
        raise InvalidInput(f"Skötselprodukten '{code}' finns inte.")
    return str(row[0])


@dataclass(frozen=True)
class _CurrentObject:
    version: datetime
    huvudman_id: int
    huvudman: str
    kind: str


async def _current_object(conn: Connection, object_id: uuid.UUID) -> _CurrentObject:
    """The object's current version, locked until the transaction ends; 404 if there is none."""
    row = await (await conn.execute(_CURRENT_OBJECT_SQL, {"id": object_id})).fetchone()
    if row is None:
        raise NotFound(f"Skötselobjektet '{object_id}' finns inte (eller är avslutat).")
    return _CurrentObject(row[0], int(row[1]), str(row[2]), str(row[3]))


async def _current_version(conn: Connection, object_id: uuid.UUID) -> datetime:
    row = await (await conn.execute(_CURRENT_VERSION_SQL, {"id": object_id})).fetchone()
    if row is None:
        raise NotFound(f"Skötselobjektet '{object_id}' finns inte (eller är avslutat).")
    return row[0]  # type: ignore[no-any-return]


async def change_object(
    conn: Connection,
    who: Principal,
    object_id: uuid.UUID,
    change: ObjectChange,
    expected: datetime,
) -> datetime:
    """The object's new version (its start); 409 when it changed since the version expected."""
    await mark_writer(conn, who, change.orsak)
    current = await _current_object(conn, object_id)
    await _check_acts_for(conn, who, current.huvudman_id, f"ändra {current.huvudman}s objekt")
    if current.version != expected:
        raise ObjectConflict(
            "Objektet har ändrats sedan du hämtade det; hämta det igen och gör om ändringen.",
            aktuell_version=current.version.isoformat(),
        )
    huvudman = await _organisation_id(conn, change.huvudman) if change.huvudman else None
    if huvudman is not None:
        await _check_acts_for(conn, who, huvudman, f"flytta objekt till {change.huvudman}")
    geometry = None
    if change.geometri is not None:
        # A product keeps its object's kind (the foreign key refuses another), so does this.
        geometry = checked_geometry(change.geometri, current.kind)
    with _refused_as_invalid(
        (
            errors.ForeignKeyViolation,
            lambda _: (
                f"Skötselprodukten '{change.produkt}' finns inte eller har en annan geometrityp."
            ),
        ),
        # The current version starts on a later day (a handover dated ahead, say).
        (errors.CheckViolation, lambda why: f"Objektet kan inte ändras nu: {why}"),
    ):
        cursor = await conn.execute(
            _CHANGE_SQL,
            {
                "huvudman": huvudman,
                "produkt": change.produkt.upper() if change.produkt else None,
                "kvalitet": change.kvalitetsniva,
                "geom": geometry,
                "id": object_id,
                "expected": expected,
            },
        )
    row = await cursor.fetchone()
    if row is None:
        current_version = await _current_version(conn, object_id)
        raise ObjectConflict(
            "Objektet har ändrats sedan du hämtade det; hämta det igen och gör om ändringen.",
            aktuell_version=current_version.isoformat(),
        )
    return row[0]  # type: ignore[no-any-return]


async def retire_object(
    conn: Connection, who: Principal, object_id: uuid.UUID, reason: str, expected: datetime
) -> None:
    """The object's current version ends now; 409 when it changed since the version expected."""
    await mark_writer(conn, who, reason)
    current = await _current_object(conn, object_id)
    await _check_acts_for(conn, who, current.huvudman_id, f"avsluta {current.huvudman}s objekt")
    if current.version != expected:
        raise ObjectConflict(
            "Objektet har ändrats sedan du hämtade det.",
            aktuell_version=current.version.isoformat(),
        )
    if current.version > datetime.now(UTC):
        raise InvalidInput(
            "Objektet kan inte avslutas nu: dess aktuella version gäller först från "
            f"{current.version.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}."
        )
    await conn.execute(_RETIRE_SQL, {"id": object_id})


async def hand_over(conn: Connection, who: Principal, handover: Handover) -> int:
    """Every current object of `fran` in the area gets `till` from the date; how many moved."""
    start = datetime.combine(handover.giltig_fran, time(0), LOCAL_TIME)
    await mark_writer(conn, who, handover.orsak, start)
    source = await _organisation_id(conn, handover.fran)
    target = await _organisation_id(conn, handover.till)
    await _check_acts_for(conn, who, source, f"överlåta {handover.fran}s objekt")
    await _check_acts_for(conn, who, target, f"flytta objekt till {handover.till}")
    drawn = None
    if handover.omrade is not None:
        drawn = checked_geometry(handover.omrade, "yta", "omrade")
    area = _AREA_OF_OPERATIONS_SQL if handover.driftomrade is not None else _DRAWN_AREA_SQL
    with _refused_as_invalid(
        (
            errors.CheckViolation,
            lambda why: f"Överlåtelsen kan inte gälla från {handover.giltig_fran}: {why}",
        ),
    ):
        cursor = await conn.execute(
            _HANDOVER_SQL.format(area=area),  # one of two constants, never input
            {
                "area_id": handover.driftomrade,
                "area": drawn,
                "target": target,
                "source": source,
            },
        )
    return cursor.rowcount


async def create_object(
    conn: Connection, who: Principal, new: NewObject
) -> tuple[uuid.UUID, datetime]:
    """A new object (its id and version); the geometry passes the importers' checks."""
    await mark_writer(conn, who, new.orsak)
    huvudman = await _organisation_id(conn, new.huvudman)
    await _check_acts_for(conn, who, huvudman, f"skapa {new.huvudman}s objekt")
    geometry = checked_geometry(new.geometri, await _product_kind(conn, new.produkt))
    with _refused_as_invalid(
        (
            errors.CheckViolation,
            lambda why: f"Geometrin är ogiltig eller av fel typ för produkten: {why}",
        ),
    ):
        cursor = await conn.execute(
            _CREATE_SQL,
            {
                "huvudman": huvudman,
                "kvalitet": new.kvalitetsniva,
                "attribut": orjson.dumps(new.attribut).decode(),
                "geometri": geometry,
                "produkt": new.produkt.upper(),
            },
        )
    row = await cursor.fetchone()
    if row is None:
        raise InvalidInput(f"Skötselprodukten '{new.produkt}' finns inte.")
    return row[0], row[1]


async def audit_log(conn: Connection, table: str | None, limit: int) -> bytes:
    """The newest writes as a JSON array: table, operation, who, when, why, before and after."""
    row = await (await conn.execute(_AUDIT_LOG_SQL, {"tabell": table, "limit": limit})).fetchone()
    return (row[0] if row else "[]").encode()
