"""HTTP: OGC API – Features (Part 1 core + GeoJSON, Part 2 CRS, Part 3 queryables), tiles, /ogc."""

import uuid
from typing import Any

import orjson
import psycopg
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import URL

from app.access.principal import (
    NOT_THEIR_AREA,
    OUTSIDE_THEIR_AREAS,
    ReadAccess,
    ReadScopeDep,
)
from app.core.db import ReadConnectionDep
from app.core.ids import MAX_ROW_ID, parse_row_id
from app.core.problems import InvalidParameter, NotAcceptable, NotFound
from app.core.public_url import public_base_url, public_url
from app.core.standby_reads import LaggedReadConnectionDep
from app.features.api_description import ogc_api_description
from app.features.collections import COLLECTIONS, Collection
from app.features.params import (
    CRS84,
    STORAGE_CRS,
    SUPPORTED_CRS,
    Cursor,
    check_parameters,
    item_parameters,
    items_parameters,
    parse_bbox,
    parse_crs,
    parse_cursor,
    parse_datetime,
    parse_limit,
    queryables,
)
from app.features.queries import (
    Selection,
    boundary_extent,
    count_matched,
    fetch_item,
    fetch_page,
    fetch_tile,
)
from app.features.responses import GEOJSON, MVT, cached_response
from app.features.schemas import (
    JSON_SCHEMA,
    OPENAPI_30,
    CollectionInfo,
    Collections,
    Conformance,
    Feature,
    FeatureCollection,
    GeoJsonResponse,
    JsonSchemaResponse,
    LandingPage,
    MvtResponse,
    OpenApiResponse,
    Queryables,
)

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], dependencies=[ReadAccess])

JSON = "application/json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
]
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
MAX_TILE_ZOOM = 22
# Below these zoom levels a tile of a dense collection would hold too much to be useful.
MIN_TILE_ZOOM = {"fastigheter": 12, "skotselytor": 12, "skotsellinjer": 13, "skotselpunkter": 13}
MAX_TILE_FEATURES = 20_000


def _json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=JSON)


def _base(request: Request) -> str:
    return public_base_url(request) + "/ogc"


def _collection(collection_id: str) -> Collection:
    collection = COLLECTIONS.get(collection_id)
    if collection is None:
        raise NotFound(
            f"Samlingen '{collection_id}' finns inte; se /ogc/collections för de som finns."
        )
    return collection


def _check_format(request: Request) -> None:
    requested = request.query_params.get("f")
    if requested is not None and requested.lower() not in ("json", "geojson"):
        raise NotAcceptable(f"f={requested} stöds inte; här finns json och geojson.")


@router.get("", summary="Startsida för OGC API – Features", response_model=LandingPage)
async def landing(request: Request) -> Response:
    """Links to the API description, conformance and collections."""
    base = _base(request)
    root = public_base_url(request)
    return _json(
        {
            "title": "Ansvarskartan – skötselansvar i Huddinge",
            "description": (
                "Fastigheter, skötselobjekt, driftområden och kommungräns som OGC API – Features."
            ),
            "links": [
                {"href": base, "rel": "self", "type": JSON, "title": "Den här sidan"},
                {
                    "href": f"{base}/api",
                    "rel": "service-desc",
                    "type": OPENAPI_30,
                    "title": "API-beskrivning",
                },
                {
                    "href": f"{root}/docs",
                    "rel": "service-doc",
                    "type": "text/html",
                    "title": "API-dokumentation",
                },
                {
                    "href": f"{base}/conformance",
                    "rel": "conformance",
                    "type": JSON,
                    "title": "Uppfyllda standarder",
                },
                {"href": f"{base}/collections", "rel": "data", "type": JSON, "title": "Samlingar"},
            ],
        }
    )


@router.get(
    "/api",
    summary="API-beskrivningen av OGC API – Features (OpenAPI 3.0)",
    response_class=OpenApiResponse,
    responses={200: {"content": {OPENAPI_30: {"schema": {"type": "object"}}}}},
)
async def api_description(request: Request) -> Response:
    """The part of /openapi.json under /ogc, with its paths relative to this landing page."""
    document = ogc_api_description(request.app.openapi(), _base(request))
    return Response(orjson.dumps(document), media_type=OPENAPI_30)


@router.get(
    "/conformance",
    summary="Vilka delar av standarden som uppfylls",
    response_model=Conformance,
)
async def conformance() -> Response:
    """The conformance classes implemented."""
    return _json({"conformsTo": CONFORMANCE})


