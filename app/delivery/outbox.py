"""The outbox: the messages a report causes, written in the report's own transaction.

A report and its deliveries commit together or not at all, so nothing is lost between them;
the worker (app.delivery.worker) sends what is waiting, woken by a NOTIFY at the commit. Each
row has a stable message id that the e-mail's Message-ID and the webhook's Idempotency-Key
carry, so a resend after a crash is recognisably the same message.
"""

from typing import Any, Literal

import psycopg

Purpose = Literal["ny", "kopia", "kvitto", "stangd", "vidarebefordrad"]
# Workers LISTEN here; a NOTIFY in the caller's transaction reaches them when it commits.
NOTIFY_CHANNEL = "leverans"

# Where an organisation receives reports: its settings, else its first contact with an e-mail
# address (the felanmälan contact comes first in the demo's organisations).
_RECEIVER_ADDRESSES = """
SELECT 'epost' AS kanal, coalesce(m.epost, (
         SELECT k.epost FROM kontakt k
         WHERE k.organisation_id = o.id AND k.epost IS NOT NULL
         ORDER BY k.sortering, k.id LIMIT 1)) AS adress
FROM organisation o LEFT JOIN felanmalan_mottagning m ON m.organisation_id = o.id
WHERE o.id = %(org)s
UNION ALL
SELECT 'webhook', m.webhook_url FROM felanmalan_mottagning m
WHERE m.organisation_id = %(org)s AND m.webhook_url IS NOT NULL
"""

_PERFORMER_COPY = """
SELECT f.utforare_id FROM felanmalan f
JOIN felanmalan_mottagning m ON m.organisation_id = f.mottagare_id AND m.kopia_till_utforare
WHERE f.id = %(report)s AND f.utforare_id IS NOT NULL AND f.utforare_id <> f.mottagare_id
"""

_INSERT = """
INSERT INTO leverans (felanmalan_id, kanal, adress, syfte)
VALUES (%(report)s, %(kanal)s, %(adress)s, %(syfte)s)
"""


async def _addresses(
    conn: psycopg.AsyncConnection[Any], organisation_id: int
) -> list[tuple[str, str]]:
    cursor = await conn.execute(_RECEIVER_ADDRESSES, {"org": organisation_id})
    return [(kanal, adress) for kanal, adress in await cursor.fetchall() if adress]


async def _report(conn: psycopg.AsyncConnection[Any], report_id: int) -> tuple[int, str | None]:
    cursor = await conn.execute(
        "SELECT mottagare_id, anmalare_epost FROM felanmalan WHERE id = %(report)s",
        {"report": report_id},
    )
    row = await cursor.fetchone()
    if row is None:
        raise LookupError(f"no report {report_id}")
    return row[0], row[1]


async def enqueue(conn: psycopg.AsyncConnection[Any], report_id: int, purpose: Purpose) -> int:
    """Write the deliveries a report's event causes, in the caller's transaction; how many.

    ny / vidarebefordrad: to the receiving organisation (e-mail and webhook), a copy to the
    performer when the receiver asks for one, and (ny) a receipt to the reporter.
    stangd: a message to the reporter. kvitto and kopia are written by the events above.
    """
    receiver, reporter = await _report(conn, report_id)
    rows: list[tuple[str, str, str]] = []
    if purpose in ("ny", "vidarebefordrad"):
        rows += [(kanal, adress, purpose) for kanal, adress in await _addresses(conn, receiver)]
        cursor = await conn.execute(_PERFORMER_COPY, {"report": report_id})
        performer = await cursor.fetchone()
        if performer is not None:
            rows += [
                (kanal, adress, "kopia")
                for kanal, adress in await _addresses(conn, performer[0])
                if kanal == "epost"
            ]
        if purpose == "ny" and reporter:
            rows.append(("epost", reporter, "kvitto"))
    elif purpose == "stangd" and reporter:
        rows.append(("epost", reporter, "stangd"))
    for kanal, adress, syfte in rows:
        await conn.execute(
            _INSERT, {"report": report_id, "kanal": kanal, "adress": adress, "syfte": syfte}
        )
    if rows:
        await conn.execute(f"NOTIFY {NOTIFY_CHANNEL}")
    return len(rows)
