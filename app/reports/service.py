"""Creating a report (routed by the responsibility answer), changing its status, reading it.

Every write runs in the caller's transaction (WriteConnectionDep over HTTP, one of its own on
the command line): the report, its events, its photos and its deliveries commit together.
"""

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.rows import dict_row

from app.access.principal import OUTSIDE_THEIR_AREAS, Principal, scoped_not_found_text
from app.access.writer import mark_writer
from app.core.geo import WGS84, Point, make_point, parse_crs
from app.core.problems import AppError, Conflict, Forbidden, InvalidInput, NotFound
from app.core.settings import Settings
from app.delivery.outbox import enqueue
from app.models.reports import CLOSED_STATUSES, REPORT_STATUSES, STATUS_TEXT
from app.reports import queries
from app.reports.photos import Photo
from app.reports.rules import ReportFacts, allowed_next, may_change_status
from app.reports.schemas import ReportIn, StatusIn
from app.responsibility.service import resolve_async, resolve_options

Conn = psycopg.AsyncConnection[Any]
Row = dict[str, Any]
# How the command line and the daily removal sign their writes in the audit log.
ANONYMOUS_SIGNATURE = "anonym"


class UnknownCategory(InvalidInput):
    """The report's category is not an active one."""

    type = "okand-felkategori"
    title = "Okänd felkategori"


# Private owners are named in answers, but receive no reports through the service.
PRIVATE_OWNER_TYPE = "privat"


class NoOneResponsible(NotFound):
    """The point has no accountable organisation: nobody would receive the report."""

    type = "ingen-ansvarig"
    title = "Ingen ansvarig för platsen"


class StatusNotAllowed(Conflict):
    """The report cannot go from its status to the one asked for."""

    type = "otillaten-statusandring"
    title = "Statusändringen är inte tillåten"


def signature(who: Principal | str) -> str:
    """How a writer is named in reports, events and the audit log (as access.writer does)."""
    if isinstance(who, str):
        return who
    # A signed-in person without a token is signed by the session (Principal.signature).
    return ANONYMOUS_SIGNATURE if who.anonymous else who.signature


async def mark(conn: Conn, who: Principal | str, reason: str) -> None:
    """Tell the database who writes and why, so its triggers audit the write."""
    if isinstance(who, Principal) and not who.anonymous:
        await mark_writer(conn, who, reason)
        return
    await conn.execute(
        "SELECT set_config('ansvar.anvandare', %(who)s, true),"
        " set_config('ansvar.orsak', %(why)s, true)",
        {"who": signature(who), "why": reason},
    )


def report_point(report: ReportIn) -> Point:
    """The report's point: lon/lat in WGS84, or x/y in crs (EPSG:3006 by default)."""
    if report.lon is not None or report.lat is not None:
        if report.x is not None or report.y is not None:
            raise InvalidInput("Ange antingen lon och lat eller x och y, inte båda.")
        if report.crs is not None and parse_crs(report.crs) != WGS84:
            raise InvalidInput("lon och lat är alltid WGS84; använd x och y för andra system.")
        return make_point(report.lon, report.lat, WGS84)
    if report.x is None and report.y is None:
        raise InvalidInput("Ange platsen med lon och lat (WGS84) eller x, y och crs.")
    return make_point(report.x, report.y, parse_crs(report.crs) if report.crs else 3006)


async def _one(conn: Conn, sql: str, params: dict[str, Any]) -> Row | None:
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchone()


async def _all(conn: Conn, sql: str, params: dict[str, Any]) -> list[Row]:
    async with conn.cursor(row_factory=dict_row) as cursor:
        await cursor.execute(sql, params)
        return await cursor.fetchall()


async def active_categories(conn: Conn) -> list[Row]:
    """The categories a report may have, in their order."""
    return await _all(conn, queries.ACTIVE_CATEGORIES, {})


async def active_category(conn: Conn, kod: str) -> Row | None:
    """The active category of this code (its name and products), else None."""
    return await _one(conn, queries.ACTIVE_CATEGORY, {"kod": kod})