async def _extent(conn: psycopg.AsyncConnection[Any]) -> list[float]:
    return await boundary_extent(conn) or [17.88, 59.15, 18.18, 59.28]


def _collection_document(collection: Collection, base: str, extent: list[float]) -> dict[str, Any]:
    href = f"{base}/collections/{collection.id}"
    document: dict[str, Any] = {
        "id": collection.id,
        "title": collection.title,
        "description": collection.description,
        "itemType": "feature",
        "geometryType": collection.geometry_type,
        "extent": {"spatial": {"bbox": [extent], "crs": CRS84}},
        "crs": [crs.uri for crs in SUPPORTED_CRS],
        "storageCrs": STORAGE_CRS.uri,
        "links": [
            {"href": href, "rel": "self", "type": JSON, "title": collection.title},
            {"href": f"{href}/items", "rel": "items", "type": GEOJSON, "title": "Objekten"},
            {
                "href": f"{href}/tiles/WebMercatorQuad/{{tileMatrix}}/{{tileCol}}/{{tileRow}}",
                "rel": "item",
                "type": MVT,
                "templated": True,
                "title": "Vektortiler",
            },
            {
                "href": f"{href}/queryables",
                "rel": QUERYABLES_REL,
                "type": JSON_SCHEMA,
                "title": "Egenskaper att filtrera på",
            },
        ],
    }
    if collection.temporal:
        document["extent"]["temporal"] = {"interval": [[None, None]]}
    if collection.filters:
        document["filtreringsparametrar"] = sorted(collection.filters)
    return document


@router.get("/collections", summary="Samlingarna", response_model=Collections)
async def collections(request: Request, conn: ReadConnectionDep) -> Response:
    """Every collection with its extent and CRS."""
    base = _base(request)
    extent = await _extent(conn)
    return _json(
        {
            "links": [{"href": f"{base}/collections", "rel": "self", "type": JSON}],
            "collections": [_collection_document(c, base, extent) for c in COLLECTIONS.values()],
        }
    )


@router.get("/collections/{collection_id}", summary="En samling", response_model=CollectionInfo)
async def collection(collection_id: str, request: Request, conn: ReadConnectionDep) -> Response:
    """One collection with its extent and CRS."""
    found = _collection(collection_id)
    return _json(_collection_document(found, _base(request), await _extent(conn)))


@router.get(
    "/collections/{collection_id}/queryables",
    summary="Egenskaperna som objekten kan filtreras på (JSON Schema)",
    response_class=JsonSchemaResponse,
    response_model=Queryables,
)
async def collection_queryables(collection_id: str, request: Request) -> Response:
    """The filters of /items as JSON Schema (OGC API – Features Part 3 queryables)."""
    found = _collection(collection_id)
    document = queryables(found, f"{_base(request)}/collections/{found.id}/queryables")
    return Response(orjson.dumps(document), media_type=JSON_SCHEMA)


