"""What the coordination analysis computes quantities into, shared by quantities and costs."""

from dataclasses import dataclass
from typing import Any, Literal

Unit = Literal["m²", "m", "st"]
UNIT_OF_KIND: dict[str, Unit] = {"yta": "m²", "linje": "m", "punkt": "st"}


@dataclass(frozen=True)
class QuantityRow:
    """One organisation's quantity of one product (and quality level) within one scope."""

    scope: str  # "kommun", a driftområde's id, a trakt's name, a grid cell's id, or "polygon"
    organisation_slug: str  # the huvudman
    product_code: str
    quality_level: str | None
    unit: Unit  # m² for area objects, m for line objects, st for point objects
    objects: int  # objects counted (a clipped object counts once in each scope it reaches)
    quantity: float  # m² or m inside the scope (clipped), or the number of point objects


def row_from_json(scope: str, item: dict[str, Any]) -> QuantityRow:
    """A row from the JSON the zone and facility statements build per group of objects."""
    return QuantityRow(
        scope=scope,
        organisation_slug=item["organisation"],
        product_code=item["produkt"],
        quality_level=item["kvalitet"],
        unit=UNIT_OF_KIND[item["typ"]],
        objects=int(item["objekt"]),
        quantity=float(item["mangd"]),
    )
