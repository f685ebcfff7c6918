"""Liveness and readiness: is the database there, with PostGIS and the schema applied?"""

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.core.db import is_connection_error
from app.core.errors import DatabaseUnavailable
from app.municipality.boundary import missing_warning

router = APIRouter(tags=["drift"])


@router.get("/healthz", summary="Hälsokontroll: når tjänsten databasen, finns kommungränsen?")
async def healthz(request: Request) -> dict[str, Any]:
    """ok when the database answers, with PostGIS, the schema and the municipal boundary."""
    engine = request.app.state.engine
    code = request.app.state.settings.municipality_code
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT postgis_lib_version() AS postgis,"
                        " (SELECT version_num FROM alembic_version LIMIT 1) AS schema,"
                        " (SELECT namn FROM kommungrans WHERE kommunkod = :code) AS kommun"
                    ),
                    {"code": code},
                )
            ).one()
    except (DBAPIError, OSError) as exc:
        if isinstance(exc, OSError) or is_connection_error(exc):
            raise DatabaseUnavailable.from_url(request.app.state.settings.database_url) from exc
        raise
    # A missing boundary is a warning, not a failure: the service answers and restarting it
    # would not help, so status stays ok (and 200) while the warning says what to run.
    return {
        "status": "ok",
        "databas": "ok",
        "postgis": row.postgis,
        "schemaversion": row.schema,
        "kommunkod": code,
        "kommun": row.kommun,
        "kommungrans": "ok" if row.kommun is not None else "saknas",
        "varningar": [] if row.kommun is not None else [missing_warning(code)],
    }
