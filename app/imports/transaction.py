"""Running an import in one transaction: committed, or rolled back for a dry run or an error.

A full import that would retire many of the current objects is refused unless the user
confirms it: more than RETIRE_SHARE of them, or more than RETIRE_COUNT.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from app.core.db import in_transaction
from app.core.problems import Conflict
from app.imports.changes import ImportChanges, list_changes
from app.imports.record import DRY_RUN_SETTING, ImportResult
from app.imports.wording import option

RETIRE_SHARE = 0.10
RETIRE_COUNT = 500
SAMPLE = 10


class MassRetirement(Conflict):
    """A full import would retire a large part of what is stored; it needs a confirmation."""

    type = "massavslut-kraver-bekraftelse"
    title = "Importen skulle avsluta många objekt"


@dataclass
class ImportRun:
    """What an import did, and its objects per kind (the first `limit` of each)."""

    result: ImportResult
    changes: ImportChanges
    dry_run: bool
    # Why a real run would be refused (said by a dry run instead of refusing).
    refusal: str | None = None


def retires_too_many(result: ImportResult) -> bool:
    """Whether the import retires more than the share or count allowed without confirmation."""
    if not result.retired:
        return False
    before = result.current_before or result.retired
    return result.retired > RETIRE_COUNT or result.retired > RETIRE_SHARE * before


def _refusal(result: ImportResult, changes: ImportChanges) -> str:
    sample = ", ".join(c.ref for c in changes.lists.get("avslutade", [])[:SAMPLE])
    before = result.current_before or result.retired
    return (
        f"Importen skulle avsluta {result.retired} av {before} gällande objekt "
        f"({100 * result.retired / before:.0f} %), t.ex. {sample}. Det är fler än "
        f"{100 * RETIRE_SHARE:.0f} % eller {RETIRE_COUNT} st. Saknas objekten med avsikt, "
        f"bekräfta med {option('--tillat-avslut', 'tillat_avslut=true')}; är filen bara en "
        f"del av beståndet, använd {option('--delvis', 'delvis=true')}."
    )


def run_import(
    engine: Engine,
    run: Callable[[Connection], ImportResult],
    *,
    dry_run: bool,
    allow_retirement: bool = False,
    limit: int | None = 20,
) -> ImportRun:
    """Run one import on its own connection; nothing is written unless it succeeds for real."""

    def checked(conn: Connection) -> ImportRun:
        if dry_run:
            conn.execute(text("SELECT set_config(:name, 'on', true)"), {"name": DRY_RUN_SETTING})
        result = run(conn)
        changes = list_changes(conn, result.import_id, limit)
        refusal = (
            _refusal(result, changes) if retires_too_many(result) and not allow_retirement else None
        )
        if refusal is not None and not dry_run:
            sample = [c.ref for c in changes.lists.get("avslutade", [])[:SAMPLE]]
            raise MassRetirement(refusal, avslutas=result.retired, exempel=sample)
        return ImportRun(result, changes, dry_run, refusal)

    return in_transaction(engine, checked, dry_run=dry_run)
