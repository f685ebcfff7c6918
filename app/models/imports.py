"""The record of each import run and what it rejected."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

IMPORT_KINDS = ("fastigheter", "agare", "skotselobjekt", "driftomraden", "kommungrans")
IMPORT_STATUSES = ("pagar", "klar", "misslyckad", "torrkorning")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


class Importkorning(Base):
    """One run of an importer: file, hash, layer, CRS and what happened."""

    __tablename__ = "importkorning"
    __table_args__ = (
        CheckConstraint(_in("typ", IMPORT_KINDS), name="typ"),
        CheckConstraint(_in("status", IMPORT_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    typ: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    filnamn: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(Text)
    lager: Mapped[str | None] = mapped_column(Text)
    kalla_crs: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'pagar'"))
    startad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    avslutad: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    utford_av: Mapped[str | None] = mapped_column(Text)
    antal_nya: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    antal_andrade: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    antal_oforandrade: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    antal_avslutade: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    antal_avvisade: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Importavvisning(Base):
    """A feature an import rejected, and why."""

    __tablename__ = "importavvisning"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("importkorning.id", ondelete="CASCADE"), index=True
    )
    objekt_ref: Mapped[str] = mapped_column(Text)
    orsak: Mapped[str] = mapped_column(Text)