async def create_report(
    conn: Conn,
    who: Principal | str,
    report: ReportIn,
    photos: Sequence[Photo],
    settings: Settings,
) -> Row:
    """Route and write a new report with its first event, photos and deliveries; its row."""
    category = await active_category(conn, report.kategori)
    if category is None:
        raise UnknownCategory(
            f"Kategorin '{report.kategori}' finns inte; se /api/v1/felkategorier för de som finns."
        )
    point = report_point(report)
    # Every product of the category snaps (asset snapping), not only its first.
    options = resolve_options(settings, None, None, category=category["kod"])
    [answer] = await resolve_async(conn, [point], options, with_swaps=True)
    if isinstance(answer, AppError):
        raise answer
    accountable = answer["huvudman"]
    if accountable is None:
        raise NoOneResponsible(
            f"{answer['forklaring']} Felanmälan kan därför inte skickas till någon."
        )
    if accountable["typ"] == PRIVATE_OWNER_TYPE:
        # Nobody reads a private owner's inbox here: the report would be stored and never seen.
        guidance = accountable.get("vagledning") or "Kontakta fastighetens ägare."
        raise NoOneResponsible(
            f"{answer['forklaring']} Felanmälan kan inte skickas härifrån. {guidance}"
        )
    performer = answer["utforare"]
    deciding = answer["objekt"]
    contact = report.kontakt
    await mark(conn, who, f"felanmälan: ny ({category['kod']})")
    created = await _one(
        conn,
        queries.INSERT_REPORT,
        {
            "x": point.x,
            "y": point.y,
            "kategori": category["kod"],
            "beskrivning": report.beskrivning,
            "huvudman": accountable["slug"],
            "utforare": performer["organisation"]["slug"] if performer else None,
            "driftomrade": performer["driftomrade"]["id"] if performer else None,
            "objekt": deciding["id"] if deciding else None,
            "regel": answer["regel"],
            "tvetydig": answer["tvetydig"],
            "anmald_av": None if signature(who) == ANONYMOUS_SIGNATURE else signature(who),
            "namn": contact.namn if contact else None,
            "epost": contact.epost if contact else None,
            "telefon": contact.telefon if contact else None,
        },
    )
    if created is None:  # the organisation went between the answer and the insert
        raise NoOneResponsible(f"Organisationen {accountable['namn']} finns inte längre.")
    await conn.execute(
        queries.INSERT_EVENT,
        {
            "id": created["id"],
            "status": "ny",
            "fran": None,
            "till": created["mottagare_id"],
            "who": signature(who),
            "notering": "",
        },
    )
    for number, photo in enumerate(photos, start=1):
        await conn.execute(
            queries.INSERT_PHOTO,
            {
                "id": created["id"],
                "n": number,
                "mediatyp": photo.mediatyp,
                "bredd": photo.bredd,
                "hojd": photo.hojd,
                "data": photo.data,
            },
        )
    await enqueue(conn, created["id"], "ny")
    row = await _one(conn, queries.REPORT_BY_ID, {"id": created["id"]})
    assert row is not None
    return row


def facts_of(row: Row) -> ReportFacts:
    """What decides who handles the report of this row."""
    return ReportFacts(row["mottagare_id"], tuple(row["entreprenorer"]))


def _not_found(nummer: str, scope: int | None = None) -> NotFound:
    return NotFound(scoped_not_found_text(scope, f"Felanmälan {nummer}", OUTSIDE_THEIR_AREAS))


def _check_change(change: StatusIn) -> None:
    if change.till is not None and change.status != "ej-vart-ansvar":
        raise InvalidInput("till anges bara med status ej-vart-ansvar (för att skicka vidare).")
    if change.dubblett_av is not None and change.status != "dubblett":
        raise InvalidInput("dubblett_av anges bara med status dubblett.")
    if change.status == "dubblett" and not change.dubblett_av:
        raise InvalidInput("Ange dubblett_av: numret på felanmälan som detta är en dubblett av.")


async def _forward(conn: Conn, row: Row, change: StatusIn, who: str) -> None:
    target = await _one(conn, queries.ORGANISATION_ID, {"slug": change.till})
    if target is None:
        raise InvalidInput(f"Organisationen '{change.till}' finns inte.")
    if target["id"] == row["mottagare_id"]:
        raise InvalidInput(f"Felanmälan {row['nummer']} tas redan emot av {target['namn']}.")
    events = [
        ("ej-vart-ansvar", row["mottagare_id"], target["id"], change.notering),
        ("ny", None, target["id"], f"Vidarebefordrad från {row['mottagare_namn']}."),
    ]
    await conn.execute(queries.FORWARD, {"id": row["id"], "till": target["id"]})
    for status, source, destination, note in events:
        await conn.execute(
            queries.INSERT_EVENT,
            {
                "id": row["id"],
                "status": status,
                "fran": source,
                "till": destination,
                "who": who,
                "notering": note,
            },
        )
    await enqueue(conn, row["id"], "vidarebefordrad")


async def _duplicate_of(conn: Conn, row: Row, number: str) -> int:
    target = await _one(conn, queries.DUPLICATE_TARGET, {"nummer": number})
    if target is None:
        raise InvalidInput(f"Felanmälan {number} (dubblett_av) finns inte.")
    if target["id"] == row["id"]:
        raise InvalidInput("En felanmälan kan inte vara en dubblett av sig själv.")
    if target["status"] == "dubblett":
        raise InvalidInput(f"{number} är själv en dubblett; ange felanmälan den är en dubblett av.")
    return int(target["id"])


