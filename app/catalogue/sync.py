"""Bring the database's catalogue in line with the reviewed catalogue file."""

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from app.catalogue.schemas import Product
from app.core.problems import Conflict, NotFound
from app.models import Kodmappning, Skotselobjekt, Skotselprodukt

_TABLE = cast(Table, Skotselprodukt.__table__)


class CatalogueInUse(Conflict):
    """A product that data still uses cannot be dropped or change geometry kind."""

    type = "produkten-anvands"
    title = "Produkten används fortfarande"


@dataclass
class SyncReport:
    """What a catalogue sync did, by product code."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def _row(product: Product) -> dict[str, Any]:
    return {
        **product.model_dump(exclude={"symbologi"}),
        **product.symbologi.model_dump(),
    }


def _usage(conn: Connection, codes: set[str]) -> dict[str, tuple[int, int]]:
    """Objects (all versions) and legacy-code mappings that use each code."""
    if not codes:
        return {}
    objects = dict(
        conn.execute(
            select(Skotselobjekt.skotselprodukt_kod, func.count())
            .where(Skotselobjekt.skotselprodukt_kod.in_(codes))
            .group_by(Skotselobjekt.skotselprodukt_kod)
        ).all()
    )
    mappings = dict(
        conn.execute(
            select(Kodmappning.skotselprodukt_kod, func.count())
            .where(Kodmappning.skotselprodukt_kod.in_(codes))
            .group_by(Kodmappning.skotselprodukt_kod)
        ).all()
    )
    return {
        code: (objects.get(code, 0), mappings.get(code, 0))
        for code in codes
        if objects.get(code, 0) or mappings.get(code, 0)
    }


def _upsert(conn: Connection, products: list[Product]) -> set[str]:
    """Insert or update products; return the codes actually written."""
    rows = [_row(p) for p in products]
    statement = insert(_TABLE).values(rows)
    columns = [c for c in rows[0] if c != "kod"]
    upsert = statement.on_conflict_do_update(
        index_elements=["kod"],
        set_={c: statement.excluded[c] for c in columns},
        where=tuple_(*(_TABLE.c[c] for c in columns)).is_distinct_from(
            tuple_(*(statement.excluded[c] for c in columns))
        ),
    ).returning(_TABLE.c.kod)
    return {row.kod for row in conn.execute(upsert)}


def save_product(conn: Connection, product: Product) -> None:
    """Create or change one product; refuse to change the kind of a product data uses."""
    current = conn.execute(
        select(Skotselprodukt.geometrityp).where(Skotselprodukt.kod == product.kod)
    ).scalar()
    if current is not None and current != product.geometrityp:
        used = _usage(conn, {product.kod})
        if used:
            objects, mappings = used[product.kod]
            raise CatalogueInUse(
                f"{product.kod} används av {objects} skötselobjekt och {mappings} kodmappningar"
                " och kan inte byta geometrityp."
            )
    existing_order = conn.execute(
        select(Skotselprodukt.sortering).where(Skotselprodukt.kod == product.kod)
    ).scalar()
    if existing_order is None:
        existing_order = (
            conn.execute(select(func.max(Skotselprodukt.sortering))).scalar() or 0
        ) + 1
    _upsert(conn, [product.model_copy(update={"sortering": existing_order})])


def remove_product(conn: Connection, code: str) -> None:
    """Drop a product no data uses."""
    used = _usage(conn, {code})
    if used:
        objects, mappings = used[code]
        raise CatalogueInUse(
            f"{code} används av {objects} skötselobjekt och {mappings} kodmappningar."
        )
    deleted = conn.execute(
        delete(_TABLE).where(_TABLE.c.kod == code).returning(_TABLE.c.kod)
    ).first()
    if deleted is None:
        raise NotFound(f"Skötselprodukten '{code}' finns inte.")


def sync_catalogue(conn: Connection, products: list[Product]) -> SyncReport:
    """Insert new, update changed and drop unused products; refuse to drop what data uses."""
    wanted = {p.kod: p for p in products}
    current = dict(conn.execute(select(Skotselprodukt.kod, Skotselprodukt.geometrityp)).all())

    to_remove = set(current) - set(wanted)
    kind_changed = {k for k in set(current) & set(wanted) if current[k] != wanted[k].geometrityp}
    blocked = _usage(conn, to_remove | kind_changed)
    if blocked:
        parts = [
            f"{code} ({'tas bort' if code in to_remove else 'byter geometrityp'}: "
            f"{objects} skötselobjekt, {mappings} kodmappningar)"
            for code, (objects, mappings) in sorted(blocked.items())
        ]
        raise CatalogueInUse(
            "Katalogen synkroniserades inte, eftersom data använder produkter som skulle tas bort "
            "eller byta geometrityp: " + "; ".join(parts),
            produkter=[
                {"kod": code, "skotselobjekt": o, "kodmappningar": m}
                for code, (o, m) in sorted(blocked.items())
            ],
        )

    report = SyncReport()
    touched = _upsert(conn, products)
    for code in wanted:
        if code not in touched:
            report.unchanged.append(code)
        elif code in current:
            report.updated.append(code)
        else:
            report.added.append(code)
    if to_remove:
        conn.execute(delete(_TABLE).where(_TABLE.c.kod.in_(to_remove)))
        report.removed = sorted(to_remove)
    return report
