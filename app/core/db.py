"""Engines and the transaction owners: one per kind of work (docs/architecture.md)."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import orjson
import psycopg
from fastapi import Depends, Request
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from app.core.problems import Conflict, DatabaseUnavailable, is_connection_error
from app.core.settings import Settings

T = TypeVar("T")


def _connect_args(settings: Settings) -> dict[str, object]:
    return {
        "connect_timeout": max(1, round(settings.connect_timeout_s)),
        "application_name": "ansvarskartan",
        "options": f"-c statement_timeout={settings.statement_timeout_ms}",
    }


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as plain libpq/psycopg takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


# How long the pool keeps retrying a lost connection on its own (once, after a second) before
# it leaves the next attempt to the next request waiting for a connection, which makes it at
# once. The pool's default, five minutes of doubling delays, left a database back from a
# restart unused until the current delay ran out: seconds after a short outage, minutes after
# a long one.
RECONNECT_WINDOW_S = 1.0


def make_pool(settings: Settings, url: str | None = None) -> AsyncConnectionPool:
    """The service's psycopg pool of autocommit connections: every HTTP read and write (of
    database_url, or of a standby's url)."""

    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.set_autocommit(True)
        set_json_loads(orjson.loads, conn)

    async def check(conn: psycopg.AsyncConnection[Any]) -> None:
        # A connection idle through a database restart is dead without knowing it: each is
        # tested (one empty round trip) before a request gets it, as pool_pre_ping does for
        # the sync engine. One dead means all that idled as long are: they are tested at once,
        # since the pool would try them one by one, with a growing pause between, for as long
        # as the request waits, and answer 503 with the database back.
        try:
            await AsyncConnectionPool.check_connection(conn)
        except psycopg.Error:
            await pool.check()
            raise

    pool = AsyncConnectionPool(
        libpq_url(url or settings.database_url),
        min_size=1,
        max_size=settings.pool_size + settings.pool_max_overflow,
        kwargs=_connect_args(settings),
        configure=configure,
        check=check,
        reconnect_timeout=RECONNECT_WINDOW_S,
        open=False,
    )
    return pool


def make_sync_engine(settings: Settings) -> Engine:
    """The synchronous engine: one per service (made at start-up) or per command."""
    connect_args = _connect_args(settings)
    # A killed command (an import) should end its server session at once, not when its
    # current statement finishes and the lock it holds would otherwise linger.
    connect_args["options"] = f"{connect_args['options']} -c client_connection_check_interval=1000"
    return create_engine(settings.database_url, pool_pre_ping=True, connect_args=connect_args)


def make_owner_engine(settings: Settings) -> Engine:
    """The synchronous engine as the schema's owner: migrations, the demo, command-line imports."""
    return make_sync_engine(
        settings.model_copy(update={"database_url": settings.owner_database_url})
    )


class NotSaved(Conflict):
    """The database refused the commit: the change breaks a rule checked only then."""

    type = "andringen-sparades-inte"
    title = "Ändringen sparades inte"


def refused_at_commit(exc: BaseException) -> NotSaved | None:
    """The problem when the database refused a commit (a deferred constraint, say), else None."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    # An OperationalError is the connection, not a refusal: its outcome is not known here.
    if not isinstance(orig, psycopg.DatabaseError) or isinstance(orig, psycopg.OperationalError):
        return None
    why = orig.diag.message_primary or "okänt skäl"
    return NotSaved(f"Databasen godtog inte ändringen: {why}. Inget sparades.")


def in_transaction(engine: Engine, fn: Callable[[Connection], T], *, dry_run: bool = False) -> T:
    """fn in one transaction on a connection of its own: committed, or rolled back on an error."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            result = fn(conn)
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
            return result
        try:
            transaction.commit()
        except DBAPIError as exc:
            if (refusal := refused_at_commit(exc)) is not None:
                raise refusal from exc
            raise
    return result


@asynccontextmanager
async def pooled_connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """An autocommit connection from the service's pool; 503 when the database is away."""
    pool: AsyncConnectionPool = request.app.state.pool
    try:
        async with pool.connection(timeout=request.app.state.settings.connect_timeout_s) as conn:
            yield conn
    except (psycopg.OperationalError, PoolTimeout) as exc:
        # A server gone mid-request (shut down, crashed: 57P0x) is the same outage as one that
        # cannot be reached; the pool drops the broken connection and the next request gets a
        # new one.
        if isinstance(exc, PoolTimeout) or is_connection_error(exc):
            raise DatabaseUnavailable.from_url(request.app.state.settings.database_url) from exc
        raise


async def get_read_connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """An autocommit connection for one request's reads."""
    async with pooled_connection(request) as conn:
        yield conn


async def get_write_connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A pooled connection in one transaction: committed when the handler returns."""
    async with pooled_connection(request) as conn:
        committing = False
        try:
            async with conn.transaction():
                yield conn
                committing = True
        except psycopg.DatabaseError as exc:
            if committing and (refusal := refused_at_commit(exc)) is not None:
                raise refusal from exc
            raise


async def get_sync_engine(request: Request) -> Engine:
    """The service's one synchronous engine, for work shared with the command line."""
    engine: Engine = request.app.state.sync_engine
    return engine


ReadConnectionDep = Annotated[psycopg.AsyncConnection[Any], Depends(get_read_connection)]
# scope="function": FastAPI runs the exit code (the commit) when the handler has returned and
# before the response is sent, so a refused commit becomes the answer. With the default scope
# it would run after the client already had its 2xx.
WriteConnectionDep = Annotated[
    psycopg.AsyncConnection[Any], Depends(get_write_connection, scope="function")
]
SyncEngineDep = Annotated[Engine, Depends(get_sync_engine)]
