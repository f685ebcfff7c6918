"""HTTP: fault reports (felanmälan) and their categories."""

from datetime import date, datetime, time
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.access.principal import (
    OUTSIDE_THEIR_AREAS,
    Principal,
    PrincipalDep,
    ReadAccess,
    ReadScopeDep,
    contractor_of,
    read_scope,
    require_role,
    scoped_not_found_text,
)
from app.core.db import ReadConnectionDep, WriteConnectionDep
from app.core.geo import WGS84, make_point
from app.core.problems import InvalidParameter, NotAuthenticated, NotFound
from app.core.public_url import public_base_url
from app.core.standby_reads import LaggedReadConnectionDep
from app.features.params import parse_bbox
from app.features.params import parse_crs as parse_features_crs
from app.reports import service
from app.reports.anonymous_limit import check_anonymous_report
from app.reports.photos import MAX_PHOTO_BYTES, MAX_PHOTOS, Photo, clean_photo
from app.reports.queries import ListFilters, parse_statuses, report_json
from app.reports.receive import IncomingReport, receive_report
from app.reports.rules import sees_details
from app.reports.schemas import (
    CategoryOut,
    NearbyList,
    ReportIn,
    ReportList,
    ReportOut,
    Statistics,
    StatusIn,
)
from app.responsibility.service import LOCAL_TIME

router = APIRouter(tags=["felanmälan"])

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ansvarskartan"'}
# Answers made for a token may hold contact data: no cache keeps them.
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization"}
HANDLING_ROLES = ("handlaggare", "gis", "admin", "entreprenor")

Nummer = Annotated[str, Path(max_length=30, description="Felanmälans nummer, t.ex. F-2026-000123")]


def _json(payload: Any, principal: Principal, status_code: int = 200, **headers: str) -> Response:
    extra = {} if principal.anonymous else dict(_PRIVATE)
    return Response(
        orjson.dumps(payload),
        status_code=status_code,
        media_type="application/json",
        headers={**extra, **headers},
    )


@router.get(
    "/felkategorier",
    summary="Kategorier för felanmälan",
    response_model=list[CategoryOut],
    dependencies=[ReadAccess],
)
async def categories(conn: ReadConnectionDep) -> Response:
    """The active categories, in their order, with the skötselprodukter each concerns."""
    return Response(
        orjson.dumps(await service.active_categories(conn)), media_type="application/json"
    )


async def _creator(request: Request, principal: PrincipalDep) -> Principal:
    if principal.anonymous and not request.app.state.settings.anonyma_felanmalan:
        raise NotAuthenticated(
            "Felanmälan kräver en token: anonyma felanmälningar är avstängda här.",
            headers=_CHALLENGE,
        )
    if principal.anonymous:
        # Counted before the body is read: a refused client sends its photos for nothing.
        check_anonymous_report(request)
    return principal


