"""The what-if model of a joint tender: what site visits and travel cost each crew today, and
what one crew would cost doing all of it ("Vad händer om: gemensam upphandling").

A *site* is a cluster of one crew's objects (whatif_queries: ST_ClusterDBSCAN, eps = the site
distance, minpoints 1), known here by its point (the cluster's centroid, EPSG:3006 metres) and
the products maintained there. For one crew and each product p:

- visits per year = (the crew's sites with p) × visits_per_year[p];
- travel per year = a closed nearest-neighbour tour over those sites (start: the site with the
  smallest x, then y; then always the nearest site not yet visited, ties to the smallest x, then
  y; back to the start; a single site is 0 m) × the detour factor, in km, × visits_per_year[p].

Summed over the products: kr for visits = visits × kr per visit, kr for travel = km × kr per km,
each rounded to öre. The combined crew is the same over sites clustered regardless of crew. The
maintenance itself (the price list) is the same both ways and not part of the model. Nothing
else is counted: no wages or machines, no depot, no trips combined across products or days, no
time windows; it compares how the work is spread, not what it costs.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from math import hypot

import numpy as np

ORE = Decimal("0.01")
M_PER_KM = 1000


@dataclass(frozen=True)
class Site:
    """A place a crew goes to: its point (EPSG:3006 metres) and the products kept there."""

    x: float
    y: float
    products: frozenset[str]


@dataclass(frozen=True)
class Parameters:
    """The model's figures: kr per visit and km, the detour factor, visits per year by product."""

    kr_per_visit: Decimal
    kr_per_km: Decimal
    detour_factor: float
    visits_per_year: Mapping[str, float]  # a product not here has 0 visits


@dataclass(frozen=True)
class ProductCost:
    """One product's share of a crew's visits and travel."""

    product_code: str
    sites: int
    visits_per_year: float
    tour_m: float  # one round of the nearest-neighbour tour, before the detour factor
    travel_km_per_year: float


@dataclass(frozen=True)
class CrewCost:
    """A crew's sites, visits and travel per year and what they cost."""

    sites: int
    products: list[ProductCost]
    kr_visits: Decimal
    kr_travel: Decimal

    @property
    def visits_per_year(self) -> float:
        """Visits per year, all products."""
        return sum(p.visits_per_year for p in self.products)

    @property
    def travel_km_per_year(self) -> float:
        """Km driven per year, all products."""
        return sum(p.travel_km_per_year for p in self.products)

    @property
    def kr(self) -> Decimal:
        """Visits and travel in kr per year."""
        return self.kr_visits + self.kr_travel


def _to_ore(value: Decimal) -> Decimal:
    return value.quantize(ORE, ROUND_HALF_UP)


def _decimal(value: float) -> Decimal:
    return Decimal(repr(value))


def nearest_neighbour_tour_m(points: Iterable[tuple[float, float]]) -> float:
    """The length of the closed nearest-neighbour tour over the points (0 for fewer than two)."""
    # Sorted by x, then y: the start is row 0 and argmin's first minimum breaks ties the same way.
    xy = np.array(sorted(points), dtype=float).reshape(-1, 2)
    if len(xy) < 2:
        return 0.0
    open_ = np.ones(len(xy), dtype=bool)
    open_[0] = False
    current, length = 0, 0.0
    for _ in range(len(xy) - 1):
        squared = (xy[:, 0] - xy[current, 0]) ** 2 + (xy[:, 1] - xy[current, 1]) ** 2
        squared[~open_] = np.inf
        nearest = int(np.argmin(squared))
        length += float(np.sqrt(squared[nearest]))
        open_[nearest] = False
        current = nearest
    return length + hypot(xy[current, 0] - xy[0, 0], xy[current, 1] - xy[0, 1])


def crew_cost(sites: Sequence[Site], parameters: Parameters) -> CrewCost:
    """One crew's visits and travel per year over its sites, at the parameters."""
    by_product: dict[str, list[tuple[float, float]]] = {}
    for site in sites:
        for code in site.products:
            by_product.setdefault(code, []).append((site.x, site.y))
    products: list[ProductCost] = []
    for code in sorted(by_product):
        points = by_product[code]
        per_year = parameters.visits_per_year.get(code, 0.0)
        tour_m = nearest_neighbour_tour_m(points)
        products.append(
            ProductCost(
                product_code=code,
                sites=len(points),
                visits_per_year=len(points) * per_year,
                tour_m=tour_m,
                travel_km_per_year=tour_m * parameters.detour_factor / M_PER_KM * per_year,
            )
        )
    visits = sum(p.visits_per_year for p in products)
    km = sum(p.travel_km_per_year for p in products)
    return CrewCost(
        sites=len(sites),
        products=products,
        kr_visits=_to_ore(_decimal(visits) * parameters.kr_per_visit),
        kr_travel=_to_ore(_decimal(km) * parameters.kr_per_km),
    )


def saving_share(today_kr: Decimal, combined_kr: Decimal) -> float:
    """(today − combined) / today, 0 when today costs nothing."""
    if today_kr == 0:
        return 0.0
    return float((today_kr - combined_kr) / today_kr)
