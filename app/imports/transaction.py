"""Running an import in one transaction: committed, or rolled back for a dry run or an error."""

from collections.abc import Callable

from sqlalchemy import Connection, Engine

from app.imports.record import ImportResult


def run_import(
    engine: Engine, run: Callable[[Connection], ImportResult], *, dry_run: bool
) -> ImportResult:
    """Run one import on its own connection; nothing is written unless it succeeds for real."""
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            result = run(conn)
        except BaseException:
            transaction.rollback()
            raise
        if dry_run:
            transaction.rollback()
        else:
            transaction.commit()
    return result
