"""HTTP: Open311 GeoReport v2 (discovery, services, requests, tokens) over the fault reports.

Reports are made and read by app.reports.service, shown by its privacy rule (rules.sees_details):
this module only translates. Every route exists as .json and .xml; errors are Open311's.
"""

import functools
import inspect
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.access.principal import (
    ANONYMOUS,
    OUTSIDE_THEIR_AREAS,
    Principal,
    read_scope,
    scoped_not_found_text,
)
from app.access.tokens import valid_token
from app.core.db import ReadConnectionDep, WriteConnectionDep, pooled_connection
from app.core.problems import NotFound
from app.core.public_url import public_base_url
from app.models.reports import CLOSED_STATUSES, REPORT_STATUSES
from app.open311.errors import Open311Error, Open311Route
from app.open311.formats import JSON_MEDIA_TYPE, XML_MEDIA_TYPE, Format, render
from app.open311.queries import designations
from app.open311.schemas import (
    CreatedOut,
    DiscoveryOut,
    ErrorOut,
    RequestOut,
    ServiceDefinitionOut,
    ServiceOut,
    TokenOut,
)
from app.reports import service
from app.reports.anonymous_limit import check_anonymous_report
from app.reports.queries import ListFilters
from app.reports.rules import sees_details
from app.reports.schemas import ReportIn
from app.responsibility.service import LOCAL_TIME

PREFIX = "/open311/v2"
router = APIRouter(prefix=PREFIX, tags=["open311"], route_class=Open311Route)

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = datetime(2026, 12, 1, tzinfo=UTC)  # when this endpoint last changed its shape
WINDOW = timedelta(days=90)
MAX_REQUESTS = 1000
MAX_IDS = 100
OPEN_STATUSES = tuple(s for s in REPORT_STATUSES if s not in CLOSED_STATUSES)
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization"}
_NOTES = {
    "ny": "Ny, skickad till mottagaren.",
    "mottagen": "Mottagen av mottagaren.",
    "pagar": "Åtgärd pågår.",
    "atgardad": "Åtgärdad.",
    "ej-vart-ansvar": "Inte mottagarens ansvar.",
    "dubblett": "Dubblett av en annan felanmälan.",
}
_FORM_FIELDS = (
    "api_key",
    "jurisdiction_id",
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "email",
    "device_id",
    "account_id",
    "first_name",
    "last_name",
    "phone",
    "description",
    "media_url",
)

JurisdictionQuery = Annotated[
    str | None, Query(max_length=50, description="Kommunkoden (SCB), t.ex. 0126")
]
ApiKeyQuery = Annotated[str | None, Query(max_length=200, description="En token (valfri)")]


def _error_content(fmt: Format) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    if fmt == "xml":
        return {XML_MEDIA_TYPE: {"schema": {"type": "string"}}, **problem}
    return problem


def _responses(fmt: Format, model: Any) -> dict[int | str, Any]:
    # Open311's errors; a request stopped before its route (a NUL, a limit) is a problem.
    errors: dict[int | str, Any] = {
        code: {"description": text, "content": _error_content(fmt)}
        | ({} if fmt == "xml" else {"model": list[ErrorOut]})
        for code, text in (
            ("400", "Saknad eller ogiltig parameter"),
            ("401", "Läsning kräver en token här"),
            ("403", "Ogiltig api_key"),
            ("404", "Okänd tjänst, felanmälan eller jurisdiktion"),
            ("4XX", "Annat fel i begäran"),
        )
    }
    if fmt == "xml":
        return {200: {"content": {XML_MEDIA_TYPE: {"schema": {"type": "string"}}}}, **errors}
    return {200: {"model": model}, **errors}


def _route(method: str, path: str, summary: str, model: Any) -> Callable[[Any], Any]:
    """Register the handler as path.json and path.xml, each with its format bound."""

    def register(handler: Any) -> Any:
        for fmt in ("json", "xml"):
            router.add_api_route(
                f"{path}.{fmt}",
                _bind(handler, fmt),
                methods=[method],
                summary=f"{summary} ({fmt.upper()})",
                response_class=Response,
                responses=_responses(fmt, model),
                operation_id=f"open311_{handler.__name__}_{fmt}",
            )
        return handler

    return register


