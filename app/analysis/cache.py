"""Analysis results kept while the data has not changed: keyed by the data version.

A result is computed in one transaction with the analysis' statement timeout
(ANSVAR_ANALYSIS_TIMEOUT_MS), not a request's.

The data version (migration 0012) is the (count, max) of the committed transactions that wrote
a table the analysis reads, as the reading connection sees them. It is read before computing,
so a result stored under a version was computed from that version's data or newer.

Time changes the data too: an object version may start or end at a later moment, and a
driftområde's contract is current by the date in Sweden. An entry therefore also ends at the
next moment an object version starts or ends and at the next midnight in Stockholm.

One cache per process (several service nodes each keep their own). Two requests for the same
missing entry compute it once: the second waits for the first.
"""

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo

import psycopg
from fastapi import Depends, Request

T = TypeVar("T")
SWEDEN = ZoneInfo("Europe/Stockholm")
DEFAULT_ENTRIES = 48

_VERSION_SQL = "SELECT count(*), coalesce(max(transaktion), 0) FROM dataversion"
_NEXT_VALIDITY_CHANGE_SQL = """
SELECT least((SELECT min(valid_from) FROM skotselobjekt WHERE valid_from > now()),
             (SELECT min(valid_to) FROM skotselobjekt WHERE valid_to > now()))
"""


async def data_version(conn: psycopg.AsyncConnection[Any]) -> tuple[int, int]:
    """The committed changes this connection sees, as (count, largest transaction id)."""
    row = await (await conn.execute(_VERSION_SQL)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def next_midnight_in_sweden(now: datetime) -> datetime:
    """The next midnight in Stockholm after now, when contracts change by date."""
    tomorrow = now.astimezone(SWEDEN).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), SWEDEN).astimezone(UTC)


async def valid_until(conn: psycopg.AsyncConnection[Any], now: datetime) -> datetime:
    """When what is valid now next changes by itself: a version starts or ends, or a date."""
    row = await (await conn.execute(_NEXT_VALIDITY_CHANGE_SQL)).fetchone()
    midnight = next_midnight_in_sweden(now)
    change = row[0] if row else None
    return min(change, midnight) if change is not None else midnight


@dataclass(frozen=True)
class _Entry:
    value: Any
    until: datetime


class AnalysisCache:
    """Recent analysis results by name, parameters and data version (least recently used out)."""

    def __init__(self, entries: int = DEFAULT_ENTRIES, timeout_ms: int = 600_000) -> None:
        self._timeout_ms = int(timeout_ms)
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._computing: dict[Hashable, asyncio.Lock] = {}
        self._size = entries
        self.hits = 0
        self.misses = 0

    def _fresh(self, key: Hashable, now: datetime) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is None or entry.until <= now:
            return None
        self._entries.move_to_end(key)
        return entry

    async def get(
        self,
        conn: psycopg.AsyncConnection[Any],
        name: Hashable,
        compute: Callable[[], Awaitable[T]],
    ) -> T:
        """The stored result for name at the current data version, else compute() stored."""
        key = (name, await data_version(conn))
        if (entry := self._fresh(key, datetime.now(UTC))) is not None:
            self.hits += 1
            return entry.value  # type: ignore[no-any-return]
        lock = self._computing.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                if (entry := self._fresh(key, datetime.now(UTC))) is not None:
                    self.hits += 1
                    return entry.value  # type: ignore[no-any-return]
                self.misses += 1
                until = await valid_until(conn, datetime.now(UTC))
                # The whole municipality may take minutes cold, longer than a request's statement
                # timeout; it is computed once per data version, so it gets the analysis' own.
                async with conn.transaction():
                    await conn.execute(
                        "SELECT set_config('statement_timeout', %s, true)", [str(self._timeout_ms)]
                    )
                    value = await compute()
                self._entries[key] = _Entry(value, until)
                while len(self._entries) > self._size:
                    self._entries.popitem(last=False)
                return value
        finally:
            if not lock.locked() and self._computing.get(key) is lock:
                del self._computing[key]


def get_analysis_cache(request: Request) -> AnalysisCache:
    """The application's analysis cache."""
    cache: AnalysisCache = request.app.state.analysis_cache
    return cache


AnalysisCacheDep = Annotated[AnalysisCache, Depends(get_analysis_cache)]
