"""Parcel ownership from a CSV by designation (fastighetsbeteckning,agare) → fastighetsagare."""

import csv
import io
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from app.errors import InvalidInput
from app.imports.reading import file_sha256
from app.imports.record import ImportResult, Rejection, finish_import, start_import
from app.imports.staging import VersionedTable, copy_into_temp, merge_versions
from app.models import Fastighet
from app.organisations.service import organisation_ids

OWNERSHIP = VersionedTable(
    table="fastighetsagare",
    key=("registerenhetsreferens", "organisation_id"),
    compared=(),
    copied=("import_id",),
)
_DESIGNATION_COLUMNS = ("fastighetsbeteckning", "beteckning")
_OWNER_COLUMNS = ("agare", "ägare", "organisation")


def _column(fieldnames: list[str], candidates: tuple[str, ...], what: str) -> str:
    lowered = {name.strip().lower(): name for name in fieldnames}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    raise InvalidInput(
        f"CSV-filen saknar kolumn för {what} (väntade en av {', '.join(candidates)})"
    )


def _read_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        content = raw.decode("cp1252")
    dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    return list(csv.DictReader(io.StringIO(content), dialect=dialect))


def import_ownership(
    conn: Connection,
    path: Path,
    *,
    effective: datetime,
    full: bool = True,
    performed_by: str | None = None,
) -> ImportResult:
    """Set parcel owners by designation; with full, owners missing from the file end."""
    rows = _read_rows(path)
    if not rows:
        raise InvalidInput(f"{path.name} innehåller inga rader")
    fieldnames = list(rows[0].keys())
    designation_column = _column(fieldnames, _DESIGNATION_COLUMNS, "fastighetsbeteckning")
    owner_column = _column(fieldnames, _OWNER_COLUMNS, "ägare")
    import_id = start_import(conn, "agare", path, file_sha256(path), performed_by=performed_by)

    organisations = organisation_ids(conn)
    references: dict[str, uuid.UUID] = dict(
        conn.execute(
            select(Fastighet.beteckning, Fastighet.registerenhetsreferens)
            .where(Fastighet.valid_to.is_(None))
            .distinct()
        ).all()
    )
    staged: list[tuple[Any, ...]] = []
    rejections: list[Rejection] = []
    seen: set[tuple[uuid.UUID, int]] = set()
    for line, row in enumerate(rows, start=2):
        designation = " ".join((row.get(designation_column) or "").upper().split())
        owner = (row.get(owner_column) or "").strip().lower()
        ref = f"rad {line}: {designation or '(tom)'}"
        if designation not in references:
            rejections.append(
                Rejection(ref, "fastighetsbeteckningen finns inte bland fastigheterna")
            )
        elif owner not in organisations:
            rejections.append(Rejection(ref, f"ägaren '{owner}' är ingen känd organisation"))
        elif (key := (references[designation], organisations[owner])) in seen:
            rejections.append(Rejection(ref, "raden förekommer flera gånger"))
        else:
            seen.add(key)
            staged.append((*key, import_id))
    count = copy_into_temp(
        conn,
        "stage_agare",
        [
            ("registerenhetsreferens", "uuid"),
            ("organisation_id", "integer"),
            ("import_id", "integer"),
        ],
        staged,
    )
    counts = merge_versions(conn, OWNERSHIP, "stage_agare", count, effective=effective, full=full)
    result = ImportResult(
        import_id, counts.inserted, counts.updated, counts.unchanged, counts.retired, rejections
    )
    finish_import(conn, result)
    return result