def _bind(handler: Any, fmt: str) -> Any:
    """The handler with its fmt argument fixed, its other parameters left to FastAPI."""
    signature = inspect.signature(handler)
    params = [p for name, p in signature.parameters.items() if name != "fmt"]

    @functools.wraps(handler)
    async def bound(*args: Any, **kwargs: Any) -> Any:
        return await handler(*args, fmt=fmt, **kwargs)

    bound.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    return bound


async def _holder(request: Request, key: str | None) -> Principal:
    """The caller: the api_key's token, else the Bearer header's, else anonymous."""
    if key is None:
        scheme, _, bearer = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and bearer.strip():
            key = bearer.strip()
        elif scheme:
            raise Open311Error(403, "Ange token som api_key eller 'Authorization: Bearer'.")
    if key is None:
        return ANONYMOUS
    async with pooled_connection(request) as conn:
        holder = await valid_token(conn, key.strip())
    if holder is None:
        raise Open311Error(403, "api_key är ogiltig, har gått ut eller har återkallats.")
    return Principal(holder.role, holder.organisation_id, holder.id, holder.name)


def _check_jurisdiction(request: Request, jurisdiction: str | None) -> None:
    code = request.app.state.settings.municipality_code
    if jurisdiction is not None and jurisdiction != code:
        raise Open311Error(404, f"jurisdiction_id '{jurisdiction}' finns inte här; använd {code}.")


async def _reader(
    request: Request, api_key: ApiKeyQuery = None, jurisdiction_id: JurisdictionQuery = None
) -> Principal:
    """A caller who may read (anyone unless ANSVAR_PUBLIC_READ is false), in our jurisdiction."""
    principal = await _holder(request, api_key)
    if principal.anonymous and not request.app.state.settings.public_read:
        raise Open311Error(
            401,
            "Den här tjänsten kräver en token (api_key) för att läsa.",
            headers={"WWW-Authenticate": 'Bearer realm="ansvarskartan"'},
        )
    _check_jurisdiction(request, jurisdiction_id)
    return principal


Reader = Annotated[Principal, Depends(_reader)]


def _headers(principal: Principal) -> dict[str, str] | None:
    return None if principal.anonymous else dict(_PRIVATE)


@_route("GET", "/discovery", "Open311: vilka tjänster och format som finns", DiscoveryOut)
async def discovery(request: Request, principal: Reader, fmt: Format) -> Response:
    """Where the GeoReport v2 endpoint is and how a client gets a key."""
    base = public_base_url(request)
    anonymous = request.app.state.settings.anonyma_felanmalan
    document = {
        "changeset": CHANGESET,
        "contact": f"Se {base}/docs för API:t.",
        "key_service": "En token (api_key) från kommunens GIS-administration"
        + ("; felanmälan går också att göra utan." if anonymous else "."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": f"{base}{PREFIX}",
                "changeset": CHANGESET,
                "type": "production",
                "formats": [XML_MEDIA_TYPE, JSON_MEDIA_TYPE],
            }
        ],
    }
    return render(orjson_ready(document), fmt, "discovery", headers=_headers(principal))


