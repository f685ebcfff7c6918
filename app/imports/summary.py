"""An import's summary for the command line, and its whole list of objects as a CSV report."""

import csv
from pathlib import Path

from app.imports.changes import KINDS, ObjectChange
from app.imports.transaction import ImportRun

SHOWN = 20
_HEADINGS = {
    "nya": "Nya",
    "andrade": "Ändrade",
    "avslutade": "Avslutade",
    "reparerade": "Lagade geometrier",
    "avvisade": "Avvisade",
}
_KIND_WORDS = {
    "nya": "ny",
    "andrade": "ändrad",
    "avslutade": "avslutad",
    "reparerade": "lagad",
    "avvisade": "avvisad",
}


def _line(kind: str, change: ObjectChange) -> str:
    what = f" ({change.description})" if change.description and kind != "avvisade" else ""
    if kind == "andrade":
        return f"{change.ref}{what}: {', '.join(change.fields) or 'ändrad'}"
    if kind in ("reparerade", "avvisade"):
        return f"{change.ref}: {change.description}"
    return f"{change.ref}{what}"


def summary_lines(run: ImportRun) -> list[str]:
    """The summary in Swedish: counts, then the first objects of each kind."""
    result = run.result
    heading = "Torrkörning – inget skrevs." if run.dry_run else f"Import {result.import_id} klar."
    counts = (
        ("nya", result.inserted),
        ("ändrade", result.updated),
        ("oförändrade", result.unchanged),
        ("avslutade", result.retired),
        ("lagade", len(result.repairs)),
        ("avvisade", result.rejected),
    )
    lines = [heading, *(f"  {label:<12} {count:>9}" for label, count in counts)]
    if result.kept:
        lines.append(f"  behålls oförändrade: avvisad rad {result.kept:>5}")
    for kind in KINDS:
        shown = run.changes.lists.get(kind, [])
        total = run.changes.totals.get(kind, len(shown))
        if not shown:
            continue
        lines.append(f"{_HEADINGS[kind]} ({total}):")
        lines += [f"  {_line(kind, change)}" for change in shown[:SHOWN]]
        if total > SHOWN:
            lines.append(f"  … och {total - SHOWN} till (hela listan med --rapport FIL.csv).")
    if run.refusal is not None:
        lines.append(f"OBS: en riktig import skulle nekas. {run.refusal}")
    return lines


def write_report(run: ImportRun, path: Path) -> int:
    """Write every object of the run, one row each, as CSV for Swedish Excel; the rows."""
    rows = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["slag", "objekt", "beskrivning", "falt", "behalls"])
        for kind in KINDS:
            for change in run.changes.lists.get(kind, []):
                writer.writerow(
                    [
                        _KIND_WORDS[kind],
                        change.ref,
                        change.description or "",
                        ", ".join(change.fields),
                        "ja" if change.kept else "",
                    ]
                )
                rows += 1
    return rows
