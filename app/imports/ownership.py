"""Parcel ownership from a CSV by designation (fastighetsbeteckning,agare) → fastighetsagare."""

import csv
import io
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select, text

from app.core.problems import InvalidInput
from app.imports.reading import file_sha256
from app.imports.record import ImportResult, Rejection, finish_import, start_import
from app.imports.staging import copy_into_temp
from app.imports.versions import VersionedTable, keep_rows, merge_versions
from app.models import Fastighet
from app.organisations.service import organisation_ids

OWNERSHIP = VersionedTable(
    table="fastighetsagare",
    key=("registerenhetsreferens", "organisation_id"),
    compared=(),
    copied=("import_id",),
    ref=(
        "coalesce((SELECT f.beteckning FROM fastighet f "
        "WHERE f.registerenhetsreferens = {a}.registerenhetsreferens "
        "ORDER BY f.valid_to DESC NULLS FIRST LIMIT 1), {a}.registerenhetsreferens::text)"
    ),
    description="(SELECT o.slug FROM organisation o WHERE o.id = {a}.organisation_id)",
    geometry=None,
)
KEPT_NOTE = "fastighetens nuvarande ägare behålls oförändrade"
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
    import_id = start_import(
        conn, "agare", path, file_sha256(path), performed_by=performed_by, effective=effective
    )

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
    unsure: dict[int, uuid.UUID] = {}  # rejection → parcel whose owners the row meant to set
    for line, row in enumerate(rows, start=2):
        designation = " ".join((row.get(designation_column) or "").upper().split())
        owner = (row.get(owner_column) or "").strip().lower()
        ref = f"rad {line}: {designation or '(tom)'}"
        if designation not in references:
            rejections.append(
                Rejection(ref, "fastighetsbeteckningen finns inte bland fastigheterna")
            )
        elif owner not in organisations:
            unsure[len(rejections)] = references[designation]
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
    kept = _keep_owners(conn, rejections, unsure)
    counts = merge_versions(
        conn,
        OWNERSHIP,
        "stage_agare",
        count,
        import_id=import_id,
        effective=effective,
        full=full,
        kept=kept,
    )
    result = ImportResult.merged(import_id, counts, rejections)
    finish_import(conn, result)
    return result


def _keep_owners(
    conn: Connection, rejections: list[Rejection], unsure: dict[int, uuid.UUID]
) -> str:
    """Keep the current owners of parcels whose row was rejected; the kept parcels' table."""
    owned = set(
        conn.execute(
            text(
                "SELECT DISTINCT registerenhetsreferens FROM fastighetsagare "
                "WHERE valid_to IS NULL AND registerenhetsreferens = ANY(CAST(:refs AS uuid[]))"
            ),
            {"refs": sorted({str(r) for r in unsure.values()})},
        ).scalars()
    )
    for i, reference in unsure.items():
        if reference in owned:
            rejections[i] = rejections[i].keeping(KEPT_NOTE)
    return keep_rows(
        conn, "stage_agare", {"registerenhetsreferens": "uuid"}, [(r,) for r in sorted(owned)]
    )
