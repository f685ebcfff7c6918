"""Reading the shared catalogue from the database, in catalogue order."""

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg.rows import dict_row

from app.catalogue.schemas import Product, Symbology

_SYMBOLOGY_COLUMNS = tuple(Symbology.model_fields)
# The catalogue table's columns, as a Product and its Symbology name them.
PRODUCT_COLUMNS = (
    *(name for name in Product.model_fields if name != "symbologi"),
    *_SYMBOLOGY_COLUMNS,
)
# Every product in catalogue order; the columns are the model's own names, never input.
PRODUCTS_SQL = f"SELECT {', '.join(PRODUCT_COLUMNS)} FROM skotselprodukt ORDER BY sortering, kod"  # noqa: S608


def product_from_columns(values: Mapping[str, Any]) -> Product:
    """A Product from one catalogue row given by column name."""
    fields = {name: values[name] for name in Product.model_fields if name != "symbologi"}
    symbology = Symbology.model_validate({name: values[name] for name in _SYMBOLOGY_COLUMNS})
    return Product(**fields, symbologi=symbology)


async def load_products(conn: psycopg.AsyncConnection[Any]) -> list[Product]:
    """Every product of the shared catalogue in catalogue order, with its symbology."""
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(PRODUCTS_SQL)
        return [product_from_columns(row) for row in await cursor.fetchall()]
