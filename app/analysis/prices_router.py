"""HTTP: the price list (à-priser) and the annual costs of the coordination analysis."""

from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.access.principal import Principal, ReadAccess, ReadScopeDep, require_role
from app.access.writer import written_by
from app.analysis.cache import AnalysisCacheDep
from app.analysis.costs import AnnualCosts, annual_costs
from app.analysis.polygon import polygon_wkb
from app.analysis.prices import PriceIn, PriceOut, price_out, read_prices, save_price
from app.analysis.quantities import DEFAULT_CELL_M, MAX_CELL_M, MIN_CELL_M, Scope, quantities
from app.analysis.rows import QuantityRow
from app.analysis.schemas import PolygonBody
from app.core.db import ReadConnectionDep, SyncEngineDep, in_transaction

router = APIRouter(prefix="/samordning", tags=["samordning"], dependencies=[ReadAccess])
AdminDep = Annotated[Principal, Depends(require_role("admin"))]

EXAMPLE_NOTE = (
    "Priserna märkta exempeldata är exempelvärden, inte avtalade priser: kostnaderna visar"
    " storleksordningen, inte vad skötseln kostar."
)


class RowCost(BaseModel):
    """En mängdrad med sitt à-pris och sin kostnad per år."""

    omrade: str = Field(
        description="'kommun', driftområdets id, traktens namn, rutans E_N eller 'polygon'"
    )
    organisation: str = Field(description="Huvudmannens slug")
    produkt: str
    kvalitetsniva: str | None
    enhet: str
    objekt: int
    mangd: float
    pris: PriceOut | None = Field(description="Priset som används; null: saknar pris")
    kr_per_ar: float | None = Field(description="null när raden saknar pris (räknas inte som 0)")


class Sum(BaseModel):
    """En summa i kronor per år."""

    nyckel: str
    kr_per_ar: float


class Costs(BaseModel):
    """Kostnader per år till à-prislistan, per rad och summerade."""

    indelning: Scope
    ruta_m: int | None = Field(default=None, description="Rutornas storlek (bara indelning=ruta)")
    rader: list[RowCost]
    per_organisation: list[Sum]
    per_produkt: list[Sum]
    per_omrade: list[Sum]
    totalt_kr_per_ar: float = Field(description="Summan av raderna som har pris")
    saknar_pris: list[RowCost] = Field(description="Raderna utan pris, som inte ingår i summorna")
    exempeldata: bool = Field(description="Sant när någon använd pris är exempeldata")
    exempelpriser: list[PriceOut] = Field(description="De använda priser som är exempeldata")
    anmarkning: str | None


def _kr(value: Decimal) -> float:
    return float(value)


def _sums(sums: dict[str, Decimal]) -> list[Sum]:
    return [Sum(nyckel=k, kr_per_ar=_kr(v)) for k, v in sorted(sums.items(), key=lambda kv: kv[0])]


def _row_cost(row: QuantityRow, costs: AnnualCosts, index: int) -> RowCost:
    costed = costs.rows[index]
    kr = costed.kr_per_year
    return RowCost(
        omrade=row.scope,
        organisation=row.organisation_slug,
        produkt=row.product_code,
        kvalitetsniva=row.quality_level,
        enhet=row.unit,
        objekt=row.objects,
        mangd=row.quantity,
        pris=price_out(costed.price) if costed.price else None,
        kr_per_ar=_kr(kr) if kr is not None else None,
    )


def costs_answer(indelning: Scope, costs: AnnualCosts, ruta_m: int | None = None) -> Costs:
    """The API's form of the annual costs."""
    rows = [_row_cost(c.row, costs, i) for i, c in enumerate(costs.rows)]
    examples = costs.example_prices
    return Costs(
        indelning=indelning,
        ruta_m=ruta_m,
        rader=rows,
        per_organisation=_sums(costs.by_organisation),
        per_produkt=_sums(costs.by_product),
        per_omrade=_sums(costs.by_scope),
        totalt_kr_per_ar=_kr(costs.total),
        saknar_pris=[r for r in rows if r.pris is None],
        exempeldata=bool(examples),
        exempelpriser=[price_out(p) for p in examples],
        anmarkning=EXAMPLE_NOTE if examples else None,
    )


@router.get(
    "/a-priser",
    summary="À-prislistan: kronor per enhet och år per skötselprodukt",
    response_model=list[PriceOut],
)
async def list_prices(conn: ReadConnectionDep) -> list[PriceOut]:
    """Every price in catalogue order, the all-levels price before a level's."""
    return [price_out(p) for p in await read_prices(conn)]


@router.put(
    "/a-priser/{produkt}",
    summary="Sätt en skötselprodukts à-pris för en kvalitetsnivå eller alla (admin)",
    response_model=PriceOut,
)
async def set_price(
    produkt: str,
    body: PriceIn,
    who: AdminDep,
    engine: SyncEngineDep,
    orsak: Annotated[str, Query(min_length=3, max_length=1000)],
) -> PriceOut:
    """The price as saved; its unit is the product's (404 for an unknown product)."""
    work = written_by(who, orsak, lambda conn: save_price(conn, produkt, body))
    return price_out(await run_in_threadpool(in_transaction, engine, work))


@router.get(
    "/kostnader",
    summary="Kostnad per år till à-prislistan per organisation, produkt och område",
    response_model=Costs,
)
async def list_costs(
    conn: ReadConnectionDep,
    contractor: ReadScopeDep,
    cache: AnalysisCacheDep,
    indelning: Annotated[
        Literal["kommun", "driftomrade", "trakt", "ruta"],
        Query(description="Hela kommunen, per gällande driftområde, per trakt eller per ruta"),
    ] = "kommun",
    ruta_m: Annotated[
        int, Query(ge=MIN_CELL_M, le=MAX_CELL_M, description="Rutornas storlek i meter")
    ] = DEFAULT_CELL_M,
) -> Response:
    """Live objects' quantities × the price list; rows without a price are listed, not summed."""
    cell_m = ruta_m if indelning == "ruta" else None

    async def build() -> bytes:
        rows = await quantities(
            conn, indelning, cell_m=cell_m or DEFAULT_CELL_M, contractor=contractor
        )
        answer = costs_answer(indelning, annual_costs(rows, await read_prices(conn)), cell_m)
        return answer.model_dump_json().encode()

    body = await cache.get(conn, ("kostnader", indelning, cell_m, contractor), build)
    return Response(body, media_type="application/json")


@router.post(
    "/kostnader",
    summary="Kostnad per år till à-prislistan inom en polygon",
    response_model=Costs,
)
async def polygon_costs(
    body: PolygonBody,
    conn: ReadConnectionDep,
    crs: Annotated[
        str | None, Query(description="Polygonens koordinatsystem (standard WGS84, EPSG:4326)")
    ] = None,
) -> Costs:
    """The quantities clipped to the polygon × the price list."""
    rows = await quantities(conn, "polygon", polygon_wkb=polygon_wkb(body.geometri, crs))
    return costs_answer("polygon", annual_costs(rows, await read_prices(conn)))
