"""Open311's own error format, and a route class that answers every error of its routes in it."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.core.problems import AppError
from app.open311.formats import Format, format_of, render


class Open311Error(Exception):
    """An error answered as Open311's <errors> (not problem+json): its status and text."""

    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers


def error_response(status: int, description: str, fmt: Format, headers: Any = None) -> Response:
    """The standard's error list: one error with its code and description."""
    errors = [{"code": status, "description": description}]
    return render(errors, fmt, "errors", status_code=status, headers=headers)


def _validation_text(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body"))
        parts.append(f"{where}: {err.get('msg', 'ogiltigt')}" if where else err.get("msg", ""))
    return "Ogiltig parameter: " + "; ".join(parts)


class Open311Route(APIRoute):
    """A route whose errors (its own, the app's problems, validation) are Open311 errors."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The usual handler, with its errors rendered in the format of the path's suffix."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            fmt = format_of(request.url.path)
            try:
                return await handler(request)
            except Open311Error as exc:
                return error_response(exc.status, exc.description, fmt, exc.headers)
            except AppError as exc:
                return error_response(exc.status, exc.detail, fmt, exc.headers)
            except RequestValidationError as exc:
                return error_response(400, _validation_text(exc), fmt)
            except HTTPException as exc:
                return error_response(exc.status_code, str(exc.detail), fmt, exc.headers)

        return guarded
