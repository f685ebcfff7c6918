"""The delivery worker: sends the outbox's waiting messages, nothing lost, nothing sent twice
unrecognisably.

Claim, send, mark, each step on its own, so no row lock is held while the network is waited on:

1. Claim: one statement (its own transaction) picks due rows (status vantar, nasta_forsok ≤
   now) with FOR UPDATE SKIP LOCKED and moves their nasta_forsok to now + the lease
   (ANSVAR_DELIVERY_LEASE_S). Its locks end with the statement; the lease keeps the rows from
   other workers while this one sends, and the new nasta_forsok is the claim's token.
2. Send, outside any transaction: each e-mail's Message-ID and each webhook's Idempotency-Key
   is the row's meddelande_id.
3. Mark: sent rows become skickad; a failure adds an attempt, keeps the error (no secrets) and
   sets the next attempt by exponential backoff (base × 2^attempts, capped), or gives up
   (avbruten) after the last attempt or a permanent refusal. A failure is marked only while the
   claim is still this worker's (nasta_forsok is its token).

A worker that dies between sending and marking leaves its rows claimed until the lease runs
out; another worker (or itself restarted) then sends them again under the same id, which the
receiver recognises. A worker stops sending a batch once its lease could run out during the
next message, and gives the rest back (nasta_forsok = now), so two workers never hold one row.
SKIP LOCKED keeps concurrent claims apart, so any number of workers (one per service process
and the command) can run.

Without SMTP settings, e-mails are not claimed at all: they wait, without attempts, until the
settings are there. New rows wake a waiting worker through NOTIFY leverans (sent by
outbox.enqueue at commit); otherwise it looks every ANSVAR_DELIVERY_POLL_S.
"""

import asyncio
import contextlib
import logging
import smtplib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import psycopg

from app.core.db import libpq_url
from app.core.problems import is_connection_error
from app.core.settings import Settings
from app.delivery import webhook
from app.delivery.mailer import PermanentFailure, SmtpSession, build_message, mail_configured
from app.delivery.messages import compose_email, load_report, webhook_payload
from app.delivery.outbox import NOTIFY_CHANNEL

log = logging.getLogger("app.delivery")

_CLAIM_SQL = """
WITH due AS (
  SELECT id FROM leverans
  WHERE status = 'vantar' AND nasta_forsok <= now() AND kanal = ANY(%(channels)s)
  ORDER BY nasta_forsok, id
  LIMIT %(batch)s
  FOR UPDATE SKIP LOCKED)
UPDATE leverans l SET nasta_forsok = clock_timestamp() + make_interval(secs => %(lease)s)
FROM due WHERE l.id = due.id
RETURNING l.id, l.felanmalan_id, l.meddelande_id, l.kanal, l.adress, l.syfte, l.forsok,
          l.nasta_forsok
"""
# Sent is sent, even when the lease ran out meanwhile and another worker sends it again.
_SENT_SQL = """
UPDATE leverans SET status = 'skickad', skickad = now(), senaste_fel = NULL
WHERE id = %(id)s AND status = 'vantar'
"""
_FAILED_SQL = """
UPDATE leverans SET forsok = forsok + 1, senaste_fel = %(error)s, status = %(status)s,
  nasta_forsok = now() + make_interval(secs => %(delay)s)
WHERE id = %(id)s AND status = 'vantar' AND nasta_forsok = %(claim)s
"""
_RELEASE_SQL = """
UPDATE leverans SET nasta_forsok = now()
WHERE id = ANY(%(ids)s) AND status = 'vantar' AND nasta_forsok = %(claim)s
"""
_ERROR_LENGTH = 500
# Failures of a delivery itself; anything else is a fault of ours and logged with its trace.
_EXPECTED = (
    OSError,
    smtplib.SMTPException,
    httpx.HTTPError,
    webhook.WebhookFailed,
    PermanentFailure,
)


@dataclass(frozen=True)
class Claimed:
    """One claimed delivery."""

    id: int
    report_id: int
    message_id: UUID
    channel: str
    address: str
    purpose: str
    attempts: int
    claim: datetime


