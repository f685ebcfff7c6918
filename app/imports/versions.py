"""Versioned merges: a staged import compared with the current rows, history kept.

A staged row that differs from its current row closes that row and becomes the new version; a
current row the stage does not mention is retired by a full import, unless a rejected row of
the file named it (then it is kept as it was). What changed (which fields) and what was retired
is recorded per object in importhandelse; new versions carry the import's id and moment.

Geometries count as unchanged within GEOMETRY_TOLERANCE_M: same type, same number of vertices,
and no vertex or edge of either further than 1 mm from the other's (EPSG:3006), so that a
layer that went through another CRS and back is not a new version of everything.

Table and column names here always come from the importers' own constants, never from input.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from app.imports.staging import copy_rows, loading_in_bulk, lock_if_empty

GEOMETRY_TOLERANCE_M = 0.001


@dataclass(frozen=True)
class VersionedTable:
    """How the rows of a history-keeping table are matched and compared during an import."""

    table: str
    key: tuple[str, ...]
    compared: tuple[str, ...]
    copied: tuple[str, ...] = ()
    # Columns kept from the closed version of a changed row, with their value for new rows.
    carried: dict[str, str] = field(default_factory=dict)
    # SQL naming an object (and saying what it is) in the lists of changes; {a} is the alias.
    ref: str = "{a}.id::text"
    description: str | None = None
    # How compared columns are named to the GIS technician; a column not named keeps its name.
    labels: dict[str, str] = field(default_factory=dict)
    geometry: str | None = "geom"  # compared within GEOMETRY_TOLERANCE_M
    attributes: str | None = None  # a jsonb column whose changed keys are listed one by one

    def named(self, template: str | None, alias: str) -> str:
        """A ref or description template for the row under alias."""
        return "NULL" if template is None else template.format(a=alias)


@dataclass
class MergeCounts:
    """Rows inserted as new, updated (new version), unchanged and retired by a merge."""

    inserted: int
    updated: int
    unchanged: int
    retired: int
    # Current rows in scope before the merge; counted only when it retires any.
    current_before: int | None = None


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


def geometry_differs(current: str, staged: str) -> str:
    """SQL: whether two geometries differ by more than the tolerance (see the module's doc)."""
    outline = "CASE WHEN ST_Dimension({g}) = 2 THEN ST_Boundary({g}) ELSE {g} END"
    return (
        f"({current} IS DISTINCT FROM {staged} AND NOT coalesce("
        f"GeometryType({current}) = GeometryType({staged}) "
        f"AND ST_NPoints({current}) = ST_NPoints({staged}) "
        f"AND ST_HausdorffDistance({outline.format(g=current)}, {outline.format(g=staged)}) "
        f"<= {GEOMETRY_TOLERANCE_M}, false))"
    )


def _differs(spec: VersionedTable, current: str, staged: str) -> str:
    plain = [c for c in spec.compared if c != spec.geometry]
    tests = []
    if plain:
        tests.append(
            f"({', '.join(f'{current}.{c}' for c in plain)}) IS DISTINCT FROM "
            f"({', '.join(f'{staged}.{c}' for c in plain)})"
        )
    if spec.geometry in spec.compared:
        tests.append(geometry_differs(f"{current}.{spec.geometry}", f"{staged}.{spec.geometry}"))
    return " OR ".join(tests) if tests else "false"


def _changed_fields(spec: VersionedTable, current: str, staged: str) -> str:
    """SQL: the labels of the fields in which the staged row differs from the current one."""
    parts = []
    for column in spec.compared:
        label = spec.labels.get(column, column).replace("'", "")
        if column == spec.attributes:
            parts.append(
                f"ARRAY(SELECT '{label}.' || k FROM jsonb_object_keys("
                f"coalesce({current}.{column}, '{{}}') || coalesce({staged}.{column}, '{{}}')) k "
                f"WHERE {current}.{column} -> k IS DISTINCT FROM {staged}.{column} -> k "
                "ORDER BY k)"
            )
            continue
        differs = (
            geometry_differs(f"{current}.{column}", f"{staged}.{column}")
            if column == spec.geometry
            else f"{current}.{column} IS DISTINCT FROM {staged}.{column}"
        )
        parts.append(f"CASE WHEN {differs} THEN ARRAY['{label}'] ELSE '{{}}'::text[] END")
    return " || ".join(parts) if parts else "'{}'::text[]"


def _scope(scope: dict[str, Any] | None, alias: str) -> tuple[str, dict[str, Any]]:
    scope = scope or {}
    sql = "".join(f" AND {alias}.{column} = :scope_{column}" for column in scope)
    return sql, {f"scope_{column}": value for column, value in scope.items()}


def keep_rows(
    conn: Connection, stage: str, columns: dict[str, str], rows: list[tuple[Any, ...]]
) -> str:
    """A temp table of (part of) keys whose current rows a full import must not retire."""
    name = f"{stage}_kept"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{name}")
    definition = ", ".join(f"{column} {sql_type}" for column, sql_type in columns.items())
    conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({definition}) ON COMMIT DROP")
    if rows:
        copy_rows(conn, name, list(columns), rows)
    return name


def fill_from_current(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    assignments: dict[str, str],
    *,
    scope: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> None:
    """Give staged rows values from their current rows (c): what the file did not say stays."""
    if not assignments:
        return
    scope_sql, scope_params = _scope(scope, "c")
    key_match = " AND ".join(f"c.{k} = s.{k}" for k in spec.key)
    sets = ", ".join(f"{column} = {value}" for column, value in assignments.items())
    conn.execute(
        text(
            f"UPDATE {stage} s SET {sets} FROM {spec.table} c "
            f"WHERE c.valid_to IS NULL AND {key_match}{scope_sql}"
        ),
        scope_params | (params or {}),
    )


def find_differences(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    staged: int,
    *,
    scope: dict[str, Any] | None = None,
    kept: str | None = None,
) -> Differences:
    """Compare the stage (unique keys) with the current rows in one pass; only differences stay.

    Current rows matching the kept table (on the columns it has) are never listed as missing.
    """
    name = f"{stage}_diff"
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{name}")
    if not conn.execute(text(f"SELECT EXISTS (SELECT 1 FROM {spec.table})")).scalar_one():
        return Differences(None, staged, staged, 0)
    # The join hashes whole rows: a million parcels take some 300 MB, and with the default
    # work_mem the hash spills to disk in batches (2.0 s instead of 1.6 s). For this transaction.
    conn.execute(text("SELECT set_config('work_mem', '256MB', true)"))
    scope_sql, params = _scope(scope, "c")
    key_match = " AND ".join(f"t.{k} = s.{k}" for k in spec.key)
    first_key = spec.key[0]
    missing = f"s.{first_key} IS NULL"
    if kept is not None:
        kept_columns = conn.execute(
            text(
                "SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute "
                "WHERE attrelid = CAST(:t AS regclass) AND attnum > 0 AND NOT attisdropped"
            ),
            {"t": f"pg_temp.{kept}"},
        ).scalar_one()
        kept_match = " AND ".join(f"x.{c} = t.{c}" for c in kept_columns if c in spec.key)
        missing += f" AND NOT EXISTS (SELECT 1 FROM {kept} x WHERE {kept_match})"
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
            f"WHERE ({missing}) OR (s.{first_key} IS NOT NULL "
            f"AND (t.id IS NULL OR {_differs(spec, 't', 's')}))"
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


def _record_changes(
    conn: Connection, spec: VersionedTable, stage: str, diff: str, import_id: int, full: bool
) -> None:
    """importhandelse: which fields of each replaced row changed, and which rows are retired."""
    key_match = " AND ".join(f"s.{k} = d.{k}" for k in spec.key)
    conn.execute(
        text(
            "INSERT INTO importhandelse (import_id, slag, objekt_ref, beskrivning, falt) "
            f"SELECT :import_id, 'andrad', {spec.named(spec.ref, 't')}, "
            f"{spec.named(spec.description, 's')}, {_changed_fields(spec, 't', 's')} "
            f"FROM {diff} d JOIN {spec.table} t ON t.id = d.target_id "
            f"JOIN {stage} s ON {key_match} WHERE d.staged ORDER BY t.id"
        ),
        {"import_id": import_id},
    )
    if full:
        conn.execute(
            text(
                "INSERT INTO importhandelse (import_id, slag, objekt_ref, beskrivning) "
                f"SELECT :import_id, 'avslutad', {spec.named(spec.ref, 't')}, "
                f"{spec.named(spec.description, 't')} "
                f"FROM {diff} d JOIN {spec.table} t ON t.id = d.target_id "
                "WHERE NOT d.staged ORDER BY t.id"
            ),
            {"import_id": import_id},
        )


def apply_differences(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    differences: Differences,
    *,
    import_id: int,
    effective: datetime,
    scope: dict[str, Any] | None = None,
    full: bool = True,
    kept: str | None = None,
) -> MergeCounts:
    """Close replaced rows, insert the new versions and, with full, retire the missing rows."""
    if differences.table is None:
        if lock_if_empty(conn, spec.table):
            _bulk_insert(conn, spec, stage, effective)
            return MergeCounts(inserted=differences.staged, updated=0, unchanged=0, retired=0)
        differences = find_differences(
            conn, spec, stage, differences.staged, scope=scope, kept=kept
        )
    diff = differences.table
    assert diff is not None
    _record_changes(conn, spec, stage, diff, import_id, full)
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
    inserted = differences.written - differences.replaced
    current_before = None
    if retired:
        scope_sql, scope_params = _scope(scope, "c")
        current_after = conn.execute(
            text(f"SELECT count(*) FROM {spec.table} c WHERE c.valid_to IS NULL{scope_sql}"),
            scope_params,
        ).scalar_one()
        current_before = current_after - inserted + retired
    return MergeCounts(
        inserted=inserted,
        updated=differences.replaced,
        unchanged=differences.staged - differences.written,
        retired=retired,
        current_before=current_before,
    )


def merge_versions(
    conn: Connection,
    spec: VersionedTable,
    stage: str,
    staged: int,
    *,
    import_id: int,
    effective: datetime,
    scope: dict[str, Any] | None = None,
    full: bool = True,
    kept: str | None = None,
) -> MergeCounts:
    """Close changed rows and insert their new versions; with full, retire rows not staged."""
    differences = find_differences(conn, spec, stage, staged, scope=scope, kept=kept)
    return apply_differences(
        conn,
        spec,
        stage,
        differences,
        import_id=import_id,
        effective=effective,
        scope=scope,
        full=full,
        kept=kept,
    )
