"""The command line's database work: one transaction on the synchronous engine, credited to the
command line in the audit log; or async work on one autocommit psycopg connection, with one clear
line when the database is away."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

if TYPE_CHECKING:
    import psycopg
    from sqlalchemy import Connection

    from app.core.settings import Settings

T = TypeVar("T")


def in_cli_transaction(work: "Callable[[Connection], T]", reason: str | None = None) -> T:
    """work in one transaction on the configured database; with a reason, its writes are
    credited to the command line in the audit log."""
    from app.access.writer import written_by
    from app.core.db import in_transaction, make_sync_engine
    from app.core.settings import get_settings

    marked = written_by("cli", reason, work) if reason else work
    return in_transaction(make_sync_engine(get_settings()), marked)


Work = Callable[["psycopg.AsyncConnection[Any]", "Settings"], Awaitable[T]]


def run_on_connection(work: Work[T]) -> T:
    """work on one autocommit connection to the configured database; one line if it is away."""
    import psycopg

    from app.core.db import libpq_url
    from app.core.problems import is_connection_error
    from app.core.settings import describe_url, get_settings

    settings = get_settings()

    async def main() -> T:
        async with await psycopg.AsyncConnection.connect(
            libpq_url(settings.database_url),
            autocommit=True,
            connect_timeout=max(1, round(settings.connect_timeout_s)),
            application_name="ansvarskartan-cli",
        ) as conn:
            return await work(conn, settings)

    try:
        return asyncio.run(main())
    except psycopg.OperationalError as exc:
        if not is_connection_error(exc):
            raise
        typer.secho(
            f"Fel: kan inte nå databasen på {describe_url(settings.database_url)}. Starta den "
            "lokala databasen med `make db` eller ange ANSVAR_DATABASE_URL.",
            err=True,
            fg=typer.colors.RED,
        )
        raise typer.Exit(1) from None
