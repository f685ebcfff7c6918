"""Engines and sessions; the request dependency owns the transaction."""

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
import psycopg
from fastapi import Depends, Request
from psycopg.types.json import set_json_loads
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.errors import DatabaseUnavailable
from app.core.settings import Settings


def _connect_args(settings: Settings) -> dict[str, object]:
    return {
        "connect_timeout": max(1, round(settings.connect_timeout_s)),
        "application_name": "ansvarskartan",
        "options": f"-c statement_timeout={settings.statement_timeout_ms}",
    }


def make_async_engine(settings: Settings) -> AsyncEngine:
    """The service's pooled async engine (psycopg 3)."""
    return create_async_engine(
        settings.database_url,
        pool_size=settings.pool_size,
        max_overflow=settings.pool_max_overflow,
        pool_pre_ping=True,
        connect_args=_connect_args(settings),
    )


def libpq_url(database_url: str) -> str:
    """The SQLAlchemy URL as plain libpq/psycopg takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def make_pool(settings: Settings) -> AsyncConnectionPool:
    """A psycopg pool of autocommit connections for hot read paths that skip the ORM."""

    async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
        await conn.set_autocommit(True)
        set_json_loads(orjson.loads, conn)

    return AsyncConnectionPool(
        libpq_url(settings.database_url),
        min_size=1,
        max_size=settings.pool_size + settings.pool_max_overflow,
        kwargs=_connect_args(settings),
        configure=configure,
        open=False,
    )


def make_sync_engine(settings: Settings) -> Engine:
    """A synchronous engine for the command line, imports and migrations."""
    connect_args = _connect_args(settings)
    # A killed command (an import) should end its server session at once, not when its
    # current statement finishes and the lock it holds would otherwise linger.
    connect_args["options"] = f"{connect_args['options']} -c client_connection_check_interval=1000"
    return create_engine(settings.database_url, pool_pre_ping=True, connect_args=connect_args)


_SERVER_GONE = {"57P01", "57P02", "57P03"}


def is_connection_error(exc: BaseException) -> bool:
    """True when the error means the database could not be reached, not that a query failed."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    orig = exc.orig
    if not isinstance(orig, psycopg.OperationalError):
        return False
    # Client-side connection failures carry no SQLSTATE; class 08 is "connection exception".
    sqlstate = orig.sqlstate
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _SERVER_GONE


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """One session per request: committed when the handler returns, rolled back if it raises."""
    factory: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    async with factory() as session:
        try:
            async with session.begin():
                yield session
        except DBAPIError as exc:
            if is_connection_error(exc):
                raise DatabaseUnavailable.from_url(request.app.state.settings.database_url) from exc
            raise


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_pooled_connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """An autocommit psycopg connection from the pool, for one request."""
    pool: AsyncConnectionPool = request.app.state.pool
    try:
        async with pool.connection(timeout=request.app.state.settings.connect_timeout_s) as conn:
            yield conn
    except (psycopg.OperationalError, PoolTimeout) as exc:
        if isinstance(exc, PoolTimeout) or exc.sqlstate is None or exc.sqlstate.startswith("08"):
            raise DatabaseUnavailable.from_url(request.app.state.settings.database_url) from exc
        raise


PooledConnectionDep = Annotated[psycopg.AsyncConnection[Any], Depends(get_pooled_connection)]