@dataclass
class Tally:
    """What a worker did: messages sent, failed (to be retried or given up), handed back."""

    sent: int = 0
    failed: int = 0
    given_up: int = 0
    released: int = 0
    claimed: int = 0

    def add(self, other: "Tally") -> None:
        """Add another tally to this one."""
        self.sent += other.sent
        self.failed += other.failed
        self.given_up += other.given_up
        self.released += other.released
        self.claimed += other.claimed


def retry_delay(attempts: int, base_s: float, cap_s: float) -> float:
    """Seconds until the next attempt after a failure, attempts being the failures before it."""
    return float(min(cap_s, base_s * 2 ** min(attempts, 62)))


def describe_error(exc: BaseException) -> str:
    """A failure in one line for senaste_fel: what went wrong, never a secret or a URL."""
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        return "tidsgränsen passerades"
    if isinstance(exc, (webhook.WebhookFailed, PermanentFailure)):
        return str(exc)[:_ERROR_LENGTH]
    text = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    # httpx names the URL in some messages, and a URL may hold a token.
    return text.split(" for url ")[0][:_ERROR_LENGTH]


async def claim(
    conn: psycopg.AsyncConnection[Any], settings: Settings, channels: list[str]
) -> list[Claimed]:
    """Claim a batch of due deliveries on the given channels for the lease (autocommit)."""
    cursor = await conn.execute(
        _CLAIM_SQL,
        {
            "channels": channels,
            "batch": settings.delivery_batch_size,
            "lease": settings.delivery_lease_s,
        },
    )
    rows = [Claimed(*row) for row in await cursor.fetchall()]
    return sorted(rows, key=lambda row: row.id)


