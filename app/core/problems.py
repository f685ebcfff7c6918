"""Exception handlers: every error leaves the service as application/problem+json."""

import logging
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.db import is_connection_error
from app.core.errors import PROBLEM_MEDIA_TYPE, AppError, DatabaseUnavailable

log = logging.getLogger(__name__)

_HTTP_TITLES = {
    400: ("ogiltig-begaran", "Ogiltig begäran"),
    401: ("inte-inloggad", "Inloggning krävs"),
    403: ("atkomst-nekad", "Åtkomst nekad"),
    404: ("hittades-inte", "Hittades inte"),
    405: ("metoden-stods-inte", "Metoden stöds inte"),
    406: ("format-stods-inte", "Formatet stöds inte"),
    413: ("for-stor-begaran", "Begäran är för stor"),
    415: ("mediatyp-stods-inte", "Mediatypen stöds inte"),
}

_VALIDATION_MESSAGES = {
    "missing": "saknas",
    "float_parsing": "måste vara ett tal",
    "int_parsing": "måste vara ett heltal",
    "date_from_datetime_parsing": "måste vara ett datum (ÅÅÅÅ-MM-DD)",
    "date_parsing": "måste vara ett datum (ÅÅÅÅ-MM-DD)",
    "json_invalid": "är inte giltig JSON",
    "greater_than_equal": "är för litet",
    "less_than_equal": "är för stort",
    "greater_than": "är för litet",
    "less_than": "är för stort",
    "finite_number": "måste vara ett ändligt tal",
}


def problem_response(problem: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    """A JSON response with the problem media type."""
    return Response(
        orjson.dumps(problem),
        status_code=problem["status"],
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


async def _app_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return problem_response(exc.to_problem(request.url.path), headers=exc.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        location = [
            str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path")
        ]
        field = ".".join(location) or "begäran"
        message = _VALIDATION_MESSAGES.get(err.get("type", ""), "är ogiltigt")
        errors.append({"parameter": field, "fel": message})
    detail = "; ".join(f"{e['parameter']} {e['fel']}" for e in errors)
    problem = {
        "type": "ogiltig-parameter",
        "title": "Ogiltig parameter",
        "status": 400,
        "detail": detail,
        "instance": request.url.path,
        "fel": errors,
    }
    return problem_response(problem)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    type_, title = _HTTP_TITLES.get(exc.status_code, ("http-fel", "Fel"))
    detail = exc.detail if isinstance(exc.detail, str) else title
    if exc.status_code == 404 and detail == "Not Found":
        detail = "Det finns ingen resurs på den här adressen."
    elif exc.status_code == 405:
        detail = f"Metoden {request.method} stöds inte här."
    problem = {
        "type": type_,
        "title": title,
        "status": exc.status_code,
        "detail": detail,
        "instance": request.url.path,
    }
    return problem_response(problem, headers=getattr(exc, "headers", None))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    if is_connection_error(exc) or isinstance(exc, OSError):
        unavailable = DatabaseUnavailable.from_url(request.app.state.settings.database_url)
        log.warning("database unreachable: %s", exc.__class__.__name__)
        return problem_response(unavailable.to_problem(request.url.path))
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    problem = {
        "type": "internt-fel",
        "title": "Internt fel",
        "status": 500,
        "detail": "Något gick fel i tjänsten. Felet är loggat.",
        "instance": request.url.path,
    }
    return problem_response(problem)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every kind of error to a problem+json response."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _unexpected_error)
    app.add_exception_handler(Exception, _unexpected_error)
