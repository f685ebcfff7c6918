"""Site visits per year per skötselprodukt (data/besok-per-ar.csv), for the what-if model.

The file has the columns produkt, besok_per_ar (0–365, decimals allowed), kalla (where the
figure comes from) and exempeldata (true or false). It is read and checked once; a bad file is
refused whole with the line at fault. A product the file lacks gets 0 visits and a note in the
answer (whatif_router), never an error.
"""

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import MappingProxyType

from app.core.paths import DATA_DIR

VISITS_CSV = DATA_DIR / "besok-per-ar.csv"
COLUMNS = ("produkt", "besok_per_ar", "kalla", "exempeldata")
MAX_VISITS_PER_YEAR = 365


class VisitsFileError(ValueError):
    """The visit frequencies file cannot be used as it is."""


@dataclass(frozen=True)
class VisitFrequency:
    """How many times a year a crew visits a site to maintain one product there."""

    product_code: str
    visits_per_year: float
    source: str
    example_data: bool


def _visits(text: str, where: str) -> float:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise VisitsFileError(f"{where}: besok_per_ar '{text}' är inget tal") from None
    if not value.is_finite() or not 0 <= value <= MAX_VISITS_PER_YEAR:
        raise VisitsFileError(
            f"{where}: besok_per_ar ska vara 0–{MAX_VISITS_PER_YEAR}, inte {text}"
        )
    return float(value)


def _row(row: dict[str, str | None], where: str) -> VisitFrequency:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    if not values["produkt"]:
        raise VisitsFileError(f"{where}: produkt saknas")
    if not values["kalla"]:
        raise VisitsFileError(f"{where}: källa saknas för {values['produkt']}")
    flag = {"true": True, "false": False}.get(values["exempeldata"].lower())
    if flag is None:
        raise VisitsFileError(f"{where}: exempeldata ska vara true eller false")
    return VisitFrequency(
        product_code=values["produkt"],
        visits_per_year=_visits(values["besok_per_ar"], where),
        source=values["kalla"],
        example_data=flag,
    )


def read_visit_frequencies(path: Path) -> dict[str, VisitFrequency]:
    """Every product's visits per year in file order; raise VisitsFileError on a bad line."""
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as error:
        raise VisitsFileError(f"{path.name} kan inte läsas: {error.strerror}") from None
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise VisitsFileError(f"{path.name} saknar kolumnerna {', '.join(missing)}")
        found: dict[str, VisitFrequency] = {}
        for row in reader:
            where = f"{path.name} rad {reader.line_num}"
            frequency = _row(row, where)
            if frequency.product_code in found:
                raise VisitsFileError(f"{where}: {frequency.product_code} finns redan i filen")
            found[frequency.product_code] = frequency
    if not found:
        raise VisitsFileError(f"{path.name} innehåller inga besöksfrekvenser")
    return found


@cache
def visit_frequencies() -> Mapping[str, VisitFrequency]:
    """The shipped file's visit frequencies, read once (read-only: every request shares it)."""
    return MappingProxyType(read_visit_frequencies(VISITS_CSV))


@dataclass(frozen=True)
class VisitsInUse:
    """The visits per year the model uses for one product, and where the figure comes from."""

    product_code: str
    name: str
    visits_per_year: float
    source: str
    example_data: bool
    given: bool  # set in the request
    missing: bool  # neither in the file nor in the request: 0 visits


def visits_in_use(
    products: Mapping[str, str],
    file: Mapping[str, VisitFrequency],
    overrides: Mapping[str, float],
) -> list[VisitsInUse]:
    """Each catalogue product's visits per year: the request's, else the file's, else 0.

    products: each catalogue product's name by code, in the order to list them.
    """
    used = []
    for code, name in products.items():
        frequency = file.get(code)
        if code in overrides:
            used.append(
                VisitsInUse(code, name, overrides[code], "angivet i frågan", False, True, False)
            )
        elif frequency is not None:
            used.append(
                VisitsInUse(
                    code,
                    name,
                    frequency.visits_per_year,
                    frequency.source,
                    frequency.example_data,
                    False,
                    False,
                )
            )
        else:
            source = f"saknas i {VISITS_CSV.name}: räknas som 0 besök"
            used.append(VisitsInUse(code, name, 0.0, source, False, False, True))
    return used
