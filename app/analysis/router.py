"""Samordningsanalys over HTTP: quantities per scope and interleaving per grid cell or area."""

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.access.principal import ReadAccess, ReadScopeDep
from app.analysis import queries
from app.analysis.cache import AnalysisCacheDep
from app.analysis.interleaving import (
    MIN_MAINTAINED_SHARE_OF_CELL,
    MIX_CLASSES,
    Mix,
    Weight,
    mixes,
    top_places,
)
from app.analysis.polygon import polygon_wkb
from app.analysis.prices import read_prices
from app.analysis.quantities import (
    DEFAULT_CELL_M,
    MAX_CELL_M,
    MIN_CELL_M,
    NO_DISTRICT,
    Scope,
    cell_corner,
    quantities,
)
from app.analysis.rows import QuantityRow
from app.analysis.schemas import MixCollection, PolygonBody, Quantities
from app.core.db import ReadConnectionDep
from app.features.schemas import GeoJsonResponse

router = APIRouter(tags=["samordning"], dependencies=[ReadAccess])

CellSize = Annotated[
    int,
    Query(
        ge=MIN_CELL_M,
        le=MAX_CELL_M,
        description=f"Rutornas storlek i meter ({MIN_CELL_M}–{MAX_CELL_M}), i SWEREF 99 TM,"
        " med hörn på jämna multipler av storleken",
    ),
]
# Below this maintained area a driftområde is not a top place (a cell's bar is its share).
MIN_AREA_WEIGHT_M2 = 10_000.0
_GEOJSON = "application/geo+json"


def _scope_name(scope: Scope, key: str, names: dict[str, dict[str, str]]) -> str:
    if scope == "kommun":
        return "Hela kommunen"
    if scope == "driftomrade":
        return names["driftomrade"].get(key, key)
    if scope == "trakt":
        return key if key != NO_DISTRICT else "Utanför fastigheter"
    if scope == "ruta":
        x0, y0 = cell_corner(key)
        return f"Ruta E {x0} N {y0}"
    return "Polygon"


def _quantity_items(
    scope: Scope, rows: list[QuantityRow], names: dict[str, dict[str, str]]
) -> list[dict[str, Any]]:
    return [
        {
            "omrade": {
                "indelning": scope,
                "id": row.scope,
                "namn": _scope_name(scope, row.scope, names),
            },
            "organisation": {
                "slug": row.organisation_slug,
                "namn": names["organisation"].get(row.organisation_slug, row.organisation_slug),
            },
            "produkt": {
                "kod": row.product_code,
                "namn": names["produkt"].get(row.product_code, row.product_code),
            },
            "kvalitetsniva": row.quality_level,
            "enhet": row.unit,
            "antal_objekt": row.objects,
            "mangd": round(row.quantity, 3),
        }
        for row in rows
    ]


async def _answer(conn: Any, scope: Scope, rows: list[QuantityRow], cell_m: int | None) -> bytes:
    names = await queries.names(conn)
    body = {
        "indelning": scope,
        "ruta_m": cell_m,
        "rader": _quantity_items(scope, rows, names),
    }
    return orjson.dumps(body)


@router.get(
    "/samordning/mangder",
    summary="Mängder per huvudman, skötselprodukt och kvalitetsnivå",
    response_model=Quantities,
)
async def get_quantities(
    contractor: ReadScopeDep,
    conn: ReadConnectionDep,
    cache: AnalysisCacheDep,
    indelning: Annotated[
        Literal["kommun", "driftomrade", "trakt", "ruta"],
        Query(description="Hela kommunen, per driftområde (gällande avtal), trakt eller ruta"),
    ] = "kommun",
    ruta_m: CellSize = DEFAULT_CELL_M,
) -> Response:
    """Live objects' quantities (m², m, st), clipped to each driftområde and grid cell."""
    cell_m = ruta_m if indelning == "ruta" else None

    async def build() -> bytes:
        rows = await quantities(conn, indelning, cell_m=ruta_m, contractor=contractor)
        return await _answer(conn, indelning, rows, cell_m)

    body = await cache.get(conn, ("mangder", indelning, cell_m, contractor), build)
    return Response(body, media_type="application/json")


@router.post(
    "/samordning/mangder",
    summary="Mängder inom en polygon",
    response_model=Quantities,
)
async def post_quantities(
    body: PolygonBody,
    conn: ReadConnectionDep,
    crs: Annotated[
        str | None, Query(description="Polygonens koordinatsystem (standard WGS84, EPSG:4326)")
    ] = None,
) -> Response:
    """Live objects' quantities clipped to the polygon."""
    wkb = polygon_wkb(body.geometri, crs)
    rows = await quantities(conn, "polygon", polygon_wkb=wkb)
    return Response(await _answer(conn, "polygon", rows, None), media_type="application/json")


