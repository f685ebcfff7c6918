"""All tables; importing this package registers them on Base.metadata."""

from app.models.access import ApiToken
from app.models.analysis import APris
from app.models.audit import Andringslogg
from app.models.base import SRID, Base
from app.models.catalogue import Kodmappning, Skotselprodukt
from app.models.data_version import Dataversion
from app.models.geo_tables import (
    Driftomrade,
    Fastighet,
    Fastighetsagare,
    Kommungrans,
    Skotselobjekt,
)
from app.models.imports import Importavvisning, Importhandelse, Importkorning
from app.models.organisation import Kontakt, Organisation
from app.models.quality_levels import KvalitetsnivaMoment
from app.models.reports import (
    Felanmalan,
    FelanmalanFoto,
    FelanmalanHandelse,
    FelanmalanMottagning,
    Felkategori,
    Leverans,
)
from app.models.signin import Inloggning, Inloggningsforsok

__all__ = [
    "SRID",
    "APris",
    "Andringslogg",
    "ApiToken",
    "Base",
    "Dataversion",
    "Driftomrade",
    "Fastighet",
    "Fastighetsagare",
    "Felanmalan",
    "FelanmalanFoto",
    "FelanmalanHandelse",
    "FelanmalanMottagning",
    "Felkategori",
    "Importavvisning",
    "Importhandelse",
    "Importkorning",
    "Inloggning",
    "Inloggningsforsok",
    "Kodmappning",
    "Kommungrans",
    "Kontakt",
    "KvalitetsnivaMoment",
    "Leverans",
    "Organisation",
    "Skotselobjekt",
    "Skotselprodukt",
]
