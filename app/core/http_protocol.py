"""uvicorn's httptools protocol with the service's limits on the request head.

Plain uvicorn answers a request target over 64 KB (httptools cannot parse its URL) or any
malformed request with a plain-text 400, buffers header fields of any size, and waits for ever
for a head that never completes. This protocol, which `ansvarskartan serve` runs, refuses a
target over MAX_TARGET_BYTES with 414 and header fields over MAX_HEADER_BYTES with 431 as soon
as the bytes pass the limit (nothing more is kept), answers a head that does not arrive within
`body_idle_timeout_s` with 408 (or closes a connection on which nothing came), and renders
every such refusal, a malformed request included, as problem+json.
"""

import asyncio
from typing import Any

import httptools
import orjson
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from app.core.limits import (
    MAX_HEADER_BYTES,
    MAX_HEADER_COUNT,
    MAX_TARGET_BYTES,
    headers_too_large,
    target_too_long,
    timed_out,
)
from app.core.problems import PROBLEM_MEDIA_TYPE, AppError, InvalidInput
from app.core.settings import get_settings

# A head is its target, its header fields and the request line's and the fields' separators.
_MAX_HEAD_BYTES = MAX_TARGET_BYTES + MAX_HEADER_BYTES + 1024


class _Refused(Exception):
    """Raised from a parser callback to stop parsing a head over a limit."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol that refuses over-large or slow request heads with problem+json."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.head_timeout_s = get_settings().body_idle_timeout_s
        self.head_timer: asyncio.TimerHandle | None = None
        self.in_head = False
        self.head_bytes = 0
        self.target_bytes = 0
        self.header_bytes = 0
        self.header_count = 0
        self.refusal: AppError | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the clock for the first request's head."""
        super().connection_made(transport)
        self._arm_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the head's clock with the connection."""
        self._cancel_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feed the parser; refuse the head when a callback found it over a limit."""
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            problem = self.refusal or InvalidInput("Begäran gick inte att läsa som HTTP/1.1.")
            self._refuse(problem)
            return
        if self.in_head:
            self.head_bytes += len(data)
            if self.head_bytes > _MAX_HEAD_BYTES:
                self._refuse(headers_too_large())

    def on_message_begin(self) -> None:
        """A new head: count its bytes from zero, and give it the head timeout."""
        super().on_message_begin()
        self.in_head = True
        self.head_bytes = self.target_bytes = self.header_bytes = self.header_count = 0
        self._arm_head_timer()

    def on_url(self, url: bytes) -> None:
        """Collect the target unless it has grown past the limit."""
        self.target_bytes += len(url)
        if self.target_bytes > MAX_TARGET_BYTES:
            self.refusal = target_too_long()
            raise _Refused
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        """Collect a header field unless the fields have grown past the limit."""
        self.header_bytes += len(name) + len(value) + 4
        self.header_count += 1
        if self.header_bytes > MAX_HEADER_BYTES or self.header_count > MAX_HEADER_COUNT:
            self.refusal = headers_too_large()
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        """The head is in: stop its clock and hand the request on."""
        self.in_head = False
        self._cancel_head_timer()
        super().on_headers_complete()

    def _arm_head_timer(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(self.head_timeout_s, self._head_timed_out)

    def _cancel_head_timer(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_timed_out(self) -> None:
        self.head_timer = None
        if self.transport.is_closing():
            return
        if self.in_head:
            self._refuse(timed_out(self.head_timeout_s))
        elif self.cycle is None:
            # Connected, then silent: no request to answer.
            self.transport.close()

    def _refuse(self, problem: AppError) -> None:
        """Answer the problem and close the connection: the rest of its bytes are not read."""
        self.in_head = False
        self._cancel_head_timer()
        if self.transport.is_closing():
            return
        body = orjson.dumps(problem.to_problem())
        content = [STATUS_LINE[problem.status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend(
            [
                b"content-type: " + PROBLEM_MEDIA_TYPE.encode() + b"\r\n",
                b"content-length: " + str(len(body)).encode() + b"\r\n",
                b"x-content-type-options: nosniff\r\n",
                b"connection: close\r\n",
                b"\r\n",
                body,
            ]
        )
        self.transport.write(b"".join(content))
        self.transport.close()
