"""Sign-ins under way at the OpenID provider: kept by the hash of their state, for minutes."""

from dataclasses import dataclass
from typing import Any

import psycopg

from app.signin.oidc import Attempt
from app.signin.sessions import session_hash

ATTEMPT_MINUTES = 10

_REMEMBER_SQL = (
    "INSERT INTO inloggningsforsok (state_hash, nonce, kodverifierare, nasta)"
    " VALUES (%(hash)s, %(nonce)s, %(verifier)s, %(destination)s)"
)
_FORGET_OLD_SQL = (
    "DELETE FROM inloggningsforsok WHERE skapad < now() - make_interval(mins => %(minutes)s)"
)
# Taken once: a state (and its code verifier) cannot be replayed.
_TAKE_SQL = (
    "DELETE FROM inloggningsforsok WHERE state_hash = %(hash)s RETURNING nonce, kodverifierare,"
    " nasta, skapad > now() - make_interval(mins => %(minutes)s)"
)


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback needs of the sign-in it completes."""

    nonce: str
    verifier: str
    destination: str


async def remember_attempt(
    conn: psycopg.AsyncConnection[Any], attempt: Attempt, destination: str
) -> None:
    """Keep an attempt until its callback (or ATTEMPT_MINUTES); older ones are forgotten."""
    async with conn.transaction():
        await conn.execute(_FORGET_OLD_SQL, {"minutes": ATTEMPT_MINUTES})
        await conn.execute(
            _REMEMBER_SQL,
            {
                "hash": session_hash(attempt.state),
                "nonce": attempt.nonce,
                "verifier": attempt.verifier,
                "destination": destination,
            },
        )


async def take_attempt(conn: psycopg.AsyncConnection[Any], state: str) -> PendingSignIn | None:
    """The attempt of a state, removed; None when unknown, used or too old."""
    cursor = await conn.execute(
        _TAKE_SQL, {"hash": session_hash(state), "minutes": ATTEMPT_MINUTES}
    )
    row = await cursor.fetchone()
    if row is None or not row[3]:
        return None
    return PendingSignIn(row[0], row[1], row[2])