def _properties(
    mix: Mix, area: Mix | None, name: str, names: dict[str, dict[str, str]], weight: Weight
) -> dict[str, Any]:
    """A scope's mix; area is its area mix (the same as mix when weighted by area)."""
    area_m2 = dict(area.shares) if area else {}
    area_total = area.weight_total if area else 0.0

    def cost(share: float) -> float | None:
        return round(share * mix.weight_total, 2) if weight == "kostnad" else None

    return {
        "id": mix.scope,
        "namn": name,
        "yta_m2": round(area_total, 3),
        "kr_per_ar": cost(1.0),
        "antal_organisationer": mix.organisations,
        "storsta_andel": round(mix.largest_share, 6),
        "blandningsindex": round(mix.mix_index, 6),
        "organisationer": [
            {
                "slug": slug,
                "namn": names["organisation"].get(slug, slug),
                "andel": round(share, 6),
                "yta_m2": round(area_m2.get(slug, 0.0) * area_total, 3),
                "kr_per_ar": cost(share),
            }
            for slug, share in mix.shares
        ],
    }


async def _mix_body(
    conn: Any,
    indelning: Literal["ruta", "driftomrade"],
    ruta_m: int,
    vikt: Weight,
    topp: int,
    contractor: int | None,
) -> bytes:
    rows = await quantities(conn, indelning, cell_m=ruta_m, contractor=contractor)
    by_area = mixes(rows, "yta")
    found = by_area if vikt == "yta" else mixes(rows, "kostnad", await read_prices(conn))
    area_m2 = {m.scope: m.weight_total for m in by_area}
    names = await queries.names(conn)
    if indelning == "ruta":
        shapes = await queries.cell_shapes(conn, [cell_corner(m.scope) for m in found], ruta_m)
        min_area = MIN_MAINTAINED_SHARE_OF_CELL * ruta_m * ruta_m
    else:
        shapes = await queries.area_shapes(conn, [int(m.scope) for m in found])
        min_area = MIN_AREA_WEIGHT_M2

    area_of = {m.scope: m for m in by_area}

    def props(mix: Mix) -> dict[str, Any]:
        name = _scope_name(indelning, mix.scope, names)
        return _properties(mix, area_of.get(mix.scope), name, names, vikt)

    body = {
        "type": "FeatureCollection",
        "indelning": indelning,
        "ruta_m": ruta_m if indelning == "ruta" else None,
        "vikt": vikt,
        "minsta_yta_m2": min_area,
        "klasser": [
            {"fran": c.low, "till": c.high, "farg": c.colour, "namn": c.words} for c in MIX_CLASSES
        ],
        "features": [
            {
                "type": "Feature",
                "id": mix.scope,
                "geometry": orjson.Fragment(shapes[mix.scope]),
                "properties": props(mix),
            }
            for mix in found
        ],
        "topp": [props(mix) for mix in top_places(found, topp, min_area, area_m2)],
    }
    return orjson.dumps(body)


@router.get(
    "/samordning/blandning",
    summary="Blandning: hur huvudmännens skötsel varvas, per ruta eller driftområde",
    response_model=MixCollection,
    response_class=GeoJsonResponse,
)
async def get_mix(
    contractor: ReadScopeDep,
    conn: ReadConnectionDep,
    cache: AnalysisCacheDep,
    indelning: Annotated[
        Literal["ruta", "driftomrade"], Query(description="Per ruta eller driftområde")
    ] = "ruta",
    ruta_m: CellSize = DEFAULT_CELL_M,
    vikt: Annotated[
        Weight,
        Query(
            description="Vad andelarna viktas med: yta (m² ytobjekt) eller kostnad (kr per år"
            " till à-prislistan, alla enheter; rader utan pris väger inget)"
        ),
    ] = "yta",
    topp: Annotated[int, Query(ge=0, le=100, description="Antal platser i topplistan")] = 10,
) -> Response:
    """Per cell or driftområde: organisations, the largest share and 1 − Σ share²."""
    cell_m = ruta_m if indelning == "ruta" else DEFAULT_CELL_M
    body = await cache.get(
        conn,
        ("blandning", indelning, cell_m, vikt, topp, contractor),
        lambda: _mix_body(conn, indelning, cell_m, vikt, topp, contractor),
    )
    return Response(body, media_type=_GEOJSON)
