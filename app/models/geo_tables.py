"""Parcels, maintenance objects, operations areas and the municipality boundary (SRID 3006)."""

import uuid
from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import SRID, Base

_NOW = text("now()")


def _valid_geometry(name: str = "geom") -> CheckConstraint:
    return CheckConstraint(f"ST_IsValid({name}) AND NOT ST_IsEmpty({name})", name="giltig_geometri")


def _valid_period() -> CheckConstraint:
    return CheckConstraint("valid_to IS NULL OR valid_from < valid_to", name="giltighetsperiod")


class Fastighet(Base):
    """One area (registerenhetsområde) of a parcel, as in Lantmäteriet's Fastighetsindelning."""

    __tablename__ = "fastighet"
    __table_args__ = (
        _valid_geometry(),
        _valid_period(),
        Index(
            "uq_fastighet_aktuell_objektidentitet",
            "objektidentitet",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
        # Closed versions by id: the version that holds now is a closed one while a later one
        # is already dated, and a single feature of /ogc is looked up among both.
        Index(
            "ix_fastighet_avslutad_objektidentitet",
            "objektidentitet",
            postgresql_where=text("valid_to IS NOT NULL"),
        ),
        Index("ix_fastighet_geom", "geom", postgresql_using="gist"),
        Index(
            "ix_fastighet_beteckning",
            "beteckning",
            postgresql_ops={"beteckning": "text_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objektidentitet: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    registerenhetsreferens: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    beteckning: Mapped[str] = mapped_column(Text)
    kommunnamn: Mapped[str] = mapped_column(Text)
    trakt: Mapped[str] = mapped_column(Text)
    block: Mapped[str | None] = mapped_column(Text)
    enhet: Mapped[int | None] = mapped_column(Integer)
    omradesnummer: Mapped[int] = mapped_column(Integer, server_default=text("1"))
    etikett: Mapped[str | None] = mapped_column(Text)
    objekttyp: Mapped[str | None] = mapped_column(Text)
    lanskod: Mapped[str | None] = mapped_column(Text)
    kommunkod: Mapped[str | None] = mapped_column(Text)
    samjelittera: Mapped[str | None] = mapped_column(Text)
    osakertlage: Mapped[bool | None] = mapped_column(Boolean)
    senastandrad: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False
    )
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_NOW)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("importkorning.id", ondelete="SET NULL"), index=True
    )


class Fastighetsagare(Base):
    """Who owns a parcel (not in Lantmäteriet's open data, imported or set by an admin)."""

    __tablename__ = "fastighetsagare"
    __table_args__ = (
        _valid_period(),
        Index(
            "uq_fastighetsagare_aktuell",
            "registerenhetsreferens",
            "organisation_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registerenhetsreferens: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_NOW)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("importkorning.id", ondelete="SET NULL"), index=True
    )


class Skotselobjekt(Base):
    """One version of a maintenance object: an area, line or point of one skötselprodukt."""

    __tablename__ = "skotselobjekt"
    __table_args__ = (
        ForeignKeyConstraint(
            ["skotselprodukt_kod", "geometrityp"],
            ["skotselprodukt.kod", "skotselprodukt.geometrityp"],
            name="fk_skotselobjekt_produkt_och_geometrityp",
            ondelete="RESTRICT",
            onupdate="RESTRICT",
        ),
        CheckConstraint(
            "CASE geometrityp"
            " WHEN 'yta' THEN ST_GeometryType(geom) IN ('ST_Polygon', 'ST_MultiPolygon')"
            " WHEN 'linje' THEN ST_GeometryType(geom) IN ('ST_LineString', 'ST_MultiLineString')"
            " WHEN 'punkt' THEN ST_GeometryType(geom) = 'ST_Point'"
            " ELSE false END",
            name="geometri_matchar_geometrityp",
        ),
        _valid_geometry(),
        _valid_period(),
        Index(
            "uq_skotselobjekt_aktuell_objekt_id",
            "objekt_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL"),
        ),
        Index(
            "ix_skotselobjekt_avslutad_objekt_id",
            "objekt_id",
            postgresql_where=text("valid_to IS NOT NULL"),
        ),
        Index(
            "uq_skotselobjekt_aktuell_extern_id",
            "dataleverantor_id",
            "extern_id",
            unique=True,
            postgresql_where=text("valid_to IS NULL AND extern_id IS NOT NULL"),
        ),
        Index("ix_skotselobjekt_geom", "geom", postgresql_using="gist"),
        Index("ix_skotselobjekt_produkt", "skotselprodukt_kod", "geometrityp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    objekt_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), server_default=text("gen_random_uuid()")
    )
    extern_id: Mapped[str | None] = mapped_column(Text)
    dataleverantor_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    skotselprodukt_kod: Mapped[str] = mapped_column(Text)
    geometrityp: Mapped[str] = mapped_column(Text)
    huvudman_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    kvalitetsniva: Mapped[str | None] = mapped_column(Text)
    attribut: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=text("'{}'::jsonb"))
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("GEOMETRY", srid=SRID, spatial_index=False), nullable=False
    )
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=_NOW)
    valid_to: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("importkorning.id", ondelete="SET NULL"), index=True
    )


class Driftomrade(Base):
    """An operations / tender area: who orders the maintenance, who performs it, and when."""

    __tablename__ = "driftomrade"
    __table_args__ = (
        _valid_geometry(),
        CheckConstraint("avtal_till IS NULL OR avtal_fran < avtal_till", name="avtalsperiod"),
        Index("ix_driftomrade_geom", "geom", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    namn: Mapped[str] = mapped_column(Text, unique=True)
    bestallare_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    utforare_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    avtal_fran: Mapped[date] = mapped_column(Date)
    avtal_till: Mapped[date | None] = mapped_column(Date)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False
    )
    import_id: Mapped[int | None] = mapped_column(
        ForeignKey("importkorning.id", ondelete="SET NULL"), index=True
    )


class Kommungrans(Base):
    """The boundary of a municipality (SCB Digitala gränser)."""

    __tablename__ = "kommungrans"
    __table_args__ = (
        _valid_geometry(),
        Index("ix_kommungrans_geom", "geom", postgresql_using="gist"),
    )

    kommunkod: Mapped[str] = mapped_column(Text, primary_key=True)
    namn: Mapped[str] = mapped_column(Text)
    kalla: Mapped[str] = mapped_column(Text)
    geom: Mapped[WKBElement] = mapped_column(
        Geometry("MULTIPOLYGON", srid=SRID, spatial_index=False), nullable=False
    )