def orjson_ready(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its datetimes as ISO 8601 text (as JSON and XML show them)."""
    return {k: v.isoformat() if isinstance(v, datetime) else _ready(v) for k, v in document.items()}


def _ready(value: Any) -> Any:
    if isinstance(value, dict):
        return orjson_ready(value)
    if isinstance(value, list):
        return [_ready(v) for v in value]
    return value


def _service(category: dict[str, Any]) -> dict[str, Any]:
    return {
        "service_code": category["kod"],
        "service_name": category["namn"],
        "description": category["beskrivning"],
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(category["produkter"]),
        "group": "Skötsel av utemiljö",
    }


@_route("GET", "/services", "Open311: tjänsterna (felkategorierna)", list[ServiceOut])
async def services(conn: ReadConnectionDep, principal: Reader, fmt: Format) -> Response:
    """The active categories, in their order."""
    listed = [_service(c) for c in await service.active_categories(conn)]
    return render(listed, fmt, "services", headers=_headers(principal))


@_route("GET", "/services/{service_code}", "Open311: en tjänsts definition", ServiceDefinitionOut)
async def service_definition(
    service_code: str, conn: ReadConnectionDep, principal: Reader, fmt: Format
) -> Response:
    """A category's definition: no extra attributes (metadata is false for all)."""
    if len(service_code) > 100 or await service.active_category(conn, service_code) is None:
        raise Open311Error(404, f"Tjänsten '{service_code[:100]}' finns inte.")
    definition = {"service_code": service_code, "attributes": []}
    return render(definition, fmt, "service_definition", headers=_headers(principal))


def _request(row: dict[str, Any], address: str | None, details: bool) -> dict[str, Any]:
    notes = _NOTES[row["status"]]
    if row["dubblett_av_nummer"]:
        notes = f"Dubblett av {row['dubblett_av_nummer']}."
    return {
        "service_request_id": row["nummer"],
        "status": "closed" if row["status"] in CLOSED_STATUSES else "open",
        "status_notes": notes,
        "service_name": row["kategori_namn"],
        "service_code": row["kategori"],
        "description": row["beskrivning"] if details else None,
        "agency_responsible": row["mottagare_namn"],
        "service_notice": "",
        "requested_datetime": row["skapad"].isoformat(),
        "updated_datetime": row["andrad"].isoformat(),
        "expected_datetime": None,
        "address": address or "",
        "address_id": None,
        "zipcode": None,
        "lat": round(row["lat"], 7),
        "long": round(row["lon"], 7),
        "media_url": None,
    }


async def _requests(
    conn: Any, principal: Principal, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    addresses = await designations(conn, [r["id"] for r in rows])
    return [
        _request(r, addresses.get(r["id"]), sees_details(principal, service.facts_of(r)))
        for r in rows
    ]


def _when(value: str | None, name: str) -> datetime | None:
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        detail = f"{name} ska vara en tidpunkt i W3C-format, inte '{value}'."
        raise Open311Error(400, detail) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_TIME)


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    if start is None and end is None:
        end = datetime.now(UTC)
    if start is None:
        assert end is not None
        start = end - WINDOW
    if end is None:
        end = start + WINDOW
    if end < start:
        raise Open311Error(400, "end_date ligger före start_date.")
    if end - start > WINDOW:
        raise Open311Error(400, "start_date till end_date får vara högst 90 dagar.")
    return start, end


def _statuses(value: str | None) -> tuple[str, ...]:
    if value is None or not value.strip():
        return ()
    wanted = {s.strip() for s in value.split(",") if s.strip()}
    if not wanted <= {"open", "closed"}:
        raise Open311Error(400, f"status kan vara open eller closed, inte '{value}'.") from None
    return (OPEN_STATUSES if "open" in wanted else ()) + (
        CLOSED_STATUSES if "closed" in wanted else ()
    )


@_route(
    "GET",
    "/requests",
    "Open311: felanmälningar (högst 1 000, senaste 90 dagarna)",
    list[RequestOut],
)
async def list_requests(
    request: Request,
    conn: ReadConnectionDep,
    principal: Reader,
    fmt: Format,
    service_request_id: Annotated[
        str | None, Query(max_length=3100, description="Nummer, med komma")
    ] = None,
    service_code: Annotated[str | None, Query(max_length=100)] = None,
    start_date: Annotated[str | None, Query(max_length=50, description="W3C-tidpunkt")] = None,
    end_date: Annotated[str | None, Query(max_length=50, description="W3C-tidpunkt")] = None,
    status: Annotated[str | None, Query(max_length=50, description="open, closed")] = None,
) -> Response:
    """By number (the other filters are then ignored, as the standard says), else a window."""
    contractor = read_scope(principal, request.app.state.settings)
    if service_request_id is not None and service_request_id.strip():
        numbers = list(dict.fromkeys(n.strip() for n in service_request_id.split(",") if n.strip()))
        if len(numbers) > MAX_IDS or any(len(n) > 30 for n in numbers):
            raise Open311Error(400, f"service_request_id: högst {MAX_IDS} nummer.")
        found = [await service.find_report(conn, n, contractor) for n in numbers]
        rows = [r for r in found if r is not None]
    else:
        if service_code is not None and await service.active_category(conn, service_code) is None:
            raise Open311Error(404, f"Tjänsten '{service_code}' finns inte.")
        start, end = _window(_when(start_date, "start_date"), _when(end_date, "end_date"))
        filters = ListFilters(
            statuses=_statuses(status),
            kategori=service_code,
            from_time=start,
            to_time=end,
            contractor=contractor,
        )
        rows, _more = await service.report_page(conn, filters, MAX_REQUESTS)
    shown = await _requests(conn, principal, rows)
    return render(shown, fmt, "service_requests", headers=_headers(principal))


def _missing(scope: int | None, what: str, not_theirs: str = OUTSIDE_THEIR_AREAS) -> str:
    """Not found; for a contractor limited to its areas, without telling whether it is another's."""
    return scoped_not_found_text(scope, what, not_theirs)


@_route("GET", "/requests/{service_request_id}", "Open311: en felanmälan", list[RequestOut])
async def one_request(
    service_request_id: str,
    request: Request,
    conn: ReadConnectionDep,
    principal: Reader,
    fmt: Format,
) -> Response:
    """One report, as a list of one (the standard's shape)."""
    scope = read_scope(principal, request.app.state.settings)
    row = None
    if len(service_request_id) <= 30:
        row = await service.find_report(conn, service_request_id, scope)
    if row is None:
        raise Open311Error(404, _missing(scope, f"Felanmälan {service_request_id[:30]}"))
    shown = await _requests(conn, principal, [row])
    return render(shown, fmt, "service_requests", headers=_headers(principal))


@_route("GET", "/tokens/{token}", "Open311: felanmälan av en token", list[TokenOut])
async def token(
    token: str, request: Request, conn: ReadConnectionDep, principal: Reader, fmt: Format
) -> Response:
    """A report is made at once: its token is its number."""
    scope = read_scope(principal, request.app.state.settings)
    row = None
    if len(token) <= 30:
        row = await service.find_report(conn, token, scope)
    if row is None:
        missing = f"Token {token[:30]}"
        raise Open311Error(404, _missing(scope, missing, "dess felanmälan " + OUTSIDE_THEIR_AREAS))
    shown = [{"service_request_id": row["nummer"], "token": token}]
    return render(shown, fmt, "service_requests", headers=_headers(principal))


def _field(form: Any, name: str) -> str | None:
    value = form.get(name)
    if value is None or not isinstance(value, str):
        return None
    if "\x00" in value:
        raise Open311Error(400, f"{name} innehåller tecknet NUL, som inte kan lagras.")
    return value.strip() or None


def _coordinate(value: str | None, name: str) -> float:
    if value is None:
        raise Open311Error(400, "Ange platsen med lat och long (WGS84); adresser tas inte emot.")
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, f"{name} ska vara ett tal, inte '{value[:50]}'.") from None
    if not math.isfinite(number):
        raise Open311Error(400, f"{name} ska vara ett ändligt tal.")
    return number


