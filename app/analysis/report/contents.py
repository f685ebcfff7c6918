"""What the coordination report shows, gathered once from the database for both files."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import psycopg
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from app.analysis import queries
from app.analysis.cache import AnalysisCache
from app.analysis.cached import neighbours_of, zones_of
from app.analysis.costs import AnnualCosts, annual_costs
from app.analysis.interleaving import MIN_MAINTAINED_SHARE_OF_CELL, Mix, mixes, top_places
from app.analysis.neighbours import Neighbours
from app.analysis.prices import Price, read_prices
from app.analysis.quantities import DEFAULT_CELL_M, quantities
from app.analysis.rows import QuantityRow, Unit
from app.analysis.zones import COMBINED_M2_PER_UNIT, MIN_POINTS, Zone

STOCKHOLM = ZoneInfo("Europe/Stockholm")
UNITS: tuple[Unit, ...] = ("m²", "m", "st")
# The municipal boundary is drawn on an A4 map of some 15 km: 10 m of detail is below a point.
BOUNDARY_SIMPLIFY_M = 10.0

_CATEGORIES_SQL = "SELECT kod, kategori FROM skotselprodukt"
_BOUNDARY_SQL = """
SELECT namn, ST_AsBinary(ST_SimplifyPreserveTopology(geom, %(tolerance)s))
FROM kommungrans WHERE kommunkod = %(code)s
"""
_TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


@dataclass(frozen=True)
class ReportParameters:
    """The analysis' parameters, as the API's query parameters name them."""

    ruta_m: int = DEFAULT_CELL_M
    avstand_m: float = 100.0
    tolerans_m: float = 2.0
    nara_m: float = 50.0
    topp: int = 20

    def described(self) -> list[tuple[str, float | int | str, str]]:
        """Every parameter (the fixed ones too) as (name, value, meaning in Swedish)."""
        combined = ", ".join(f"1 {unit} = {m2:g} m²" for unit, m2 in COMBINED_M2_PER_UNIT.items())
        return [
            (
                "ruta_m",
                self.ruta_m,
                "Rutornas storlek i meter (SWEREF 99 TM) för blandningsindexet",
            ),
            (
                "avstand_m",
                self.avstand_m,
                "Avståndet (eps) i meter som binder ihop objekt till en samordningszon",
            ),
            (
                "tolerans_m",
                self.tolerans_m,
                "Hur nära (meter) två huvudmäns ytobjekt ska ligga för att räknas som"
                " gemensam gräns",
            ),
            (
                "nara_m",
                self.nara_m,
                "Avståndet (meter) inom vilket ett objekt räknas som nära en annan"
                " huvudmans objekt",
            ),
            ("topp", self.topp, "Antal zoner och rutor i topplistorna"),
            ("vikt", "yta", "Blandningsindexet viktas med skött yta (m² ytobjekt)"),
            (
                "minsta_andel_skott_yta",
                MIN_MAINTAINED_SHARE_OF_CELL,
                "En ruta kommer med i topplistan först när minst denna andel av den är skött yta",
            ),
            ("minpunkter", MIN_POINTS, "Minsta antal objekt i en zon (ST_ClusterDBSCAN)"),
            ("omrakning_m2", combined, "Hur enheterna räknas om till samlad mängd i en zon"),
        ]


@dataclass(frozen=True)
class RankedZone:
    """A top zone with its rank and its annual cost at the price list."""

    rank: int
    zone: Zone
    kr_per_year: Decimal
    outline: BaseGeometry  # the zone's outline in EPSG:3006, for the map


@dataclass(frozen=True)
class ReportContents:
    """Everything both report files show, computed once."""

    created: datetime
    municipality: str
    parameters: ReportParameters
    names: dict[str, dict[str, str]]  # by kind (organisation, produkt, driftomrade) and key
    categories: dict[str, str]  # product group (kategori) by product code
    costs: AnnualCosts  # the whole municipality's rows, each with its price
    prices: list[Price]  # the whole price list, in catalogue order
    cells: list[Mix]  # every grid cell with maintained area
    top_cells: list[Mix]
    neighbours: Neighbours
    zone_count: int
    top_zones: list[RankedZone]
    boundary: BaseGeometry | None = field(default=None)  # EPSG:3006, simplified

    @property
    def rows(self) -> list[QuantityRow]:
        """The whole municipality's quantity rows."""
        return [c.row for c in self.costs.rows]

    @property
    def object_count(self) -> int:
        """Live objects in the municipality."""
        return sum(row.objects for row in self.rows)

    @property
    def organisations(self) -> list[str]:
        """The huvudmän with live objects, by slug."""
        return sorted({row.organisation_slug for row in self.rows})

    def total(self, unit: Unit) -> float:
        """The municipality's quantity in one unit."""
        return sum(row.quantity for row in self.rows if row.unit == unit)

    def organisation_name(self, slug: str) -> str:
        """An organisation's name, its slug when unknown."""
        return self.names["organisation"].get(slug, slug)

    def product_name(self, code: str) -> str:
        """A product's name, its code when unknown."""
        return self.names["produkt"].get(code, code)

    def category(self, code: str) -> str:
        """A product's group, "Övrigt" when unknown."""
        return self.categories.get(code) or "Övrigt"

    @property
    def example_data(self) -> bool:
        """Some price used is example data."""
        return bool(self.costs.example_prices)


