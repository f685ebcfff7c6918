"""Read your own writes with reads on standbys (app.core.replicas).

After a write that succeeded, the primary's WAL position (at or past the write's commit) is
remembered for the caller: in this node's memory by the caller's credentials (token or session),
and in a short-lived cookie, which also reaches the other service nodes and covers anonymous
reporters. The caller's lagging reads then go only to a standby that has replayed that position,
else to the primary, for at most read_your_writes_s.
"""

import hashlib
import time
from collections.abc import Iterable
from http.cookies import SimpleCookie

import psycopg
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.replicas import PRIMARY_POSITION_SQL, ReadRouter

COOKIE = "ansvar_skrivet"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Past this many callers' marks, the expired ones are dropped.
_PRUNE_ABOVE = 10_000
# A WAL position fits in 64 bits: 20 digits.
_MAX_DIGITS = 20


class WriteMarks:
    """The WAL position each caller last wrote at, for a bounded time."""

    def __init__(self, hold_s: float) -> None:
        self.hold_s = hold_s
        self._marks: dict[str, tuple[int, float]] = {}

    def note(self, key: str | None, position: int) -> None:
        """Remember that the caller's write is at or before position."""
        if key is None:
            return
        if len(self._marks) > _PRUNE_ABOVE:
            now = time.monotonic()
            self._marks = {k: m for k, m in self._marks.items() if m[1] > now}
        self._marks[key] = (position, time.monotonic() + self.hold_s)

    def position(self, key: str | None) -> int | None:
        """The position the caller's reads must see, while it is held."""
        mark = self._marks.get(key) if key is not None else None
        if mark is None or mark[1] <= time.monotonic():
            return None
        return mark[0]


def caller_key(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """A digest of the request's credentials (the Authorization header, else its cookies'
    session), or None for an anonymous caller."""
    authorization = cookies = None
    for name, value in headers:
        if name == b"authorization":
            authorization = value
        elif name == b"cookie":
            cookies = value
    if authorization is None and cookies is None:
        return None
    secret = authorization or _session_part(cookies or b"")
    return hashlib.sha256(secret).hexdigest() if secret else None


def _session_part(cookies: bytes) -> bytes:
    jar = SimpleCookie()
    try:
        jar.load(cookies.decode("latin-1"))
    except Exception:  # a malformed cookie header is a caller without a session here
        return b""
    parts = sorted(f"{k}={m.value}" for k, m in jar.items() if k != COOKIE)
    return "; ".join(parts).encode()


def cookie_position(headers: Iterable[tuple[bytes, bytes]]) -> int | None:
    """The position of the caller's last write, from the cookie this module sets."""
    for name, value in headers:
        if name != b"cookie":
            continue
        jar = SimpleCookie()
        try:
            jar.load(value.decode("latin-1"))
        except Exception:  # a malformed cookie header carries no position
            return None
        morsel = jar.get(COOKIE)
        text = morsel.value if morsel else ""
        if text.isdigit() and len(text) <= _MAX_DIGITS:
            return int(text)
    return None


def required_position(scope: Scope, marks: WriteMarks) -> int | None:
    """The WAL position a lagging read of this request must see, if any."""
    headers = scope.get("headers", [])
    known = [p for p in (marks.position(caller_key(headers)), cookie_position(headers)) if p]
    return max(known) if known else None


class ReadYourWritesMiddleware:
    """After a write that succeeded, note the primary's WAL position for the caller (only
    when standbys are configured: without them nothing is asked or set)."""

    def __init__(self, app: ASGIApp, *, router: "ReadRouterRef", marks: WriteMarks) -> None:
        self.app = app
        self.router = router
        self.marks = marks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; at a write's response start, note and set the position."""
        router = self.router.get()
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS or router is None:
            await self.app(scope, receive, send)
            return

        async def send_noting_the_write(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] < 400:
                position = await _primary_position(router)
                if position is not None:
                    self.marks.note(caller_key(scope.get("headers", [])), position)
                    cookie = (
                        f"{COOKIE}={position}; Max-Age={round(self.marks.hold_s)}; Path=/;"
                        " HttpOnly; SameSite=Lax"
                    )
                    MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_noting_the_write)


class ReadRouterRef:
    """The app's read router once its lifespan has made one (None without standbys)."""

    def __init__(self) -> None:
        self.router: ReadRouter | None = None

    def get(self) -> ReadRouter | None:
        """The router when it has standbys."""
        return self.router if self.router is not None and self.router.standbys else None


async def _primary_position(router: ReadRouter) -> int | None:
    # The insert position, not pg_current_wal_lsn(): with synchronous_commit off a commit
    # record can still be in the WAL buffers, behind the write position.
    try:
        async with router.primary.connection(timeout=router.settings.connect_timeout_s) as conn:
            row = await (await conn.execute(PRIMARY_POSITION_SQL)).fetchone()
    except psycopg.Error:
        # Without the position the caller's reads may lag once; the write itself stands.
        return None
    return int(row[0]) if row else None
