"""HTTP: the shared catalogue with its symbology."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from app.access.principal import Principal, ReadAccess, require_role
from app.access.writer import mark_session_writer
from app.catalogue.products import load_products
from app.catalogue.schemas import Product
from app.catalogue.sync import remove_product, save_product
from app.core.db import SessionDep
from app.core.errors import InvalidInput

router = APIRouter(tags=["katalog"], dependencies=[ReadAccess])
AdminDep = Annotated[Principal, Depends(require_role("admin"))]


@router.get(
    "/skotselprodukter",
    summary="Den gemensamma katalogen av skötselprodukter med symbolik",
    response_model=list[Product],
)
async def list_products(session: SessionDep) -> list[Product]:
    """Every product of the shared catalogue in catalogue order, with its symbology."""
    return await load_products(session)


@router.put("/skotselprodukter/{kod}", summary="Skapa eller ändra en skötselprodukt (admin)")
async def save(
    kod: str,
    product: Product,
    who: AdminDep,
    session: SessionDep,
    orsak: Annotated[str, Query(min_length=3)],
) -> Response:
    """The product as given; its kind cannot change while data uses it (409)."""
    if product.kod != kod:
        raise InvalidInput(f"Koden i adressen ({kod}) och i kroppen ({product.kod}) skiljer sig.")
    await mark_session_writer(session, who, orsak)
    await session.run_sync(lambda s: save_product(s.connection(), product))
    return Response(status_code=204)


@router.delete("/skotselprodukter/{kod}", summary="Ta bort en oanvänd skötselprodukt (admin)")
async def remove(
    kod: str, who: AdminDep, session: SessionDep, orsak: Annotated[str, Query(min_length=3)]
) -> Response:
    """Drop a product; 409 while objects or code mappings use it."""
    await mark_session_writer(session, who, orsak)
    await session.run_sync(lambda s: remove_product(s.connection(), kod))
    return Response(status_code=204)
