"""The parcels' stage, and the import's rules applied to all of it at once in SQL.

Every feature of a Fastighetsindelning file lands in one temp table of typed columns (NULL
where a value is missing or unusable). Then, set-based: rows without identity or designation
are rejected, later duplicates of an objektidentitet are rejected, geometries about to be
written are checked (repaired or rejected by `check_geometries`, the same rules as before),
and the rest is merged with `staging.find_differences` and `apply_differences`.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import shapely
import sqlalchemy.exc
from numpy.typing import NDArray
from sqlalchemy import Connection, text

from app.imports.geometry_checks import Place, check_geometries, repair_notes
from app.imports.progress import WRITING, step
from app.imports.record import ImportResult, Rejection, Repair
from app.imports.staging import ewkb_hex
from app.imports.versions import (
    Differences,
    VersionedTable,
    apply_differences,
    fill_from_current,
    find_differences,
    keep_rows,
)
from app.models import SRID

PARCELS = VersionedTable(
    table="fastighet",
    key=("objektidentitet",),
    compared=(
        "registerenhetsreferens",
        "beteckning",
        "kommunnamn",
        "trakt",
        "block",
        "enhet",
        "omradesnummer",
        "etikett",
        "objekttyp",
        "lanskod",
        "kommunkod",
        "samjelittera",
        "osakertlage",
        "senastandrad",
        "geom",
    ),
    copied=("import_id",),
    ref="{a}.objektidentitet::text",
    description="{a}.beteckning",
    labels={"geom": "geometri"},
)
STAGE = "stage_fastighet"
# Columns a file may lack; then the stored values stay (not read means not changed).
OPTIONAL_COLUMNS = tuple(
    c
    for c in PARCELS.compared
    if c not in ("registerenhetsreferens", "beteckning", "kommunnamn", "trakt", "etikett", "geom")
)
KEPT_NOTE = "den befintliga fastighetsytan behålls oförändrad"
# Staged columns in COPY order; ref is the objektidentitet as written, for the rejection list.
STAGED: tuple[tuple[str, str], ...] = (
    ("objektidentitet", "uuid"),
    ("registerenhetsreferens", "uuid"),
    ("kommunnamn", "text"),
    ("trakt", "text"),
    ("block", "text"),
    ("enhet", "integer"),
    ("omradesnummer", "integer"),
    ("etikett", "text"),
    ("objekttyp", "text"),
    ("lanskod", "text"),
    ("kommunkod", "text"),
    ("samjelittera", "text"),
    ("osakertlage", "boolean"),
    ("senastandrad", "timestamptz"),
    ("geom", f"geometry(Geometry, {SRID})"),
    ("ref", "text"),
)
STAGED_NAMES = tuple(name for name, _ in STAGED)
# The SQL twin of parcels.designation(), computed by the stage itself as rows arrive.
_DESIGNATION_SQL = (
    "kommunnamn || ' ' || trakt || ' ' || CASE WHEN strpos(etikett, '>') > 0 "
    r"THEN regexp_replace(etikett, '>\d+$', '') ELSE etikett END"
)
_REF_SQL = "coalesce(s.ref, 'rad ' || s.ord)"


def create_stage(conn: Connection, import_id: int) -> None:
    """A fresh stage (dropped at commit); rows are numbered in the order they arrive."""
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in STAGED)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS pg_temp.{STAGE}")
    conn.exec_driver_sql(
        f"CREATE TEMP TABLE {STAGE} (ord bigint GENERATED ALWAYS AS IDENTITY, {columns}, "
        f"import_id integer DEFAULT {int(import_id)}, "
        f"beteckning text GENERATED ALWAYS AS ({_DESIGNATION_SQL}) STORED) ON COMMIT DROP"
    )


def merge_stage(
    conn: Connection,
    import_id: int,
    staged: int,
    *,
    effective: datetime,
    full: bool,
    absent: Sequence[str] = (),
    place: Place | None = None,
) -> ImportResult:
    """Apply the rules to the stage and merge what remains into fastighet.

    absent: optional columns the file does not have, whose stored values are kept; place
    writes a spot in the file's own CRS for the geometry errors.
    """
    fill_from_current(conn, PARCELS, STAGE, {c: f"c.{c}" for c in absent})
    repairs: list[Repair] = []
    with step("Kontrollerar fastigheterna"):
        rejected = _reject_incomplete(conn)
        if not _keys_distinct(conn):
            rejected += _reject_duplicates(conn, repairs, place)
        kept = _keep_rejected(conn, rejected)
    accepted = staged - len(rejected)
    with step("Jämför med gällande versioner"):
        differences = find_differences(conn, PARCELS, STAGE, accepted, kept=kept)
    with step("Kontrollerar geometrier"):
        bad_geometries, touched = _reject_bad_geometries(conn, differences, repairs, place)
    rejected += bad_geometries
    if touched:
        accepted -= len(bad_geometries)
        kept = _keep_rejected(conn, rejected)
        differences = find_differences(conn, PARCELS, STAGE, accepted, kept=kept)
    with step(WRITING):
        counts = apply_differences(
            conn,
            PARCELS,
            STAGE,
            differences,
            import_id=import_id,
            effective=effective,
            full=full,
            kept=kept,
        )
    in_file_order = [r.rejection for r in sorted(rejected, key=lambda r: r.ord)]
    return ImportResult.merged(import_id, counts, in_file_order, repairs)


@dataclass
class _Rejected:
    """A staged row the rules removed: its place in the file, why, and the parcel it named."""

    ord: int
    rejection: Rejection
    object_id: uuid.UUID | None = None


def _keep_rejected(conn: Connection, rejected: list[_Rejected]) -> str:
    """Keep the current parcel areas that rejected rows named; the table of their ids."""
    named = {r.object_id for r in rejected if r.object_id is not None}
    current = set(
        conn.execute(
            text(
                "SELECT objektidentitet FROM fastighet WHERE valid_to IS NULL "  # noqa: S608
                "AND objektidentitet = ANY(CAST(:ids AS uuid[])) "
                f"AND objektidentitet NOT IN (SELECT objektidentitet FROM {STAGE})"
            ),
            {"ids": sorted(str(i) for i in named)},
        ).scalars()
    )
    for r in rejected:
        if r.object_id in current and not r.rejection.kept:
            r.rejection = r.rejection.keeping(KEPT_NOTE)
    return keep_rows(conn, STAGE, {"objektidentitet": "uuid"}, [(i,) for i in sorted(current)])


def _reject_incomplete(conn: Connection) -> list[_Rejected]:
    """Remove and return the rows whose identity or designation cannot be formed."""
    found = conn.execute(
        text(
            f"DELETE FROM {STAGE} s WHERE s.objektidentitet IS NULL "  # noqa: S608 (constants)
            "OR s.registerenhetsreferens IS NULL OR s.kommunnamn IS NULL OR s.trakt IS NULL "
            f"OR s.etikett IS NULL RETURNING s.ord, {_REF_SQL}, CASE "
            "WHEN s.objektidentitet IS NULL THEN 'objektidentitet saknas eller är inte ett UUID' "
            "WHEN s.registerenhetsreferens IS NULL "
            "THEN 'registerenhetsreferens saknas eller är inte ett UUID' "
            "ELSE 'kommunnamn, trakt eller etikett saknas, så beteckningen kan inte bildas' END, "
            "s.objektidentitet"
        )
    ).all()
    return [_Rejected(o, Rejection(ref, reason), object_id) for o, ref, reason, object_id in found]


def _checked(
    rows: Sequence[Any], repairs: list[Repair], place: Place | None
) -> tuple[NDArray[np.object_], list[str | None]]:
    """Geometry checks of (ord, …, ref, wkb) rows: repaired multipolygons and reasons.

    Each repair is noted in repairs with how it changed the area.
    """
    geoms = shapely.from_wkb(np.array([row[-1] for row in rows], dtype=object))
    fixed, reasons = check_geometries(geoms, np.full(len(rows), "yta", dtype=object), place)
    for row, note in zip(rows, repair_notes(geoms, fixed, reasons), strict=True):
        if note is not None:
            repairs.append(Repair(row[-2], note))
    usable = np.array([reason is None for reason in reasons], dtype=bool)
    if usable.any():
        parts, index = shapely.get_parts(fixed[usable], return_index=True)
        fixed[usable] = shapely.multipolygons(parts, indices=index)
    return fixed, reasons


def _store_geometries(conn: Connection, ords: list[int], geoms: NDArray[np.object_]) -> None:
    if not ords:
        return
    conn.execute(
        text(
            f"UPDATE {STAGE} s SET geom = ST_GeomFromEWKB(decode(f.hex, 'hex')) "  # noqa: S608
            "FROM unnest(CAST(:ords AS bigint[]), CAST(:hexes AS text[])) AS f(ord, hex) "
            "WHERE s.ord = f.ord"
        ),
        {"ords": ords, "hexes": list(ewkb_hex(geoms))},
    )


def _remove(conn: Connection, ords: list[int]) -> None:
    if ords:
        conn.execute(
            text(f"DELETE FROM {STAGE} WHERE ord = ANY(CAST(:ords AS bigint[]))"),  # noqa: S608
            {"ords": ords},
        )


def _keys_distinct(conn: Connection) -> bool:
    """Whether no objektidentitet occurs twice in the stage (its unique index builds)."""
    savepoint = conn.begin_nested()
    try:
        conn.exec_driver_sql(f"CREATE UNIQUE INDEX ON {STAGE} (objektidentitet)")
    except sqlalchemy.exc.IntegrityError:
        savepoint.rollback()
        return False
    savepoint.commit()
    return True


def _reject_duplicates(
    conn: Connection, repairs: list[Repair], place: Place | None
) -> list[_Rejected]:
    """Keep the first usable feature of each objektidentitet; reject the later ones."""
    rows = conn.execute(
        text(
            f"SELECT s.ord, s.objektidentitet, {_REF_SQL}, ST_AsBinary(s.geom) "  # noqa: S608
            f"FROM {STAGE} s "
            f"WHERE s.objektidentitet IN (SELECT objektidentitet FROM {STAGE} "
            "GROUP BY objektidentitet HAVING count(*) > 1) ORDER BY s.ord"
        )
    ).all()
    if not rows:
        return []
    fixed, reasons = _checked(rows, repairs, place)
    taken: dict[uuid.UUID, str] = {}
    rejected: list[_Rejected] = []
    kept: list[int] = []
    for i, (ord_, object_id, ref, _) in enumerate(rows):
        if object_id in taken:
            note = f"objektidentiteten förekommer flera gånger i filen; {taken[object_id]} behölls"
            rejected.append(_Rejected(ord_, Rejection(ref, note)))
        elif reasons[i] is None:
            taken[object_id] = f"raden {ord_}"
            kept.append(i)
        else:
            rejected.append(_Rejected(ord_, Rejection(ref, str(reasons[i])), object_id))
    _remove(conn, [r.ord for r in rejected])
    _store_geometries(conn, [rows[i][0] for i in kept], fixed[kept])
    return rejected


def _reject_bad_geometries(
    conn: Connection, differences: Differences, repairs: list[Repair], place: Place | None
) -> tuple[list[_Rejected], bool]:
    """Check the geometries about to be written; repair or reject. True if any was touched."""
    if not differences.written:
        return [], False
    # Materialized when joined, so the checks run on the rows to write, not the whole stage.
    materialized = "" if differences.table is None else "MATERIALIZED"
    rows = conn.execute(
        text(
            f"WITH w AS {materialized} (SELECT s.ord, s.objektidentitet AS object_id, "  # noqa: S608
            f"{_REF_SQL} AS ref, s.geom "
            f"FROM {STAGE} s {differences.written_rows(PARCELS, 's')}) "
            "SELECT ord, object_id, ref, ST_AsBinary(geom) FROM w WHERE geom IS NULL "
            "OR ST_IsEmpty(geom) "
            "OR GeometryType(geom) <> 'MULTIPOLYGON' OR NOT ST_IsValid(geom)"
        )
    ).all()
    if not rows:
        return [], False
    fixed, reasons = _checked(rows, repairs, place)
    rejected = [
        _Rejected(row[0], Rejection(row[2], reason), row[1])
        for row, reason in zip(rows, reasons, strict=True)
        if reason is not None
    ]
    kept = [i for i, reason in enumerate(reasons) if reason is None]
    _remove(conn, [r.ord for r in rejected])
    _store_geometries(conn, [rows[i][0] for i in kept], fixed[kept])
    return rejected, True
