"""The shared catalogue of skötselprodukter and the legacy-code mappings onto it."""

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base

GEOMETRY_KINDS = ("yta", "linje", "punkt")
UNIT_OF_KIND = {"yta": "m²", "linje": "m", "punkt": "st"}
MARKERS = ("circle", "square", "triangle", "diamond", "star", "cross")
_HEX = r"'^#[0-9a-fA-F]{6}$'"


class Skotselprodukt(Base):
    """A maintenance product of the shared catalogue, with its symbology."""

    __tablename__ = "skotselprodukt"
    __table_args__ = (
        UniqueConstraint("kod", "geometrityp", name="uq_skotselprodukt_kod_geometrityp"),
        CheckConstraint(r"kod ~ '^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9.]*$'", name="kod_format"),
        CheckConstraint(
            "(geometrityp, enhet) IN (('yta', 'm²'), ('linje', 'm'), ('punkt', 'st'))",
            name="enhet_matchar_geometrityp",
        ),
        CheckConstraint(f"fyllnadsfarg IS NULL OR fyllnadsfarg ~ {_HEX}", name="fyllnadsfarg"),
        CheckConstraint(f"linjefarg ~ {_HEX}", name="linjefarg"),
        CheckConstraint(
            "fyllnadsopacitet IS NULL OR fyllnadsopacitet BETWEEN 0 AND 1", name="opacitet"
        ),
        CheckConstraint("linjebredd >= 0", name="linjebredd"),
        CheckConstraint(
            "(geometrityp = 'punkt') = (markor IS NOT NULL AND coalesce(markorstorlek, 0) > 0)",
            name="markor_endast_punkt",
        ),
        CheckConstraint(
            "markor IS NULL OR markor IN (" + ", ".join(f"'{m}'" for m in MARKERS) + ")",
            name="markor",
        ),
        CheckConstraint("prioritet BETWEEN 0 AND 1000", name="prioritet"),
    )

    kod: Mapped[str] = mapped_column(Text, primary_key=True)
    namn: Mapped[str] = mapped_column(Text)
    kategori: Mapped[str] = mapped_column(Text)
    geometrityp: Mapped[str] = mapped_column(Text)
    enhet: Mapped[str] = mapped_column(Text)
    beskrivning: Mapped[str] = mapped_column(Text)
    prioritet: Mapped[int] = mapped_column(Integer)
    fyllnadsfarg: Mapped[str | None] = mapped_column(Text)
    fyllnadsopacitet: Mapped[float | None] = mapped_column(Float)
    linjefarg: Mapped[str] = mapped_column(Text)
    linjebredd: Mapped[float] = mapped_column(Float)
    streckmonster: Mapped[str | None] = mapped_column(Text)
    markor: Mapped[str | None] = mapped_column(Text)
    markorstorlek: Mapped[float | None] = mapped_column(Float)
    sortering: Mapped[int] = mapped_column(Integer)


class Kodmappning(Base):
    """One organisation's legacy code and the shared product it means."""

    __tablename__ = "kodmappning"
    __table_args__ = (UniqueConstraint("organisation_id", "kod"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    kod: Mapped[str] = mapped_column(Text)
    benamning: Mapped[str | None] = mapped_column(Text)
    skotselprodukt_kod: Mapped[str] = mapped_column(
        ForeignKey("skotselprodukt.kod", ondelete="RESTRICT", onupdate="CASCADE"), index=True
    )
