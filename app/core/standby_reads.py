"""The connection for reads that tolerate a little lag: a standby when one is in rotation and
has replayed the caller's writes, else the primary (app.core.replicas)."""

import contextlib
from collections.abc import AsyncIterator
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request

from app.core.db import pooled_connection
from app.core.problems import DatabaseUnavailable, is_connection_error
from app.core.read_your_writes import ReadRouterRef, WriteMarks, required_position
from app.core.replicas import DOWN, standby_connection


async def get_lagged_read_connection(
    request: Request,
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """An autocommit connection for one request's reads that may lag a little."""
    ref: ReadRouterRef = request.app.state.read_router
    router = ref.get()
    if router is None:
        async with pooled_connection(request) as primary:
            yield primary
        return
    marks: WriteMarks = request.app.state.write_marks
    standby = router.pick(required_position(request.scope, marks))
    async with contextlib.AsyncExitStack() as stack:
        conn: psycopg.AsyncConnection[Any] | None = None
        if standby is not None:
            try:
                conn = await stack.enter_async_context(standby_connection(standby))
            except psycopg.OperationalError:  # also the pool's timeout
                # Out of rotation at once; the next check brings it back when it answers.
                standby.taken_out(DOWN)
                standby = None
        if conn is None:
            conn = await stack.enter_async_context(pooled_connection(request))
            router.primary_reads += 1
        try:
            yield conn
        except psycopg.OperationalError as exc:
            if standby is not None and is_connection_error(exc):
                standby.taken_out(DOWN)
                raise DatabaseUnavailable.from_url(standby.url) from exc
            raise


LaggedReadConnectionDep = Annotated[
    psycopg.AsyncConnection[Any], Depends(get_lagged_read_connection)
]
