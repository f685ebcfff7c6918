"""Who writes and for whom: the database is told who and why, so its triggers can version and
audit the write; a gis token bound to an organisation writes that organisation's data only."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Connection

from app.access.principal import Principal
from app.core.problems import Forbidden

T = TypeVar("T")

_MARK_SQL = (
    "SELECT set_config('ansvar.anvandare', %(who)s, true),"
    " set_config('ansvar.orsak', %(why)s, true),"
    " set_config('ansvar.giltig_fran', %(start)s, true)"
)


def _params(who: Principal | str, reason: str, start: datetime | None) -> dict[str, str]:
    return {
        "who": who if isinstance(who, str) else who.signature,
        "why": reason,
        "start": start.isoformat() if start else "",
    }


async def mark_writer(
    conn: psycopg.AsyncConnection[Any], who: Principal, reason: str, start: datetime | None = None
) -> None:
    """Within an HTTP write transaction (WriteConnectionDep)."""
    await conn.execute(_MARK_SQL, _params(who, reason, start))


def written_by(
    who: Principal | str, reason: str, work: Callable[[Connection], T]
) -> Callable[[Connection], T]:
    """work for in_transaction, first telling the database who writes and why."""

    def marked(conn: Connection) -> T:
        conn.exec_driver_sql(_MARK_SQL, _params(who, reason, None))
        return work(conn)

    return marked


def bound_organisation(who: Principal) -> int | None:
    """The organisation a gis token bound with --organisation writes for; None: it writes for all.

    Only gis tokens are bound this way: an admin acts for everyone, and a contractor's
    organisation limits what it reads (principal.contractor_of), not what it writes.
    """
    return who.organisation_id if who.role == "gis" else None


def acts_for(who: Principal, organisation_id: int) -> bool:
    """True when the caller may write the data of this organisation."""
    bound = bound_organisation(who)
    return bound is None or bound == organisation_id


def not_acting_for(bound_slug: str, action: str) -> Forbidden:
    """The refusal of a bound token's write for another organisation; action says what it tried.

    action completes "får inte …", e.g. "importera parkenhetens skötselobjekt".
    """
    return Forbidden(
        f"Token är knuten till {bound_slug} och får inte {action}: en gis-token knuten till en "
        "organisation skriver bara den organisationens skötselobjekt."
    )
