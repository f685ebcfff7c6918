"""What must happen once, or a limited number of times at once, holds across service nodes:
each node here is a pool of its own on the test database, as two processes behind a load
balancer would have."""

import asyncio

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool

from app.core.cluster_places import cluster_place
from app.core.db import libpq_url, make_pool
from app.core.settings import Settings
from app.export.router import BUILD_PLACES, MAX_CONCURRENT_BUILDS
from app.reports.retention import remove_old_personal_data

NODES = 3


async def _nodes(settings: Settings) -> list[AsyncConnectionPool]:
    pools = [make_pool(settings) for _ in range(NODES)]
    for pool in pools:
        await pool.open(wait=True)
    return pools


async def _held(pool: AsyncConnectionPool, name: str) -> list[int]:
    """The places of name held now, by anyone (pg_locks: classid is the name's hash)."""
    async with pool.connection() as conn:
        cursor = await conn.execute(
            "SELECT objid::int FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = hashtext(%(name)s)::oid AND objsubid = 2 ORDER BY 1",
            {"name": name},
        )
        return [row[0] for row in await cursor.fetchall()]


def test_export_builds_are_limited_across_nodes(settings: Settings) -> None:
    async def scenario() -> None:
        pools = await _nodes(settings)
        try:
            first, second, third = pools
            entered = asyncio.Event()

            async def third_node() -> int:
                async with cluster_place(third, BUILD_PLACES, MAX_CONCURRENT_BUILDS, poll_s=0.05):
                    entered.set()
                    return 1

            async with cluster_place(first, BUILD_PLACES, MAX_CONCURRENT_BUILDS) as one:
                async with cluster_place(second, BUILD_PLACES, MAX_CONCURRENT_BUILDS) as two:
                    assert {one, two} == {0, 1}
                    waiting = asyncio.create_task(third_node())
                    await asyncio.sleep(0.5)  # ten tries of the third node
                    assert not entered.is_set()
                    assert await _held(first, BUILD_PLACES) == [0, 1]
                # The second node's place is free: the third takes it.
                assert await asyncio.wait_for(waiting, 30) == 1
            assert await _held(first, BUILD_PLACES) == []
        finally:
            for pool in pools:
                await pool.close()

    asyncio.run(scenario())


def test_a_node_that_dies_gives_its_place_back(settings: Settings) -> None:
    async def scenario() -> None:
        pools = await _nodes(settings)
        try:
            dying, other, _ = pools
            async with dying.connection() as conn:
                await conn.execute(
                    "SELECT pg_advisory_lock(hashtext(%(name)s), 0)", {"name": BUILD_PLACES}
                )
                assert await _held(other, BUILD_PLACES) == [0]
                pid = conn.info.backend_pid
                async with other.connection() as killer:
                    await killer.execute("SELECT pg_terminate_backend(%(pid)s)", {"pid": pid})
                with pytest.raises(psycopg.OperationalError):
                    await conn.execute("SELECT 1")
            async with cluster_place(other, BUILD_PLACES, 1) as place:
                assert place == 0
        finally:
            for pool in pools:
                await pool.close()

    asyncio.run(scenario())


def test_only_one_node_removes_personal_data_at_a_time(settings: Settings) -> None:
    url = libpq_url(settings.database_url)

    async def scenario() -> None:
        async with (
            await psycopg.AsyncConnection.connect(url, autocommit=True) as running,
            await psycopg.AsyncConnection.connect(url, autocommit=True) as second,
        ):
            async with running.transaction():
                # The first node's removal, still in its transaction.
                await running.execute(
                    "SELECT pg_try_advisory_xact_lock(hashtext('ansvarskartan-gallring'))"
                )
                skipped = await remove_old_personal_data(second, 365)
                assert skipped.skipped
                assert "En annan gallring pågår" in skipped.line()
            after = await remove_old_personal_data(second, 365)
            assert not after.skipped

    asyncio.run(scenario())