def _report_in(fields: dict[str, str | None]) -> ReportIn:
    """Our report of an Open311 request; media_url is kept as text in the description."""
    code = fields["service_code"]
    if code is None:
        raise Open311Error(400, "service_code saknas.")
    description = fields["description"] or ""
    media = fields["media_url"]
    if media is not None:
        if not media.lower().startswith(("http://", "https://")) or len(media) > 2000:
            raise Open311Error(400, "media_url ska vara en http- eller https-adress.")
        description = f"{description}\n\nBild: {media}".strip()
    name = " ".join(n for n in (fields["first_name"], fields["last_name"]) if n) or None
    contact = {"namn": name, "epost": fields["email"], "telefon": fields["phone"]}
    try:
        return ReportIn.model_validate(
            {
                "lat": _coordinate(fields["lat"], "lat"),
                "lon": _coordinate(fields["long"], "long"),
                "kategori": code,
                "beskrivning": description,
                "kontakt": contact if any(contact.values()) else None,
            }
        )
    except ValidationError as exc:
        names = {"beskrivning": "description", "epost": "email", "telefon": "phone", "namn": "name"}
        wrong = sorted({names.get(str(e["loc"][-1]), str(e["loc"][-1])) for e in exc.errors()})
        raise Open311Error(400, f"Ogiltig parameter: {', '.join(wrong)}.") from None


