"""What the package's skötselbeskrivning describes: per product present, the levels its objects
carry, with each level's tasks (shared by the PDF and the XLSX sheet).

A product's levels are those its objects in the area carry. When none of its objects carries a
level, every described level of the product is shown, so the contractor still reads what the
levels mean; a level the objects carry that has no description is named, never left out.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from app.catalogue.levels import LevelTask, by_product_and_level
from app.catalogue.schemas import Product
from app.export.contents import PackageContents

EXAMPLE_NOTICE = (
    "Exempeldata: kvalitetsnivåerna märkta exempeldata är exempel framtagna för demonstrationen,"
    " inte beställarens fastställda skötselnivåer. De ersätts med beställarens egna innan"
    " beskrivningen används i en upphandling."
)
SEASON_NOTE = "Säsong avser växtsäsongen, april–oktober, om inget annat anges."


@dataclass(frozen=True)
class DescribedLevel:
    """A level shown for a product: its tasks (none when undescribed) and its object count."""

    level: str
    tasks: Sequence[LevelTask]
    objects: int  # the product's objects in the area at this level (0 when all levels are shown)


@dataclass(frozen=True)
class DescribedProduct:
    """A product present in the package with the levels its description shows."""

    product: Product
    levels: Sequence[DescribedLevel]
    objects: int
    objects_without_level: int
    all_levels_shown: bool  # no object carries a level: every described level is shown
    undescribed: Sequence[str] = field(default=())  # levels the objects carry, not described

    @property
    def example_data(self) -> bool:
        """True when any task shown is example data."""
        return any(task.example_data for level in self.levels for task in level.tasks)


def _level_counts(objects: pd.DataFrame, code: str) -> tuple[dict[str, int], int, int]:
    """The product's object count per level, its objects without a level, and all its objects."""
    levels = objects.loc[objects["produkt"] == code, "kvalitetsniva"]
    given = levels.dropna()
    given = given[given.astype(str).str.strip() != ""]
    counts = {str(level): int(n) for level, n in given.value_counts(sort=False).items()}
    return counts, len(levels) - len(given), len(levels)


def described_products(contents: PackageContents) -> list[DescribedProduct]:
    """Every product present in the package, in catalogue order, with the levels to show."""
    tasks = by_product_and_level(contents.levels)
    described: list[DescribedProduct] = []
    for product in contents.products_present():
        known = tasks.get(product.kod, {})
        counts, without, total = _level_counts(contents.objects, product.kod)
        if counts:
            levels = [
                DescribedLevel(level, known.get(level, ()), counts[level])
                for level in sorted(counts)
            ]
        else:
            levels = [DescribedLevel(level, known[level], 0) for level in sorted(known)]
        described.append(
            DescribedProduct(
                product=product,
                levels=levels,
                objects=total,
                objects_without_level=without,
                all_levels_shown=not counts,
                undescribed=[level.level for level in levels if not level.tasks],
            )
        )
    return described


def any_example_data(products: Sequence[DescribedProduct]) -> bool:
    """True when any task the description shows is example data."""
    return any(product.example_data for product in products)
