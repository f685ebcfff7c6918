"""Limits on what one request may carry and how slowly it may arrive.

The request target (path and query string) may be at most MAX_TARGET_BYTES long (414), the
header fields together at most MAX_HEADER_BYTES (431). Under `ansvarskartan serve` the HTTP
protocol (`app.core.http_protocol`) enforces them while the head is parsed, before anything is
buffered; the middleware here states the same limits inside the application, for any server.

A body must keep coming: a read that waits longer than `body_idle_timeout_s` for the next
chunk ends the request with 408, so a client that trickles its body in (or stops) does not keep
a handler, its database connection or an upload slot for ever.
"""

import asyncio
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.problems import AppError, problem_response

MAX_TARGET_BYTES = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_HEADER_COUNT = 100


class TargetTooLong(AppError):
    """The address (path and query string) is longer than the service reads."""

    status = 414
    type = "adressen-ar-for-lang"
    title = "Adressen är för lång"


class HeadersTooLarge(AppError):
    """The request's header fields are larger than the service reads."""

    status = 431
    type = "for-stora-huvudfalt"
    title = "Huvudfälten är för stora"


class RequestTimedOut(AppError):
    """The client stopped sending its request before it was complete."""

    status = 408
    type = "begaran-kom-inte-fram"
    title = "Begäran kom inte fram i tid"


def target_too_long() -> TargetTooLong:
    """The 414 problem of an address over MAX_TARGET_BYTES."""
    return TargetTooLong(
        f"Adressen (sökväg och frågesträng) är längre än {MAX_TARGET_BYTES} byte, som är det "
        "längsta som tas emot. Skicka färre eller kortare parametrar."
    )


def headers_too_large() -> HeadersTooLarge:
    """The 431 problem of header fields over MAX_HEADER_BYTES or MAX_HEADER_COUNT."""
    return HeadersTooLarge(
        f"Begärans huvudfält är större än {MAX_HEADER_BYTES} byte eller fler än "
        f"{MAX_HEADER_COUNT}, som är det mesta som tas emot."
    )


def timed_out(idle_s: float) -> RequestTimedOut:
    """The 408 problem of a request that stopped arriving for idle_s seconds."""
    return RequestTimedOut(
        f"Begäran avbröts: inget nytt av den kom fram på {idle_s:g} sekunder. Försök igen.",
        headers={"Connection": "close"},
    )


class _BodyTimedOut(HTTPException):
    # Raised from receive(): FastAPI passes an HTTPException from reading a body on as it is,
    # where it would turn any other exception into a 400.
    def __init__(self, idle_s: float) -> None:
        super().__init__(408)
        self.idle_s = idle_s


async def _body_timed_out(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, _BodyTimedOut)
    problem = timed_out(exc.idle_s)
    return problem_response(problem.to_problem(request.url.path), headers=problem.headers)


def install_limit_handlers(app: FastAPI) -> None:
    """Render a body that stopped arriving as the 408 problem."""
    app.add_exception_handler(_BodyTimedOut, _body_timed_out)


def head_problem(scope: Scope) -> AppError | None:
    """The problem of a request head over the limits, or None when it is within them."""
    target = len(scope.get("raw_path") or scope.get("path", "").encode())
    query = scope.get("query_string", b"")
    if target + (len(query) + 1 if query else 0) > MAX_TARGET_BYTES:
        return target_too_long()
    headers = scope.get("headers", ())
    if len(headers) > MAX_HEADER_COUNT:
        return headers_too_large()
    if sum(len(name) + len(value) + 4 for name, value in headers) > MAX_HEADER_BYTES:
        return headers_too_large()
    return None


class RequestLimitsMiddleware:
    """414 or 431 for a head over the limits; 408 when the body stops arriving."""

    def __init__(self, app: ASGIApp, *, body_idle_timeout_s: float) -> None:
        self.app = app
        self.idle_s = body_idle_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the head, then read the body with a deadline per chunk."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = head_problem(scope)
        if problem is not None:
            await problem_response(problem.to_problem(), headers=problem.headers)(
                scope, receive, send
            )
            return
        await self.app(scope, _with_idle_timeout(receive, self.idle_s), send)


def _with_idle_timeout(receive: Receive, idle_s: float) -> Receive:
    body_done = False

    async def receive_in_time() -> Message:
        nonlocal body_done
        if body_done:
            # After the body, a read waits for the client to leave (streaming responses do).
            return await receive()
        try:
            message: dict[str, Any] = dict(await asyncio.wait_for(receive(), idle_s))
        except TimeoutError:
            raise _BodyTimedOut(idle_s) from None
        if message["type"] != "http.request" or not message.get("more_body", False):
            body_done = True
        return message

    return receive_in_time
