"""Sign-in: server-side sessions and the OpenID Connect sign-ins under way (migration 0010)."""

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Identity, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.access import BOUND_ROLES, ROLES
from app.models.base import Base


class Inloggning(Base):
    """A signed-in browser: the hash of its cookie's id, whom it stands for, until when."""

    __tablename__ = "inloggning"
    __table_args__ = (
        CheckConstraint("roll IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="roll"),
        CheckConstraint(
            "roll NOT IN (" + ", ".join(f"'{r}'" for r in BOUND_ROLES) + ")"
            " OR organisation_id IS NOT NULL",
            name="bunden_roll_har_organisation",
        ),
        CheckConstraint("token_id IS NOT NULL OR subjekt IS NOT NULL", name="har_ursprung"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    sessions_hash: Mapped[str] = mapped_column(Text, unique=True)
    csrf_token: Mapped[str] = mapped_column(Text)
    roll: Mapped[str] = mapped_column(Text)
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE")
    )
    namn: Mapped[str] = mapped_column(Text)
    epost: Mapped[str | None] = mapped_column(Text)
    token_id: Mapped[int | None] = mapped_column(ForeignKey("api_token.id", ondelete="CASCADE"))
    subjekt: Mapped[str | None] = mapped_column(Text)
    skapad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    senast_sedd: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    giltig_till: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Inloggningsforsok(Base):
    """A sign-in at the OpenID provider under way: PKCE verifier, nonce, where to go after."""

    __tablename__ = "inloggningsforsok"

    state_hash: Mapped[str] = mapped_column(Text, primary_key=True)
    nonce: Mapped[str] = mapped_column(Text)
    kodverifierare: Mapped[str] = mapped_column(Text)
    nasta: Mapped[str] = mapped_column(Text)
    skapad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
