"""Annual costs at the price list: kr per year for each quantity row, and their sums."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.analysis.prices import Price
from app.analysis.rows import QuantityRow

ORE = Decimal("0.01")


@dataclass(frozen=True)
class CostRow:
    """A quantity row with the price that applies to it; price None: the row has no price."""

    row: QuantityRow
    price: Price | None

    @property
    def kr_per_year(self) -> Decimal | None:
        """The row's quantity × the price, rounded to öre; None without a price."""
        if self.price is None:
            return None
        quantity = Decimal(repr(self.row.quantity))
        return (quantity * self.price.kr_per_unit_and_year).quantize(ORE, ROUND_HALF_UP)


@dataclass(frozen=True)
class AnnualCosts:
    """Every row's cost, the rows without a price, and the sums (priced rows only)."""

    rows: list[CostRow]
    by_organisation: dict[str, Decimal]
    by_product: dict[str, Decimal]
    by_scope: dict[str, Decimal]
    total: Decimal

    @property
    def without_price(self) -> list[QuantityRow]:
        """The rows no price applies to ("saknar pris"), never counted as 0 kr."""
        return [c.row for c in self.rows if c.price is None]

    @property
    def example_prices(self) -> list[Price]:
        """The prices used that are example data, once each, in the order first used."""
        used: dict[tuple[str, str | None], Price] = {}
        for c in self.rows:
            if c.price is not None and c.price.example_data:
                used.setdefault((c.price.product_code, c.price.quality_level), c.price)
        return list(used.values())


def price_for(row: QuantityRow, prices: dict[tuple[str, str | None], Price]) -> Price | None:
    """The row's level's price, else the product's all-levels price; None when neither fits.

    A price in another unit than the row's does not apply (a product that changed kind).
    """
    candidates = [prices.get((row.product_code, row.quality_level))] if row.quality_level else []
    candidates.append(prices.get((row.product_code, None)))
    for price in candidates:
        if price is not None and price.unit == row.unit:
            return price
    return None


def _add(sums: dict[str, Decimal], key: str, value: Decimal) -> None:
    sums[key] = sums.get(key, Decimal(0)) + value


def annual_costs(rows: list[QuantityRow], prices: Iterable[Price]) -> AnnualCosts:
    """kr per year per row at the price list, summed per organisation, product and scope."""
    by_key = {(p.product_code, p.quality_level): p for p in prices}
    costed = [CostRow(row=row, price=price_for(row, by_key)) for row in rows]
    by_organisation: dict[str, Decimal] = {}
    by_product: dict[str, Decimal] = {}
    by_scope: dict[str, Decimal] = {}
    total = Decimal(0)
    for c in costed:
        kr = c.kr_per_year
        if kr is None:
            continue
        _add(by_organisation, c.row.organisation_slug, kr)
        _add(by_product, c.row.product_code, kr)
        _add(by_scope, c.row.scope, kr)
        total += kr
    return AnnualCosts(
        rows=costed,
        by_organisation=by_organisation,
        by_product=by_product,
        by_scope=by_scope,
        total=total,
    )
