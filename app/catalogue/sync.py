"""Bring the database's catalogue in line with the reviewed catalogue file."""

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from app.catalogue.schemas import Product
from app.errors import Conflict
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
    touched = {row.kod for row in conn.execute(upsert)}
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
