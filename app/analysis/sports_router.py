"""HTTP: the sports facilities preset of the coordination analysis (report 5.1.4)."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.access.principal import ReadAccess
from app.analysis import queries
from app.analysis.cache import AnalysisCacheDep
from app.analysis.costs import annual_costs
from app.analysis.prices import read_prices
from app.analysis.quantities import quantities
from app.analysis.rows import QuantityRow
from app.analysis.sports import (
    DEFAULT_FACILITY_DISTANCE_M,
    SPORTS_CATEGORY,
    Facility,
    sports_facilities,
    sports_products,
)
from app.analysis.sports_schemas import SportsPreset
from app.core.db import ReadConnectionDep

router = APIRouter(tags=["samordning"], dependencies=[ReadAccess])

NOTE = (
    "Idrottsytor per huvudman (katalogens kategori Idrott). En anläggning är idrottsytor inom"
    " avståndet från varandra; där två huvudmän har ytor i samma anläggning kan en av dem sköta"
    " allt (rapportens 5.1.4). Kostnaderna följer à-prislistan; priser märkta exempeldata är"
    " exempelvärden."
)


def _rows(rows: list[QuantityRow]) -> list[dict[str, Any]]:
    return [
        {
            "produkt": r.product_code,
            "kvalitetsniva": r.quality_level,
            "enhet": r.unit,
            "antal_objekt": r.objects,
            "mangd": round(r.quantity, 3),
        }
        for r in rows
    ]


def _facility(facility: Facility, rank: int) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": facility.key,
        "geometry": facility.outline,
        "properties": {
            "id": facility.key,
            "rang": rank,
            "namn": facility.parcel or f"Anläggning {rank}",
            "huvudman": facility.principals,
            "flera_huvudman": len(facility.principals) > 1,
            "yta_m2": round(facility.area_m2, 3),
            "mangder": [
                {"organisation": r.organisation_slug} | item
                for r, item in zip(facility.quantities, _rows(facility.quantities), strict=True)
            ],
        },
    }


async def _preset(conn: Any, distance_m: float) -> bytes:
    products = await sports_products(conn)
    rows = [r for r in await quantities(conn, "kommun") if r.product_code in products]
    costs = annual_costs(rows, await read_prices(conn))
    names = await queries.names(conn)
    principals = sorted({r.organisation_slug for r in rows})
    facilities = await sports_facilities(conn, distance_m)
    body = {
        "produktgrupp": SPORTS_CATEGORY,
        "avstand_m": distance_m,
        "produkter": [{"kod": code, "namn": name} for code, name in products.items()],
        "per_huvudman": [
            {
                "organisation": {"slug": slug, "namn": names["organisation"].get(slug, slug)},
                "mangder": _rows([r for r in rows if r.organisation_slug == slug]),
                "kr_per_ar": float(costs.by_organisation[slug])
                if slug in costs.by_organisation
                else None,
            }
            for slug in principals
        ],
        "antal_anlaggningar": len(facilities),
        "anlaggningar_med_flera_huvudman": sum(len(f.principals) > 1 for f in facilities),
        "anlaggningar": {
            "type": "FeatureCollection",
            "features": [_facility(f, rank) for rank, f in enumerate(facilities, start=1)],
        },
        "exempeldata": bool(costs.example_prices),
        "anmarkning": NOTE,
    }
    return orjson.dumps(body)


@router.get(
    "/samordning/idrott",
    summary="Idrottsanläggningar per huvudman (rapportens 5.1.4)",
    response_model=SportsPreset,
)
async def get_sports(
    conn: ReadConnectionDep,
    cache: AnalysisCacheDep,
    avstand_m: Annotated[
        float,
        Query(
            ge=1, le=1000, description="Avståndet i meter som gör idrottsytor till en anläggning"
        ),
    ] = DEFAULT_FACILITY_DISTANCE_M,
) -> Response:
    """Idrott products per principal with their cost, and the facilities they make up."""
    body = await cache.get(conn, ("idrott", avstand_m), lambda: _preset(conn, avstand_m))
    return Response(body, media_type="application/json")
