"""How the organisations' maintenance interleaves within a scope: count, largest share, mix index.

Weighted by maintained area ("yta": the m² of area objects, clipped to the scope; lines and
points do not count, since metres and pieces cannot be added to square metres without a price)
or by annual cost ("kostnad": each row's quantity × the price list's kr per unit and year, which
makes every unit count; a row without a price weighs nothing).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from app.analysis.costs import CostRow, price_for
from app.analysis.prices import Price
from app.analysis.rows import QuantityRow

Weight = Literal["yta", "kostnad"]


@dataclass(frozen=True)
class MixClass:
    """A class of the mix index as the page, the PDF and the API draw it: [low, high)."""

    low: float
    high: float
    colour: str
    words: str


# The one symbology of the mix index, sequential light to dark (ColorBrewer PuBu): the more
# mixed, the darker. The last class includes 1.
MIX_CLASSES = (
    MixClass(0.0, 0.1, "#f1eef6", "En huvudman (nästan)"),
    MixClass(0.1, 0.3, "#bdc9e1", "Lite blandat"),
    MixClass(0.3, 0.5, "#74a9cf", "Blandat"),
    MixClass(0.5, 0.7, "#2b8cbe", "Mycket blandat"),
    MixClass(0.7, 1.0, "#045a8d", "Starkt blandat"),
)


def mix_class(index: float) -> MixClass:
    """The class a mix index falls in."""
    return next((c for c in MIX_CLASSES if index < c.high), MIX_CLASSES[-1])


# A cell ranks among the top places only when at least this share of it is maintained area, so a
# corner with two small lawns does not outrank a mixed neighbourhood.
MIN_MAINTAINED_SHARE_OF_CELL = 0.02


@dataclass(frozen=True)
class Mix:
    """The interleaving in one scope."""

    scope: str
    weight_total: float  # m² of area objects in the scope, or kr per year
    shares: tuple[tuple[str, float], ...]  # (organisation slug, share), largest first

    @property
    def organisations(self) -> int:
        """How many organisations maintain something here."""
        return len(self.shares)

    @property
    def largest_share(self) -> float:
        """The share of the organisation with the most."""
        return self.shares[0][1] if self.shares else 0.0

    @property
    def mix_index(self) -> float:
        """1 − Σ share²: 0 when one organisation has it all, towards 1 when many share evenly."""
        return 1.0 - sum(share * share for _, share in self.shares)


def weight_of(
    row: QuantityRow, weight: Weight, prices: dict[tuple[str, str | None], Price] | None = None
) -> float:
    """What a row weighs: its m² (area rows only), or its kr per year at the prices (0 if none)."""
    if weight == "yta":
        return row.quantity if row.unit == "m²" else 0.0
    kr = CostRow(row, price_for(row, prices or {})).kr_per_year
    return float(kr) if kr is not None else 0.0


def mixes(
    rows: Iterable[QuantityRow], weight: Weight = "yta", prices: Iterable[Price] = ()
) -> list[Mix]:
    """The mix of every scope with some weight, in the rows' scope order."""
    by_key = {(p.product_code, p.quality_level): p for p in prices}
    by_scope: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for row in rows:
        if (amount := weight_of(row, weight, by_key)) > 0:
            by_scope[row.scope][row.organisation_slug] += amount
    result = []
    for scope, per_org in by_scope.items():
        total = sum(per_org.values())
        shares = sorted(
            ((slug, amount / total) for slug, amount in per_org.items()),
            key=lambda item: (-item[1], item[0]),
        )
        result.append(Mix(scope, total, tuple(shares)))
    return result


def top_places(
    found: list[Mix], count: int, min_area_m2: float, area_m2: dict[str, float] | None = None
) -> list[Mix]:
    """The count scopes of highest mix index among those with at least min_area_m2 maintained.

    The maintained area of each scope is area_m2's, else the mix's own weight (an area mix).
    """

    def area(mix: Mix) -> float:
        return mix.weight_total if area_m2 is None else area_m2.get(mix.scope, 0.0)

    eligible = [m for m in found if area(m) >= min_area_m2 and m.organisations > 1]
    return sorted(eligible, key=lambda m: (-m.mix_index, -m.weight_total, m.scope))[:count]
