"""Bulk loading into temporary tables and versioned merges into the real ones.

Table and column names here always come from the importers' own constants, never from input.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Connection, text

from app.models import SRID


def ewkb_hex(geoms: NDArray[np.object_]) -> NDArray[np.object_]:
    """Hex EWKB with SRID 3006, the text form PostGIS reads in COPY."""
    hexes: NDArray[np.object_] = shapely.to_wkb(
        shapely.set_srid(geoms, SRID), hex=True, include_srid=True
    ).astype(object)
    return hexes


def copy_into_temp(
    conn: Connection, name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]
) -> int:
    """Create temp table name(columns) dropped at commit, COPY rows into it, return the count."""
    definition = ", ".join(f"{column} {sql_type}" for column, sql_type in columns)
    # Several imports may run in one transaction (the demo load), each with fresh staging.
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{name}")
    conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    return copy_rows(conn, name, [column for column, _ in columns], rows)


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """COPY rows (Python values) into table(columns); return the count."""
    raw = conn.connection.driver_connection
    assert raw is not None, "COPY needs a live psycopg connection"
    count = 0
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


@dataclass(frozen=True)
class VersionedTable:
    """How the rows of a history-keeping table are matched and compared during an import."""

    table: str
    key: tuple[str, ...]
    compared: tuple[str, ...]
    copied: tuple[str, ...] = ()
    # Columns kept from the closed version of a changed row, with their value for new rows.
    carried: dict[str, str] = field(default_factory=dict)


@dataclass
class MergeCounts:
    """Rows inserted as new, updated (new version), unchanged and retired by a merge."""

    inserted: int
    updated: int
    unchanged: int
    retired: int


def copy_text(
    conn: Connection, table: str, columns: Sequence[str], chunks: Iterable[bytes]
) -> None:
    """COPY chunks of UTF-8 text lines (tab separated, '' for NULL) into table(columns)."""
    raw = conn.connection.driver_connection
    assert raw is not None, "COPY needs a live psycopg connection"
    encoding = raw.info.encoding
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT text, NULL '')"
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in chunks:
            copy.write(chunk if encoding == "utf-8" else chunk.decode().encode(encoding))


@dataclass(frozen=True)
class Differences:
    """The staged rows to write and the current rows they replace or retire.

    `table` lists them (a temp table: the staged key, `target_id` of the current row, `staged`);
    it is None when the target table is empty, so that every staged row is new.
    """

    table: str | None
    staged: int
    written: int
    replaced: int

    def written_rows(self, spec: VersionedTable, stage_alias: str) -> str:
        """A JOIN clause limiting the stage (under stage_alias) to the rows that will be written."""
        if self.table is None:
            return ""
        match = " AND ".join(f"d.{k} = {stage_alias}.{k}" for k in spec.key)
        return f"JOIN {self.table} d ON d.staged AND {match}"


def _scope(scope: dict[str, Any] | None, alias: str) -> tuple[str, dict[str, Any]]:
    scope = scope or {}
    sql = "".join(f" AND {alias}.{column} = :scope_{column}" for column in scope)
    return sql, {f"scope_{column}": value for column, value in scope.items()}


def find_differences(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    staged: int,
    *,
    scope: dict[str, Any] | None = None,
) -> Differences:
    """Compare the stage (unique keys) with the current rows in one pass; only differences stay."""
    name = f"{stage}_diff"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{name}")
    if not conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {spec.table})")).scalar_one():
        return Differences(None, staged, staged, 0)
    # The join hashes whole rows: a million parcels take some 300 MB, and with the default
    # work_mem the hash spills to disk in batches (2.0 s instead of 1.6 s). For this transaction.
    conn.execute(text("SELECT set_config('work_mem', '256MB', true)"))
    scope_sql, params = _scope(scope, "c")
    key_match = " AND ".join(f"t.{k} = s.{k}" for k in spec.key)
    differs = (
        f"({', '.join('t.' + c for c in spec.compared)}) IS DISTINCT FROM "
        f"({', '.join('s.' + c for c in spec.compared)})"
        if spec.compared
        else "false"
    )
    first_key = spec.key[0]
    # One hash full join: new rows (no current row), changed rows, and current rows missing
    # from the stage. An unchanged re-import leaves the table empty.
    conn.execute(
        text(
            f"CREATE TEMP TABLE {name} ON COMMIT DROP AS "
            f"SELECT {', '.join('s.' + k for k in spec.key)}, t.id AS target_id, "
            f"s.{first_key} IS NOT NULL AS staged "
            f"FROM {stage} s FULL JOIN "
            f"(SELECT c.id, {', '.join('c.' + c for c in (*spec.key, *spec.compared))} "
            f"FROM {spec.table} c WHERE c.valid_to IS NULL{scope_sql}) t ON {key_match} "
            f"WHERE s.{first_key} IS NULL OR t.id IS NULL OR {differs}"
        ),
        params,
    )
    conn.exec_driver_sql(f"ANALYZE {name}")
    written, replaced = conn.execute(
        text(
            f"SELECT count(*) FILTER (WHERE staged), "
            f"count(*) FILTER (WHERE staged AND target_id IS NOT NULL) FROM {name}"
        )
    ).one()
    return Differences(name, staged, written, replaced)


def lock_if_empty(conn: Connection, table: str) -> bool:
    """True, with table locked for the transaction, when it holds no rows at all."""
    if conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar_one():
        return False
    conn.exec_driver_sql(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
    return not conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table})")).scalar_one()


@contextmanager
def loading_in_bulk(conn: Connection, table: str, *, foreign_keys: bool = False) -> Iterator[None]:
    """Drop table's own indexes (with foreign_keys, its foreign keys too) for the block; build
    and check them after it.

    For a bulk load into an empty, locked table. Maintaining a GiST and four B-tree indexes row
    by row costs several times the load, building them afterwards a fraction. A foreign key
    checks each row with a query of its own (3.7 s of a million parcels' 10.7 s); added back it
    checks them all in one join, but dropping it locks the table it refers to until commit.
    Indexes that a constraint owns or uses stay. If the block fails, the caller's rollback
    restores everything.
    """
    params = {"table": table}
    indexes = conn.execute(
        text(
            "SELECT CAST(i.indexrelid AS regclass)::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = CAST(:table AS regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
        ),
        params,
    ).all()
    references = (
        conn.execute(
            text(
                "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = CAST(:table AS regclass) AND contype = 'f'"
            ),
            params,
        ).all()
        if foreign_keys
        else []
    )
    for name, _ in references:
        conn.exec_driver_sql(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    for name, _ in indexes:
        conn.exec_driver_sql(f"DROP INDEX {name}")
    yield
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    for name, definition in references:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


@contextmanager
def column_defaults(conn: Connection, table: str, values: dict[str, str]) -> Iterator[None]:
    """Give columns of table these constant defaults for the block, then their own again.

    For a bulk load into a locked table: COPY leaves the columns out and each row gets the
    constant, instead of parsing the same text a million times (0.6 s of a million parcels).
    """

    def alter(column: str, change: str) -> None:
        # Identifiers and literals are quoted by the server; an expression to restore comes
        # from the catalogue.
        prefix = conn.execute(
            text(
                "SELECT format('ALTER TABLE %s ALTER COLUMN %I ', CAST(:t AS regclass), "
                "CAST(:c AS text))"
            ),
            {"t": table, "c": column},
        ).scalar_one()
        conn.exec_driver_sql(prefix + change)

    originals: dict[str, str | None] = dict(
        conn.execute(
            text(
                "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
                "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                "WHERE a.attrelid = CAST(:table AS regclass) AND a.attname = ANY(:columns)"
            ),
            {"table": table, "columns": list(values)},
        ).all()
    )
    for column, value in values.items():
        literal = conn.execute(
            text("SELECT quote_literal(CAST(:v AS text))"), {"v": value}
        ).scalar_one()
        alter(column, f"SET DEFAULT {literal}")
    yield
    for column in values:
        original = originals.get(column)
        alter(column, "DROP DEFAULT" if original is None else f"SET DEFAULT {original}")


def _bulk_insert(conn: Connection, spec: VersionedTable, stage: str, effective: datetime) -> None:
    """Insert the whole stage into an empty, locked table."""
    columns = (*spec.key, *spec.compared, *spec.copied)
    with loading_in_bulk(conn, spec.table):
        conn.execute(
            text(
                f"INSERT INTO {spec.table} ({', '.join((*columns, *spec.carried, 'valid_from'))}) "
                f"SELECT {', '.join(['s.' + c for c in columns] + list(spec.carried.values()))}, "
                f":effective FROM {stage} s"
            ),
            {"effective": effective},
        )


def apply_differences(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    differences: Differences,
    *,
    effective: datetime,
    scope: dict[str, Any] | None = None,
    full: bool = True,
) -> MergeCounts:
    """Close replaced rows, insert the new versions and, with full, retire the missing rows."""
    if differences.table is None:
        if lock_if_empty(conn, spec.table):
            _bulk_insert(conn, spec, stage, effective)
            return MergeCounts(inserted=differences.staged, updated=0, unchanged=0, retired=0)
        differences = find_differences(conn, spec, stage, differences.staged, scope=scope)
    diff = differences.table
    assert diff is not None
    closed = f"{stage}_closed"
    returned = (*spec.key, *spec.carried)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{closed}")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {closed} ON COMMIT DROP AS "
        f"SELECT {', '.join(returned)} FROM {spec.table} WITH NO DATA"
    )
    params = {"effective": effective}
    conn.execute(
        text(
            f"WITH closed AS (UPDATE {spec.table} t SET valid_to = :effective FROM {diff} d "
            f"WHERE t.id = d.target_id AND d.staged "
            f"RETURNING {', '.join('t.' + c for c in returned)}) "
            f"INSERT INTO {closed} SELECT * FROM closed"
        ),
        params,
    )
    retired = 0
    if full:
        retired = conn.execute(
            text(
                f"UPDATE {spec.table} t SET valid_to = :effective FROM {diff} d "
                f"WHERE t.id = d.target_id AND NOT d.staged"
            ),
            params,
        ).rowcount
    columns = (*spec.key, *spec.compared, *spec.copied)
    carried_values = [f"coalesce(c.{c}, {default})" for c, default in spec.carried.items()]
    closed_match = " AND ".join(f"c.{k} = s.{k}" for k in spec.key)
    conn.execute(
        text(
            f"INSERT INTO {spec.table} ({', '.join((*columns, *spec.carried, 'valid_from'))}) "
            f"SELECT {', '.join(['s.' + c for c in columns] + carried_values)}, :effective "
            f"FROM {stage} s {differences.written_rows(spec, 's')} "
            f"LEFT JOIN {closed} c ON {closed_match}"
        ),
        params,
    )
    return MergeCounts(
        inserted=differences.written - differences.replaced,
        updated=differences.replaced,
        unchanged=differences.staged - differences.written,
        retired=retired,
    )


def merge_versions(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    staged: int,
    *,
    effective: datetime,
    scope: dict[str, Any] | None = None,
    full: bool = True,
) -> MergeCounts:
    """Close changed rows and insert their new versions; with full, retire rows not staged."""
    differences = find_differences(conn, spec, stage, staged, scope=scope)
    return apply_differences(
        conn, spec, stage, differences, effective=effective, scope=scope, full=full
    )
