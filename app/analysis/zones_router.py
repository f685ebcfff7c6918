"""Samordningsanalys over HTTP: neighbouring work and coordination zones."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from app.access.principal import ReadAccess
from app.analysis.cache import AnalysisCache, AnalysisCacheDep
from app.analysis.cached import neighbours_of, zones_of
from app.analysis.costs import annual_costs
from app.analysis.prices import Price, read_prices
from app.analysis.zones import COMBINED_M2_PER_UNIT, MIN_POINTS, Zone
from app.analysis.zones_schemas import NeighbourMatrix, ZoneCollection, ZoneFeature
from app.core.db import ReadConnectionDep
from app.core.problems import NotFound
from app.features.schemas import GeoJsonResponse

router = APIRouter(tags=["samordning"], dependencies=[ReadAccess])

_GEOJSON = "application/geo+json"

ZoneDistance = Annotated[
    float,
    Query(ge=5, le=1000, description="Avståndet (eps) i meter som binder ihop en zon (5–1000)"),
]


@router.get(
    "/samordning/grannar",
    summary="Grannarbete: var organisationernas skötsel möts (matris och platser)",
    response_model=NeighbourMatrix,
)
async def get_neighbours(
    conn: ReadConnectionDep,
    cache: AnalysisCacheDep,
    tolerans_m: Annotated[
        float,
        Query(ge=0, le=20, description="Hur nära ytobjekt ska ligga för att mötas, meter (0–20)"),
    ] = 2.0,
    avstand_m: Annotated[
        float,
        Query(ge=1, le=500, description="Avståndet för objekt nära varandra, meter (1–500)"),
    ] = 50.0,
    topp: Annotated[
        int, Query(ge=0, le=500, description="Antal platser (de längsta gränssträckorna)")
    ] = 20,
) -> Response:
    """Shared boundary (symmetric) and objects near (directed) per pair of organisations."""
    body = await cache.get(
        conn,
        ("grannar", tolerans_m, avstand_m, topp),
        lambda: _neighbours_body(conn, cache, tolerans_m, avstand_m, topp),
    )
    return Response(body, media_type="application/json")


async def _neighbours_body(
    conn: Any, cache: AnalysisCache, tolerans_m: float, avstand_m: float, topp: int
) -> bytes:
    found = await neighbours_of(conn, cache, tolerans_m, avstand_m, topp)
    cells = [
        {
            "a": a,
            "b": b,
            "gemensam_grans_m": round(found.shared_boundary_m.get((a, b), 0.0), 3),
            "objekt_nara": found.objects_near.get((a, b), 0),
        }
        for a in found.organisations
        for b in found.organisations
        if a != b
    ]
    places = [
        {
            "type": "Feature",
            "geometry": place.geometry,
            "properties": {"a": place.a, "b": place.b, "langd_m": round(place.length_m, 3)},
        }
        for place in found.places
    ]
    body = {
        "tolerans_m": tolerans_m,
        "avstand_m": avstand_m,
        "organisationer": found.organisations,
        "matris": cells,
        "platser": {"type": "FeatureCollection", "features": places},
    }
    return orjson.dumps(body)


def _feature(zone: Zone, rank: int, prices: list[Price]) -> dict[str, Any]:
    costs = annual_costs(zone.quantities, prices)
    return {
        "type": "Feature",
        "id": zone.key,
        "geometry": zone.outline,
        "properties": {
            "zon_id": zone.key,
            "rang": rank,
            "antal_objekt": zone.objects,
            "organisationer": zone.organisations,
            "antal_lag": len(zone.crews),
            "lag": [
                {
                    "organisation": crew.organisation_slug,
                    "namn": crew.name,
                    "antal_objekt": crew.objects,
                    "driftomraden": crew.operations_areas,
                }
                for crew in zone.crews
            ],
            "samlad_mangd_m2": round(zone.combined_m2, 3),
            "poang": round(zone.score, 3),
            "kr_per_ar": float(costs.total),
            "rader_utan_pris": len(costs.without_price),
            "mangder": [
                {
                    "organisation": row.organisation_slug,
                    "produkt": row.product_code,
                    "kvalitetsniva": row.quality_level,
                    "enhet": row.unit,
                    "antal_objekt": row.objects,
                    "mangd": round(row.quantity, 3),
                }
                for row in zone.quantities
            ],
        },
    }


@router.get(
    "/samordning/zoner",
    summary="Samordningszoner: kluster av objekt där flera huvudmän eller utförare arbetar",
    response_model=ZoneCollection,
    response_class=GeoJsonResponse,
)
async def get_zones(
    conn: ReadConnectionDep,
    cache: AnalysisCacheDep,
    avstand_m: ZoneDistance = 100.0,
    topp: Annotated[int, Query(ge=1, le=500, description="Antal zoner (1–500)")] = 20,
) -> Response:
    """The top zones by combined quantity × number of crews, as GeoJSON in WGS84."""
    body = await cache.get(
        conn, ("zoner", avstand_m, topp), lambda: _zones_body(conn, cache, avstand_m, topp)
    )
    return Response(body, media_type=_GEOJSON)


async def _zones_body(conn: Any, cache: AnalysisCache, avstand_m: float, topp: int) -> bytes:
    zones = await zones_of(conn, cache, avstand_m)
    prices = await read_prices(conn)
    body = {
        "type": "FeatureCollection",
        "parametrar": {
            "avstand_m": avstand_m,
            "minpunkter": MIN_POINTS,
            "omrakning_m2": COMBINED_M2_PER_UNIT,
        },
        "antal_zoner": len(zones),
        "features": [
            _feature(zone, rank, prices) for rank, zone in enumerate(zones[:topp], start=1)
        ],
    }
    return orjson.dumps(body)


@router.get(
    "/samordning/zoner/{zon_id}",
    summary="En samordningszon",
    response_model=ZoneFeature,
    response_class=GeoJsonResponse,
)
async def get_zone(
    conn: ReadConnectionDep,
    cache: AnalysisCacheDep,
    zon_id: Annotated[
        str,
        Path(
            pattern="^[0-9a-f]{32}$",
            description="Zonens id ur listan, vid samma avstand_m",
        ),
    ],
    avstand_m: ZoneDistance = 100.0,
) -> Response:
    """One zone by its key at this distance; 404 when data has changed its members."""
    zones = await zones_of(conn, cache, avstand_m)
    for rank, zone in enumerate(zones, start=1):
        if zone.key == zon_id:
            feature = _feature(zone, rank, await read_prices(conn))
            return Response(orjson.dumps(feature), media_type=_GEOJSON)
    raise NotFound(
        f"Zonen {zon_id} finns inte vid avståndet {avstand_m:g} m; objekten kan ha ändrats."
    )
