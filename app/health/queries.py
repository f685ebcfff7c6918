"""What the health check asks the database."""

from dataclasses import dataclass
from typing import Any

import psycopg

_STATUS_SQL = (
    "SELECT postgis_lib_version() AS postgis,"
    " (SELECT version_num FROM alembic_version LIMIT 1) AS schema,"
    " (SELECT namn FROM kommungrans WHERE kommunkod = %(code)s) AS kommun"
)


@dataclass(frozen=True)
class DatabaseStatus:
    """PostGIS's version, the schema's revision and the municipality's name (None if missing)."""

    postgis: str
    schema: str | None
    municipality: str | None


async def database_status(
    conn: psycopg.AsyncConnection[Any], municipality_code: str
) -> DatabaseStatus:
    """Ask the database what the health check reports."""
    cursor = await conn.execute(_STATUS_SQL, {"code": municipality_code})
    postgis, schema, municipality = await cursor.fetchone() or ("", None, None)
    return DatabaseStatus(postgis, schema, municipality)
