"""Organisations that own land or maintain it, and how to reach them."""

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.text_limits import FREE_TEXT_LENGTH
from app.models.base import Base

ORGANISATION_TYPES = (
    "kommun",
    "forvaltning",
    "kommunalt_bolag",
    "entreprenor",
    "stat",
    "privat",
    "forening",
)


class Organisation(Base):
    """A municipality, department, company, contractor, state agency or private owner."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint(r"slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", name="slug_format"),
        CheckConstraint(
            "typ IN (" + ", ".join(f"'{t}'" for t in ORGANISATION_TYPES) + ")", name="typ"
        ),
        CheckConstraint("overordnad_id IS DISTINCT FROM id", name="not_own_parent"),
        CheckConstraint(
            f"length(vagledning) BETWEEN 1 AND {FREE_TEXT_LENGTH}", name="vagledning_length"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(Text, unique=True)
    namn: Mapped[str] = mapped_column(Text)
    kortnamn: Mapped[str | None] = mapped_column(Text)
    typ: Mapped[str] = mapped_column(Text)
    overordnad_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    organisationsnummer: Mapped[str | None] = mapped_column(Text)
    webbplats: Mapped[str | None] = mapped_column(Text)
    # What a resident should do when this organisation is the answer (migration 0009).
    vagledning: Mapped[str | None] = mapped_column(Text)

    kontakter: Mapped[list["Kontakt"]] = relationship(
        back_populates="organisation",
        cascade="all, delete-orphan",
        order_by="Kontakt.sortering",
    )


class Kontakt(Base):
    """One way to reach an organisation: a fault-report line, customer service, a manager."""

    __tablename__ = "kontakt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )
    roll: Mapped[str] = mapped_column(Text)
    telefon: Mapped[str | None] = mapped_column(Text)
    epost: Mapped[str | None] = mapped_column(Text)
    felanmalan_url: Mapped[str | None] = mapped_column(Text)
    oppettider: Mapped[str | None] = mapped_column(Text)
    exempeldata: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    sortering: Mapped[int] = mapped_column(Integer, server_default=text("0"))

    organisation: Mapped[Organisation] = relationship(back_populates="kontakter")