def cell_min_weight(cell_m: int) -> float:
    """The maintained m² a cell needs to be a top place."""
    return MIN_MAINTAINED_SHARE_OF_CELL * cell_m * cell_m


def zone_outline_sweref(zone: Zone) -> BaseGeometry:
    """A zone's outline (given in WGS84) in EPSG:3006."""
    return shapely.transform(
        shapely.geometry.shape(zone.outline),
        lambda xy: np.column_stack(_TO_SWEREF.transform(xy[:, 0], xy[:, 1])),
    )


async def _municipality(
    conn: psycopg.AsyncConnection[Any], code: str
) -> tuple[str, BaseGeometry | None]:
    cursor = await conn.execute(_BOUNDARY_SQL, {"code": code, "tolerance": BOUNDARY_SIMPLIFY_M})
    found = await cursor.fetchone()
    if found is None:
        return f"kommunkod {code}", None
    return str(found[0]), shapely.from_wkb(bytes(found[1]))


async def gather_report(
    conn: psycopg.AsyncConnection[Any],
    parameters: ReportParameters,
    municipality_code: str,
    cache: AnalysisCache | None = None,
) -> ReportContents:
    """Run each part of the analysis once and keep what the report shows.

    With the service's cache the slow parts (matrix, zones) are those the page already has.
    """
    municipality, boundary = await _municipality(conn, municipality_code)
    names = await queries.names(conn)
    categories = {
        str(code): str(group)
        for code, group in await (await conn.execute(_CATEGORIES_SQL)).fetchall()
    }
    prices = await read_prices(conn)
    costs = annual_costs(await quantities(conn, "kommun"), prices)
    cell_rows = await quantities(conn, "ruta", cell_m=parameters.ruta_m)
    cells = mixes(r for r in cell_rows if r.unit == "m²")
    top_cells = top_places(cells, parameters.topp, cell_min_weight(parameters.ruta_m))
    matrix = await neighbours_of(
        conn, cache, parameters.tolerans_m, parameters.nara_m, parameters.topp
    )
    zones = await zones_of(conn, cache, parameters.avstand_m)
    top = zones[: parameters.topp]
    # One costing over the top zones' rows: each zone's rows carry its key as their scope.
    zone_costs = annual_costs([row for zone in top for row in zone.quantities], prices)
    return ReportContents(
        created=datetime.now(STOCKHOLM),
        municipality=municipality,
        parameters=parameters,
        names=names,
        categories=categories,
        costs=costs,
        prices=prices,
        cells=cells,
        top_cells=top_cells,
        neighbours=matrix,
        zone_count=len(zones),
        top_zones=[
            RankedZone(
                rank,
                zone,
                zone_costs.by_scope.get(zone.key, Decimal(0)),
                zone_outline_sweref(zone),
            )
            for rank, zone in enumerate(top, start=1)
        ],
        boundary=boundary,
    )
