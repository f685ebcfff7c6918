"""The catalogue as data: one validated row per skötselprodukt."""

import re
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models.catalogue import UNIT_OF_KIND

HexColour = re.compile(r"^#[0-9a-fA-F]{6}$")
GeometryKind = Literal["yta", "linje", "punkt"]
Marker = Literal["circle", "square", "triangle", "diamond", "star", "cross"]


class Symbology(BaseModel):
    """How a product is drawn, the same in every client."""

    fyllnadsfarg: str | None = Field(default=None, pattern=HexColour.pattern)
    fyllnadsopacitet: float | None = Field(default=None, ge=0, le=1)
    linjefarg: str = Field(pattern=HexColour.pattern)
    linjebredd: float = Field(ge=0, le=20)
    streckmonster: str | None = Field(default=None, pattern=r"^\d+(\.\d+)?( \d+(\.\d+)?)+$")
    markor: Marker | None = None
    markorstorlek: float | None = Field(default=None, gt=0, le=64)


class Product(BaseModel):
    """A skötselprodukt of the shared catalogue."""

    model_config = ConfigDict(frozen=True)

    kod: str = Field(pattern=r"^[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9.]*$", max_length=16)
    namn: str = Field(min_length=1)
    kategori: str = Field(min_length=1)
    geometrityp: GeometryKind
    enhet: Literal["m²", "m", "st"]
    beskrivning: str
    prioritet: int = Field(ge=0, le=1000)
    sortering: int = 0
    symbologi: Symbology

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if UNIT_OF_KIND[self.geometrityp] != self.enhet:
            raise ValueError(
                f"enheten för {self.geometrityp} ska vara {UNIT_OF_KIND[self.geometrityp]}"
            )
        is_point = self.geometrityp == "punkt"
        if is_point != bool(self.symbologi.markor and self.symbologi.markorstorlek):
            raise ValueError("markör och markörstorlek anges för punkter och endast för dem")
        if self.geometrityp != "linje" and self.symbologi.fyllnadsfarg is None:
            raise ValueError("ytor och punkter behöver en fyllnadsfärg")
        return self


class LevelTaskOut(BaseModel):
    """Ett moment på en kvalitetsnivå: vad som görs, hur och hur ofta."""

    moment: str = Field(description="Skötselmomentet, t.ex. Klippning")
    utforande: str = Field(description="Hur momentet utförs, t.ex. när gräset är 8–10 cm")
    frekvens: str = Field(description="Hur ofta, t.ex. 20 gånger per säsong")


class QualityLevelOut(BaseModel):
    """En kvalitetsnivå för en skötselprodukt med dess moment i skötselbeskrivningens ordning."""

    niva: str = Field(description="Kvalitetsnivåns namn som skötselobjektens kvalitetsniva")
    exempeldata: bool = Field(
        description="Sant när någon av nivåns rader är exempeldata, inte en fastställd nivå"
    )
    moment: list[LevelTaskOut]


class CatalogueProduct(Product):
    """En skötselprodukt i katalogen med vad dess kvalitetsnivåer innebär."""

    kvalitetsnivaer: list[QualityLevelOut] = Field(
        default_factory=list,
        description="Produktens kvalitetsnivåer i namnordning; tom när inga är beskrivna."
        " Ingår inte när en produkt sparas.",
    )
