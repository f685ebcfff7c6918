"""API tokens (only their hash is stored)."""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

ROLES = ("lasare", "gis", "admin", "entreprenor", "handlaggare")
# Roles bound to an organisation: a token of these must name one.
BOUND_ROLES = ("entreprenor", "handlaggare")


class ApiToken(Base):
    """A bearer token: who it is for, its role, and until when it works."""

    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("roll IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="roll"),
        CheckConstraint(
            "roll <> 'entreprenor' OR organisation_id IS NOT NULL",
            name="entreprenor_har_organisation",
        ),
        CheckConstraint(
            "roll <> 'handlaggare' OR organisation_id IS NOT NULL",
            name="handlaggare_har_organisation",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    namn: Mapped[str] = mapped_column(Text)
    roll: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    token_hash: Mapped[str] = mapped_column(Text, unique=True)
    skapad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    giltig_till: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    aterkallad: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
