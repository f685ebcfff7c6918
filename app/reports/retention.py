"""Removing reporters' personal data a while after their reports closed (ANSVAR_GALLRING_DAGAR).

What goes: the reporter's name, e-mail and phone, the photos (they may show people, number
plates, a home) and the reporter's address on the receipt and closing messages of the outbox
(a message still waiting is given up). What stays: the category, the place, the status, the
dates, the routing and the events, so statistics and the same-mistake-at-the-same-place view
keep working. The audit log never held the contact data (migration 0008 leaves it out).
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from app.reports.service import mark

RETENTION_SIGNATURE = "gallring"
_DAY_S = 24 * 3600
log = logging.getLogger(__name__)
REMOVED_ADDRESS = "(gallrad)"

_REMOVE = """
WITH due AS (
  SELECT id FROM felanmalan
  WHERE stangd < now() - make_interval(days => %(days)s) AND gallrad IS NULL
  FOR UPDATE
), photos AS (
  DELETE FROM felanmalan_foto p USING due WHERE p.felanmalan_id = due.id RETURNING p.id
), messages AS (
  UPDATE leverans l SET adress = %(removed)s,
    status = CASE WHEN l.status = 'vantar' THEN 'avbruten' ELSE l.status END
  FROM due WHERE l.felanmalan_id = due.id AND l.syfte IN ('kvitto', 'stangd')
  RETURNING l.id
), reports AS (
  UPDATE felanmalan f SET anmalare_namn = NULL, anmalare_epost = NULL, anmalare_telefon = NULL,
    gallrad = now()
  FROM due WHERE f.id = due.id
  RETURNING f.id
)
SELECT (SELECT count(*) FROM reports), (SELECT count(*) FROM photos),
       (SELECT count(*) FROM messages)
"""


_ALONE = "SELECT pg_try_advisory_xact_lock(hashtext('ansvarskartan-gallring'))"


@dataclass(frozen=True)
class Removed:
    """What one removal did; skipped when another was running."""

    reports: int
    photos: int
    messages: int
    skipped: bool = False

    def line(self) -> str:
        """The command line's summary."""
        if self.skipped:
            return "En annan gallring pågår just nu; inget gjordes. Försök igen om en stund."
        return (
            f"Gallrat {self.reports} felanmälningar: kontaktuppgifter borttagna, "
            f"{self.photos} foton borttagna, {self.messages} meddelanden utan adress."
        )


async def remove_old_personal_data(
    conn: psycopg.AsyncConnection[Any], days: int, who: str = RETENTION_SIGNATURE
) -> Removed:
    """Remove the personal data of reports closed more than days ago, in one transaction.

    conn may be an autocommit connection (the service's pool, the command line): the removal
    is its own transaction; inside a transaction it is a savepoint of it.
    """
    async with conn.transaction():
        # One removal at a time across every service node: another node's run does the work,
        # this one finds nothing left when it runs next.
        cursor = await conn.execute(_ALONE)
        alone = await cursor.fetchone()
        if not (alone and alone[0]):
            return Removed(0, 0, 0, skipped=True)
        await mark(conn, who, f"gallring efter {days} dagar")
        cursor = await conn.execute(_REMOVE, {"days": days, "removed": REMOVED_ADDRESS})
        row = await cursor.fetchone()
    assert row is not None
    return Removed(int(row[0]), int(row[1]), int(row[2]))


class DailyRetention:
    """The service's removal of old personal data: at start, then once a day."""

    def __init__(self, pool: AsyncConnectionPool, days: int) -> None:
        self._pool, self._days = pool, days
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background of the service's event loop."""
        self._task = asyncio.create_task(self._run(), name="gallring")

    async def stop(self) -> None:
        """Stop; a removal under way is rolled back and runs again next time."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            try:
                async with self._pool.connection() as conn:
                    removed = await remove_old_personal_data(conn, self._days)
                if removed.reports:
                    log.info("%s", removed.line())
            except (psycopg.Error, PoolTimeout) as exc:
                # Idempotent: a day missed while the database is away is caught up the next day.
                log.warning("removing old personal data failed: %s", exc.__class__.__name__)
            await asyncio.sleep(_DAY_S)
