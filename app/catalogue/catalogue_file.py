"""Reading the reviewed catalogue file (data/skotselprodukter.csv)."""

import csv
from pathlib import Path

from pydantic import ValidationError

from app.catalogue.schemas import Product, Symbology
from app.core.problems import InvalidInput

SYMBOLOGY_FIELDS = tuple(Symbology.model_fields)
REQUIRED_COLUMNS = ("kod", "namn", "kategori", "geometrityp", "enhet", "beskrivning", "prioritet")


class CatalogueFileError(InvalidInput):
    """The catalogue file cannot be used as it is."""

    type = "ogiltig-katalog"
    title = "Katalogfilen är ogiltig"


def _blank_to_none(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def read_catalogue(path: Path) -> list[Product]:
    """All products of a catalogue CSV, validated, in file order; raise on the first bad line."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [
            c for c in (*REQUIRED_COLUMNS, *SYMBOLOGY_FIELDS) if c not in (reader.fieldnames or [])
        ]
        if missing:
            raise CatalogueFileError(f"{path.name} saknar kolumnerna {', '.join(missing)}")
        products: list[Product] = []
        seen: set[str] = set()
        for order, row in enumerate(reader, start=1):
            line = reader.line_num
            try:
                product = Product(
                    kod=(row["kod"] or "").strip(),
                    namn=(row["namn"] or "").strip(),
                    kategori=(row["kategori"] or "").strip(),
                    geometrityp=(row["geometrityp"] or "").strip(),
                    enhet=(row["enhet"] or "").strip(),
                    beskrivning=(row["beskrivning"] or "").strip(),
                    prioritet=(row["prioritet"] or "").strip(),
                    sortering=order,
                    symbologi=Symbology.model_validate(
                        {f: _blank_to_none(row.get(f)) for f in SYMBOLOGY_FIELDS}
                    ),
                )
            except ValidationError as exc:
                reasons = "; ".join(
                    f"{'.'.join(str(p) for p in e['loc']) or 'rad'}: {e['msg']}"
                    for e in exc.errors()
                )
                raise CatalogueFileError(f"{path.name} rad {line}: {reasons}") from exc
            if product.kod in seen:
                raise CatalogueFileError(f"{path.name} rad {line}: koden {product.kod} finns redan")
            seen.add(product.kod)
            products.append(product)
    if not products:
        raise CatalogueFileError(f"{path.name} innehåller inga produkter")
    return products
