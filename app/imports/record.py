"""The import record: one row per run, its counts and its rejected features."""

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, insert, text, update

from app.models import Importavvisning, Importkorning


@dataclass
class Rejection:
    """A feature an import did not take, and why (in Swedish, for the GIS technician)."""

    ref: str
    reason: str


@dataclass
class ImportResult:
    """What one import did."""

    import_id: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    rejections: list[Rejection] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Number of rejected features."""
        return len(self.rejections)


def start_import(
    conn: Connection,
    kind: str,
    path: Path,
    sha256: str,
    *,
    layer: str | None = None,
    source_crs: str | None = None,
    organisation_id: int | None = None,
    performed_by: str | None = None,
) -> int:
    """Open the record of an import run and return its id."""
    # Imports of one kind run one after the other, never interleaved.
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('ansvarskartan-import-' || :kind))"),
        {"kind": kind},
    )
    # The run's own record audits it; the triggers need not log each of its rows.
    conn.execute(text("SELECT set_config('ansvar.massimport', 'on', true)"))
    return conn.execute(
        insert(Importkorning)
        .values(
            typ=kind,
            filnamn=path.name,
            sha256=sha256,
            lager=layer,
            kalla_crs=source_crs,
            organisation_id=organisation_id,
            utford_av=performed_by,
        )
        .returning(Importkorning.id)
    ).scalar_one()


def finish_import(conn: Connection, result: ImportResult) -> None:
    """Store the counts and rejections of a finished import run."""
    conn.execute(text("SELECT set_config('ansvar.massimport', 'off', true)"))
    conn.execute(
        update(Importkorning)
        .where(Importkorning.id == result.import_id)
        .values(
            status="klar",
            avslutad=text("clock_timestamp()"),
            antal_nya=result.inserted,
            antal_andrade=result.updated,
            antal_oforandrade=result.unchanged,
            antal_avslutade=result.retired,
            antal_avvisade=result.rejected,
        )
    )
    if result.rejections:
        conn.execute(
            insert(Importavvisning),
            [
                {"import_id": result.import_id, "objekt_ref": r.ref, "orsak": r.reason}
                for r in result.rejections
            ],
        )
