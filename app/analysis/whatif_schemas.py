"""The what-if joint tender as the API shows it: the question and the model's answer."""

from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.analysis.visits import MAX_VISITS_PER_YEAR

DEFAULT_KR_PER_VISIT = Decimal(400)
DEFAULT_KR_PER_KM = Decimal(30)
DEFAULT_DETOUR_FACTOR = 1.3
DEFAULT_SITE_DISTANCE_M = 50.0
MAX_SITE_DISTANCE_M = 1000.0

VisitsPerYear = Annotated[float, Field(ge=0, le=MAX_VISITS_PER_YEAR)]
AreaId = Annotated[int, Field(ge=1, le=2**31 - 1)]


class WhatIfParameters(BaseModel):
    """Modellens parametrar; de som utelämnas får standardvärdena (exempelvärden)."""

    model_config = ConfigDict(extra="forbid")

    kr_per_besok: Decimal = Field(
        default=DEFAULT_KR_PER_VISIT,
        ge=0,
        le=1_000_000,
        description="Kronor per platsbesök (uppställning, lossning, rundvandring)",
    )
    kr_per_km: Decimal = Field(
        default=DEFAULT_KR_PER_KM,
        ge=0,
        le=10_000,
        description="Kronor per körd kilometer",
    )
    omvagsfaktor: float = Field(
        default=DEFAULT_DETOUR_FACTOR,
        ge=1,
        le=5,
        description="Vägavstånd genom fågelvägen (1–5)",
    )
    platsavstand_m: float = Field(
        default=DEFAULT_SITE_DISTANCE_M,
        ge=0,
        le=MAX_SITE_DISTANCE_M,
        description="Ett lags objekt inom så här många meter från varandra är en plats"
        f" (0–{MAX_SITE_DISTANCE_M:g})",
    )
    besok_per_ar: dict[str, VisitsPerYear] = Field(
        default_factory=dict,
        description="Besök per år per skötselproduktkod (0–365), i stället för filens värden",
        examples=[{"G2": 20}],
    )


class WhatIfQuestion(BaseModel):
    """Vad händer om huvudmännen i ett område upphandlar skötseln gemensamt?"""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "driftomraden": [1],
                    "organisationer": ["parkenheten", "huge"],
                    "parametrar": {"kr_per_besok": 400, "besok_per_ar": {"G2": 20}},
                }
            ]
        },
    )

    driftomraden: list[AreaId] | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Id för gällande driftområden; området är deras union. Ange detta eller"
        " geometri.",
    )
    geometri: dict[str, Any] | None = Field(
        default=None,
        description="GeoJSON Polygon eller MultiPolygon, i WGS84 om inte crs anges. Ange detta"
        " eller driftomraden.",
    )
    organisationer: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Huvudmännen som ingår, med slug; utelämnad (null): alla med objekt i området",
    )
    parametrar: WhatIfParameters = Field(default_factory=WhatIfParameters)


class VisitsUsed(BaseModel):
    """Besök per år för en skötselprodukt, som modellen räknar med."""

    produkt: str
    namn: str
    besok_per_ar: float
    kalla: str
    exempeldata: bool
    andrad_i_fragan: bool = Field(description="Sant när frågan angav värdet")


class ParametersUsed(BaseModel):
    """Parametrarna som svaret räknades med."""

    kr_per_besok: float
    kr_per_km: float
    omvagsfaktor: float
    platsavstand_m: float
    besok_per_ar: list[VisitsUsed]


class AreaRef(BaseModel):
    """Ett driftområde i området."""

    id: int
    namn: str


class AreaOut(BaseModel):
    """Upphandlingsområdet."""

    driftomraden: list[AreaRef] = Field(description="Tom när området är en ritad polygon")
    yta_m2: float
    geometri: dict[str, Any] = Field(description="GeoJSON i WGS84")


class OrganisationRef(BaseModel):
    """En organisation med slug och namn."""

    slug: str
    namn: str


class QuantityOut(BaseModel):
    """En huvudmans mängd av en produkt och kvalitetsnivå inom området (klippt)."""

    organisation: str
    produkt: str
    kvalitetsniva: str | None
    enhet: str
    antal_objekt: int
    mangd: float


class ProductVisits(BaseModel):
    """En produkts del av ett lags besök och resor."""

    produkt: str
    platser: int
    besok_per_ar: float
    runda_m: float = Field(description="En närmaste-granne-runda över platserna, fågelvägen")
    resa_km_per_ar: float


class CrewOut(BaseModel):
    """Ett lags platser, besök och resor per år och vad de kostar."""

    organisation: str | None = Field(description="Lagets organisation; null för det gemensamma")
    namn: str
    platser: int
    besok_per_ar: float
    resa_km_per_ar: float
    kr_besok: float
    kr_resa: float
    kr: float
    per_produkt: list[ProductVisits]


class Crews(BaseModel):
    """Lagen och deras summa i kronor per år."""

    lag: list[CrewOut]
    kr_per_ar: float


class WhatIfAnswer(BaseModel):
    """Modellens svar: idag (varje lag för sig) mot samordnat (ett gemensamt lag)."""

    modell: str = Field(description="Vad modellen räknar med och vad inte")
    exempeldata: bool = Field(description="Sant när någon siffra i svaret är exempeldata")
    exempeluppgifter: list[str] = Field(description="Vilka siffror som är exempeldata")
    anmarkningar: list[str] = Field(description="Annat att veta om svaret")
    inga_objekt: bool = Field(description="Sant när området saknar objekt: allt är 0")
    parametrar: ParametersUsed
    omrade: AreaOut
    organisationer: list[OrganisationRef]
    mangder: list[QuantityOut]
    skotsel_kr_per_ar: float = Field(
        description="Skötseln till à-prislistan; samma idag och samordnat, ingår inte i besparingen"
    )
    saknar_pris: list[QuantityOut] = Field(description="Mängder utan à-pris, inte i summan")
    idag: Crews
    samordnat: Crews
    besparing_kr_per_ar: float = Field(description="Idag minus samordnat (besök och resor)")
    besparing_andel: float = Field(description="Besparingen delad med idag; 0 när idag är 0")