async def change_status(
    conn: Conn,
    who: Principal | str,
    nummer: str,
    change: StatusIn,
    *,
    hidden_outside: int | None = None,
) -> Row:
    """Change a report's status (or forward it) with its event and deliveries; its row after.

    hidden_outside: the contractor whose reads are limited to its areas (read_scope); a report
    it may not change is then not found, as its reads do not show it, rather than forbidden.
    """
    row = await _one(conn, queries.REPORT_FOR_UPDATE, {"nummer": nummer})
    if row is None:
        raise _not_found(nummer, hidden_outside)
    if isinstance(who, Principal) and not may_change_status(who, facts_of(row)):
        if hidden_outside is not None:
            raise _not_found(nummer, hidden_outside)
        raise Forbidden(
            f"Felanmälan {nummer} tas emot av {row['mottagare_namn']}; din token får inte "
            "ändra dess status."
        )
    allowed = allowed_next(row["status"])
    if change.status not in allowed:
        listed = ", ".join(allowed) if allowed else "ingen, den är avslutad"
        raise StatusNotAllowed(
            f"Felanmälan {nummer} har status {row['status']} och kan inte få status "
            f"{change.status}. Tillåtna: {listed}.",
            nuvarande=row["status"],
            tillatna=list(allowed),
        )
    _check_change(change)
    await mark(conn, who, f"felanmälan {nummer}: {change.status}")
    by = signature(who)
    if change.status == "ej-vart-ansvar" and change.till:
        await _forward(conn, row, change, by)
    else:
        duplicate = (
            await _duplicate_of(conn, row, change.dubblett_av) if change.dubblett_av else None
        )
        await conn.execute(
            queries.SET_STATUS,
            {"id": row["id"], "status": change.status, "dubblett_av": duplicate},
        )
        await conn.execute(
            queries.INSERT_EVENT,
            {
                "id": row["id"],
                "status": change.status,
                "fran": None,
                "till": None,
                "who": by,
                "notering": change.notering,
            },
        )
        if change.status in CLOSED_STATUSES:
            await enqueue(conn, row["id"], "stangd")
    after = await _one(conn, queries.REPORT_BY_ID, {"id": row["id"]})
    assert after is not None
    return after


async def find_report(conn: Conn, nummer: str, contractor: int | None) -> Row | None:
    """The report of this number, when the caller's reads reach it."""
    return await _one(conn, queries.REPORT_BY_NUMBER, {"nummer": nummer, "contractor": contractor})


async def report_events(conn: Conn, report_id: int) -> list[Row]:
    """The report's events, oldest first."""
    return await _all(conn, queries.EVENTS, {"id": report_id})


async def report_page(
    conn: Conn, filters: queries.ListFilters, limit: int
) -> tuple[list[Row], bool]:
    """A page of reports, newest first, and whether more follow."""
    sql, params = queries.list_sql(filters, limit)
    rows = await _all(conn, sql, params)
    return rows[:limit], len(rows) > limit


async def statistics(conn: Conn, filters: queries.ListFilters, days: int) -> dict[str, Any]:
    """Counts per status of the filters' reports, and the median time to atgardad per category
    of those marked so in the last days."""
    sql, params = queries.status_counts_sql(filters)
    counted = {row["status"]: row["antal"] for row in await _all(conn, sql, params)}
    sql, params = queries.median_times_sql(filters, days)
    medians = await _all(conn, sql, params)
    return {
        "antal_per_status": [
            {"status": status, "status_text": STATUS_TEXT[status], "antal": counted.get(status, 0)}
            for status in REPORT_STATUSES
        ],
        "oppna": sum(n for status, n in counted.items() if status not in CLOSED_STATUSES),
        "totalt": sum(counted.values()),
        "atgardstid": {
            "dagar": days,
            "per_kategori": [
                {
                    "kategori": {"kod": row["kategori"], "namn": row["kategori_namn"]},
                    "antal": row["antal"],
                    "median_timmar": round(row["median_s"] / 3600, 2),
                }
                for row in medians
            ],
        },
    }


async def nearby_reports(
    conn: Conn, point: Point, kategori: str, contractor: int | None
) -> list[Row]:
    """Open reports of the category within 30 m of the point, nearest first."""
    return await _all(
        conn,
        queries.NEARBY,
        {"x": point.x, "y": point.y, "kategori": kategori, "contractor": contractor},
    )


async def report_photo(conn: Conn, report_id: int, number: int) -> Row | None:
    """One photo of a report: its media type and bytes."""
    return await _one(conn, queries.PHOTO, {"id": report_id, "n": number})


async def organisation_id(conn: Conn, slug: str) -> int:
    """The id of the organisation of this slug; 400 when there is none."""
    found = await _one(conn, queries.ORGANISATION_ID, {"slug": slug})
    if found is None:
        raise InvalidInput(f"Organisationen '{slug}' finns inte.")
    return int(found["id"])
