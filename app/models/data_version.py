"""The data version: one row per transaction that changed what the analysis reads."""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

# The tables whose changes a statement-level trigger records (migration 0012).
VERSIONED_TABLES = (
    "skotselobjekt",
    "driftomrade",
    "fastighet",
    "organisation",
    "skotselprodukt",
    "a_pris",
)


class Dataversion(Base):
    """A committed change to the versioned tables, once per writing transaction."""

    __tablename__ = "dataversion"

    transaktion: Mapped[int] = mapped_column(
        BigInteger,
        primary_key=True,
        server_default=text("(pg_current_xact_id())::text::bigint"),
    )
    tid: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=text("now()")
    )