def _filters(collection: Collection, request: Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in collection.filters:
        value = request.query_params.get(name)
        if value is None:
            continue
        if name == "driftomrade":
            if (area_id := parse_row_id(value)) is None:
                raise InvalidParameter(
                    f"driftomrade ska vara ett id (heltal 1–{MAX_ROW_ID}), inte '{value}'."
                )
            values[name] = area_id
        else:
            values[name] = value.strip().upper() if name == "produkt" else value.strip()
    return values


def _page_link(request: Request, cursor: Cursor, rel: str) -> dict[str, str]:
    params = dict(request.query_params) | {"cursor": cursor.token()}
    url = URL(public_url(request)).replace_query_params(**params)
    return {"href": str(url), "rel": rel, "type": GEOJSON}


@router.get(
    "/collections/{collection_id}/items",
    summary="Objekten i en samling (GeoJSON)",
    response_class=GeoJsonResponse,
    response_model=FeatureCollection,
    # Parsed from the query string by the handler, so unknown names can be refused.
    openapi_extra={"parameters": items_parameters(COLLECTIONS.values())},
)
async def items(
    collection_id: str, request: Request, conn: LaggedReadConnectionDep, scope: ReadScopeDep
) -> Response:
    """A page of the features that hold now (or as of datetime); bbox, crs, limit and filters."""
    found = _collection(collection_id)
    params = request.query_params
    check_parameters(list(params.keys()), found)
    _check_format(request)
    crs = parse_crs(params.get("crs"), "crs")
    bbox = params.get("bbox")
    envelope = parse_bbox(bbox, parse_crs(params.get("bbox-crs"), "bbox-crs")) if bbox else None
    if bbox is None and params.get("bbox-crs") is not None:
        raise InvalidParameter("bbox-crs anges bara tillsammans med bbox.")
    limit = parse_limit(params.get("limit"))
    cursor = parse_cursor(params.get("cursor"))
    selection = Selection(
        envelope,
        parse_datetime(params.get("datetime")),
        _filters(found, request),
        scope,
    )

    features, returned, first_key, last_key, more = await fetch_page(
        conn, found, crs, selection, cursor, limit
    )
    forward = cursor is None or cursor.forward
    links = [
        {"href": public_url(request), "rel": "self", "type": GEOJSON},
        {"href": f"{_base(request)}/collections/{found.id}", "rel": "collection", "type": JSON},
    ]
    has_next = (more and forward) or (cursor is not None and not cursor.forward)
    has_prev = (cursor is not None and cursor.forward) or (more and not forward)
    if returned and has_next:
        links.append(_page_link(request, Cursor(last_key, True), "next"))
    if returned and has_prev:
        links.append(_page_link(request, Cursor(first_key, False), "prev"))
    # No timeStamp: the body must be the same bytes for the same data, so ETags work.
    envelope_doc: dict[str, Any] = {"numberReturned": returned, "links": links}
    if cursor is None and not more:
        envelope_doc["numberMatched"] = returned
    elif params.get("numberMatched", "").lower() == "true":
        envelope_doc["numberMatched"] = await count_matched(conn, found, selection)
    body = (
        b'{"type":"FeatureCollection","features":['
        + features
        + b"],"
        + orjson.dumps(envelope_doc)[1:]
    )
    return cached_response(request, body, GEOJSON, {"Content-Crs": f"<{crs.uri}>"})


def _feature_id(collection: Collection, value: str, scope: int | None) -> Any:
    try:
        if collection.feature_id_type == "uuid":
            return uuid.UUID(value)
        if collection.feature_id_type == "int":
            if (row_id := parse_row_id(value)) is None:
                raise ValueError(value)
            return row_id
    except ValueError:
        raise NotFound(_missing(collection, value, scope)) from None
    return value


def _missing(collection: Collection, value: str, scope: int | None) -> str:
    """Not found; for a scoped contractor, without telling whether it is another's."""
    missing = f"Objektet '{value}' finns inte i {collection.id}"
    if scope is None or collection.contractor_scope is None:
        return missing + "."
    not_theirs = NOT_THEIR_AREA if collection.id == "driftomraden" else OUTSIDE_THEIR_AREAS
    return f"{missing} eller {not_theirs}."


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Ett objekt (GeoJSON)",
    response_class=GeoJsonResponse,
    response_model=Feature,
    openapi_extra={"parameters": item_parameters()},
)
async def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    conn: LaggedReadConnectionDep,
    scope: ReadScopeDep,
) -> Response:
    """One feature by its id: the version that holds now, or as of datetime."""
    found = _collection(collection_id)
    unknown = sorted(set(request.query_params) - {"f", "crs", "datetime"})
    if unknown:
        raise InvalidParameter(f"Okänd parameter {', '.join(unknown)} för ett enskilt objekt.")
    _check_format(request)
    crs = parse_crs(request.query_params.get("crs"), "crs")
    body = await fetch_item(
        conn,
        found,
        crs,
        parse_datetime(request.query_params.get("datetime")),
        scope,
        _feature_id(found, feature_id, scope),
    )
    if body is None:
        raise NotFound(_missing(found, feature_id, scope))
    return cached_response(request, body, GEOJSON, {"Content-Crs": f"<{crs.uri}>"})


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}",
    summary="Vektortile (Mapbox Vector Tile) av en samling",
    response_class=MvtResponse,
    responses={
        200: {
            "content": {MVT: {"schema": {"type": "string", "format": "binary"}}},
            "description": "Tilen; tom när zoomnivån är för låg för samlingen",
        }
    },
)
async def tile(
    collection_id: str,
    z: int,
    x: int,
    y: int,
    request: Request,
    conn: LaggedReadConnectionDep,
    scope: ReadScopeDep,
) -> Response:
    """Features that hold now in one Web Mercator tile, simplified for its zoom."""
    found = _collection(collection_id)
    if not (0 <= z <= MAX_TILE_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"Tilen {z}/{x}/{y} finns inte i WebMercatorQuad (zoom 0–{MAX_TILE_ZOOM}).")
    if z < MIN_TILE_ZOOM.get(found.id, 0):
        return cached_response(request, b"", MVT)
    body = await fetch_tile(conn, found, z, x, y, MAX_TILE_FEATURES, scope)
    return cached_response(request, body, MVT)
