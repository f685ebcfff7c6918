"""The reviewed categories file (data/felkategorier.csv), synced like the catalogue.

Read by `ansvarskartan catalogue sync` and the test fixtures, never over HTTP: its problem
type is the catalogue file's (`ogiltig-katalog`), which only the command line raises.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, text

from app.catalogue.catalogue_file import CatalogueFileError
from app.core.paths import DATA_DIR

CATEGORIES_CSV = DATA_DIR / "felkategorier.csv"
COLUMNS = ("kod", "namn", "beskrivning", "produkter", "ordning")
_CODE = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_PRODUCT = re.compile(r"[A-ZÅÄÖ0-9][A-ZÅÄÖ0-9.]{0,19}")


@dataclass(frozen=True)
class Category:
    """One category of fault report and the products it concerns (the first is preferred)."""

    kod: str
    namn: str
    beskrivning: str
    produkter: tuple[str, ...]
    ordning: int
    line: int = 0


@dataclass
class CategorySync:
    """What a categories sync did, by code."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The command line's summary."""
        return (
            f"Felkategorierna: {len(self.added)} nya, {len(self.updated)} ändrade, "
            f"{len(self.unchanged)} oförändrade, {len(self.deactivated)} inaktiverade, "
            f"{len(self.removed)} borttagna."
        )


def _category(path: Path, line: int, row: dict[str, str | None]) -> Category:
    where = f"{path.name} rad {line}"
    kod = (row["kod"] or "").strip()
    namn = (row["namn"] or "").strip()
    beskrivning = (row["beskrivning"] or "").strip()
    if not _CODE.fullmatch(kod):
        raise CatalogueFileError(
            f"{where}: koden '{kod}' ska vara små bokstäver, siffror och bindestreck."
        )
    if not 1 <= len(namn) <= 200:
        raise CatalogueFileError(f"{where}: namnet ska vara 1–200 tecken.")
    if len(beskrivning) > 4000:
        raise CatalogueFileError(f"{where}: beskrivningen är längre än 4 000 tecken.")
    products = tuple((row["produkter"] or "").split())
    bad = [p for p in products if not _PRODUCT.fullmatch(p)]
    if bad:
        raise CatalogueFileError(f"{where}: '{' '.join(bad)}' är inga produktkoder.")
    try:
        order = int((row["ordning"] or "0").strip())
    except ValueError:
        raise CatalogueFileError(f"{where}: ordning ska vara ett heltal.") from None
    return Category(kod, namn, beskrivning, products, order, line)


def read_categories(path: Path = CATEGORIES_CSV) -> list[Category]:
    """Every category of the file, validated, in file order; raise on the first bad line."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CatalogueFileError(f"{path.name} saknar kolumnerna {', '.join(missing)}")
        categories: list[Category] = []
        seen: set[str] = set()
        for row in reader:
            category = _category(path, reader.line_num, row)
            if category.kod in seen:
                raise CatalogueFileError(
                    f"{path.name} rad {reader.line_num}: koden {category.kod} finns redan."
                )
            seen.add(category.kod)
            categories.append(category)
    if not categories:
        raise CatalogueFileError(f"{path.name} har inga kategorier.")
    return categories


_UPSERT = text("""
INSERT INTO felkategori (kod, namn, beskrivning, produkter, ordning, aktiv)
VALUES (:kod, :namn, :beskrivning, :produkter, :ordning, true)
ON CONFLICT (kod) DO UPDATE SET namn = excluded.namn, beskrivning = excluded.beskrivning,
  produkter = excluded.produkter, ordning = excluded.ordning, aktiv = true
WHERE (felkategori.namn, felkategori.beskrivning, felkategori.produkter, felkategori.ordning,
       felkategori.aktiv)
  IS DISTINCT FROM (excluded.namn, excluded.beskrivning, excluded.produkter, excluded.ordning,
                    true)
RETURNING (xmax = 0) AS inserted
""")

# Categories no longer in the file: deleted when no report uses them, else deactivated.
_RETIRE = text("""
WITH gone AS (
  SELECT k.kod, EXISTS (SELECT 1 FROM felanmalan f WHERE f.kategori = k.kod) AS used, k.aktiv
  FROM felkategori k WHERE NOT (k.kod = ANY(:kept))
), deactivated AS (
  UPDATE felkategori k SET aktiv = false FROM gone
  WHERE k.kod = gone.kod AND gone.used AND gone.aktiv RETURNING k.kod
), deleted AS (
  DELETE FROM felkategori k USING gone WHERE k.kod = gone.kod AND NOT gone.used RETURNING k.kod
)
SELECT 'inaktiverad' AS what, kod FROM deactivated UNION ALL SELECT 'borttagen', kod FROM deleted
""")


def sync_categories(conn: Connection, categories: list[Category]) -> CategorySync:
    """Bring felkategori in line with the file; every product named must be in the catalogue."""
    named = sorted({p for c in categories for p in c.produkter})
    known = set(
        conn.execute(
            text("SELECT kod FROM skotselprodukt WHERE kod = ANY(:codes)"), {"codes": named}
        ).scalars()
    )
    for category in categories:
        unknown = [p for p in category.produkter if p not in known]
        if unknown:
            raise CatalogueFileError(
                f"Kategorin {category.kod} (rad {category.line}) gäller "
                f"{'produkten' if len(unknown) == 1 else 'produkterna'} {', '.join(unknown)}, "
                "som inte finns i katalogen. Lägg till dem i katalogen först eller rätta "
                "kategorifilen."
            )
    report = CategorySync()
    for category in categories:
        written = conn.execute(
            _UPSERT,
            {
                "kod": category.kod,
                "namn": category.namn,
                "beskrivning": category.beskrivning,
                "produkter": list(category.produkter),
                "ordning": category.ordning,
            },
        ).first()
        if written is None:
            report.unchanged.append(category.kod)
        elif written.inserted:
            report.added.append(category.kod)
        else:
            report.updated.append(category.kod)
    for what, kod in conn.execute(_RETIRE, {"kept": [c.kod for c in categories]}):
        (report.deactivated if what == "inaktiverad" else report.removed).append(kod)
    return report
