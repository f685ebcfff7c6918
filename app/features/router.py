"""HTTP: OGC API – Features (Part 1 core + GeoJSON, Part 2 CRS) and vector tiles under /ogc."""

import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.access.principal import PrincipalDep, ReadAccess, contractor_of
from app.core.db import PooledConnectionDep
from app.core.errors import NotFound
from app.features.collections import COLLECTIONS, Collection
from app.features.params import (
    CRS84,
    STORAGE_CRS,
    SUPPORTED_CRS,
    Cursor,
    InvalidParameter,
    check_parameters,
    parse_bbox,
    parse_crs,
    parse_cursor,
    parse_datetime,
    parse_limit,
)
from app.features.queries import Selection, count_sql, item_sql, items_sql, tile_sql
from app.features.responses import GEOJSON, MVT, cached_response

router = APIRouter(prefix="/ogc", tags=["OGC API – Features"], dependencies=[ReadAccess])

JSON = "application/json"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
]
MAX_TILE_ZOOM = 22
# Below these zoom levels a tile of a dense collection would hold too much to be useful.
MIN_TILE_ZOOM = {"fastigheter": 12, "skotselytor": 12, "skotsellinjer": 13, "skotselpunkter": 13}
MAX_TILE_FEATURES = 20_000


class NotAcceptable(InvalidParameter):
    """A format the API does not offer."""

    status = 406
    type = "format-stods-inte"
    title = "Formatet stöds inte"


def _json(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body), media_type=JSON)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/ogc"


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


