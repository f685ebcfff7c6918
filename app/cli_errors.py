"""Errors on the command line: one clear Swedish line and exit code 1, never a traceback."""

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import psycopg
import typer
from sqlalchemy.exc import DBAPIError

from app.core.problems import AppError, is_connection_error
from app.core.settings import describe_url, get_settings

P = ParamSpec("P")
R = TypeVar("R")


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn known errors into one clear line on stderr and exit code 1, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except AppError as exc:
            typer.secho(f"Fel: {exc.detail}", err=True, fg=typer.colors.RED)
            raise typer.Exit(1) from None
        except (
            FileNotFoundError,
            FileExistsError,
            IsADirectoryError,
            NotADirectoryError,
            PermissionError,
        ) as exc:
            typer.secho(
                f"Fel: kan inte använda {exc.filename}: {exc.strerror}.",
                err=True,
                fg=typer.colors.RED,
            )
            raise typer.Exit(1) from None
        except DBAPIError as exc:
            if isinstance(exc.orig, psycopg.errors.InsufficientPrivilege):
                # Typically a migration or import run as the service's role, not the owner's.
                typer.secho(
                    f"Fel: databasrollen saknar behörighet ({exc.orig.diag.message_primary})."
                    " Kör med schemats ägare i ANSVAR_MIGRATION_DATABASE_URL (se README).",
                    err=True,
                    fg=typer.colors.RED,
                )
                raise typer.Exit(1) from None
            if not is_connection_error(exc):
                raise
            where = describe_url(get_settings().database_url)
            typer.secho(
                f"Fel: kan inte nå databasen på {where}. Starta den lokala databasen med "
                "`make db` eller ange ANSVAR_DATABASE_URL.",
                err=True,
                fg=typer.colors.RED,
            )
            raise typer.Exit(1) from None

    return wrapper