async def _incoming(
    request: Request, _who: Annotated[Principal, Depends(_creator)]
) -> tuple[IncomingReport, list[Photo]]:
    # A dependency declared before the connection: the body (photos of up to 10 MB) arrives
    # and is decoded while no pooled connection is held.
    incoming = await receive_report(request)
    photos = [
        await run_in_threadpool(clean_photo, data, number)
        for number, data in enumerate(incoming.photos, start=1)
    ]
    return incoming, photos


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its $defs written in place (openapi_extra has no $defs)."""
    defs = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return walk(defs[ref.removeprefix("#/$defs/")])
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(value) for value in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


_CREATE_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _inline(ReportIn.model_json_schema())},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "title": "NyFelanmalanMedFoton",
                "required": ["kategori"],
                "properties": {
                    **{name: {"type": "number"} for name in ("lon", "lat", "x", "y")},
                    "crs": {"type": "string"},
                    "kategori": {"type": "string"},
                    "beskrivning": {"type": "string", "maxLength": 4000},
                    "kontakt_namn": {"type": "string", "maxLength": 200},
                    "kontakt_epost": {"type": "string", "maxLength": 254},
                    "kontakt_telefon": {"type": "string", "maxLength": 50},
                    "foto": {
                        "type": "array",
                        "maxItems": MAX_PHOTOS,
                        "items": {"type": "string", "format": "binary"},
                        "description": f"JPEG, PNG eller WebP, högst {MAX_PHOTO_BYTES // 2**20}"
                        " MB vardera",
                    },
                },
            }
        },
    },
}


@router.post(
    "/felanmalan",
    summary="Gör en felanmälan: den går direkt till den som ansvarar för platsen",
    status_code=201,
    response_model=ReportOut,
    openapi_extra={"requestBody": _CREATE_BODY},
    responses={
        404: {"description": "Platsen ligger utanför kommunen eller saknar ansvarig"},
        415: {"description": "Ett foto är ingen JPEG-, PNG- eller WebP-bild"},
        429: {"description": "För många anonyma felanmälningar från samma adress"},
    },
)
async def create(
    request: Request,
    principal: PrincipalDep,
    incoming: Annotated[tuple[IncomingReport, list[Photo]], Depends(_incoming)],
    conn: WriteConnectionDep,
) -> Response:
    """Routed like /ansvar with the category's first product preferred; written with its
    photos and deliveries in one transaction."""
    report, photos = incoming
    row = await service.create_report(
        conn, principal, report.report, photos, request.app.state.settings
    )
    shown = report_json(
        row, public_base_url(request), details=sees_details(principal, service.facts_of(row))
    )
    return _json(shown, principal, 201, Location=shown["lankar"]["self"])


def _day_start(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.min, LOCAL_TIME)


def _day_end(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time.max, LOCAL_TIME)


@router.get(
    "/felanmalan/nara",
    summary="Öppna felanmälningar av samma kategori inom 30 m",
    response_model=NearbyList,
    dependencies=[ReadAccess],
)
async def nearby(
    conn: ReadConnectionDep,
    principal: PrincipalDep,
    scope: ReadScopeDep,
    lon: Annotated[float, Query(description="Longitud, WGS84")],
    lat: Annotated[float, Query(description="Latitud, WGS84")],
    kategori: Annotated[str, Query(max_length=100, description="Kategorins kod")],
) -> Response:
    """So a reporter can follow a report already made instead of making another."""
    point = make_point(lon, lat, WGS84)
    if await service.active_category(conn, kategori) is None:
        raise service.UnknownCategory(f"Kategorin '{kategori}' finns inte.")
    rows = await service.nearby_reports(conn, point, kategori, scope)
    # Public fields only: a reporter looks here before reporting.
    shown = [report_json(row, "", details=False) for row in rows]
    return _json({"felanmalningar": shown, "antal": len(shown)}, principal)


OrganisationParam = Annotated[
    str | None, Query(max_length=100, description="Mottagande organisation (slug)")
]
MineParam = Annotated[
    bool,
    Query(
        description="Bara de som din inloggning hanterar: de som din organisation tar emot, för"
        " en entreprenör de i dess driftområden"
    ),
]
CategoryParam = Annotated[str | None, Query(max_length=100)]
AreaParam = Annotated[
    int | None, Query(ge=1, le=2**31 - 1, description="Bara de inom detta driftområde (id)")
]


async def _scope(
    conn: service.Conn,
    principal: Principal,
    organisation: str | None,
    mine: bool,
) -> int | None:
    """The receiving organisation the list is narrowed to (None: not narrowed by receiver)."""
    if mine and principal.anonymous:
        raise NotAuthenticated(
            "mina=true gäller den som är inloggad: logga in eller ange en token.",
            headers=_CHALLENGE,
        )
    if mine and organisation is not None:
        raise InvalidParameter("Ange antingen organisation eller mina=true, inte båda.")
    if organisation is not None:
        return await service.organisation_id(conn, organisation)
    if not mine or principal.role == "entreprenor":
        # A contractor's own are its areas' reports (_areas_of), not those it receives.
        return None
    # Its organisation's; one bound to none (admin, an unbound gis) handles them all.
    return principal.organisation_id


def _areas_of(principal: Principal, scope: int | None, mine: bool) -> int | None:
    """The contractor whose areas the list is narrowed to: its own with mina, else the scope."""
    return contractor_of(principal) if mine else scope


@router.get(
    "/felanmalan",
    summary="Felanmälningar, nyaste (eller äldsta) först",
    response_model=ReportList,
    dependencies=[ReadAccess],
)
async def list_reports(
    request: Request,
    conn: ReadConnectionDep,
    principal: PrincipalDep,
    scope: ReadScopeDep,
    organisation: OrganisationParam = None,
    mina: MineParam = False,
    status: Annotated[
        str | None, Query(max_length=200, description="En eller flera statusar, med komma")
    ] = None,
    kategori: CategoryParam = None,
    driftomrade: AreaParam = None,
    bbox: Annotated[
        str | None, Query(max_length=200, description="minLon,minLat,maxLon,maxLat (WGS84)")
    ] = None,
    fran: Annotated[date | None, Query(description="Skapad denna dag eller senare")] = None,
    till: Annotated[date | None, Query(description="Skapad denna dag eller tidigare")] = None,
    protokoll: Annotated[
        str | None, Query(max_length=100, description="En trygghetsvandrings protokoll")
    ] = None,
    sortering: Annotated[
        Literal["nyast", "aldst"], Query(description="nyast först (standard) eller äldst först")
    ] = "nyast",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    efter: Annotated[
        str | None, Query(max_length=30, description="Sidan efter denna felanmälan")
    ] = None,
) -> Response:
    """Everyone sees the public fields; the receiving organisation also the details."""
    filters = ListFilters(
        organisation_id=await _scope(conn, principal, organisation, mina),
        statuses=parse_statuses(status),
        kategori=kategori,
        bbox_wkb=parse_bbox(bbox, parse_features_crs(None, "bbox")).outline_wkb if bbox else None,
        from_time=_day_start(fran),
        to_time=_day_end(till),
        protokoll=protokoll,
        after=efter,
        contractor=_areas_of(principal, scope, mina),
        area_id=driftomrade,
        oldest_first=sortering == "aldst",
    )
    rows, more = await service.report_page(conn, filters, limit)
    base = public_base_url(request)
    shown = [
        report_json(row, base, details=sees_details(principal, service.facts_of(row)))
        for row in rows
    ]
    links = {"self": str(request.url)}
    if more and rows:
        links["nasta"] = str(request.url.include_query_params(efter=rows[-1]["nummer"]))
    return _json({"felanmalningar": shown, "antal": len(shown), "lankar": links}, principal)


@router.get(
    "/felanmalan/statistik",
    summary="Antal per status och mediantid till åtgärdad per kategori",
    response_model=Statistics,
    dependencies=[ReadAccess],
)
async def report_statistics(
    conn: ReadConnectionDep,
    principal: PrincipalDep,
    scope: ReadScopeDep,
    organisation: OrganisationParam = None,
    mina: MineParam = False,
    kategori: CategoryParam = None,
    driftomrade: AreaParam = None,
    dagar: Annotated[
        int, Query(ge=1, le=366, description="Mediantiden gäller de senaste så här många dagarna")
    ] = 90,
) -> Response:
    """Scoped like the list (organisation or mina, category, area, a contractor's areas);
    the median from the report reaching its receiver to atgardad, from the history."""
    filters = ListFilters(
        organisation_id=await _scope(conn, principal, organisation, mina),
        kategori=kategori,
        contractor=_areas_of(principal, scope, mina),
        area_id=driftomrade,
    )
    return _json(await service.statistics(conn, filters, dagar), principal)


@router.get(
    "/felanmalan/{nummer}",
    summary="En felanmälan",
    response_model=ReportOut,
    dependencies=[ReadAccess],
)
async def one_report(
    nummer: Nummer,
    request: Request,
    conn: LaggedReadConnectionDep,
    principal: PrincipalDep,
    scope: ReadScopeDep,
) -> Response:
    """Its status, dates and public history for everyone; the history with notes, the
    contact and the photos for its handlers."""
    row = await service.find_report(conn, nummer, scope)
    if row is None:
        raise NotFound(scoped_not_found_text(scope, f"Felanmälan {nummer}", OUTSIDE_THEIR_AREAS))
    details = sees_details(principal, service.facts_of(row))
    events = await service.report_events(conn, row["id"])
    shown = report_json(row, public_base_url(request), details=details, events=events)
    return _json(shown, principal)


Handler = Annotated[
    Principal,
    Depends(
        require_role(
            *HANDLING_ROLES,
            anonymous_detail="Att hantera felanmälningar kräver inloggning eller en token.",
        )
    ),
]


@router.get(
    "/felanmalan/{nummer}/foto/{n}",
    summary="Ett foto av en felanmälan",
    response_class=Response,
    responses={
        200: {
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in ("image/jpeg", "image/png", "image/webp")
            }
        }
    },
)
async def photo(
    nummer: Nummer,
    n: Annotated[int, Path(ge=1, le=MAX_PHOTOS, description="Fotots nummer, 1–3")],
    conn: ReadConnectionDep,
    principal: Handler,
) -> Response:
    """For the receiving organisation, its contractor and admin; not found for others."""
    row = await service.find_report(conn, nummer, contractor_of(principal))
    found = None
    if row is not None and sees_details(principal, service.facts_of(row)):
        found = await service.report_photo(conn, row["id"], n)
    if found is None:
        raise NotFound(f"Felanmälan {nummer} har inget foto {n} som du kan se.")
    return Response(bytes(found["data"]), media_type=found["mediatyp"], headers=_PRIVATE)


@router.post(
    "/felanmalan/{nummer}/status",
    summary="Ändra status, skicka vidare eller markera som dubblett",
    response_model=ReportOut,
    responses={409: {"description": "Statusändringen är inte tillåten (otillaten-statusandring)"}},
)
async def set_status(
    nummer: Nummer,
    change: StatusIn,
    request: Request,
    principal: Handler,
    conn: WriteConnectionDep,
) -> Response:
    """ny → mottagen → pagar → atgardad; ej-vart-ansvar (with till: forwarded) or dubblett
    from any open status. Audited, with the report's event and its deliveries."""
    scope = read_scope(principal, request.app.state.settings)
    row = await service.change_status(conn, principal, nummer, change, hidden_outside=scope)
    details = sees_details(principal, service.facts_of(row))
    events = await service.report_events(conn, row["id"])
    return _json(
        report_json(row, public_base_url(request), details=details, events=events), principal
    )
