"""The price list (à-priser): kr per unit and year per product, from the file or an admin."""

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import Connection, Table, delete, select
from sqlalchemy.dialects.postgresql import insert

from app.core.paths import DATA_DIR
from app.core.problems import InvalidInput, NotFound
from app.models.analysis import APris
from app.models.catalogue import Skotselprodukt

PRICE_LIST_CSV = DATA_DIR / "a-priser.csv"
COLUMNS = ("produkt", "kvalitetsniva", "enhet", "kr_per_enhet_och_ar", "kalla", "exempeldata")
MAX_PRICE = Decimal("9999999999.99")  # numeric(12, 2)
_TABLE = cast(Table, APris.__table__)


class PriceListFileError(InvalidInput):
    """The price list file cannot be used as it is (the whole file is refused)."""


@dataclass(frozen=True)
class Price:
    """One price: for a quality level, or (quality_level None) for every level of the product."""

    product_code: str
    quality_level: str | None
    unit: str
    kr_per_unit_and_year: Decimal
    source: str
    example_data: bool


class PriceOut(BaseModel):
    """Ett à-pris: kronor per enhet och år för en skötselprodukt."""

    produkt: str
    kvalitetsniva: str | None = Field(description="Tom (null): gäller alla kvalitetsnivåer")
    enhet: str = Field(description="m², m eller st, efter produktens geometrityp")
    kr_per_enhet_och_ar: float
    kalla: str
    exempeldata: bool = Field(description="Sant för exempelvärden, inte avtalade priser")


