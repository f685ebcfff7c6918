"""HTTP: who maintains this point? Single points and batches."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import date
from typing import Annotated, Any

import orjson
import psycopg
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from app.access.principal import (
    Principal,
    PrincipalDep,
    ReadAccess,
    ReadScopeDep,
    contractor_of,
    read_scope,
)
from app.core.body import read_limited
from app.core.db import get_write_connection
from app.core.geo import WGS84, Point, make_point, parse_crs
from app.core.problems import (
    AppError,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    UnsupportedMediaType,
)
from app.core.public_url import public_base_url
from app.core.standby_reads import LaggedReadConnectionDep, get_lagged_read_connection
from app.reports.service import UnknownCategory, active_category
from app.reports.walk import MAX_WALK_ROWS, create_walk_reports
from app.reports.walk_schemas import GroupedWalkAnswers, WalkAnswers
from app.responsibility.batch import (
    BatchTooLarge,
    grouped_json,
    parse_csv,
    parse_geojson,
    result_json,
    results_csv,
)
from app.responsibility.schemas import Answer, BatchAnswers, GroupedBatchAnswers
from app.responsibility.service import (
    Json,
    outside_performed_areas,
    resolve_async,
    resolve_options,
)

router = APIRouter(tags=["ansvar"], dependencies=[ReadAccess])

MAX_BATCH_BYTES = 5 * 1024 * 1024
_CSV_TYPES = ("text/csv", "application/csv", "text/plain")
_JSON_TYPES = ("application/geo+json", "application/json")
MAKE_REPORTS = "skapa_felanmalan"
_FLAG = TypeAdapter(bool)

# Accuracies beyond this are no position at all; smaller ones are capped at the snap distance.
MAX_ACCURACY_M = 10_000
SNAPPING = "fångas inom fångstavståndet (standard 10 m för punktobjekt, 3 m för linjeobjekt)"
CATEGORY_PREFERENCE = (
    f"Felkategori (se /api/v1/felkategorier): objekt av kategorins skötselprodukter {SNAPPING}"
)
Produkt = Annotated[
    str | None,
    Query(
        description="Föredra objekt av denna skötselprodukt, t.ex. UT1 för en parkbänk:"
        f" dess objekt {SNAPPING}"
    ),
]
Noggrannhet = Annotated[
    float | None,
    Query(
        ge=0,
        le=MAX_ACCURACY_M,
        description="Klickets tolerans i meter (standard 3): kartans symbolradie vid aktuell"
        " zoom eller mobilens GPS-noggrannhet. Ett punkt- eller linjeobjekt avgör bara inom"
        " den, annars avgör ytan som täcker punkten. Större värden räknas som"
        " punktobjektens fångstavstånd (standard 10 m).",
    ),
]
Datum = Annotated[date | None, Query(description="Svaret som det var denna dag (ÅÅÅÅ-MM-DD)")]


def _point(
    lon: float | None, lat: float | None, x: float | None, y: float | None, crs: str | None
) -> Point:
    if lon is not None or lat is not None:
        if x is not None or y is not None:
            raise InvalidInput("Ange antingen lon och lat eller x och y, inte båda.")
        if crs is not None and parse_crs(crs) != WGS84:
            raise InvalidInput("lon och lat är alltid WGS84; använd x och y för andra system.")
        return make_point(lon, lat, WGS84)
    if x is None and y is None:
        raise InvalidInput("Ange punkten med lon och lat (WGS84) eller x, y och crs.")
    return make_point(x, y, parse_crs(crs) if crs else 3006)


@router.get(
    "/ansvar",
    summary="Vem sköter den här punkten?",
    response_model=Answer,
    responses={404: {"description": "Punkten ligger utanför kommunen (utanfor-kommunen)"}},
)
async def resolve_point(
    conn: LaggedReadConnectionDep,
    request: Request,
    scope: ReadScopeDep,
    lon: Annotated[float | None, Query(description="Longitud, WGS84")] = None,
    lat: Annotated[float | None, Query(description="Latitud, WGS84")] = None,
    x: Annotated[float | None, Query(description="Östlig koordinat i crs")] = None,
    y: Annotated[float | None, Query(description="Nordlig koordinat i crs")] = None,
    crs: Annotated[
        str | None, Query(description="EPSG:3006 (standard för x/y), EPSG:3011 eller OGC-URI")
    ] = None,
    produkt: Produkt = None,
    kategori: Annotated[str | None, Query(max_length=100, description=CATEGORY_PREFERENCE)] = None,
    noggrannhet_m: Noggrannhet = None,
    datum: Datum = None,
) -> Response:
    """Huvudman, utförare, markägare and why, for one point."""
    point = _point(lon, lat, x, y, crs)
    if await _outside_own_areas(conn, scope, [point]):
        raise _outside_error()
    options = resolve_options(
        request.app.state.settings,
        datum,
        produkt,
        category=kategori,
        accuracy_m=noggrannhet_m,
    )
    [result] = await resolve_async(conn, [point], options, with_swaps=True)
    if isinstance(result, AppError):
        raise result
    return Response(orjson.dumps(result), media_type="application/json")


class OutsideOwnAreas(NotFound):
    """A contractor asked about a place outside the areas it performs."""

    type = "utanfor-dina-driftomraden"
    title = "Utanför dina driftområden"


async def _outside_own_areas(
    conn: psycopg.AsyncConnection[Any], organisation: int | None, points: list[Point]
) -> set[int]:
    """Indexes of points outside the areas the contractor organisation (if any) performs."""
    if organisation is None or not points:
        return set()
    return await outside_performed_areas(conn, organisation, points)


def _outside_error() -> OutsideOwnAreas:
    return OutsideOwnAreas("Punkten ligger utanför de driftområden din token gäller för.")


def _wants_csv(request: Request, format_: str | None) -> bool:
    if format_ is not None:
        return format_.lower() == "csv"
    accept = request.headers.get("accept", "")
    return "text/csv" in accept and "application/json" not in accept


async def _batch_body(request: Request) -> bytes:
    # A dependency declared before the connection: a body that trickles in holds no pooled
    # connection while it arrives (dependencies are solved in the order they are declared).
    return await read_limited(request, MAX_BATCH_BYTES)


def _makes_reports(request: Request) -> bool:
    value = request.query_params.get(MAKE_REPORTS)
    if value is None:
        return False
    try:
        return _FLAG.validate_python(value)
    except ValidationError:
        return True  # refused as a bad parameter before the handler; never read on a standby


async def _batch_connection(request: Request) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A walk's reports are written in one transaction on the primary; a plain batch only
    reads, so it may read on a standby."""
    connection = get_write_connection if _makes_reports(request) else get_lagged_read_connection
    async with asynccontextmanager(connection)(request) as conn:
        yield conn


