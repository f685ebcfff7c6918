"""The catalogue of problem types, and how every error leaves the service (RFC 9457).

A problem type is a subclass of `AppError` that declares its slug (`type`), its HTTP `status`
and its Swedish `title`, once. Declaring the class registers it (`AppError.__init_subclass__`):
`problem_types()` is the catalogue, a slug declared twice fails at import, and the handlers
below render every error from these declarations, the framework's own HTTP errors and
validation errors included. A subclass that declares no slug of its own is the same problem
type as its parent.

The general types, which the handlers themselves produce for any route (bad input, 401, 403,
404, 405, 406, 409, 413, 415, 500, 503), are declared here. A type that belongs to one
capability (an import that would retire many objects, an object someone else changed, a package
that could not be built) is declared next to the code that raises it: the capability stays
readable on its own and this module free of its vocabulary, while registration keeps the
catalogue complete and every slug unique (tests/test_problems.py imports every module of app/
and checks that app.main alone registers them all, so the OpenAPI document lists every type).
"""

import logging
import re
from typing import Any, ClassVar

import orjson
import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.settings import describe_url
from app.core.text_limits import LINK_PROBLEMS

PROBLEM_MEDIA_TYPE = "application/problem+json"
# RFC 9457 members; a problem's own members may not replace them.
_STANDARD_MEMBERS = frozenset({"type", "title", "status", "detail", "instance"})
_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_CATALOGUE: dict[str, type["AppError"]] = {}

log = logging.getLogger(__name__)


class AppError(Exception):
    """An error the client can act on; rendered as application/problem+json."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = "ogiltig-begaran"
    title: ClassVar[str] = "Ogiltig begäran"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _register(cls)

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **members: Any
    ) -> None:
        clashes = _STANDARD_MEMBERS & members.keys()
        if clashes:
            raise TypeError(f"{type(self).__name__}: {sorted(clashes)} are RFC 9457 members")
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = members

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document of this error: the RFC 9457 members, then its own, flat."""
        problem: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            problem["instance"] = instance
        problem.update(self.extra)
        return problem


def _register(cls: type[AppError]) -> None:
    declared = {"type", "title", "status"} & vars(cls).keys()
    if not declared:
        return
    name = f"{cls.__module__}.{cls.__qualname__}"
    if not {"type", "title"} <= declared:
        # A new status or title under the parent's slug would make one type mean two things.
        raise TypeError(f"{name} declares a problem type: it needs both type and title")
    if not _SLUG.fullmatch(cls.type):
        raise TypeError(f"{name}: the type {cls.type!r} is not a lower-case ASCII slug")
    other = _CATALOGUE.get(cls.type)
    # A module imported again (importlib.reload) declares the same type anew.
    if other is not None and f"{other.__module__}.{other.__qualname__}" != name:
        raise TypeError(f"the problem type {cls.type!r} is declared twice: {other} and {cls}")
    _CATALOGUE[cls.type] = cls


_register(AppError)


def problem_types() -> dict[str, type[AppError]]:
    """Every problem type declared so far, by slug."""
    return dict(_CATALOGUE)


class InvalidInput(AppError):
    """The request's parameters or body are wrong."""


class InvalidParameter(InvalidInput):
    """A parameter or field of the request that cannot be used (the framework's checks too)."""

    type = "ogiltig-parameter"
    title = "Ogiltig parameter"


class NotAuthenticated(AppError):
    """No valid token where one is needed."""

    status = 401
    type = "inte-inloggad"
    title = "Inloggning krävs"


class Forbidden(AppError):
    """The token's role may not do this."""

    status = 403
    type = "atkomst-nekad"
    title = "Åtkomst nekad"


class NotFound(AppError):
    """The resource does not exist."""

    status = 404
    type = "hittades-inte"
    title = "Hittades inte"


class MethodNotAllowed(AppError):
    """The resource exists but not with this HTTP method."""

    status = 405
    type = "metoden-stods-inte"
    title = "Metoden stöds inte"


class NotAcceptable(AppError):
    """A format the API does not offer."""

    status = 406
    type = "format-stods-inte"
    title = "Formatet stöds inte"


class Conflict(AppError):
    """The request conflicts with the current state of the data."""

    status = 409
    type = "konflikt"
    title = "Konflikt med befintliga data"


