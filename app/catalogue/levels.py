"""Quality levels: what is done at each level of a product and how often (kvalitetsnivåer).

Reviewed data (data/kvalitetsnivaer.csv), one row per task (moment) of a product at a level.
An import makes the table the file; the catalogue sync only adds the levels the table lacks,
so a municipality's own imported descriptions survive it.
"""

import csv
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import psycopg
from sqlalchemy import Connection, Table, delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from app.core.paths import QUALITY_LEVELS_CSV
from app.core.problems import InvalidInput
from app.models.catalogue import Skotselprodukt
from app.models.quality_levels import KvalitetsnivaMoment

COLUMNS = ("produkt", "kvalitetsniva", "moment", "utforande", "frekvens", "exempeldata")
# The longest text of each column, as the table's checks allow.
MAX_LENGTHS = {"kvalitetsniva": 100, "moment": 200, "utforande": 2000, "frekvens": 500}
_TABLE = cast(Table, KvalitetsnivaMoment.__table__)
_UNIQUE = "uq_kvalitetsniva_moment_produkt_niva_moment"

Key = tuple[str, str, str]  # product, level, task
# How a file's tasks meet the stored ones (see sync_levels).
SyncMode = Literal["fill", "products", "all"]


class LevelFileError(InvalidInput):
    """The quality level file cannot be used as it is (the whole file is refused)."""


@dataclass(frozen=True)
class LevelTask:
    """One task (moment) of a product at a quality level."""

    product_code: str
    level: str
    task: str
    how: str
    frequency: str
    example_data: bool

    @property
    def key(self) -> Key:
        """What identifies the task: product, level and task name."""
        return (self.product_code, self.level, self.task)


def _parse_flag(text: str) -> bool | None:
    return {"true": True, "false": False}.get(text.strip().lower())


def _row_task(row: dict[str, str | None], product_codes: set[str], where: str) -> LevelTask:
    values = {c: (row.get(c) or "").strip() for c in COLUMNS}
    code = values["produkt"]
    if not code:
        raise LevelFileError(f"{where}: produkt saknas")
    if code not in product_codes:
        raise LevelFileError(f"{where}: produkten '{code}' finns inte i katalogen")
    for column, longest in MAX_LENGTHS.items():
        if not values[column]:
            raise LevelFileError(f"{where}: {column} saknas för {code}")
        if len(values[column]) > longest:
            raise LevelFileError(f"{where}: {column} är längre än {longest} tecken")
    flag = _parse_flag(values["exempeldata"])
    if flag is None:
        raise LevelFileError(
            f"{where}: exempeldata ska vara true eller false, inte '{values['exempeldata']}'"
        )
    return LevelTask(
        product_code=code,
        level=values["kvalitetsniva"],
        task=values["moment"],
        how=values["utforande"],
        frequency=values["frekvens"],
        example_data=flag,
    )


def read_level_file(path: Path, product_codes: set[str]) -> list[LevelTask]:
    """Every task of a quality level CSV in file order, checked against the catalogue's codes;
    raise on the first bad line, naming it."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise LevelFileError(f"{path.name} saknar kolumnerna {', '.join(missing)}")
            tasks: list[LevelTask] = []
            seen: set[Key] = set()
            for row in reader:
                where = f"{path.name} rad {reader.line_num}"
                task = _row_task(row, product_codes, where)
                if task.key in seen:
                    raise LevelFileError(
                        f"{where}: {task.product_code} har redan momentet '{task.task}'"
                        f" på kvalitetsnivå {task.level}"
                    )
                seen.add(task.key)
                tasks.append(task)
    except UnicodeDecodeError as exc:
        raise LevelFileError(f"{path.name} är inte UTF-8-kodad text") from exc
    except csv.Error as exc:
        raise LevelFileError(f"{path.name} är ingen läsbar CSV-fil: {exc}") from exc
    if not tasks:
        raise LevelFileError(f"{path.name} innehåller inga moment")
    return tasks


def catalogue_codes(conn: Connection) -> set[str]:
    """The codes of the stored catalogue."""
    return set(conn.execute(select(Skotselprodukt.kod)).scalars())


def _rows(tasks: Iterable[LevelTask]) -> list[dict[str, Any]]:
    """The table's rows, each task numbered from 1 within its product and level."""
    counts: dict[tuple[str, str], int] = {}
    rows = []
    for task in tasks:
        group = (task.product_code, task.level)
        counts[group] = counts.get(group, 0) + 1
        rows.append(
            {
                "skotselprodukt_kod": task.product_code,
                "kvalitetsniva": task.level,
                "moment": task.task,
                "utforande": task.how,
                "frekvens": task.frequency,
                "exempeldata": task.example_data,
                "sortering": counts[group],
            }
        )
    return rows


