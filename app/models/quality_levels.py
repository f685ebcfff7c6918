"""The quality levels (kvalitetsnivåer): each product's tasks per level, as reviewed data."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Identity,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class KvalitetsnivaMoment(Base):
    """One task (moment) of a product at a quality level: how it is done and how often."""

    __tablename__ = "kvalitetsniva_moment"
    __table_args__ = (
        UniqueConstraint(
            "skotselprodukt_kod",
            "kvalitetsniva",
            "moment",
            name="uq_kvalitetsniva_moment_produkt_niva_moment",
        ),
        CheckConstraint("length(kvalitetsniva) BETWEEN 1 AND 100", name="kvalitetsniva_langd"),
        CheckConstraint("length(moment) BETWEEN 1 AND 200", name="moment_langd"),
        CheckConstraint("length(utforande) BETWEEN 1 AND 2000", name="utforande_langd"),
        CheckConstraint("length(frekvens) BETWEEN 1 AND 500", name="frekvens_langd"),
        CheckConstraint("sortering >= 1", name="sortering"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(always=True), primary_key=True)
    # A product that leaves the catalogue takes its level descriptions with it.
    skotselprodukt_kod: Mapped[str] = mapped_column(
        ForeignKey("skotselprodukt.kod", ondelete="CASCADE", onupdate="CASCADE")
    )
    kvalitetsniva: Mapped[str] = mapped_column(Text)
    moment: Mapped[str] = mapped_column(Text)
    utforande: Mapped[str] = mapped_column(Text)
    frekvens: Mapped[str] = mapped_column(Text)
    exempeldata: Mapped[bool] = mapped_column(Boolean, server_default="false")
    # The task's place within its product and level, as in the file.
    sortering: Mapped[int] = mapped_column(Integer)
