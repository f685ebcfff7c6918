"""Deliveries of fault reports against a real SMTP server and a real HTTP receiver: every
message arrives, under its id, exactly once for a receiver that deduplicates by id, through an
SMTP outage, a webhook answering 500, a worker killed with SIGKILL and missing SMTP settings.

Reports are rows of felanmalan with their outbox written by `outbox.enqueue`, committed, so
workers on connections of their own see them; each test removes its reports afterwards.
"""

import asyncio
import csv
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.core.db import libpq_url
from app.core.paths import REPO_ROOT
from app.core.settings import Settings
from app.delivery.mailer import message_id_header
from app.delivery.outbox import Purpose, enqueue
from app.delivery.webhook import SIGNATURE_HEADER
from app.delivery.worker import Claimed, Tally, claim, retry_delay, run_worker
from app.main import create_app
from tests.support.receivers import (
    SmtpReceiver,
    WebhookReceiver,
    smtp_receiver,
    wait_until,
    webhook_receiver,
)
from tests.support.servers import free_port

SECRET = "en-hemlighet-for-testerna-0123456789"
MARK = "test_delivery"  # anmald_av of this module's reports
RECEIVER = "parkenheten"
PERFORMER = "sodertorns-parkdrift"
RECEIVER_MAIL = "felanmalan.park@huddinge.example"
PERFORMER_MAIL = "arbetsledare@parkdrift.example"
REPORTER_MAIL = "anmalare@example.se"
RECEIVER_NAME = "Miljö- och bygglovsförvaltningen, parkenheten"


@pytest.fixture(scope="module")
def categories(engine: Engine) -> None:
    """The reviewed categories (as the category sync writes them), if not already there."""
    with (REPO_ROOT / "data" / "felkategorier.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    with engine.begin() as conn:
        for row in rows:
            conn.execute(
                text(
                    "INSERT INTO felkategori (kod, namn, beskrivning, produkter, ordning)"
                    " VALUES (:kod, :namn, :beskrivning, :produkter, :ordning)"
                    " ON CONFLICT (kod) DO NOTHING"
                ),
                row | {"produkter": row["produkter"].split(), "ordning": int(row["ordning"])},
            )


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    """The receiving organisation's webhook endpoint."""
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def inbox() -> Iterator[SmtpReceiver]:
    """The SMTP server every e-mail goes through."""
    with smtp_receiver() as receiver:
        yield receiver


@pytest.fixture
def receiving(engine: Engine, categories: None, webhook: WebhookReceiver) -> Iterator[None]:  # noqa: ARG001 (a fixture set up first)
    """parkenheten receives by e-mail and webhook and wants a copy to the performer; this
    module's reports are removed afterwards (their deliveries with them)."""
    # A worker of some other test's service would claim these deliveries with its own settings.
    wait_until(lambda: not other_workers(engine), "no other delivery worker on the database", 15)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO felanmalan_mottagning"
                " (organisation_id, epost, webhook_url, webhook_hemlighet, kopia_till_utforare)"
                " SELECT id, :mail, :url, :secret, true FROM organisation WHERE slug = :slug"
            ),
            {"mail": RECEIVER_MAIL, "url": webhook.url, "secret": SECRET, "slug": RECEIVER},
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM felanmalan WHERE anmald_av = :mark"), {"mark": MARK})
        conn.execute(
            text(
                "DELETE FROM felanmalan_mottagning WHERE organisation_id ="
                " (SELECT id FROM organisation WHERE slug = :slug)"
            ),
            {"slug": RECEIVER},
        )


def other_workers(engine: Engine) -> list[int]:
    """The server pids of delivery workers connected to the test database."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND application_name = 'ansvarskartan-leverans'"
                )
            ).scalars()
        )


def worker_settings(settings: Settings, inbox: SmtpReceiver | None, **changes: Any) -> Settings:
    """The service's settings with the test receivers and short delays."""
    values: dict[str, Any] = {
        "base_url": "https://ansvar.example",
        "smtp_host": "127.0.0.1" if inbox else "",
        "smtp_port": inbox.port if inbox else 587,
        "smtp_starttls": False,
        "mail_from": "Ansvarskartan <felanmalan@ansvar.example>",
        "delivery_poll_s": 0.2,
        "delivery_batch_size": 3,
        "delivery_timeout_s": 2.0,
        "delivery_lease_s": 8.0,
        "delivery_retry_base_s": 0.1,
        "delivery_retry_max_s": 0.4,
    }
    return settings.model_copy(update=values | changes)


