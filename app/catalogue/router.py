"""HTTP: the shared catalogue with its symbology."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from app.access.principal import Principal, ReadAccess, require_role
from app.access.writer import written_by
from app.catalogue.products import load_products
from app.catalogue.schemas import Product
from app.catalogue.sync import remove_product, save_product
from app.core.db import ReadConnectionDep, SyncEngineDep, in_transaction
from app.core.problems import InvalidInput

router = APIRouter(tags=["katalog"], dependencies=[ReadAccess])
AdminDep = Annotated[Principal, Depends(require_role("admin"))]


@router.get(
    "/skotselprodukter",
    summary="Den gemensamma katalogen av skötselprodukter med symbolik",
    response_model=list[Product],
)
async def list_products(conn: ReadConnectionDep) -> list[Product]:
    """Every product of the shared catalogue in catalogue order, with its symbology."""
    return await load_products(conn)


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
