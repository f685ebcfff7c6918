"""Real receivers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP endpoint, each
collecting what arrives, able to stop, fail or hold a message on demand."""

import asyncio
import email
import email.policy
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.support.servers import HOST, free_port


def wait_until(condition: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
    """Poll condition until it is true (its value returned); fail naming what did not happen."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"did not happen within {timeout_s:.0f} s: {what}")
        time.sleep(0.05)


class _Collector:
    def __init__(self, inbox: "SmtpReceiver") -> None:
        self.inbox = inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Keep the message; hold the answer while the receiver is told to."""
        del server, session
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.inbox.lock:
            self.inbox.messages.append(message)
            count = len(self.inbox.messages)
        if self.inbox.hold_at == count:
            self.inbox.holding.set()
            # Accepted but not answered: the sender cannot know it arrived.
            await asyncio.get_running_loop().run_in_executor(None, self.inbox.release.wait, 60)
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """An SMTP server on a port of its own that keeps every message; stop() and start() again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen (again, on the same port)."""
        self._controller = Controller(_Collector(self), hostname=HOST, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        """Stop listening; connected clients are cut off."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def ids(self) -> list[str]:
        """The Message-IDs received, in order, repeats included."""
        with self.lock:
            return [str(m["Message-ID"]) for m in self.messages]


@dataclass(frozen=True)
class Request:
    """One request the webhook receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """An HTTP server in a thread recording POSTs; answers 500 while told to fail."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.fail_next = 0
        self.always_fail = False
        self.lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests.append(Request(self.path, dict(self.headers), body))
                    failing = receiver.always_fail or receiver.fail_next > 0
                    receiver.fail_next = max(0, receiver.fail_next - 1)
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                del format, args

        self._server = http.server.ThreadingHTTPServer((HOST, 0), Handler)
        self.url = f"http://{HOST}:{self._server.server_address[1]}/felanmalan"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        """Serve in a thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def keys(self) -> list[str]:
        """The Idempotency-Keys received, in order, repeats included."""
        with self.lock:
            return [r.headers["Idempotency-Key"] for r in self.requests]


@contextmanager
def smtp_receiver() -> Iterator[SmtpReceiver]:
    """A running SMTP receiver, stopped afterwards."""
    inbox = SmtpReceiver()
    inbox.start()
    try:
        yield inbox
    finally:
        inbox.release.set()
        inbox.stop()


@contextmanager
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A running webhook receiver, stopped afterwards."""
    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
