"""Telling the database who writes and why, so its triggers can version and audit the write."""

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

import psycopg
from sqlalchemy import Connection

from app.access.principal import Principal

T = TypeVar("T")

_MARK_SQL = (
    "SELECT set_config('ansvar.anvandare', %(who)s, true),"
    " set_config('ansvar.orsak', %(why)s, true),"
    " set_config('ansvar.giltig_fran', %(start)s, true)"
)


def _params(who: Principal | str, reason: str, start: datetime | None) -> dict[str, str]:
    return {
        "who": who if isinstance(who, str) else f"token:{who.token_id} {who.name}",
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
