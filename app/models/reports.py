"""Fault reports (felanmälan): categories, reports, status events, photos and the outbox.

The constraints on values live in migration 0008; these classes mirror its tables, indexes
and keys so the ORM and the migration check agree.
"""

import uuid
from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import SRID, Base

REPORT_STATUSES = ("ny", "mottagen", "pagar", "atgardad", "ej-vart-ansvar", "dubblett")
# A report in one of these is closed: handled, not ours (forwarded), or a duplicate.
CLOSED_STATUSES = ("atgardad", "ej-vart-ansvar", "dubblett")
# What each status is called in Swedish: on the map, in the inbox and on the public page.
STATUS_TEXT = {
    "ny": "Ny",
    "mottagen": "Mottagen",
    "pagar": "Pågår",
    "atgardad": "Åtgärdad",
    "ej-vart-ansvar": "Ej vårt ansvar",
    "dubblett": "Dubblett",
}
DELIVERY_PURPOSES = ("ny", "kopia", "kvitto", "stangd", "vidarebefordrad")


class Felkategori(Base):
    """A category of fault report and the skötselprodukter it concerns (reviewed data)."""

    __tablename__ = "felkategori"

    kod: Mapped[str] = mapped_column(Text, primary_key=True)
    namn: Mapped[str] = mapped_column(Text)
    beskrivning: Mapped[str] = mapped_column(Text, server_default=text("''"))
    produkter: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    ordning: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    aktiv: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))


class FelanmalanMottagning(Base):
    """How an organisation receives its reports: e-mail and/or a signed webhook."""

    __tablename__ = "felanmalan_mottagning"

    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    epost: Mapped[str | None] = mapped_column(Text)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    webhook_hemlighet: Mapped[str | None] = mapped_column(Text)
    kopia_till_utforare: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))


class Felanmalan(Base):
    """A fault report: the point, the category, who received it and where it stands."""

    __tablename__ = "felanmalan"
    __table_args__ = (
        UniqueConstraint("nummer", name="uq_felanmalan_nummer"),
        Index("ix_felanmalan_geom", "geom", postgresql_using="gist"),
        Index("ix_felanmalan_mottagare_status", "mottagare_id", "status"),
        Index(
            "ix_felanmalan_protokoll", "protokoll", postgresql_where=text("protokoll IS NOT NULL")
        ),
        Index(
            "ix_felanmalan_gallras",
            "stangd",
            postgresql_where=text("stangd IS NOT NULL AND gallrad IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    nummer: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("POINT", srid=SRID, spatial_index=False), nullable=False
    )
    kategori: Mapped[str] = mapped_column(ForeignKey("felkategori.kod", ondelete="RESTRICT"))
    beskrivning: Mapped[str] = mapped_column(Text, server_default=text("''"))
    status: Mapped[str] = mapped_column(Text, server_default=text("'ny'"))
    mottagare_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    huvudman_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    utforare_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    driftomrade_id: Mapped[int | None] = mapped_column(
        ForeignKey("driftomrade.id", ondelete="SET NULL")
    )
    beslutande_objekt: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    regel: Mapped[str | None] = mapped_column(Text)
    tvetydig: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    dubblett_av: Mapped[int | None] = mapped_column(
        ForeignKey("felanmalan.id", ondelete="SET NULL")
    )
    protokoll: Mapped[str | None] = mapped_column(Text)
    anmald_av: Mapped[str | None] = mapped_column(Text)
    anmalare_namn: Mapped[str | None] = mapped_column(Text)
    anmalare_epost: Mapped[str | None] = mapped_column(Text)
    anmalare_telefon: Mapped[str | None] = mapped_column(Text)
    skapad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    andrad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    stangd: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    gallrad: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FelanmalanHandelse(Base):
    """One change of a report's status (or its receiver): who, when, with what note."""

    __tablename__ = "felanmalan_handelse"
    __table_args__ = (Index("ix_felanmalan_handelse_felanmalan", "felanmalan_id", "tid"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    felanmalan_id: Mapped[int] = mapped_column(ForeignKey("felanmalan.id", ondelete="CASCADE"))
    tid: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    status: Mapped[str] = mapped_column(Text)
    fran_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    till_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    utford_av: Mapped[str | None] = mapped_column(Text)
    notering: Mapped[str] = mapped_column(Text, server_default=text("''"))


class FelanmalanFoto(Base):
    """A photo of a report, re-encoded without EXIF, stored in the database."""

    __tablename__ = "felanmalan_foto"
    __table_args__ = (
        UniqueConstraint("felanmalan_id", "nummer", name="uq_felanmalan_foto_felanmalan_id_nummer"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    felanmalan_id: Mapped[int] = mapped_column(ForeignKey("felanmalan.id", ondelete="CASCADE"))
    nummer: Mapped[int] = mapped_column(SmallInteger)
    mediatyp: Mapped[str] = mapped_column(Text)
    bredd: Mapped[int] = mapped_column(Integer)
    hojd: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Leverans(Base):
    """One message of the outbox: a report to its receiver, a copy, a receipt, a closing note."""

    __tablename__ = "leverans"
    __table_args__ = (
        UniqueConstraint("meddelande_id", name="uq_leverans_meddelande_id"),
        Index("ix_leverans_att_skicka", "nasta_forsok", postgresql_where=text("status = 'vantar'")),
        Index("ix_leverans_felanmalan", "felanmalan_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    felanmalan_id: Mapped[int] = mapped_column(ForeignKey("felanmalan.id", ondelete="CASCADE"))
    meddelande_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), server_default=text("gen_random_uuid()")
    )
    kanal: Mapped[str] = mapped_column(Text)
    adress: Mapped[str] = mapped_column(Text)
    syfte: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Text, server_default=text("'vantar'"))
    forsok: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    nasta_forsok: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=text("now()")
    )
    senaste_fel: Mapped[str | None] = mapped_column(Text)
    skapad: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=text("now()"))
    skickad: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
