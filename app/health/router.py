"""Liveness and readiness: is the database there, with PostGIS and the schema applied?"""

from typing import Any

from fastapi import APIRouter, Request

from app.core.db import ReadConnectionDep
from app.core.replicas import IN_ROTATION, DatabaseState
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
        "databaser": [_database(state) for state in _states(request)],
    }


def _states(request: Request) -> list[DatabaseState]:
    router = request.app.state.read_router.router
    if router is None:
        return [DatabaseState("primär", "primär", IN_ROTATION, None, 0)]
    states: list[DatabaseState] = router.states()
    return states


def _database(state: DatabaseState) -> dict[str, Any]:
    lag = round(state.lag_s, 3) if state.lag_s is not None else None
    return {
        "namn": state.name,
        "roll": state.role,
        "status": state.state,
        "fordrojning_s": lag,
        "lasningar": state.reads,
    }
