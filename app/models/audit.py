"""The audit log, written by triggers for every row changed in the responsibility tables."""

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Identity, Index, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base


class Andringslogg(Base):
    """One write: table, operation, who, when, why, and the row before and after."""

    __tablename__ = "andringslogg"
    __table_args__ = (
        CheckConstraint("operation IN ('INSERT', 'UPDATE', 'DELETE')", name="operation"),
        Index("ix_andringslogg_tabell_rad_id", "tabell", "rad_id"),
        Index("ix_andringslogg_utford_tid", "utford_tid"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    tabell: Mapped[str] = mapped_column(Text)
    operation: Mapped[str] = mapped_column(Text)
    rad_id: Mapped[str | None] = mapped_column(Text)
    utford_av: Mapped[str] = mapped_column(Text)
    utford_tid: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("clock_timestamp()")
    )
    orsak: Mapped[str | None] = mapped_column(Text)
    fore: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    efter: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
