"""Liveness and readiness: is the database there, with PostGIS and the schema applied?"""

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db import is_connection_error
from app.errors import DatabaseUnavailable

router = APIRouter(tags=["drift"])


@router.get("/healthz", summary="Hälsokontroll: når tjänsten databasen?")
async def healthz(request: Request) -> dict[str, Any]:
    """ok when the database answers, with the PostGIS version and the schema revision."""
    engine = request.app.state.engine
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT postgis_lib_version() AS postgis,"
                        " (SELECT version_num FROM alembic_version LIMIT 1) AS schema"
                    )
                )
            ).one()
    except (DBAPIError, OSError) as exc:
        if isinstance(exc, OSError) or is_connection_error(exc):
            raise DatabaseUnavailable.from_url(request.app.state.settings.database_url) from exc
        raise
    return {"status": "ok", "databas": "ok", "postgis": row.postgis, "schemaversion": row.schema}