class PayloadTooLarge(AppError):
    """The request carries more than the service accepts at once."""

    status = 413
    type = "for-stor-begaran"
    title = "Begäran är för stor"


class UnsupportedMediaType(AppError):
    """The request body is in a format the endpoint does not read."""

    status = 415
    type = "mediatyp-stods-inte"
    title = "Mediatypen stöds inte"


class HttpError(AppError):
    """An HTTP error of the framework with a status no other type covers."""

    type = "http-fel"
    title = "Fel"


class InternalError(AppError):
    """A fault in the service itself; it is logged, the client learns only that it happened."""

    status = 500
    type = "internt-fel"
    title = "Internt fel"


class DatabaseUnavailable(AppError):
    """The database cannot be reached."""

    status = 503
    type = "databasen-otillganglig"
    title = "Databasen kan inte nås"

    @classmethod
    def from_url(cls, url: str) -> "DatabaseUnavailable":
        """The error for a database at url (credentials never shown)."""
        return cls(
            f"Tjänsten får ingen kontakt med databasen ({describe_url(url)}). "
            "Försök igen om en stund eller kontakta driften."
        )


class TookTooLong(AppError):
    """A statement ran past the database's statement timeout and was cancelled."""

    status = 503
    type = "tog-for-lang-tid"
    title = "Frågan tog för lång tid"


# The types of the framework's own HTTP errors, by status.
_HTTP_TYPES: dict[int, type[AppError]] = {
    cls.status: cls
    for cls in (
        InvalidInput,
        NotAuthenticated,
        Forbidden,
        NotFound,
        MethodNotAllowed,
        NotAcceptable,
        Conflict,
        PayloadTooLarge,
        UnsupportedMediaType,
    )
}
_SERVER_GONE = {"57P01", "57P02", "57P03"}


def is_connection_error(exc: BaseException) -> bool:
    """True when the error means the database could not be reached, not that a query failed."""
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        orig: BaseException | None = exc.orig
    else:
        orig = exc
    if not isinstance(orig, psycopg.OperationalError):
        return False
    # Client-side connection failures carry no SQLSTATE; class 08 is "connection exception".
    sqlstate = orig.sqlstate
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in _SERVER_GONE


def _absent_not_null(schema: dict[str, Any]) -> None:
    # instance is left out when unknown, never sent as null: the schema shows no null default.
    schema["properties"]["instance"].pop("default", None)


class Problem(BaseModel):
    """An error as RFC 9457 problem details; a problem type may add members of its own."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_absent_not_null)

    type: str = Field(description="Problemtypen, maskinläsbar", examples=["hittades-inte"])
    title: str = Field(description="Problemtypens rubrik", examples=["Hittades inte"])
    status: int = Field(description="HTTP-statusen", examples=[404])
    detail: str = Field(description="Vad som gick fel den här gången och vad man kan göra")
    instance: str | SkipJsonSchema[None] = Field(default=None, description="Adressen som begärdes")


_ERROR_RESPONSES = {
    "4XX": "Fel i begäran",
    "5XX": "Fel i tjänsten eller databasen kan inte nås",
}


def _problem_content() -> dict[str, Any]:
    return {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _catalogue_description() -> str:
    lines = [
        f"- `{slug}` ({'övriga' if cls is HttpError else cls.status}): {cls.title}"
        for slug, cls in sorted(_CATALOGUE.items(), key=lambda item: (item[1].status, item[0]))
    ]
    return "Ett fel enligt RFC 9457 (problem details). Problemtyperna:\n\n" + "\n".join(lines)


def document_problems(document: dict[str, Any]) -> None:
    """Add the Problem schema and the error responses of every operation to an OpenAPI document."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    problem["description"] = _catalogue_description()
    schemas["Problem"] = problem
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            # Validation errors are 400 problems here, never FastAPI's 422.
            responses.pop("422", None)
            for code, description in _ERROR_RESPONSES.items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code[0] in "45" and "content" not in response:
                    response["content"] = _problem_content()
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"'.encode() not in orjson.dumps(document):
            schemas.pop(unused, None)


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
    "extra_forbidden": "är inget känt fält",
    "string_too_short": "får inte vara tomt",
}


