"""Telling the database who writes and why, so its triggers can version and audit the write."""

from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession

from app.access.principal import Principal

_MARK_SQL = (
    "SELECT set_config('ansvar.anvandare', %(who)s, true),"
    " set_config('ansvar.orsak', %(why)s, true),"
    " set_config('ansvar.giltig_fran', %(start)s, true)"
)


def _params(who: Principal, reason: str, start: datetime | None) -> dict[str, str]:
    return {
        "who": f"token:{who.token_id} {who.name}",
        "why": reason,
        "start": start.isoformat() if start else "",
    }


async def mark_writer(
    conn: psycopg.AsyncConnection[Any], who: Principal, reason: str, start: datetime | None = None
) -> None:
    """Within the current transaction of a pooled connection."""
    await conn.execute(_MARK_SQL, _params(who, reason, start))


async def mark_session_writer(session: AsyncSession, who: Principal, reason: str) -> None:
    """Within the request session's transaction."""
    connection = await session.connection()
    await connection.exec_driver_sql(_MARK_SQL, _params(who, reason, None))
