"""Liveness and readiness: is the database there, with PostGIS and the schema applied?"""

from typing import Any

from fastapi import APIRouter, Request

from app.core.db import ReadConnectionDep
from app.health.queries import database_status
from app.health.schemas import Health
from app.municipality.boundary import missing_warning

router = APIRouter(tags=["drift"])


@router.get(
    "/healthz",
    summary="Hälsokontroll: når tjänsten databasen, finns kommungränsen?",
    response_model=Health,
)
async def healthz(request: Request, conn: ReadConnectionDep) -> dict[str, Any]:
    """ok when the database answers, with PostGIS, the schema and the municipal boundary."""
    code = request.app.state.settings.municipality_code
    # A database that cannot be reached is a 503 from the connection dependency.
    status = await database_status(conn, code)
    # A missing boundary is a warning, not a failure: the service answers and restarting it
    # would not help, so status stays ok (and 200) while the warning says what to run.
    return {
        "status": "ok",
        "databas": "ok",
        "postgis": status.postgis,
        "schemaversion": status.schema,
        "kommunkod": code,
        "kommun": status.municipality,
        "kommungrans": "ok" if status.municipality is not None else "saknas",
        "varningar": [] if status.municipality is not None else [missing_warning(code)],
    }
