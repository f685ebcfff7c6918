"""Reading the shared catalogue from the database, in catalogue order."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.catalogue.schemas import Product, Symbology
from app.models import Skotselprodukt

_SYMBOLOGY_COLUMNS = tuple(Symbology.model_fields)


async def load_products(session: AsyncSession) -> list[Product]:
    """Every product of the shared catalogue in catalogue order, with its symbology."""
    rows = (await session.scalars(select(Skotselprodukt).order_by(Skotselprodukt.sortering))).all()
    return [
        Product(
            kod=row.kod,
            namn=row.namn,
            kategori=row.kategori,
            geometrityp=row.geometrityp,
            enhet=row.enhet,
            beskrivning=row.beskrivning,
            prioritet=row.prioritet,
            sortering=row.sortering,
            symbologi=Symbology.model_validate(
                {column: getattr(row, column) for column in _SYMBOLOGY_COLUMNS}
            ),
        )
        for row in rows
    ]