class PriceIn(BaseModel):
    """Ett à-pris att spara; enheten är produktens."""

    kvalitetsniva: str | None = Field(
        default=None, max_length=100, description="Tom eller null: gäller alla kvalitetsnivåer"
    )
    kr_per_enhet_och_ar: Decimal = Field(ge=0, le=MAX_PRICE, decimal_places=2)
    kalla: str = Field(min_length=1, max_length=1000)
    exempeldata: bool = False

    @field_validator("kvalitetsniva", "kalla", mode="before")
    @classmethod
    def _stripped(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


def price_out(price: Price) -> PriceOut:
    """The API's form of a price."""
    return PriceOut(
        produkt=price.product_code,
        kvalitetsniva=price.quality_level,
        enhet=price.unit,
        kr_per_enhet_och_ar=float(price.kr_per_unit_and_year),
        kalla=price.source,
        exempeldata=price.example_data,
    )


def _parse_price(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _parse_flag(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


def _row_price(row: dict[str, str | None], units: Mapping[str, str], where: str) -> Price:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    code = values["produkt"]
    if code not in units:
        raise PriceListFileError(f"{where}: produkten '{code}' finns inte i katalogen")
    if values["enhet"] != units[code]:
        raise PriceListFileError(
            f"{where}: enheten för {code} är {units[code]}, inte '{values['enhet']}'"
        )
    price = _parse_price(values["kr_per_enhet_och_ar"])
    if price is None:
        raise PriceListFileError(
            f"{where}: kr_per_enhet_och_ar '{values['kr_per_enhet_och_ar']}' är inget tal"
        )
    if price < 0:
        raise PriceListFileError(f"{where}: priset för {code} är negativt ({price})")
    if price > MAX_PRICE or price != price.quantize(Decimal("0.01")):
        raise PriceListFileError(f"{where}: priset för {code} får ha högst två decimaler")
    if not values["kalla"]:
        raise PriceListFileError(f"{where}: källa saknas för {code}")
    flag = _parse_flag(values["exempeldata"])
    if flag is None:
        raise PriceListFileError(f"{where}: exempeldata ska vara true eller false")
    return Price(
        product_code=code,
        quality_level=values["kvalitetsniva"] or None,
        unit=units[code],
        kr_per_unit_and_year=price,
        source=values["kalla"],
        example_data=flag,
    )


def read_price_list(path: Path, units: Mapping[str, str]) -> list[Price]:
    """Every price of a price list CSV, checked against the catalogue's units; raise on a bad line.

    units: each catalogue product's unit by code.
    """
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise PriceListFileError(f"{path.name} saknar kolumnerna {', '.join(missing)}")
        prices: list[Price] = []
        seen: set[tuple[str, str | None]] = set()
        for row in reader:
            where = f"{path.name} rad {reader.line_num}"
            price = _row_price(row, units, where)
            key = (price.product_code, price.quality_level)
            if key in seen:
                level = price.quality_level or "alla kvalitetsnivåer"
                raise PriceListFileError(
                    f"{where}: {price.product_code} har redan ett pris för {level}"
                )
            seen.add(key)
            prices.append(price)
    if not prices:
        raise PriceListFileError(f"{path.name} innehåller inga priser")
    return prices


def catalogue_units(conn: Connection) -> dict[str, str]:
    """Each catalogue product's unit by code."""
    rows = conn.execute(select(Skotselprodukt.kod, Skotselprodukt.enhet)).all()
    return {code: unit for code, unit in rows}


def _values(price: Price) -> dict[str, Any]:
    return {
        "skotselprodukt_kod": price.product_code,
        "kvalitetsniva": price.quality_level,
        "enhet": price.unit,
        "kr_per_enhet_och_ar": price.kr_per_unit_and_year,
        "kalla": price.source,
        "exempeldata": price.example_data,
    }


def _from_row(row: Any) -> Price:
    return Price(
        product_code=row.skotselprodukt_kod,
        quality_level=row.kvalitetsniva,
        unit=row.enhet,
        kr_per_unit_and_year=Decimal(row.kr_per_enhet_och_ar),
        source=row.kalla,
        example_data=row.exempeldata,
    )


def load_prices(conn: Connection) -> list[Price]:
    """The stored price list in catalogue order, the all-levels price first."""
    rows = conn.execute(
        select(_TABLE)
        .join(Skotselprodukt, Skotselprodukt.kod == _TABLE.c.skotselprodukt_kod)
        .order_by(
            Skotselprodukt.sortering, _TABLE.c.kvalitetsniva.is_not(None), _TABLE.c.kvalitetsniva
        )
    )
    return [_from_row(row) for row in rows]


_LIST_SQL = """
SELECT a.skotselprodukt_kod, a.kvalitetsniva, a.enhet, a.kr_per_enhet_och_ar, a.kalla,
       a.exempeldata
FROM a_pris a JOIN skotselprodukt p ON p.kod = a.skotselprodukt_kod
ORDER BY p.sortering, a.kvalitetsniva IS NOT NULL, a.kvalitetsniva
"""


async def read_prices(conn: psycopg.AsyncConnection[Any]) -> list[Price]:
    """The stored price list on a pooled read connection, in catalogue order."""
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(_LIST_SQL)
        return [_listed(r) for r in await cursor.fetchall()]


def read_prices_sync(conn: psycopg.Connection[Any]) -> list[Price]:
    """The stored price list on a plain connection (the export worker's), in catalogue order."""
    with conn.cursor(row_factory=dict_row) as cursor:
        return [_listed(r) for r in cursor.execute(_LIST_SQL).fetchall()]


def _listed(r: dict[str, Any]) -> Price:
    return Price(
        product_code=r["skotselprodukt_kod"],
        quality_level=r["kvalitetsniva"],
        unit=r["enhet"],
        kr_per_unit_and_year=Decimal(r["kr_per_enhet_och_ar"]),
        source=r["kalla"],
        example_data=r["exempeldata"],
    )


def save_price(conn: Connection, code: str, given: PriceIn) -> Price:
    """Create or change one product's price for a quality level (None: all levels)."""
    unit = conn.execute(select(Skotselprodukt.enhet).where(Skotselprodukt.kod == code)).scalar()
    if unit is None:
        raise NotFound(f"Skötselprodukten '{code}' finns inte.")
    price = Price(
        product_code=code,
        quality_level=given.kvalitetsniva or None,
        unit=unit,
        kr_per_unit_and_year=given.kr_per_enhet_och_ar,
        source=given.kalla,
        example_data=given.exempeldata,
    )
    _upsert(conn, [price])
    return price


def _upsert(conn: Connection, prices: list[Price]) -> set[tuple[str, str | None]]:
    """Insert or update prices; return the (product, level) pairs actually written."""
    statement = insert(_TABLE).values([_values(p) for p in prices])
    columns = ("enhet", "kr_per_enhet_och_ar", "kalla", "exempeldata")
    upsert = statement.on_conflict_do_update(
        constraint="uq_a_pris_produkt_kvalitetsniva",
        set_={c: statement.excluded[c] for c in columns},
        where=_TABLE.c.enhet.is_distinct_from(statement.excluded.enhet)
        | _TABLE.c.kr_per_enhet_och_ar.is_distinct_from(statement.excluded.kr_per_enhet_och_ar)
        | _TABLE.c.kalla.is_distinct_from(statement.excluded.kalla)
        | _TABLE.c.exempeldata.is_distinct_from(statement.excluded.exempeldata),
    ).returning(_TABLE.c.skotselprodukt_kod, _TABLE.c.kvalitetsniva)
    return {(row.skotselprodukt_kod, row.kvalitetsniva) for row in conn.execute(upsert)}


@dataclass
class PriceSyncReport:
    """What a price list sync did, as (product, level) pairs."""

    added: list[tuple[str, str | None]] = field(default_factory=list)
    updated: list[tuple[str, str | None]] = field(default_factory=list)
    unchanged: list[tuple[str, str | None]] = field(default_factory=list)
    removed: list[tuple[str, str | None]] = field(default_factory=list)

    def line(self) -> str:
        """One line for the command line."""
        return (
            f"À-priserna: {len(self.added)} nya, {len(self.updated)} ändrade, "
            f"{len(self.unchanged)} oförändrade, {len(self.removed)} borttagna."
        )


def sync_prices(conn: Connection, prices: list[Price], *, replace: bool) -> PriceSyncReport:
    """Bring the stored price list in line with a file's prices.

    replace: the table becomes the file (an import); otherwise only the prices the table lacks
    are added, so a catalogue sync keeps what an admin has set.
    """
    current = {(p.product_code, p.quality_level): p for p in load_prices(conn)}
    wanted = {(p.product_code, p.quality_level): p for p in prices}
    report = PriceSyncReport()
    to_write = [p for k, p in wanted.items() if replace or k not in current]
    touched = _upsert(conn, to_write) if to_write else set()
    for key in wanted:
        if key in touched:
            (report.updated if key in current else report.added).append(key)
        else:
            report.unchanged.append(key)
    if replace:
        for code, level in set(current) - set(wanted):
            conn.execute(
                delete(_TABLE).where(
                    _TABLE.c.skotselprodukt_kod == code,
                    _TABLE.c.kvalitetsniva.is_not_distinct_from(level),
                )
            )
            report.removed.append((code, level))
    return report


def sync_price_file(
    conn: Connection, path: Path = PRICE_LIST_CSV, *, replace: bool
) -> PriceSyncReport:
    """Read a price list file against the stored catalogue and sync it (all or nothing)."""
    return sync_prices(conn, read_price_list(path, catalogue_units(conn)), replace=replace)
