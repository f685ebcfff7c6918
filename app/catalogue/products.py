"""Reading the shared catalogue from the database, in catalogue order."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalogue.schemas import Product, Symbology
from app.models import Skotselprodukt

_SYMBOLOGY_COLUMNS = tuple(Symbology.model_fields)
# The catalogue table's columns, as a Product and its Symbology name them.
PRODUCT_COLUMNS = (
    *(name for name in Product.model_fields if name != "symbologi"),
    *_SYMBOLOGY_COLUMNS,
)


def product_from_columns(values: Mapping[str, Any]) -> Product:
    """A Product from one catalogue row given by column name."""
    fields = {name: values[name] for name in Product.model_fields if name != "symbologi"}
    symbology = Symbology.model_validate({name: values[name] for name in _SYMBOLOGY_COLUMNS})
    return Product(**fields, symbologi=symbology)


async def load_products(session: AsyncSession) -> list[Product]:
    """Every product of the shared catalogue in catalogue order, with its symbology."""
    rows = (await session.scalars(select(Skotselprodukt).order_by(Skotselprodukt.sortering))).all()
    return [product_from_columns({c: getattr(row, c) for c in PRODUCT_COLUMNS}) for row in rows]
