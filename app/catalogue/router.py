"""HTTP: the shared catalogue with its symbology."""

from fastapi import APIRouter
from sqlalchemy import select

from app.access.principal import ReadAccess
from app.catalogue.schemas import Product, Symbology
from app.db import SessionDep
from app.models import Skotselprodukt

router = APIRouter(tags=["katalog"], dependencies=[ReadAccess])

_SYMBOLOGY_COLUMNS = tuple(Symbology.model_fields)


@router.get(
    "/skotselprodukter",
    summary="Den gemensamma katalogen av skötselprodukter med symbolik",
    response_model=list[Product],
)
async def list_products(session: SessionDep) -> list[Product]:
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
