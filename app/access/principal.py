"""Who is asking: resolved from a Bearer token per request; reads may be open to everyone."""

from dataclasses import dataclass
from typing import Annotated, Any

import psycopg
from fastapi import Depends, Request

from app.access.tokens import token_hash
from app.core.db import get_pooled_connection
from app.core.errors import AppError


class NotAuthenticated(AppError):
    """No valid token where one is needed."""

    status = 401
    type = "inte-inloggad"
    title = "Inloggning krävs"


class Forbidden(AppError):
    """The token's role may not do this."""

    status = 403
    type = "atkomst-nekad"
    title = "Åtkomst nekad"


@dataclass(frozen=True)
class Principal:
    """The caller: anonymous, or a token's role and organisation."""

    role: str | None
    organisation_id: int | None = None
    token_id: int | None = None
    name: str | None = None

    @property
    def anonymous(self) -> bool:
        """True when no token was given."""
        return self.role is None


ANONYMOUS = Principal(role=None)
_TOKEN_SQL = (
    "SELECT id, namn, roll, organisation_id FROM api_token WHERE token_hash = %(hash)s"
    " AND aterkallad IS NULL AND giltig_till > now()"
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ansvarskartan"'}


async def current_principal(request: Request) -> Principal:
    """The caller of this request; a token that is given must be valid."""
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS  # no database work for anonymous reads
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "Ange en token som 'Authorization: Bearer <token>'.", headers=_CHALLENGE
        )
    row = None
    async for conn in get_pooled_connection(request):
        cursor: psycopg.AsyncCursor[Any] = await conn.execute(
            _TOKEN_SQL, {"hash": token_hash(token.strip())}
        )
        row = await cursor.fetchone()
    if row is None:
        raise NotAuthenticated(
            "Token är ogiltig, har gått ut eller har återkallats.", headers=_CHALLENGE
        )
    return Principal(role=row[2], organisation_id=row[3], token_id=row[0], name=row[1])


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def contractor_of(principal: Principal) -> int | None:
    """The organisation a contractor's token is limited to (None for every other caller)."""
    return principal.organisation_id if principal.role == "entreprenor" else None


async def require_read(request: Request, principal: PrincipalDep) -> Principal:
    """Reading is open unless ANSVAR_PUBLIC_READ is false; then any valid token may read."""
    if principal.anonymous and not request.app.state.settings.public_read:
        raise NotAuthenticated("Den här tjänsten kräver en token för att läsa.", headers=_CHALLENGE)
    return principal


def require_role(*roles: str) -> Any:
    """A dependency that lets only the given roles through (401 anonymous, 403 others)."""

    async def check(principal: PrincipalDep) -> Principal:
        if principal.anonymous:
            raise NotAuthenticated("Ändringar kräver en token.", headers=_CHALLENGE)
        if principal.role not in roles:
            raise Forbidden(f"Rollen {principal.role} får inte göra detta.")
        return principal

    check.required_roles = roles  # type: ignore[attr-defined]
    return check


ReadAccess = Depends(require_read)