async def _incoming(request: Request) -> tuple[Principal, ReportIn]:
    # Declared before the connection: the form is read while no pooled connection is held.
    try:
        form = await request.form()
    except Exception as exc:  # a body that is no form (multipart's parser raises its own)
        raise Open311Error(400, "Skicka parametrarna som ett formulär.") from exc
    fields = {name: _field(form, name) for name in _FORM_FIELDS}
    principal = await _holder(request, fields["api_key"])
    if principal.anonymous and not request.app.state.settings.anonyma_felanmalan:
        raise Open311Error(403, "api_key saknas: anonyma felanmälningar är avstängda här.")
    if principal.anonymous:  # the same limit per address as /api/v1/felanmalan, not a way round it
        check_anonymous_report(request)
    _check_jurisdiction(request, fields["jurisdiction_id"])
    return principal, _report_in(fields)


_FORM_SCHEMA = {
    "type": "object",
    "required": ["service_code", "lat", "long"],
    "properties": {
        "api_key": {"type": "string", "maxLength": 200},
        "jurisdiction_id": {"type": "string", "maxLength": 50},
        "service_code": {"type": "string", "maxLength": 100},
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "description": {"type": "string", "maxLength": 4000},
        "email": {"type": "string", "maxLength": 254},
        "first_name": {"type": "string", "maxLength": 100},
        "last_name": {"type": "string", "maxLength": 100},
        "phone": {"type": "string", "maxLength": 50},
        "media_url": {"type": "string", "maxLength": 2000, "description": "Sparas som text"},
        "device_id": {"type": "string", "maxLength": 200},
        "account_id": {"type": "string", "maxLength": 200},
    },
    "additionalProperties": {"type": "string", "description": "attribute[...]: ignoreras"},
}


async def create_request(
    request: Request,
    incoming: Annotated[tuple[Principal, ReportIn], Depends(_incoming)],
    conn: WriteConnectionDep,
    fmt: Format,
) -> Response:
    """Made, routed and delivered by the reports' own service; our number is its id."""
    principal, report = incoming
    try:
        row = await service.create_report(conn, principal, report, [], request.app.state.settings)
    except NotFound as exc:  # outside the municipality, no one responsible: a bad lat/long
        raise Open311Error(400, exc.detail) from None
    created = {
        "service_request_id": row["nummer"],
        "service_notice": f"Felanmälan {row['nummer']} har skickats till {row['mottagare_namn']}.",
        "account_id": None,
    }
    return render([created], fmt, "service_requests", headers=_headers(principal))


for _fmt in ("json", "xml"):
    router.add_api_route(
        f"/requests.{_fmt}",
        _bind(create_request, _fmt),
        methods=["POST"],
        summary=f"Open311: gör en felanmälan ({_fmt.upper()})",
        response_class=Response,
        responses=_responses(_fmt, list[CreatedOut]),
        operation_id=f"open311_create_request_{_fmt}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": _FORM_SCHEMA}},
            }
        },
    )
