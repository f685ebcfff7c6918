"""A safety walk's reports: one per answered batch row, all in the caller's transaction.

Rows with their own errors are normal on a walk (a point outside the municipality, a place
nobody is responsible for): the good rows make their reports and the bad ones are listed, each
with its error. The walk's protocol id is derived from its first report's number
(F-2026-000123 → P-2026-000123), unique because report numbers are, with no sequence of its
own; `GET /api/v1/felanmalan?protokoll=<id>` is the coordinator's follow-up.
"""

from typing import Any

from pydantic import ValidationError

from app.access.principal import Principal
from app.core.problems import AppError, InvalidInput
from app.core.settings import Settings
from app.reports import service
from app.reports.schemas import ReportIn
from app.responsibility.batch import BatchRow
from app.responsibility.service import Json

# Every report is routed and written in the request's one transaction: a walk is tens of
# remarks; this bounds the request to a few seconds.
MAX_WALK_ROWS = 1000

SET_PROTOCOL = "UPDATE felanmalan SET protokoll = %(protokoll)s WHERE id = ANY(%(ids)s)"


class MissingCategory(InvalidInput):
    """A walk's row has no category, and the request gave none."""

    type = "felkategori-saknas"
    title = "Felkategori saknas"


def protocol_of(first_number: str) -> str:
    """The walk's protocol id from its first report's number: F-2026-000123 → P-2026-000123."""
    return "P-" + first_number.removeprefix("F-")


def _report_in(row: BatchRow, kategori: str | None) -> ReportIn | AppError:
    chosen = row.kategori or kategori
    if chosen is None:
        return MissingCategory(
            "Raden saknar kategori: ange kategori som parameter, kolumn eller egenskap."
        )
    assert not isinstance(row.point, AppError)
    try:
        # The point as the batch read it, in SWEREF 99 TM: routed where the answer was.
        return ReportIn(
            x=row.point.x,
            y=row.point.y,
            crs="EPSG:3006",
            kategori=chosen,
            beskrivning=row.beskrivning or "",
        )
    except ValidationError as exc:
        fields = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
        return InvalidInput(f"Radens {fields} går inte att använda (för lång eller tom).")


def _made(row: service.Row, base: str) -> dict[str, Any]:
    return {
        "nummer": row["nummer"],
        "status": row["status"],
        "kategori": row["kategori"],
        "mottagare": {"slug": row["mottagare_slug"], "namn": row["mottagare_namn"]},
        "lank": f"{base}/api/v1/felanmalan/{row['nummer']}",
    }


async def create_walk_reports(
    conn: service.Conn,
    who: Principal,
    rows: list[BatchRow],
    answers: list[Json | AppError],
    kategori: str | None,
    settings: Settings,
    base: str,
) -> tuple[str | None, list[Json | AppError]]:
    """A report per answered row; the protocol id (None: no report made) and each row's result."""
    results: list[Json | AppError] = []
    made: list[service.Row] = []
    for row, answer in zip(rows, answers, strict=True):
        if isinstance(answer, AppError):
            results.append(answer)
            continue
        report = _report_in(row, kategori)
        if isinstance(report, AppError):
            results.append(report)
            continue
        try:
            created = await service.create_report(conn, who, report, [], settings)
        except AppError as exc:  # refused before it wrote anything (service.create_report)
            results.append(exc)
            continue
        made.append(created)
        results.append({**answer, "felanmalan": _made(created, base)})
    if not made:
        return None, results
    protocol = protocol_of(made[0]["nummer"])
    await service.mark(conn, who, f"trygghetsvandring {protocol}")
    await conn.execute(SET_PROTOCOL, {"protokoll": protocol, "ids": [r["id"] for r in made]})
    for result in results:
        if isinstance(result, dict) and "felanmalan" in result:
            result["felanmalan"]["protokoll"] = protocol
    return protocol, results
