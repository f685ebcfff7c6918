"""Bulk loading into temporary tables and versioned merges into the real ones.

Table and column names here always come from the importers' own constants, never from input.
"""

from collections.abc import Iterable, Sequence
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
    names = ", ".join(column for column, _ in columns)
    raw = conn.connection.driver_connection
    assert raw is not None, "COPY needs a live psycopg connection"
    count = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
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
    scope = scope or {}
    key_match = " AND ".join(f"t.{k} = s.{k}" for k in spec.key)
    differs = (
        f"({', '.join('t.' + c for c in spec.compared)}) IS DISTINCT FROM "
        f"({', '.join('s.' + c for c in spec.compared)})"
        if spec.compared
        else "false"
    )
    scope_sql = "".join(f" AND t.{column} = :scope_{column}" for column in scope)
    params: dict[str, Any] = {"effective": effective} | {f"scope_{c}": v for c, v in scope.items()}
    closed = f"{stage}_closed"
    returned = (*spec.key, *spec.carried)

    # Fresh target rows have no statistics yet, so the planner may pick nested loops over
    # the staged rows; an index on the key keeps every such plan linear.
    conn.exec_driver_sql(f"CREATE INDEX ON {stage} ({', '.join(spec.key)})")
    conn.exec_driver_sql(f"ANALYZE {stage}")
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{closed}")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {closed} ON COMMIT DROP AS "
        f"SELECT {', '.join(returned)} FROM {spec.table} WITH NO DATA"
    )
    updated = conn.execute(
        text(
            f"WITH closed AS (UPDATE {spec.table} t SET valid_to = :effective FROM {stage} s "
            f"WHERE t.valid_to IS NULL AND {key_match}{scope_sql} AND {differs} "
            f"RETURNING {', '.join('t.' + c for c in returned)}) "
            f"INSERT INTO {closed} SELECT * FROM closed"
        ),
        params,
    ).rowcount

    columns = (*spec.key, *spec.compared, *spec.copied)
    carried_values = [f"coalesce(c.{c}, {default})" for c, default in spec.carried.items()]
    closed_match = " AND ".join(f"c.{k} = s.{k}" for k in spec.key)
    inserted_total = conn.execute(
        text(
            f"INSERT INTO {spec.table} ({', '.join((*columns, *spec.carried, 'valid_from'))}) "
            f"SELECT {', '.join(['s.' + c for c in columns] + carried_values)}, :effective "
            f"FROM {stage} s LEFT JOIN {closed} c ON {closed_match} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {spec.table} t "
            f"WHERE t.valid_to IS NULL AND {key_match}{scope_sql})"
        ),
        params,
    ).rowcount

    retired = 0
    if full:
        retired = conn.execute(
            text(
                f"UPDATE {spec.table} t SET valid_to = :effective "
                f"WHERE t.valid_to IS NULL{scope_sql} "
                f"AND NOT EXISTS (SELECT 1 FROM {stage} s WHERE {key_match})"
            ),
            params,
        ).rowcount
    return MergeCounts(
        inserted=inserted_total - updated,
        updated=updated,
        unchanged=staged - inserted_total,
        retired=retired,
    )
