"""Bulk loading: COPY into temporary tables, and into empty tables with indexes built after.

Table and column names here always come from the importers' own constants, never from input.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
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


def owns_table(conn: Connection, table: str) -> bool:
    """True when the current role owns table (or is a member of its owner), as DDL needs."""
    return bool(
        conn.execute(
            text(
                "SELECT pg_has_role(relowner, 'USAGE') FROM pg_class "
                "WHERE oid = CAST(:table AS regclass)"
            ),
            {"table": table},
        ).scalar_one()
    )


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
    Indexes that a constraint owns or uses stay, and so do indexes of ended versions only: the
    loaded rows are all current, so those cost them nothing. If the block fails, the caller's
    rollback restores everything.
    """
    if not owns_table(conn, table):
        # Only a table's owner may drop its indexes: the service's role loads with them kept,
        # slower for a large load, the same rows. The command line imports as the owner.
        yield
        return
    params = {"table": table}
    indexes = conn.execute(
        text(
            "SELECT CAST(i.indexrelid AS regclass)::text, pg_get_indexdef(i.indexrelid) "
            "FROM pg_index i WHERE i.indrelid = CAST(:table AS regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid) "
            "AND coalesce(pg_get_expr(i.indpred, i.indrelid), '') <> '(valid_to IS NOT NULL)'"
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