@router.post(
    "/ansvar/batch",
    summary="Ansvar för många punkter (GeoJSON eller CSV), t.ex. en trygghetsvandring",
    openapi_extra={
        "requestBody": {
            "content": {
                "application/geo+json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "required": True,
        }
    },
    response_model=BatchAnswers | GroupedBatchAnswers | WalkAnswers | GroupedWalkAnswers,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
async def resolve_batch(
    body: Annotated[bytes, Depends(_batch_body)],
    conn: Annotated[psycopg.AsyncConnection[Any], Depends(_batch_connection, scope="function")],
    request: Request,
    principal: PrincipalDep,
    crs: Annotated[
        str | None, Query(description="Koordinatsystem för x/y-kolumner eller GeoJSON")
    ] = None,
    gruppera: Annotated[
        str | None, Query(description="'huvudman' ger ett protokoll grupperat per organisation")
    ] = None,
    format: Annotated[str | None, Query(description="json eller csv (annars Accept)")] = None,
    produkt: Produkt = None,
    noggrannhet_m: Noggrannhet = None,
    datum: Datum = None,
    skapa_felanmalan: Annotated[
        bool,
        Query(description="En felanmälan per besvarad rad (kräver token), med protokoll-id"),
    ] = False,
    kategori: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Felkategori för rader utan egen kategori (kolumn eller egenskap)",
        ),
    ] = None,
) -> Response:
    """Up to 10,000 points; each row gets its answer or its own error.

    With skapa_felanmalan (a safety walk) every answered row also makes a report, all in one
    transaction; the answer names the walk's protocol."""
    if gruppera not in (None, "huvudman"):
        raise InvalidInput("gruppera kan bara vara 'huvudman'.")
    if format not in (None, "json", "csv"):
        raise InvalidInput("format kan vara 'json' eller 'csv'.")
    if skapa_felanmalan:
        await _check_walk(conn, principal, kategori, datum)
    elif kategori is not None:
        raise InvalidInput("kategori anges bara med skapa_felanmalan=true.")
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    epsg = parse_crs(crs) if crs else None
    if media in _CSV_TYPES:
        rows = parse_csv(body, epsg)
    elif media in _JSON_TYPES or not media:
        rows = parse_geojson(body, epsg)
    else:
        raise UnsupportedMediaType(
            f"Mediatypen '{media}' stöds inte; skicka application/geo+json eller text/csv."
        )
    if skapa_felanmalan and len(rows) > MAX_WALK_ROWS:
        raise BatchTooLarge(
            f"{len(rows)} punkter skickades; högst {MAX_WALK_ROWS} när felanmälningar skapas."
        )
    # Each report of a walk is routed by its own category; the rows' answers prefer none.
    options = resolve_options(request.app.state.settings, datum, produkt, accuracy_m=noggrannhet_m)
    points = [row.point for row in rows if isinstance(row.point, Point)]
    # A contractor's rows outside its areas get their own error, like any other bad row: while
    # reading is not public, and always for a walk (its reports are made with the token).
    settings = request.app.state.settings
    scope = contractor_of(principal) if skapa_felanmalan else read_scope(principal, settings)
    refused = await _outside_own_areas(conn, scope, points)
    if refused:
        kept = iter(i not in refused for i in range(len(points)))
        rows = [
            replace(row, point=row.point if next(kept) else _outside_error())
            if isinstance(row.point, Point)
            else row
            for row in rows
        ]
        points = [row.point for row in rows if isinstance(row.point, Point)]
    answered = iter(await resolve_async(conn, points, options, with_swaps=False) if points else [])
    answers: list[Json | AppError] = [
        next(answered) if isinstance(row.point, Point) else row.point for row in rows
    ]
    protocol = None
    if skapa_felanmalan:
        protocol, answers = await create_walk_reports(
            conn,
            principal,
            rows,
            answers,
            kategori,
            request.app.state.settings,
            public_base_url(request),
        )
    results = [(row.id, answer) for row, answer in zip(rows, answers, strict=True)]
    # A walk's answer holds what its reports hold; no cache keeps it.
    private = {"Cache-Control": "private, no-store"} if skapa_felanmalan else {}
    if _wants_csv(request, format):
        return Response(
            results_csv(results, grouped=gruppera == "huvudman", reports=skapa_felanmalan),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": 'attachment; filename="ansvar.csv"',
                **private,
                **({"X-Protokoll": protocol} if protocol else {}),
            },
        )
    payload: dict[str, Any] = (
        grouped_json(results)
        if gruppera == "huvudman"
        else {"svar": [result_json(i, r) for i, r in results], "antal": len(results)}
    )
    if skapa_felanmalan:
        made = sum(1 for _, r in results if isinstance(r, dict) and "felanmalan" in r)
        payload["protokoll"] = protocol
        payload["felanmalningar"] = made
    return Response(orjson.dumps(payload), media_type="application/json", headers=private)


async def _check_walk(
    conn: psycopg.AsyncConnection[Any],
    principal: Principal,
    kategori: str | None,
    datum: date | None,
) -> None:
    """A walk's reports need a token, today's answer, and a category that exists."""
    if principal.anonymous:
        raise NotAuthenticated(
            "Att skapa felanmälningar från en trygghetsvandring kräver en token.",
            headers={"WWW-Authenticate": 'Bearer realm="ansvarskartan"'},
        )
    if datum is not None:
        raise InvalidInput("datum kan inte anges med skapa_felanmalan: felanmälan gäller i dag.")
    if kategori is not None and await active_category(conn, kategori) is None:
        raise UnknownCategory(
            f"Kategorin '{kategori}' finns inte; se /api/v1/felkategorier för de som finns."
        )
