"""Emptying tables between tests, by the application's own lists of them (app.demo.load)."""

from collections.abc import Iterable

from sqlalchemy import Engine

from app.demo.load import DATA_TABLES, IMPORT_TABLES, PLACE_TABLES, reset_data

__all__ = ["DATA_TABLES", "IMPORT_TABLES", "PLACE_TABLES", "empty_tables"]


def empty_tables(engine: Engine, tables: Iterable[str] = DATA_TABLES) -> None:
    """Empty the tables and restart their ids, committed (rows that refer to them go too)."""
    with engine.begin() as conn:
        reset_data(conn, tables)
