"""Editing maintenance objects: new versions, retirement, handovers and new objects.

Each use case runs on the request's write connection (`WriteConnectionDep`: one transaction,
committed before the response) and first tells the database who writes and why
(ansvar.anvandare, ansvar.orsak, and ansvar.giltig_fran for a handover date); the triggers of
migrations 0002/0004/0006 then version and audit the rows exactly as they do for an edit in QGIS
(a handover dated the day the current version started changes that version from its start).
An object's version (ETag / If-Match) is the moment its current version became valid: a change
names the version it was made from, and one made from an older version is refused (409).
"""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, time
from typing import Any

import orjson
import psycopg
from psycopg import errors

from app.access.principal import Principal
from app.access.writer import mark_writer
from app.core.problems import Conflict, InvalidInput, NotFound
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
_CURRENT_VERSION_SQL = (
    "SELECT valid_from FROM skotselobjekt WHERE objekt_id = %(id)s AND valid_to IS NULL"
)
# Changes the current version only if it is the one the client had (or none was named).
_CHANGE_SQL = (
    "UPDATE skotselobjekt SET huvudman_id = coalesce(%(huvudman)s, huvudman_id),"
    " skotselprodukt_kod = coalesce(%(produkt)s, skotselprodukt_kod),"
    " kvalitetsniva = coalesce(%(kvalitet)s, kvalitetsniva)"
    " WHERE objekt_id = %(id)s AND valid_to IS NULL"
    " AND (%(expected)s::timestamptz IS NULL OR valid_from = %(expected)s::timestamptz)"
    " RETURNING valid_from"
)
_RETIRE_SQL = (
    "UPDATE skotselobjekt SET valid_to = now() WHERE objekt_id = %(id)s AND valid_to IS NULL"
)
_AREA_OF_OPERATIONS_SQL = "(SELECT geom FROM driftomrade WHERE id = %(area_id)s)"
_DRAWN_AREA_SQL = "ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%(area)s), 4326), 3006)"
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
    " ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(%(geometri)s), 4326), 3006)"
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
    expected: datetime | None,
) -> datetime:
    """The object's new version (its start); 409 when it changed since the version expected."""
    await mark_writer(conn, who, change.orsak)
    huvudman = await _organisation_id(conn, change.huvudman) if change.huvudman else None
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
                "id": object_id,
                "expected": expected,
            },
        )
    row = await cursor.fetchone()
    if row is None:
        current = await _current_version(conn, object_id)
        raise ObjectConflict(
            "Objektet har ändrats sedan du hämtade det; hämta det igen och gör om ändringen.",
            aktuell_version=current.isoformat(),
        )
    return row[0]  # type: ignore[no-any-return]


async def retire_object(
    conn: Connection, who: Principal, object_id: uuid.UUID, reason: str, expected: datetime | None
) -> None:
    """The object's current version ends now; 409 when it changed since the version expected."""
    await mark_writer(conn, who, reason)
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
    await conn.execute(_RETIRE_SQL, {"id": object_id})


async def hand_over(conn: Connection, who: Principal, handover: Handover) -> int:
    """Every current object of `fran` in the area gets `till` from the date; how many moved."""
    start = datetime.combine(handover.giltig_fran, time(0), LOCAL_TIME)
    await mark_writer(conn, who, handover.orsak, start)
    source = await _organisation_id(conn, handover.fran)
    target = await _organisation_id(conn, handover.till)
    area = _AREA_OF_OPERATIONS_SQL if handover.driftomrade is not None else _DRAWN_AREA_SQL
    with _refused_as_invalid(
        (
            errors.CheckViolation,
            lambda why: f"Överlåtelsen kan inte gälla från {handover.giltig_fran}: {why}",
        ),
        (errors.InternalError, lambda why: f"Området kan inte läsas: {why}"),
    ):
        cursor = await conn.execute(
            _HANDOVER_SQL.format(area=area),  # one of two constants, never input
            {
                "area_id": handover.driftomrade,
                "area": orjson.dumps(handover.omrade).decode(),
                "target": target,
                "source": source,
            },
        )
    return cursor.rowcount


async def create_object(
    conn: Connection, who: Principal, new: NewObject
) -> tuple[uuid.UUID, datetime]:
    """A new object (its id and version); the geometry must be valid and of the product's kind."""
    await mark_writer(conn, who, new.orsak)
    huvudman = await _organisation_id(conn, new.huvudman)
    with _refused_as_invalid(
        (
            (errors.CheckViolation, errors.InternalError),
            lambda why: f"Geometrin är ogiltig eller av fel typ för produkten: {why}",
        ),
    ):
        cursor = await conn.execute(
            _CREATE_SQL,
            {
                "huvudman": huvudman,
                "kvalitet": new.kvalitetsniva,
                "attribut": orjson.dumps(new.attribut).decode(),
                "geometri": orjson.dumps(new.geometri).decode(),
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
