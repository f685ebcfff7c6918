"""Checks on what every request carries, made where it enters, before any route reads it.

PostgreSQL text cannot hold the NUL character, so a NUL in the path, in a query parameter or in
a JSON string is refused here with one 400 problem, rather than as a database error later.
Bodies are checked while they stream in (nothing is buffered): an escaped NUL (`\\u0000`) in a
JSON body stops the reading with the same problem.
"""

import re

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.problems import InvalidInput, problem_response

NUL_DETAIL = (
    "Begäran innehåller tecknet NUL (%00 eller \\u0000), som inte kan lagras. "
    "Ta bort det och försök igen."
)
# \u0000 preceded by an even number of backslashes (an odd one escapes the backslash itself).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
# Enough of the previous chunk to find an escape split across two chunks.
_CARRY = 64


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            media: bytes = value.split(b";", 1)[0].strip().lower()
            return media.endswith((b"/json", b"+json"))
    return False


def _has_nul(scope: Scope) -> bool:
    return "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b"")


class RejectNulMiddleware:
    """Refuse requests with a NUL character in the path, the query or a JSON body (400)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 400 for a NUL in the address; watch a JSON body for one as it is read."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _has_nul(scope):
            problem = InvalidInput(NUL_DETAIL).to_problem(scope.get("path"))
            await problem_response(problem)(scope, receive, send)
            return
        if _is_json(scope):
            receive = _watching(receive)
        await self.app(scope, receive, send)


def _watching(receive: Receive) -> Receive:
    tail = b""

    async def watched() -> Message:
        nonlocal tail
        message = await receive()
        if message["type"] == "http.request":
            window = tail + message.get("body", b"")
            if _JSON_NUL.search(window):
                # FastAPI passes an HTTPException from reading the body on as it is.
                raise HTTPException(400, NUL_DETAIL)
            tail = window[-_CARRY:]
        return message

    return watched
