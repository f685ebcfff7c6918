"""The coordination analysis's reviewed data: the price list (à-priser)."""

from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Integer,
    Numeric,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

PRICE_UNITS = ("m²", "m", "st")


class APris(Base):
    """A product's price per unit and year, for one quality level or (NULL) for all levels."""

    __tablename__ = "a_pris"
    __table_args__ = (
        UniqueConstraint(
            "skotselprodukt_kod",
            "kvalitetsniva",
            name="uq_a_pris_produkt_kvalitetsniva",
            postgresql_nulls_not_distinct=True,
        ),
        CheckConstraint("kr_per_enhet_och_ar >= 0", name="pris_ej_negativt"),
        CheckConstraint("enhet IN ('m²', 'm', 'st')", name="enhet"),
        CheckConstraint("length(kalla) BETWEEN 1 AND 1000", name="kalla_langd"),
        CheckConstraint(
            "kvalitetsniva IS NULL OR length(kvalitetsniva) BETWEEN 1 AND 100",
            name="kvalitetsniva_langd",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(always=True), primary_key=True)
    # A product that leaves the catalogue takes its prices with it.
    skotselprodukt_kod: Mapped[str] = mapped_column(
        ForeignKey("skotselprodukt.kod", ondelete="CASCADE", onupdate="CASCADE")
    )
    kvalitetsniva: Mapped[str | None] = mapped_column(Text)
    enhet: Mapped[str] = mapped_column(Text)
    kr_per_enhet_och_ar: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    kalla: Mapped[str] = mapped_column(Text)
    exempeldata: Mapped[bool] = mapped_column(Boolean, server_default="false")