def _upsert(conn: Connection, tasks: list[LevelTask]) -> set[Key]:
    """Insert or update tasks; return the keys actually written."""
    statement = insert(_TABLE).values(_rows(tasks))
    columns = ("utforande", "frekvens", "exempeldata", "sortering")
    upsert = statement.on_conflict_do_update(
        constraint=_UNIQUE,
        set_={c: statement.excluded[c] for c in columns},
        where=tuple_(*(_TABLE.c[c] for c in columns)).is_distinct_from(
            tuple_(*(statement.excluded[c] for c in columns))
        ),
    ).returning(_TABLE.c.skotselprodukt_kod, _TABLE.c.kvalitetsniva, _TABLE.c.moment)
    return {(r.skotselprodukt_kod, r.kvalitetsniva, r.moment) for r in conn.execute(upsert)}


@dataclass
class LevelSyncReport:
    """What a quality level sync did, as (product, level, task) keys."""

    added: list[Key] = field(default_factory=list)
    updated: list[Key] = field(default_factory=list)
    unchanged: list[Key] = field(default_factory=list)
    removed: list[Key] = field(default_factory=list)

    def line(self) -> str:
        """One line for the command line."""
        return (
            f"Kvalitetsnivåerna: {len(self.added)} nya, {len(self.updated)} ändrade, "
            f"{len(self.unchanged)} oförändrade, {len(self.removed)} borttagna moment."
        )


def sync_levels(conn: Connection, tasks: list[LevelTask], *, mode: SyncMode) -> LevelSyncReport:
    """Bring the stored quality levels in line with a file's tasks, as mode says.

    fill: only the (product, level) pairs the table has no task of are added, so a catalogue
    sync keeps an imported description; products: each product the file lists gets exactly the
    file's tasks, the others keep theirs (an import); all: the table becomes the file.
    """
    stored = select(_TABLE.c.skotselprodukt_kod, _TABLE.c.kvalitetsniva, _TABLE.c.moment)
    current: set[Key] = {(code, level, task) for code, level, task in conn.execute(stored)}
    described = {(code, level) for code, level, _ in current}
    if mode == "fill":
        tasks = [t for t in tasks if (t.product_code, t.level) not in described]
    report = LevelSyncReport()
    touched = _upsert(conn, tasks) if tasks else set()
    for task in tasks:
        if task.key in touched:
            (report.updated if task.key in current else report.added).append(task.key)
        else:
            report.unchanged.append(task.key)
    if mode != "fill":
        listed = {t.product_code for t in tasks}
        replaced = current if mode == "all" else {k for k in current if k[0] in listed}
        gone = sorted(replaced - {t.key for t in tasks})
        if gone:
            conn.execute(
                delete(_TABLE).where(
                    tuple_(
                        _TABLE.c.skotselprodukt_kod, _TABLE.c.kvalitetsniva, _TABLE.c.moment
                    ).in_(gone)
                )
            )
        report.removed = gone
    return report


def sync_level_file(
    conn: Connection, path: Path = QUALITY_LEVELS_CSV, *, mode: SyncMode
) -> LevelSyncReport:
    """Read a quality level file against the stored catalogue and sync it: the file is read and
    checked whole before anything is written, so a bad file changes nothing."""
    return sync_levels(conn, read_level_file(path, catalogue_codes(conn)), mode=mode)


# The stored tasks of some products (all when codes is NULL) in catalogue order, then by level
# and the file's order within it.
_LEVELS_SQL = """
SELECT m.skotselprodukt_kod, m.kvalitetsniva, m.moment, m.utforande, m.frekvens, m.exempeldata
FROM kvalitetsniva_moment m
JOIN skotselprodukt p ON p.kod = m.skotselprodukt_kod
WHERE %(codes)s::text[] IS NULL OR m.skotselprodukt_kod = ANY(%(codes)s::text[])
ORDER BY p.sortering, p.kod, m.kvalitetsniva, m.sortering
"""


def _codes_param(codes: Collection[str] | None) -> dict[str, list[str] | None]:
    return {"codes": None if codes is None else sorted(codes)}


def load_levels(
    conn: psycopg.Connection[Any], codes: Collection[str] | None = None
) -> list[LevelTask]:
    """The tasks of the given products (all when None), in catalogue order, by level."""
    rows = conn.execute(_LEVELS_SQL, _codes_param(codes)).fetchall()
    return [LevelTask(*row) for row in rows]


async def read_levels(
    conn: psycopg.AsyncConnection[Any], codes: Collection[str] | None = None
) -> list[LevelTask]:
    """The tasks of the given products (all when None) on a pooled read connection."""
    cursor = await conn.execute(_LEVELS_SQL, _codes_param(codes))
    return [LevelTask(*row) for row in await cursor.fetchall()]


def by_product_and_level(tasks: Iterable[LevelTask]) -> dict[str, dict[str, list[LevelTask]]]:
    """Tasks grouped by product, then level, each in the order given."""
    grouped: dict[str, dict[str, list[LevelTask]]] = {}
    for task in tasks:
        grouped.setdefault(task.product_code, {}).setdefault(task.level, []).append(task)
    return grouped
