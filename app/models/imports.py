"""The record of each import run and what it rejected."""

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Identity,
    Integer,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

IMPORT_KINDS = ("fastigheter", "agare", "skotselobjekt", "driftomraden", "kommungrans")
IMPORT_STATUSES = ("pagar", "klar", "misslyckad", "torrkorning")
EVENT_KINDS = ("ny", "andrad", "avslutad", "reparerad")


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
    # The moment the versions this import wrote start (and those it closed end).
    giltig_fran: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
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
    # The row named an existing object, which the import therefore kept as it was.
    behalls: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Importhandelse(Base):
    """What an import did to one object that its rows do not show: retired, repaired, …"""

    __tablename__ = "importhandelse"
    __table_args__ = (CheckConstraint(_in("slag", EVENT_KINDS), name="slag"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    import_id: Mapped[int] = mapped_column(
        ForeignKey("importkorning.id", ondelete="CASCADE"), index=True
    )
    slag: Mapped[str] = mapped_column(Text)
    objekt_ref: Mapped[str] = mapped_column(Text)
    beskrivning: Mapped[str | None] = mapped_column(Text)
    falt: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