def _validation_message(err: Any) -> str:
    kind, context = err.get("type", ""), err.get("ctx") or {}
    if kind == "string_too_long":
        return f"får vara högst {context.get('max_length')} tecken"
    if kind == "too_long":
        return f"får ha högst {context.get('max_length')} poster"
    if kind == "string_pattern_mismatch":
        return LINK_PROBLEMS.get(str(context.get("pattern")), "har fel format")
    return _VALIDATION_MESSAGES.get(kind, "är ogiltigt")


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


_BOUNDS = {"greater_than_equal", "less_than_equal", "greater_than", "less_than"}


def _out_of_range_path(exc: RequestValidationError) -> bool:
    # An id in the address beyond its range (RowIdPath) names nothing: 404, not a bad request.
    errors = exc.errors()
    return bool(errors) and all(
        tuple(err.get("loc", ()))[:1] == ("path",) and err.get("type") in _BOUNDS for err in errors
    )


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if _out_of_range_path(exc):
        missing = NotFound("Det finns ingen resurs på den här adressen.")
        return problem_response(missing.to_problem(request.url.path))
    errors = []
    for err in exc.errors():
        location = [
            str(part) for part in err.get("loc", ()) if part not in ("query", "body", "path")
        ]
        field = ".".join(location) or "begäran"
        message = _validation_message(err)
        errors.append({"parameter": field, "fel": message})
    detail = "; ".join(f"{e['parameter']} {e['fel']}" for e in errors)
    return problem_response(InvalidParameter(detail, fel=errors).to_problem(request.url.path))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind = _HTTP_TYPES.get(exc.status_code, HttpError)
    detail = exc.detail if isinstance(exc.detail, str) else kind.title
    if exc.status_code == 404 and detail == "Not Found":
        detail = "Det finns ingen resurs på den här adressen."
    elif detail == "There was an error parsing the body":  # FastAPI's own, e.g. for deep JSON
        detail = "Kroppen kan inte läsas som JSON."
    elif exc.status_code == 405:
        detail = f"Metoden {request.method} stöds inte här."
    problem = kind(detail).to_problem(request.url.path) | {"status": exc.status_code}
    return problem_response(problem, headers=getattr(exc, "headers", None))


def _is_cancelled(exc: BaseException) -> bool:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return isinstance(orig, psycopg.errors.QueryCanceled)


def _is_data_error(exc: BaseException) -> bool:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return isinstance(orig, psycopg.DataError)


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    if is_connection_error(exc):
        unavailable = DatabaseUnavailable.from_url(request.app.state.settings.database_url)
        log.warning("database unreachable: %s", exc.__class__.__name__)
        return problem_response(unavailable.to_problem(request.url.path))
    if _is_cancelled(exc):
        # The statement timeout (ANSVAR_STATEMENT_TIMEOUT_MS, for the analysis
        # ANSVAR_ANALYSIS_TIMEOUT_MS) ended it: nothing was written, and a retry may be quicker.
        log.warning("statement cancelled on %s %s", request.method, request.url.path)
        cancelled = TookTooLong(
            "Frågan tog längre tid än databasen tillåter och avbröts; inget ändrades. Försök igen"
            " om en stund, med ett mindre område, eller kontakta driften."
        )
        return problem_response(cancelled.to_problem(request.url.path), {"Retry-After": "60"})
    if _is_data_error(exc):
        # A value the database cannot take that no check caught earlier: the request's fault.
        log.warning("value refused by the database on %s %s", request.method, request.url.path)
        refused = InvalidInput("Ett värde i begäran kan inte användas av databasen.")
        return problem_response(refused.to_problem(request.url.path))
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    failure = InternalError("Något gick fel i tjänsten. Felet är loggat.")
    return problem_response(failure.to_problem(request.url.path))


def install_problem_handlers(app: FastAPI) -> None:
    """Route every kind of error to a problem+json response."""
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _unexpected_error)
    # psycopg's own errors (the pooled connections) too, so they never reach the server's log
    # as a traceback: a connection lost is a 503, a value the database refused a 400.
    app.add_exception_handler(psycopg.Error, _unexpected_error)
    app.add_exception_handler(Exception, _unexpected_error)
