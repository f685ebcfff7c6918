"""The import record: one row per run, its counts, its rejected and repaired features."""

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Connection, insert, text, update

from app.models import Importavvisning, Importhandelse, Importkorning

if TYPE_CHECKING:
    from app.imports.versions import MergeCounts

DRY_RUN_SETTING = "ansvar.torrkorning"


@dataclass
class Rejection:
    """A feature an import did not take, and why (in Swedish, for the GIS technician).

    kept: the row named an existing object, which therefore stays exactly as it was.
    """

    ref: str
    reason: str
    kept: bool = False

    def keeping(self, note: str) -> "Rejection":
        """The same rejection, saying (with note) that the object it named was kept."""
        return Rejection(self.ref, f"{self.reason}; {note}", True)


@dataclass
class Repair:
    """A feature whose invalid geometry the import repaired, and how much that changed it."""

    ref: str
    note: str


@dataclass
class ImportResult:
    """What one import did."""

    import_id: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)
    # Current rows in the import's scope before it ran: what a mass retirement is measured by.
    current_before: int | None = None

    @classmethod
    def merged(
        cls,
        import_id: int,
        counts: "MergeCounts",
        rejections: list[Rejection],
        repairs: list[Repair] | None = None,
    ) -> "ImportResult":
        """The result of an import whose rows went through a versioned merge."""
        return cls(
            import_id,
            counts.inserted,
            counts.updated,
            counts.unchanged,
            counts.retired,
            rejections,
            repairs or [],
            current_before=counts.current_before,
        )

    @property
    def rejected(self) -> int:
        """Number of rejected features."""
        return len(self.rejections)

    @property
    def kept(self) -> int:
        """Existing objects kept as they were because their row was rejected."""
        return sum(1 for r in self.rejections if r.kept)


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
    effective: datetime | None = None,
) -> int:
    """Open the record of an import run and return its id.

    A dry run (DRY_RUN_SETTING on in the transaction) takes no import number: its record gets
    the negated server process id, and is rolled back with the rest.
    """
    # Imports of one kind run one after the other, never interleaved.
    conn.execute(
        text("SELECT pg_advisory_xact_lock(hashtext('ansvarskartan-import-' || :kind))"),
        {"kind": kind},
    )
    # The run's own record audits it; the triggers need not log each of its rows.
    conn.execute(text("SELECT set_config('ansvar.massimport', 'on', true)"))
    dry_run = conn.execute(
        text("SELECT coalesce(current_setting(:name, true), '') = 'on'"), {"name": DRY_RUN_SETTING}
    ).scalar_one()
    number = text("-pg_backend_pid()") if dry_run else None
    return conn.execute(
        insert(Importkorning)
        .values(
            **({"id": number, "status": "torrkorning"} if dry_run else {}),
            giltig_fran=effective,
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
            status=text("CASE WHEN status = 'torrkorning' THEN status ELSE 'klar' END"),
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
                {
                    "import_id": result.import_id,
                    "objekt_ref": r.ref,
                    "orsak": r.reason,
                    "behalls": r.kept,
                }
                for r in result.rejections
            ],
        )
    if result.repairs:
        conn.execute(
            insert(Importhandelse),
            [
                {
                    "import_id": result.import_id,
                    "slag": "reparerad",
                    "objekt_ref": r.ref,
                    "beskrivning": r.note,
                }
                for r in result.repairs
            ],
        )


_RECORD_SQL = text("""
SELECT json_build_object(
  'id', k.id, 'typ', k.typ, 'status', k.status, 'fil', k.filnamn, 'sha256', k.sha256,
  'lager', k.lager, 'koordinatsystem', k.kalla_crs, 'startad', k.startad,
  'avslutad', k.avslutad, 'giltig_fran', k.giltig_fran, 'utford_av', k.utford_av,
  'nya', k.antal_nya, 'andrade', k.antal_andrade, 'oforandrade', k.antal_oforandrade,
  'avslutade', k.antal_avslutade, 'avvisade', k.antal_avvisade,
  'avvisningar', coalesce((SELECT json_agg(json_build_object('objekt', a.objekt_ref,
    'orsak', a.orsak, 'behalls', a.behalls) ORDER BY a.id) FROM importavvisning a
    WHERE a.import_id = k.id), '[]'))::text
FROM importkorning k WHERE k.id = :id
""")


def stored_record(conn: Connection, import_id: int) -> dict[str, Any] | None:
    """The record of an import run as the API shows it, with its rejections; None if unknown."""
    found = conn.execute(_RECORD_SQL, {"id": import_id}).scalar_one_or_none()
    if found is None:
        return None
    record: dict[str, Any] = orjson.loads(found)
    return record