# For tests that count one failed attempt: on a loaded machine the 0.1 s retry came due again
# within the same run, and the once-worker tried a second time.
NO_RETRY_WITHIN_RUN: dict[str, Any] = {
    "delivery_retry_base_s": 3600.0,
    "delivery_retry_max_s": 3600.0,
}

_INSERT_REPORT = """
INSERT INTO felanmalan (nummer, geom, kategori, beskrivning, mottagare_id, huvudman_id,
  utforare_id, regel, tvetydig, anmald_av, anmalare_namn, anmalare_epost, anmalare_telefon)
SELECT 'F-' || to_char(now(), 'YYYY') || '-'
    || lpad(nextval('felanmalan_nummer_seq')::text, 6, '0'),
  ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 3006), 'trasig-mobel', %(text)s, r.id, r.id, p.id,
  'punktobjekt', %(ambiguous)s, %(mark)s, 'Åsa Öberg', %(reporter)s, '070-123 45 67'
FROM organisation r, organisation p WHERE r.slug = %(receiver)s AND p.slug = %(performer)s
RETURNING id, nummer
"""


async def _create_reports(url: str, count: int, ambiguous: bool) -> list[tuple[int, str]]:
    created = []
    async with await psycopg.AsyncConnection.connect(url) as conn:
        for i in range(count):
            async with conn.transaction():
                cursor = await conn.execute(
                    _INSERT_REPORT,
                    {
                        "x": 674_500 + i,
                        "y": 6_568_500 + i,
                        "text": f"Bänken är trasig ({i}).",
                        "ambiguous": ambiguous,
                        "mark": MARK,
                        "reporter": REPORTER_MAIL,
                        "receiver": RECEIVER,
                        "performer": PERFORMER,
                    },
                )
                row = await cursor.fetchone()
                assert row is not None
                await enqueue(conn, row[0], "ny")
            created.append((row[0], row[1]))
    return created


def create_reports(
    settings: Settings, count: int = 1, *, ambiguous: bool = False
) -> list[tuple[int, str]]:
    """count reports with their deliveries (ny), committed as the service would; (id, nummer)."""
    return asyncio.run(_create_reports(libpq_url(settings.database_url), count, ambiguous))


async def _close(url: str, report_id: int, note: str) -> None:
    async with await psycopg.AsyncConnection.connect(url) as conn, conn.transaction():
        await conn.execute(
            "UPDATE felanmalan SET status = 'atgardad', stangd = now() WHERE id = %(id)s",
            {"id": report_id},
        )
        await conn.execute(
            "INSERT INTO felanmalan_handelse (felanmalan_id, status, notering)"
            " VALUES (%(id)s, 'atgardad', %(note)s)",
            {"id": report_id, "note": note},
        )
        purpose: Purpose = "stangd"
        await enqueue(conn, report_id, purpose)


def deliveries(engine: Engine) -> list[dict[str, Any]]:
    """This module's deliveries, in order of id."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT l.*, f.nummer FROM leverans l JOIN felanmalan f ON f.id = l.felanmalan_id"
                " WHERE f.anmald_av = :mark ORDER BY l.id"
            ),
            {"mark": MARK},
        )
        return [dict(row._mapping) for row in rows]


def all_sent(engine: Engine) -> bool:
    """True when every delivery of this module's reports is sent."""
    rows = deliveries(engine)
    return bool(rows) and all(row["status"] == "skickad" for row in rows)


def deliver_now(settings: Settings) -> Tally:
    """The worker once (`--en-gang`): what is due now, then return."""
    return asyncio.run(run_worker(settings, once=True))


