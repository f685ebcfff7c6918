"""Reads on PostgreSQL hot standbys (docs/architecture.md, "Reaching the database").

A pool per standby. Every replica_check_s the primary's WAL position is sampled and each
standby asked whether it is in recovery and how far it has replayed; its lag is how long ago
the primary had written what the standby has not replayed yet. A standby that does not answer,
is no longer in recovery (promoted) or lags more than replica_max_lag_s is out of rotation until
a check finds it well again. Lagging reads go round robin to the standbys in rotation that have
replayed what the caller wrote (app.core.read_your_writes); failing that, to the primary.
"""

import asyncio
import contextlib
import itertools
import logging
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from app.core.db import make_pool
from app.core.settings import Settings

log = logging.getLogger(__name__)

# pg_lsn as a number (bytes since the start of WAL), comparable in Python; the primary's insert
# position, which is past every commit (see app.core.read_your_writes).
PRIMARY_POSITION_SQL = "SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn"
STANDBY_POSITION_SQL = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn"

IN_ROTATION, LAGGING, DOWN, NOT_STANDBY, UNCHECKED = "ok", "efter", "nere", "inte standby", "okänd"
# A standby that does not give a connection at once is skipped for the primary, not waited for.
STANDBY_CONNECT_TIMEOUT_S = 1.0


@dataclass
class DatabaseState:
    """What /healthz shows of one database."""

    name: str
    role: str  # primär | standby
    state: str
    lag_s: float | None
    reads: int


class Standby:
    """One standby's pool and what the last check found."""

    def __init__(self, number: int, url: str, settings: Settings) -> None:
        self.name = f"standby {number}"
        self.url = url
        self.pool = make_pool(settings, url)
        self.state = UNCHECKED
        self.lag_s: float | None = None
        self.replayed: int | None = None
        self.reads = 0

    @property
    def in_rotation(self) -> bool:
        """True when reads may go here."""
        return self.state == IN_ROTATION

    def has_replayed(self, position: int | None) -> bool:
        """True when the last check found this standby past the given WAL position."""
        return position is None or (self.replayed is not None and self.replayed >= position)

    def taken_out(self, state: str) -> None:
        """Out of rotation until a check finds it well."""
        if self.state != state:
            log.warning("%s: %s", self.name, state)
        self.state = state


class LagMeter:
    """Samples of the primary's WAL position, and a standby's lag measured against them: how
    long ago the primary had written the oldest WAL the standby has not replayed."""

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._written: deque[tuple[float, int]] = (
            deque()
        )  # (monotonic time, position), oldest first

    def sample(self, at: float, position: int) -> None:
        """Note the primary's position at a time; samples older than keep_s are dropped."""
        self._written.append((at, position))
        while len(self._written) > 1 and self._written[1][0] < at - self.keep_s:
            self._written.popleft()

    def lag(self, replayed: int | None, now: float) -> float | None:
        """Seconds the standby is behind (0 when it has replayed every sample); None unknown."""
        if replayed is None or not self._written:
            return None
        for sampled_at, position in self._written:
            if position > replayed:
                return now - sampled_at
        return 0.0


class ReadRouter:
    """The primary's pool and the standbys', and which one a lagging read goes to."""

    def __init__(self, settings: Settings, primary: AsyncConnectionPool) -> None:
        self.settings = settings
        self.primary = primary
        self.primary_reads = 0
        self.standbys = [
            Standby(k, url, settings) for k, url in enumerate(settings.replica_urls, start=1)
        ]
        # Enough history to tell a lag of replica_max_lag_s from a longer one.
        self._meter = LagMeter(settings.replica_max_lag_s + 3 * settings.replica_check_s)
        self._turn = itertools.count()
        self._checker: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Open the standbys' pools (without waiting) and start checking them."""
        if not self.standbys:
            return
        for standby in self.standbys:
            await standby.pool.open(wait=False)
        await self.check()
        self._checker = asyncio.create_task(self._keep_checking(), name="standby-check")

    async def close(self) -> None:
        """Stop checking and close the standbys' pools."""
        if self._checker is not None:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checker
        for standby in self.standbys:
            await standby.pool.close()

    def pick(self, written: int | None) -> Standby | None:
        """A standby in rotation that has replayed the caller's write, in turn; None: primary."""
        ready = [s for s in self.standbys if s.in_rotation and s.has_replayed(written)]
        if not ready:
            return None
        return ready[next(self._turn) % len(ready)]

    async def check(self) -> None:
        """Sample the primary's WAL position, then each standby's state and lag."""
        now = time.monotonic()
        primary = await self._ask(self.primary, PRIMARY_POSITION_SQL)
        if primary is not None:
            self._meter.sample(now, int(primary[0]))
        for standby in self.standbys:
            await self._check_standby(standby, now)

    def states(self) -> list[DatabaseState]:
        """The primary and every standby as /healthz shows them."""
        primary = DatabaseState("primär", "primär", IN_ROTATION, None, self.primary_reads)
        return [primary] + [
            DatabaseState(s.name, "standby", s.state, s.lag_s, s.reads) for s in self.standbys
        ]

    async def _check_standby(self, standby: Standby, now: float) -> None:
        answer = await self._ask(standby.pool, STANDBY_POSITION_SQL)
        if answer is None:
            standby.taken_out(DOWN)
            return
        in_recovery, replayed = answer
        if not in_recovery:
            standby.taken_out(NOT_STANDBY)
            return
        standby.replayed = int(replayed) if replayed is not None else None
        standby.lag_s = self._meter.lag(standby.replayed, now)
        if standby.lag_s is None or standby.lag_s > self.settings.replica_max_lag_s:
            standby.taken_out(LAGGING)
        else:
            if standby.state != IN_ROTATION:
                log.info("%s: back in rotation", standby.name)
            standby.state = IN_ROTATION

    async def _ask(self, pool: AsyncConnectionPool, sql: str) -> tuple[Any, ...] | None:
        timeout = min(self.settings.connect_timeout_s, 2 * self.settings.replica_check_s)
        try:
            async with asyncio.timeout(timeout):
                async with pool.connection(timeout=timeout) as conn:
                    row = await (await conn.execute(sql)).fetchone()
        except (psycopg.Error, PoolTimeout, TimeoutError):
            return None
        return tuple(row) if row else None

    async def _keep_checking(self) -> None:
        while True:
            await asyncio.sleep(self.settings.replica_check_s)
            try:
                await self.check()
            except Exception:  # a check must never end the checking
                log.exception("checking the standbys failed")


@contextlib.asynccontextmanager
async def standby_connection(standby: Standby) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A connection of the standby's pool; its pool's errors as they are."""
    async with standby.pool.connection(timeout=STANDBY_CONNECT_TIMEOUT_S) as conn:
        standby.reads += 1
        yield conn