class _Senders:
    """What one batch sends with: an SMTP session (opened when needed) and the HTTP client."""

    def __init__(self, settings: Settings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        self.smtp = SmtpSession(settings)

    async def send(self, conn: psycopg.AsyncConnection[Any], row: Claimed) -> bool:
        """Send one delivery; False when its report is gone (nothing to send)."""
        report = await load_report(conn, row.report_id)
        if report is None:
            return False
        if row.channel == "epost":
            email = compose_email(self.settings, report, row.purpose)
            message = build_message(self.settings, row.address, email, row.message_id)
            await asyncio.to_thread(self.smtp.send, message)
            return True
        secret = await webhook.secret_for(conn, row.address, row.report_id)
        if secret is None:
            raise PermanentFailure("ingen organisation tar längre emot webhooks på adressen")
        payload = webhook_payload(self.settings, report, row.purpose, str(row.message_id))
        await webhook.post(self.client, row.address, secret, payload, row.message_id)
        return True


async def _mark_failed(
    conn: psycopg.AsyncConnection[Any], settings: Settings, row: Claimed, exc: BaseException
) -> bool:
    """Record a failure; True when the delivery is given up."""
    final = isinstance(exc, PermanentFailure) or row.attempts + 1 >= settings.delivery_max_attempts
    delay = retry_delay(row.attempts, settings.delivery_retry_base_s, settings.delivery_retry_max_s)
    await conn.execute(
        _FAILED_SQL,
        {
            "id": row.id,
            "error": describe_error(exc),
            "status": "avbruten" if final else "vantar",
            "delay": 0 if final else delay,
            "claim": row.claim,
        },
    )
    log.warning(
        "leverans %s (%s, %s) misslyckades, försök %s%s: %s",
        row.id,
        row.channel,
        row.purpose,
        row.attempts + 1,
        ", ger upp" if final else "",
        describe_error(exc),
    )
    return final


async def deliver_batch(
    conn: psycopg.AsyncConnection[Any],
    settings: Settings,
    client: httpx.AsyncClient,
    stop: asyncio.Event | None = None,
) -> Tally:
    """Claim one batch, send it and mark each row; the rest is handed back when stopping or
    when the lease could run out."""
    channels = ["webhook", *(["epost"] if mail_configured(settings) else [])]
    rows = await claim(conn, settings, channels)
    tally = Tally(claimed=len(rows))
    if not rows:
        return tally
    started = time.monotonic()
    # Worst case for one message: connecting, STARTTLS and login, then sending, each timed out.
    latest_start = started + settings.delivery_lease_s - 3 * settings.delivery_timeout_s
    senders = _Senders(settings, client)
    try:
        for index, row in enumerate(rows):
            if index and (time.monotonic() > latest_start or (stop and stop.is_set())):
                left = rows[index:]
                await conn.execute(_RELEASE_SQL, {"ids": [r.id for r in left], "claim": row.claim})
                tally.released += len(left)
                break
            try:
                sent = await senders.send(conn, row)
            except psycopg.OperationalError:
                raise  # the database, not the delivery: the lease brings the rows back
            except Exception as exc:
                if not isinstance(exc, _EXPECTED):
                    log.exception("leverans %s: oväntat fel", row.id)
                given_up = await _mark_failed(conn, settings, row, exc)
                tally.failed += 1
                tally.given_up += given_up
                continue
            if sent:
                await conn.execute(_SENT_SQL, {"id": row.id})
                tally.sent += 1
    finally:
        await asyncio.to_thread(senders.smtp.close)
    return tally


async def _connect(settings: Settings) -> psycopg.AsyncConnection[Any]:
    return await psycopg.AsyncConnection.connect(
        libpq_url(settings.database_url),
        autocommit=True,
        connect_timeout=max(1, round(settings.connect_timeout_s)),
        application_name="ansvarskartan-leverans",
        options=f"-c statement_timeout={settings.statement_timeout_ms}",
    )


async def _wait_for_news(
    conn: psycopg.AsyncConnection[Any], timeout_s: float, stop: asyncio.Event
) -> None:
    """Until a NOTIFY (new deliveries), the poll interval, or a stop."""

    async def notified() -> None:
        async for _ in conn.notifies(timeout=timeout_s, stop_after=1):
            break

    waiting = [asyncio.ensure_future(notified()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
    for task in waiting:
        if task.done() and not task.cancelled() and (error := task.exception()) is not None:
            raise error


async def run_worker(
    settings: Settings, stop: asyncio.Event | None = None, *, once: bool = False
) -> Tally:
    """Deliver until stopped (or, once: until nothing is due); reconnects after a lost database.

    once raises a lost connection instead of waiting for the database.
    """
    stop = stop or asyncio.Event()
    total = Tally()
    warned_mail = False
    async with webhook.http_client(settings.delivery_timeout_s) as client:
        while not stop.is_set():
            if settings.smtp_host and not settings.mail_from and not warned_mail:
                log.warning("ANSVAR_SMTP_HOST är satt men inte ANSVAR_MAIL_FROM: e-post väntar")
                warned_mail = True
            try:
                async with await _connect(settings) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    while not stop.is_set():
                        tally = await deliver_batch(conn, settings, client, stop)
                        total.add(tally)
                        if tally.claimed == settings.delivery_batch_size and not tally.released:
                            continue  # a full batch: more may be due
                        if once and tally.claimed == 0:
                            return total
                        if not once:
                            await _wait_for_news(conn, settings.delivery_poll_s, stop)
            except psycopg.OperationalError as exc:
                if once or not is_connection_error(exc):
                    raise
                log.warning("leveranserna väntar: databasen kan inte nås (%s)", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=settings.delivery_poll_s)
    return total


class DeliveryWorker:
    """The worker as a background task of a service process (the lifespan starts and stops it)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._stop = asyncio.Event()
        self._task: asyncio.Task[Tally] | None = None

    def start(self) -> None:
        """Start delivering in the background."""
        self._task = asyncio.create_task(self._run(), name="leverans")

    async def _run(self) -> Tally:
        while True:
            try:
                return await run_worker(self._settings, self._stop)
            except Exception:
                # The worker must outlive a bad moment; the next round starts from the outbox.
                log.exception("leveransarbetaren föll; startar om")
                try:
                    await asyncio.wait_for(self._stop.wait(), self._settings.delivery_poll_s)
                    return Tally()
                except TimeoutError:
                    pass

    async def stop(self) -> None:
        """Finish the message being sent, hand the rest of the batch back, and stop."""
        if self._task is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(
                asyncio.shield(self._task), timeout=3 * self._settings.delivery_timeout_s
            )
        except TimeoutError:
            # Its claimed rows wait for their lease: sent again later, under the same ids.
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        except Exception:
            log.exception("leveransarbetaren föll vid stopp")