@router.get("", summary="Startsida för OGC API – Features")
async def landing(request: Request) -> Response:
    """Links to the API description, conformance and collections."""
    base = _base(request)
    root = str(request.base_url).rstrip("/")
    return _json(
        {
            "title": "Ansvarskartan – skötselansvar i Huddinge",
            "description": (
                "Fastigheter, skötselobjekt, driftområden och kommungräns som OGC API – Features."
            ),
            "links": [
                {"href": base, "rel": "self", "type": JSON, "title": "Den här sidan"},
                {
                    "href": f"{root}/openapi.json",
                    "rel": "service-desc",
                    "type": "application/vnd.oai.openapi+json;version=3.0",
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


@router.get("/conformance", summary="Vilka delar av standarden som uppfylls")
async def conformance() -> Response:
    """The conformance classes implemented."""
    return _json({"conformsTo": CONFORMANCE})


async def _extent(conn: Any) -> list[float]:
    cursor = await conn.execute(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT"
        " ST_Transform(ST_SetSRID(ST_Extent(geom), 3006), 4326) AS e FROM kommungrans) x"
    )
    row = await cursor.fetchone()
    if row is None or row[0] is None:
        return [17.88, 59.15, 18.18, 59.28]
    return [round(float(v), 6) for v in row]


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
        ],
    }
    if collection.temporal:
        document["extent"]["temporal"] = {"interval": [[None, None]]}
    if collection.filters:
        document["filtreringsparametrar"] = sorted(collection.filters)
    return document


@router.get("/collections", summary="Samlingarna")
async def collections(request: Request, conn: PooledConnectionDep) -> Response:
    """Every collection with its extent and CRS."""
    base = _base(request)
    extent = await _extent(conn)
    return _json(
        {
            "links": [{"href": f"{base}/collections", "rel": "self", "type": JSON}],
            "collections": [_collection_document(c, base, extent) for c in COLLECTIONS.values()],
        }
    )


@router.get("/collections/{collection_id}", summary="En samling")
async def collection(collection_id: str, request: Request, conn: PooledConnectionDep) -> Response:
    """One collection with its extent and CRS."""
    found = _collection(collection_id)
    return _json(_collection_document(found, _base(request), await _extent(conn)))


def _filters(collection: Collection, request: Request) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in collection.filters:
        value = request.query_params.get(name)
        if value is None:
            continue
        if name == "driftomrade":
            if not value.isdigit():
                raise InvalidParameter(f"driftomrade ska vara ett id (heltal), inte '{value}'.")
            values[name] = int(value)
        else:
            values[name] = value.strip().upper() if name == "produkt" else value.strip()
    return values


def _page_link(request: Request, cursor: Cursor, rel: str) -> dict[str, str]:
    params = dict(request.query_params) | {"cursor": cursor.token()}
    url = request.url.replace_query_params(**params)
    return {"href": str(url), "rel": rel, "type": GEOJSON}


@router.get(
    "/collections/{collection_id}/items",
    summary="Objekten i en samling (GeoJSON)",
    responses={200: {"content": {GEOJSON: {}}}},
)
async def items(
    collection_id: str, request: Request, conn: PooledConnectionDep, principal: PrincipalDep
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
        contractor_of(principal),
    )

    sql, values = items_sql(found, crs, selection, cursor, limit)
    page = await (await conn.execute(sql, values, binary=True)).fetchone()
    assert page is not None
    features, returned, first_key, last_key, more = page
    forward = cursor is None or cursor.forward
    links = [
        {"href": str(request.url), "rel": "self", "type": GEOJSON},
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
        count_query, count_values = count_sql(found, selection)
        row = await (await conn.execute(count_query, count_values)).fetchone()
        envelope_doc["numberMatched"] = int(row[0]) if row else 0
    body = (
        b'{"type":"FeatureCollection","features":['
        + bytes(features)
        + b"],"
        + orjson.dumps(envelope_doc)[1:]
    )
    return cached_response(request, body, GEOJSON, {"Content-Crs": f"<{crs.uri}>"})


def _feature_id(collection: Collection, value: str) -> Any:
    try:
        if collection.feature_id_type == "uuid":
            return uuid.UUID(value)
        if collection.feature_id_type == "int":
            return int(value)
    except ValueError:
        raise NotFound(f"Objektet '{value}' finns inte i {collection.id}.") from None
    return value


@router.get(
    "/collections/{collection_id}/items/{feature_id}",
    summary="Ett objekt (GeoJSON)",
    responses={200: {"content": {GEOJSON: {}}}},
)
async def item(
    collection_id: str,
    feature_id: str,
    request: Request,
    conn: PooledConnectionDep,
    principal: PrincipalDep,
) -> Response:
    """One feature by its id: the version that holds now, or as of datetime."""
    found = _collection(collection_id)
    unknown = sorted(set(request.query_params) - {"f", "crs", "datetime"})
    if unknown:
        raise InvalidParameter(f"Okänd parameter {', '.join(unknown)} för ett enskilt objekt.")
    _check_format(request)
    crs = parse_crs(request.query_params.get("crs"), "crs")
    sql, values = item_sql(
        found, crs, parse_datetime(request.query_params.get("datetime")), contractor_of(principal)
    )
    values["feature_id"] = _feature_id(found, feature_id)
    row = await (await conn.execute(sql, values, binary=True)).fetchone()
    if row is None:
        raise NotFound(f"Objektet '{feature_id}' finns inte i {found.id}.")
    return cached_response(request, bytes(row[0]), GEOJSON, {"Content-Crs": f"<{crs.uri}>"})


@router.get(
    "/collections/{collection_id}/tiles/WebMercatorQuad/{z}/{x}/{y}",
    summary="Vektortile (Mapbox Vector Tile) av en samling",
    responses={200: {"content": {MVT: {}}}},
)
async def tile(
    collection_id: str,
    z: int,
    x: int,
    y: int,
    request: Request,
    conn: PooledConnectionDep,
    principal: PrincipalDep,
) -> Response:
    """Features that hold now in one Web Mercator tile, simplified for its zoom."""
    found = _collection(collection_id)
    if not (0 <= z <= MAX_TILE_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        raise NotFound(f"Tilen {z}/{x}/{y} finns inte i WebMercatorQuad (zoom 0–{MAX_TILE_ZOOM}).")
    if z < MIN_TILE_ZOOM.get(found.id, 0):
        return cached_response(request, b"", MVT)
    sql, values = tile_sql(found, z, x, y, MAX_TILE_FEATURES, contractor_of(principal))
    row = await (await conn.execute(sql, values, binary=True)).fetchone()
    return cached_response(request, bytes(row[0]) if row and row[0] else b"", MVT)
