"""HTTP: the shared catalogue with its symbology."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.access.principal import Principal, ReadAccess, require_role
from app.access.writer import written_by
from app.catalogue.levels import LevelTask, by_product_and_level, read_levels
from app.catalogue.products import load_products
from app.catalogue.schemas import CatalogueProduct, LevelTaskOut, Product, QualityLevelOut
from app.catalogue.sync import remove_product, save_product
from app.core.db import ReadConnectionDep, SyncEngineDep, in_transaction
from app.core.problems import InvalidInput

router = APIRouter(tags=["katalog"], dependencies=[ReadAccess])
AdminDep = Annotated[Principal, Depends(require_role("admin"))]


@router.get(
    "/skotselprodukter",
    summary="Den gemensamma katalogen av skötselprodukter med symbolik och kvalitetsnivåer",
    response_model=list[CatalogueProduct],
)
async def list_products(conn: ReadConnectionDep) -> list[CatalogueProduct]:
    """Every product of the shared catalogue in catalogue order, with its symbology and what
    each of its quality levels means."""
    products = await load_products(conn)
    return with_levels(products, await read_levels(conn))


def with_levels(products: list[Product], tasks: list[LevelTask]) -> list[CatalogueProduct]:
    """The products, each with its described quality levels."""
    grouped = by_product_and_level(tasks)
    return [
        CatalogueProduct(
            **product.model_dump(),
            kvalitetsnivaer=[
                QualityLevelOut(
                    niva=level,
                    exempeldata=any(t.example_data for t in level_tasks),
                    moment=[
                        LevelTaskOut(moment=t.task, utforande=t.how, frekvens=t.frequency)
                        for t in level_tasks
                    ],
                )
                for level, level_tasks in grouped.get(product.kod, {}).items()
            ],
        )
        for product in products
    ]


@router.put(
    "/skotselprodukter/{kod}",
    summary="Skapa eller ändra en skötselprodukt (admin)",
    status_code=204,
)
async def save(
    kod: str,
    product: Product,
    who: AdminDep,
    engine: SyncEngineDep,
    orsak: Annotated[str, Query(min_length=3)],
) -> Response:
    """The product as given; its kind cannot change while data uses it (409)."""
    if product.kod != kod:
        raise InvalidInput(f"Koden i adressen ({kod}) och i kroppen ({product.kod}) skiljer sig.")
    work = written_by(who, orsak, lambda conn: save_product(conn, product))
    await run_in_threadpool(in_transaction, engine, work)
    return Response(status_code=204)


@router.delete(
    "/skotselprodukter/{kod}",
    summary="Ta bort en oanvänd skötselprodukt (admin)",
    status_code=204,
)
async def remove(
    kod: str, who: AdminDep, engine: SyncEngineDep, orsak: Annotated[str, Query(min_length=3)]
) -> Response:
    """Drop a product; 409 while objects or code mappings use it."""
    work = written_by(who, orsak, lambda conn: remove_product(conn, kod))
    await run_in_threadpool(in_transaction, engine, work)
    return Response(status_code=204)
