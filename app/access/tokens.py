"""Creating, listing and revoking API tokens; only a SHA-256 hash of a token is stored."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Connection, select, update
from sqlalchemy.dialects.postgresql import insert

from app.core.problems import InvalidInput, NotFound
from app.models import ApiToken, Organisation
from app.models.access import BOUND_ROLES, ROLES

TOKEN_PREFIX = "ak_"
# How a write by a token is signed (access.writer): "token:<id> <name>".
_SIGNED_TOKEN_ID = "'^token:([0-9]{1,9}) '"


def token_hash(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenHolder:
    """Whom a valid token stands for."""

    id: int
    name: str
    role: str
    organisation_id: int | None


def actor_sql(column: str) -> str:
    """SQL of who the signature in `column` is: a token as "name (role, organisation)".

    column is an expression of the calling code, never user input. A person signed in with
    the organisation's account ("inloggning:<e-mail> <name>") is shown by name only: the e-mail
    stays in the audit log. A signature that is no known token's is shown as it is.
    """
    return (
        f"CASE WHEN starts_with({column}, 'inloggning:')"  # noqa: S608 (column: the caller's constant)
        f" THEN regexp_replace({column}, '^inloggning:[^ ]* ', '') || ' (inloggad)'"
        " ELSE coalesce((SELECT t.namn || ' (' || t.roll"
        " || coalesce(', ' || coalesce(o.kortnamn, o.namn), '') || ')'"
        " FROM api_token t LEFT JOIN organisation o ON o.id = t.organisation_id"
        f" WHERE t.id = CAST(substring({column} FROM {_SIGNED_TOKEN_ID}) AS int)), {column}) END"
    )


_VALID_TOKEN_SQL = (
    "SELECT id, namn, roll, organisation_id FROM api_token WHERE token_hash = %(hash)s"
    " AND aterkallad IS NULL AND giltig_till > now()"
)


async def valid_token(conn: psycopg.AsyncConnection[Any], token: str) -> TokenHolder | None:
    """The holder of a token that is neither revoked nor expired; None for any other."""
    cursor = await conn.execute(_VALID_TOKEN_SQL, {"hash": token_hash(token)})
    row = await cursor.fetchone()
    return None if row is None else TokenHolder(*row)


@dataclass(frozen=True)
class TokenInfo:
    """A token as listed (never the token itself)."""

    id: int
    namn: str
    roll: str
    organisation: str | None
    skapad: datetime
    giltig_till: datetime
    aterkallad: datetime | None


def create_token(
    conn: Connection, *, name: str, role: str, organisation: str | None, days: int
) -> tuple[int, str]:
    """A new token (id, token); the token is shown once and only its hash is kept."""
    if role not in ROLES:
        raise InvalidInput(f"Rollen '{role}' finns inte; välj {', '.join(ROLES)}.")
    if days < 1 or days > 3650:
        raise InvalidInput("En token gäller 1–3650 dagar.")
    organisation_id = None
    if organisation is not None:
        organisation_id = conn.scalar(
            select(Organisation.id).where(Organisation.slug == organisation)
        )
        if organisation_id is None:
            raise NotFound(f"Organisationen '{organisation}' finns inte.")
    if role in BOUND_ROLES and organisation_id is None:
        raise InvalidInput(f"En token med rollen {role} hör till en organisation (--organisation).")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(
        insert(ApiToken)
        .values(
            namn=name,
            roll=role,
            organisation_id=organisation_id,
            token_hash=token_hash(token),
            giltig_till=datetime.now(UTC) + timedelta(days=days),
        )
        .returning(ApiToken.id)
    ).scalar_one()
    return token_id, token


def list_tokens(conn: Connection) -> list[TokenInfo]:
    """Every token, newest first."""
    rows = conn.execute(
        select(
            ApiToken.id,
            ApiToken.namn,
            ApiToken.roll,
            Organisation.slug,
            ApiToken.skapad,
            ApiToken.giltig_till,
            ApiToken.aterkallad,
        )
        .outerjoin(Organisation, Organisation.id == ApiToken.organisation_id)
        .order_by(ApiToken.id.desc())
    ).all()
    return [TokenInfo(*row) for row in rows]


def revoke_token(conn: Connection, token_id: int) -> None:
    """Revoke a token at once."""
    revoked = conn.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id, ApiToken.aterkallad.is_(None))
        .values(aterkallad=datetime.now(UTC))
        .returning(ApiToken.id)
    ).first()
    if revoked is None:
        raise NotFound(f"Ingen giltig token med id {token_id}.")