@contextmanager
def worker_running(settings: Settings) -> Iterator[None]:
    """The worker in a thread of its own, as in a service process; stopped afterwards."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(run_worker(settings, stop))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=30)
        loop.close()
    assert not thread.is_alive(), "the worker did not stop"
    assert not failure, failure


def check_exactly_once(
    engine: Engine, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> tuple[list[str], list[str]]:
    """Every delivery arrived under its id, none missing and none unknown; the ids received."""
    rows = deliveries(engine)
    assert all(row["status"] == "skickad" for row in rows)
    mails = {message_id_header(row["meddelande_id"]) for row in rows if row["kanal"] == "epost"}
    hooks = {str(row["meddelande_id"]) for row in rows if row["kanal"] == "webhook"}
    with engine.connect() as conn:
        known = {str(v) for v in conn.execute(text("SELECT meddelande_id FROM leverans")).scalars()}
    received_mails, received_hooks = inbox.ids(), webhook.keys()
    # A receiver deduplicating by id sees exactly our messages: nothing missing, nothing else.
    assert {m for m in received_mails if m.strip("<>").split("@")[0] in known} >= mails
    assert mails == {m for m in received_mails if m in mails}
    assert set(received_hooks) == hooks
    assert all(m.strip("<>").split("@")[0] in known for m in received_mails)
    return received_mails, received_hooks


def test_the_retry_delay_doubles_from_the_base_up_to_the_cap() -> None:
    assert [retry_delay(n, 30, 3600) for n in range(9)] == [
        30,
        60,
        120,
        240,
        480,
        960,
        1920,
        3600,
        3600,
    ]
    assert retry_delay(10_000, 30, 3600) == 3600


@pytest.mark.usefixtures("receiving")
def test_every_message_arrives_under_its_id_and_the_webhook_is_signed(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    reports = create_reports(settings, 3)
    tally = deliver_now(worker_settings(settings, inbox))

    rows = deliveries(engine)
    # Per report: the receiver by e-mail and webhook, the performer's copy, the receipt.
    assert sorted(
        (r["kanal"], r["syfte"], r["adress"]) for r in rows if r["felanmalan_id"] == reports[0][0]
    ) == [
        ("epost", "kopia", PERFORMER_MAIL),
        ("epost", "kvitto", REPORTER_MAIL),
        ("epost", "ny", RECEIVER_MAIL),
        ("webhook", "ny", webhook.url),
    ]
    assert tally.sent == len(rows) == 12
    assert all(r["skickad"] is not None and r["forsok"] == 0 for r in rows)
    mails, hooks = check_exactly_once(engine, inbox, webhook)
    assert len(mails) == 9
    assert len(hooks) == 3
    by_id = {message_id_header(r["meddelande_id"]): r for r in rows}
    for message in inbox.messages:
        row = by_id[str(message["Message-ID"])]
        assert message["To"] == row["adress"]
        assert row["nummer"] in str(message["Subject"])
    for request in webhook.requests:
        expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
        assert request.headers[SIGNATURE_HEADER] == f"sha256={expected}"
        body = json.loads(request.body)
        row = next(r for r in rows if str(r["meddelande_id"]) == request.headers["Idempotency-Key"])
        assert body["meddelande_id"] == request.headers["Idempotency-Key"]
        assert body["felanmalan"]["nummer"] == row["nummer"]
        assert body["felanmalan"]["anmalare"]["epost"] == REPORTER_MAIL
        assert request.headers["Content-Type"].startswith("application/json")


@pytest.mark.usefixtures("receiving")
def test_the_emails_say_what_who_where_and_why_in_swedish(
    engine: Engine, settings: Settings, inbox: SmtpReceiver
) -> None:
    [(report_id, number)] = create_reports(settings, 1, ambiguous=True)
    deliver_now(worker_settings(settings, inbox))
    asyncio.run(_close(libpq_url(settings.database_url), report_id, "Bänken är lagad."))
    deliver_now(worker_settings(settings, inbox))

    by_to: dict[tuple[str, str], str] = {}
    for message in inbox.messages:
        part = message.get_body(("plain",))
        assert part is not None
        assert part.get_content_charset() == "utf-8"
        by_to[(message["To"], str(message["Subject"]))] = part.get_content()
    to_receiver = by_to[(RECEIVER_MAIL, f"Ny felanmälan {number} – Trasig bänk/bord")]
    for expected in (
        f"Nummer: {number}",
        "Kategori: Trasig bänk/bord",
        "6568500 N, 674500 E (SWEREF 99 TM)",
        "Karta: https://ansvar.example/#18/",
        "Bänken är trasig (0).",
        f"Anmälare: Åsa Öberg, {REPORTER_MAIL}, 070-123 45 67",
        "Regel: närmaste punktobjekt (regel 1)",
        f"Huvudman: {RECEIVER_NAME}",
        "Tvetydigt: ja",
        f"https://ansvar.example/felanmalan/{number}",
    ):
        assert expected in to_receiver, expected
    copy = by_to[(PERFORMER_MAIL, f"Kopia: felanmälan {number} – Trasig bänk/bord")]
    assert "Kopia till utföraren" in copy
    assert "Bänken är trasig (0)." in copy
    receipt = by_to[(REPORTER_MAIL, f"Din felanmälan {number} är mottagen")]
    assert f"Här kan du följa anmälan: https://ansvar.example/felanmalan/{number}" in receipt
    assert f"Mottagare: {RECEIVER_NAME}" in receipt
    closing = by_to[(REPORTER_MAIL, f"Din felanmälan {number} är avslutad")]
    assert f"{RECEIVER_NAME} har åtgärdat felet." in closing
    assert "Meddelande: Bänken är lagad." in closing
    assert len(inbox.messages) == 4
    assert [r["kanal"] for r in deliveries(engine)].count("epost") == 4


@pytest.mark.usefixtures("receiving")
def test_a_webhook_answering_500_is_retried_under_the_same_key(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    webhook.fail_next = 2
    create_reports(settings, 1)
    with worker_running(worker_settings(settings, inbox)):
        wait_until(lambda: all_sent(engine), "every delivery sent")
    [hook] = [r for r in deliveries(engine) if r["kanal"] == "webhook"]
    assert hook["forsok"] == 2
    assert hook["senaste_fel"] is None
    assert webhook.keys() == [str(hook["meddelande_id"])] * 3
    assert len({r.body for r in webhook.requests}) == 1  # the same message each time
    check_exactly_once(engine, inbox, webhook)


@pytest.mark.usefixtures("receiving")
def test_a_delivery_is_given_up_after_the_last_attempt_and_keeps_its_error(
    engine: Engine, settings: Settings, webhook: WebhookReceiver
) -> None:
    webhook.always_fail = True
    create_reports(settings, 1)
    with worker_running(worker_settings(settings, None, delivery_max_attempts=3)):
        wait_until(
            lambda: (
                [r["status"] for r in deliveries(engine) if r["kanal"] == "webhook"] == ["avbruten"]
            ),
            "the webhook given up",
        )
    [hook] = [r for r in deliveries(engine) if r["kanal"] == "webhook"]
    assert hook["forsok"] == 3
    assert hook["senaste_fel"] == "mottagaren svarade HTTP 500"
    assert len(webhook.requests) == 3


@pytest.mark.usefixtures("receiving")
def test_an_unreachable_webhook_keeps_no_secret_of_its_address_in_the_error(
    engine: Engine, settings: Settings
) -> None:
    url = f"http://127.0.0.1:{free_port()}/hook?token=hemligt-token-123"
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE felanmalan_mottagning SET webhook_url = :url WHERE organisation_id ="
                " (SELECT id FROM organisation WHERE slug = :slug)"
            ),
            {"url": url, "slug": RECEIVER},
        )
    create_reports(settings, 1)
    tally = deliver_now(worker_settings(settings, None, **NO_RETRY_WITHIN_RUN))
    [hook] = [r for r in deliveries(engine) if r["kanal"] == "webhook"]
    assert tally.failed == 1
    assert hook["forsok"] == 1
    assert hook["status"] == "vantar"
    assert hook["senaste_fel"]
    assert "hemligt" not in hook["senaste_fel"]
    assert "127.0.0.1" not in hook["senaste_fel"]


@pytest.mark.usefixtures("receiving")
def test_without_smtp_settings_emails_wait_and_go_once_they_are_set(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    create_reports(settings, 2)
    tally = deliver_now(worker_settings(settings, None))
    rows = deliveries(engine)
    assert tally.sent == 2 == len(webhook.requests)
    waiting = [r for r in rows if r["kanal"] == "epost"]
    assert len(waiting) == 6
    assert all(
        r["status"] == "vantar" and r["forsok"] == 0 and r["senaste_fel"] is None for r in waiting
    )
    assert inbox.messages == []
    deliver_now(worker_settings(settings, inbox))
    check_exactly_once(engine, inbox, webhook)
    assert len(inbox.messages) == 6


@pytest.mark.usefixtures("receiving")
def test_starttls_asked_for_but_not_offered_sends_nothing_in_clear(
    engine: Engine, settings: Settings, inbox: SmtpReceiver
) -> None:
    create_reports(settings, 1)
    deliver_now(worker_settings(settings, inbox, smtp_starttls=True, **NO_RETRY_WITHIN_RUN))
    mails = [r for r in deliveries(engine) if r["kanal"] == "epost"]
    assert all(r["status"] == "vantar" and r["forsok"] == 1 for r in mails)
    assert all("STARTTLS" in r["senaste_fel"] for r in mails)
    assert inbox.messages == []


@pytest.mark.usefixtures("receiving")
def test_an_smtp_outage_mid_run_delays_but_loses_nothing(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    with worker_running(worker_settings(settings, inbox)):
        create_reports(settings, 4)
        wait_until(lambda: len(inbox.messages) >= 3, "some e-mails before the outage")
        inbox.stop()
        create_reports(settings, 4)
        wait_until(
            lambda: any(r["forsok"] >= 2 and r["kanal"] == "epost" for r in deliveries(engine)),
            "e-mails retried during the outage",
        )
        assert not all_sent(engine)
        inbox.start()
        wait_until(lambda: all_sent(engine), "every delivery sent after the outage")
    check_exactly_once(engine, inbox, webhook)
    assert any(r["senaste_fel"] is None and r["forsok"] >= 2 for r in deliveries(engine))


def _worker_process(settings: Settings) -> "subprocess.Popen[str]":
    env = {
        "ANSVAR_DATABASE_URL": settings.database_url,
        "ANSVAR_MIGRATION_DATABASE_URL": settings.owner_database_url,
        "ANSVAR_BASE_URL": settings.base_url,
        "ANSVAR_SMTP_HOST": settings.smtp_host,
        "ANSVAR_SMTP_PORT": str(settings.smtp_port),
        "ANSVAR_SMTP_STARTTLS": "false",
        "ANSVAR_MAIL_FROM": settings.mail_from,
        "ANSVAR_DELIVERY_POLL_S": str(settings.delivery_poll_s),
        "ANSVAR_DELIVERY_BATCH_SIZE": str(settings.delivery_batch_size),
        "ANSVAR_DELIVERY_TIMEOUT_S": str(settings.delivery_timeout_s),
        "ANSVAR_DELIVERY_LEASE_S": str(settings.delivery_lease_s),
        "ANSVAR_DELIVERY_RETRY_BASE_S": str(settings.delivery_retry_base_s),
        "ANSVAR_DELIVERY_RETRY_MAX_S": str(settings.delivery_retry_max_s),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "felanmalan", "leverera"],
        env=os.environ | env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.usefixtures("receiving")
def test_a_worker_killed_mid_batch_sends_again_under_the_same_id_after_a_restart(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    configured = worker_settings(settings, inbox, delivery_lease_s=4.0, delivery_timeout_s=1.0)
    create_reports(configured, 5)
    inbox.hold_at = 4  # the 4th e-mail arrives, and its sender waits for the answer
    worker = _worker_process(configured)
    try:
        wait_until(inbox.holding.is_set, "an e-mail held at the server")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        worker.kill()
        worker.wait()
    held = str(inbox.messages[3]["Message-ID"])
    inbox.release.set()
    [held_row] = [r for r in deliveries(engine) if message_id_header(r["meddelande_id"]) == held]
    assert held_row["status"] == "vantar"  # sent, but the worker died before it knew
    assert not all_sent(engine)

    restarted = _worker_process(configured)
    try:
        wait_until(lambda: all_sent(engine), "every delivery sent after the restart")
    finally:
        restarted.send_signal(signal.SIGTERM)
        out, err = restarted.communicate(timeout=30)
    assert restarted.returncode == 0, err
    assert "skickade" in out
    mails, _ = check_exactly_once(engine, inbox, webhook)
    assert mails.count(held) == 2  # the same message again, recognisably


async def _claims_side_by_side(settings: Settings) -> list[list[Claimed]]:
    url, channels = libpq_url(settings.database_url), ["epost", "webhook"]
    async with (
        await psycopg.AsyncConnection.connect(url) as holder,
        await psycopg.AsyncConnection.connect(url, autocommit=True) as other,
    ):
        # Waiting for the holder's locks would end in this error instead of a claim.
        await other.execute("SET statement_timeout = '5s'")
        async with holder.transaction():
            held = await claim(holder, settings, channels)  # its row locks last until commit
            beside = await claim(other, settings, channels)
        after = await claim(other, settings, channels)
        return [held, beside, after]


@pytest.mark.usefixtures("receiving")
def test_a_claim_skips_rows_another_claim_holds_and_the_lease_keeps_them(
    engine: Engine, settings: Settings
) -> None:
    create_reports(settings, 2)  # 8 deliveries
    configured = worker_settings(
        settings, None, smtp_host="127.0.0.1", delivery_batch_size=3, delivery_lease_s=600.0
    )
    held, beside, after = asyncio.run(_claims_side_by_side(configured))
    ids = [{row.id for row in rows} for rows in (held, beside, after)]
    assert [len(i) for i in ids] == [3, 3, 2]
    assert len(ids[0] | ids[1] | ids[2]) == 8  # no row claimed twice
    assert all(r["status"] == "vantar" and r["forsok"] == 0 for r in deliveries(engine))


@pytest.mark.usefixtures("receiving")
def test_two_workers_never_send_one_message_twice(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    configured = worker_settings(settings, inbox, delivery_batch_size=2)
    with worker_running(configured), worker_running(configured):
        create_reports(settings, 8)
        wait_until(lambda: all_sent(engine), "every delivery sent")
    mails, hooks = check_exactly_once(engine, inbox, webhook)
    assert len(mails) == len(set(mails)) == 24
    assert len(hooks) == len(set(hooks)) == 8


@pytest.mark.usefixtures("receiving")
def test_the_service_delivers_in_the_background_woken_by_the_commit(
    engine: Engine, settings: Settings, inbox: SmtpReceiver, webhook: WebhookReceiver
) -> None:
    # Polling only every ten minutes: what arrives came through NOTIFY (or the start-up round).
    configured = worker_settings(settings, inbox, delivery_poll_s=600.0, delivery_in_service=True)
    with TestClient(create_app(configured)):
        create_reports(settings, 2)
        wait_until(lambda: all_sent(engine), "every delivery sent by the service")
    check_exactly_once(engine, inbox, webhook)


@pytest.mark.usefixtures("receiving")
def test_the_outbox_lists_what_waits_without_the_reporters_address(
    engine: Engine, settings: Settings
) -> None:
    [(_, number)] = create_reports(settings, 1)
    env = {
        "ANSVAR_DATABASE_URL": settings.database_url,
        "ANSVAR_MIGRATION_DATABASE_URL": settings.owner_database_url,
        "ANSVAR_SMTP_HOST": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "app.cli", "felanmalan", "utkorg"],
        env=os.environ | env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stdout.splitlines() if number in line]
    assert len(lines) == len(deliveries(engine)) == 4
    assert any("kvitto" in line and "anmälaren" in line for line in lines)
    assert REPORTER_MAIL not in done.stdout
    assert "E-post väntar" in done.stdout
