"""Server-side sessions: a random id in an HTTP-only cookie, only its hash in the database."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

import psycopg
from fastapi import Request, Response

from app.core.settings import Settings

# The __Host- prefix makes the browser refuse the cookie unless it is Secure, for path / and
# set without a Domain, so no other host or path can plant or shadow it.
SECURE_COOKIE = "__Host-ansvar_session"
PLAIN_COOKIE = "ansvar_session"


def cookie_name(settings: Settings) -> str:
    """The session cookie's name for these settings."""
    return SECURE_COOKIE if settings.session_cookie_secure else PLAIN_COOKIE


def session_hash(session_id: str) -> str:
    """The stored form of a session id."""
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SignedIn:
    """A valid session: whom it stands for, and its CSRF token."""

    id: int
    role: str
    organisation_id: int | None
    name: str
    email: str | None
    token_id: int | None
    csrf_token: str
    organisation_slug: str | None
    organisation_name: str | None


@dataclass(frozen=True)
class Holder:
    """Whom a new session stands for."""

    role: str
    organisation_id: int | None
    name: str
    email: str | None = None
    token_id: int | None = None
    subject: str | None = None


# Touching a session on every request would write on every tile: once a minute is enough for
# an idle timeout counted in minutes.
_FIND_SQL = """
WITH found AS (
    SELECT s.id, s.roll, s.organisation_id, s.namn, s.epost, s.token_id, s.csrf_token,
           o.slug, o.namn AS organisation_namn, s.senast_sedd
    FROM inloggning s
    LEFT JOIN organisation o ON o.id = s.organisation_id
    LEFT JOIN api_token t ON t.id = s.token_id
    WHERE s.sessions_hash = %(hash)s
      AND s.giltig_till > now()
      AND s.senast_sedd > now() - make_interval(mins => %(idle)s)
      AND (s.token_id IS NULL OR (t.aterkallad IS NULL AND t.giltig_till > now()))
), touched AS (
    UPDATE inloggning SET senast_sedd = now() FROM found
    WHERE inloggning.id = found.id
      AND found.senast_sedd < now() - interval '1 minute'
)
SELECT id, roll, organisation_id, namn, epost, token_id, csrf_token, slug, organisation_namn
FROM found
"""


async def find_session(
    conn: psycopg.AsyncConnection[Any], session_id: str, settings: Settings
) -> SignedIn | None:
    """The session of a cookie's id, when it has timed out neither way (its token still valid)."""
    cursor = await conn.execute(
        _FIND_SQL, {"hash": session_hash(session_id), "idle": settings.session_idle_minutes}
    )
    row = await cursor.fetchone()
    return None if row is None else SignedIn(*row)


_FORGET_ENDED_SQL = (
    "DELETE FROM inloggning WHERE giltig_till <= now()"
    " OR senast_sedd <= now() - make_interval(mins => %(idle)s)"
)
_START_SQL = (
    "INSERT INTO inloggning (sessions_hash, csrf_token, roll, organisation_id, namn, epost,"
    " token_id, subjekt, giltig_till) VALUES (%(hash)s, %(csrf)s, %(role)s, %(organisation)s,"
    " %(name)s, %(email)s, %(token)s, %(subject)s, now() + make_interval(hours => %(hours)s))"
)


async def start_session(
    conn: psycopg.AsyncConnection[Any], holder: Holder, settings: Settings
) -> str:
    """A new session for holder; the id to put in the cookie (stored only as its hash)."""
    session_id = secrets.token_urlsafe(32)
    async with conn.transaction():
        await conn.execute(_FORGET_ENDED_SQL, {"idle": settings.session_idle_minutes})
        await conn.execute(
            _START_SQL,
            {
                "hash": session_hash(session_id),
                "csrf": secrets.token_urlsafe(32),
                "role": holder.role,
                "organisation": holder.organisation_id,
                "name": holder.name,
                "email": holder.email,
                "token": holder.token_id,
                "subject": holder.subject,
                "hours": settings.session_max_hours,
            },
        )
    return session_id


async def end_session(conn: psycopg.AsyncConnection[Any], session_id: str) -> None:
    """End a session at once: its cookie no longer signs anyone in."""
    await conn.execute(
        "DELETE FROM inloggning WHERE sessions_hash = %(hash)s", {"hash": session_hash(session_id)}
    )


def session_cookie(request: Request) -> str | None:
    """The session id the browser sent, if any."""
    value = request.cookies.get(cookie_name(request.app.state.settings))
    return value if value and len(value) <= 100 else None


def set_session_cookie(response: Response, session_id: str, settings: Settings) -> None:
    """Give the browser its session: HTTP-only, SameSite=Lax, path /, Secure unless set off."""
    response.set_cookie(
        cookie_name(settings),
        session_id,
        max_age=settings.session_max_hours * 3600,
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Tell the browser to drop its session cookie."""
    response.delete_cookie(
        cookie_name(settings),
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
