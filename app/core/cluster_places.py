"""Limits that hold across every service node: places taken as PostgreSQL advisory locks, so
two nodes behind a load balancer never run more of a thing at once than one node would."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from psycopg_pool import AsyncConnectionPool

# Both keys as int4: the name's hash and the place's number (pg_try_advisory_lock(int, int)).
_TAKE = "SELECT pg_try_advisory_lock(hashtext(%(name)s), %(place)s)"
_GIVE_BACK = "SELECT pg_advisory_unlock(hashtext(%(name)s), %(place)s)"


@asynccontextmanager
async def cluster_place(
    pool: AsyncConnectionPool, name: str, places: int, *, poll_s: float = 0.5
) -> AsyncIterator[int]:
    """Hold one of `places` places of name, across every node, while the block runs; waits
    for one to be free. The lock is the session's on a connection held meanwhile, so a node
    that dies gives its place back with its connection."""
    async with pool.connection() as conn:
        taken = None
        while taken is None:
            for place in range(places):
                cursor = await conn.execute(_TAKE, {"name": name, "place": place})
                row = await cursor.fetchone()
                if row and row[0]:
                    taken = place
                    break
            else:
                await asyncio.sleep(poll_s)
        try:
            yield taken
        finally:
            await conn.execute(_GIVE_BACK, {"name": name, "place": taken})
