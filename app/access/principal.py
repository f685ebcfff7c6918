"""Who is asking: a Bearer token, else a signed-in browser's session; reads may be open to all."""

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from app.access.tokens import valid_token
from app.core.db import pooled_connection
from app.core.problems import Forbidden, NotAuthenticated
from app.core.settings import Settings
from app.signin.csrf import check_browser_write
from app.signin.sessions import SignedIn, find_session, session_cookie


@dataclass(frozen=True)
class Principal:
    """The caller: anonymous, or a token's or a session's role and organisation.

    A session made by signing in with a token carries that token's id, so its writes are
    signed as the token's; a session from the organisation's provider carries none.
    """

    role: str | None
    organisation_id: int | None = None
    token_id: int | None = None
    name: str | None = None
    email: str | None = None
    session_id: int | None = None

    @property
    def anonymous(self) -> bool:
        """True when no token was given and no session is signed in."""
        return self.role is None

    @property
    def signature(self) -> str:
        """How this caller's writes are signed (ansvar.anvandare): a token, else the person."""
        if self.token_id is not None or self.session_id is None:
            return f"token:{self.token_id} {self.name}"
        return f"inloggning:{self.email or '-'} {self.name}"


ANONYMOUS = Principal(role=None)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="ansvarskartan"'}


async def current_principal(request: Request) -> Principal:
    """The caller of this request; a token that is given must be valid, and wins over a session.

    A session cookie that is no longer valid counts as none (anonymous); a write that the
    session authenticates must carry its CSRF token (app.signin.csrf).
    """
    header = request.headers.get("authorization")
    if header is None:
        session_id = session_cookie(request)
        if session_id is None:
            return ANONYMOUS  # no database work for anonymous reads
        return await _session_principal(request, session_id)
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated(
            "Ange en token som 'Authorization: Bearer <token>'.", headers=_CHALLENGE
        )
    async with pooled_connection(request) as conn:
        holder = await valid_token(conn, token.strip())
    if holder is None:
        raise NotAuthenticated(
            "Token är ogiltig, har gått ut eller har återkallats.", headers=_CHALLENGE
        )
    return Principal(
        role=holder.role,
        organisation_id=holder.organisation_id,
        token_id=holder.id,
        name=holder.name,
    )


async def _session_principal(request: Request, session_id: str) -> Principal:
    async with pooled_connection(request) as conn:
        found = await find_session(conn, session_id, request.app.state.settings)
    if found is None:
        return ANONYMOUS
    check_browser_write(request, found.csrf_token)
    return session_principal(found)


def session_principal(found: SignedIn) -> Principal:
    """The principal a valid session stands for."""
    return Principal(
        role=found.role,
        organisation_id=found.organisation_id,
        token_id=found.token_id,
        name=found.name,
        email=found.email,
        session_id=found.id,
    )


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def contractor_of(principal: Principal) -> int | None:
    """The organisation a contractor's token is limited to (None for every other caller).

    For what is not public (a report's private fields, the tender package); public reads
    are limited by read_scope, so a token never sees less than no token.
    """
    return principal.organisation_id if principal.role == "entreprenor" else None


def read_scope(principal: Principal, settings: Settings) -> int | None:
    """The organisation a public read is limited to: a contractor's, while reading is not public.

    With ANSVAR_PUBLIC_READ anyone may read it without a token, so a contractor's token may too.
    """
    return None if settings.public_read else contractor_of(principal)


async def _request_read_scope(request: Request, principal: PrincipalDep) -> int | None:
    return read_scope(principal, request.app.state.settings)


# The read_scope of this request's principal (the Bearer token or the session).
ReadScopeDep = Annotated[int | None, Depends(_request_read_scope)]

NOT_THEIR_AREA = "är inte ett av era driftområden"
OUTSIDE_THEIR_AREAS = "ligger inte i era driftområden"


def scoped_not_found_text(scope: int | None, what: str, not_theirs: str = NOT_THEIR_AREA) -> str:
    """'<what> finns inte.'; for a read limited to a contractor (scope), '<what> finns inte
    eller <not_theirs>.', not telling which: another contractor's things are not revealed."""
    if scope is None:
        return f"{what} finns inte."
    return f"{what} finns inte eller {not_theirs}."


def not_found_text(principal: Principal, what: str, not_theirs: str = NOT_THEIR_AREA) -> str:
    """scoped_not_found_text of a read limited by contractor_of (not public, e.g. the package).

    not_found_text(p, "Driftområdet 2") is "Driftområdet 2 finns inte." for gis, admin and
    anonymous, "Driftområdet 2 finns inte eller är inte ett av era driftområden." for a contractor.
    """
    return scoped_not_found_text(contractor_of(principal), what, not_theirs)


async def require_read(request: Request, principal: PrincipalDep) -> Principal:
    """Reading is open unless ANSVAR_PUBLIC_READ is false; then any valid token may read."""
    if principal.anonymous and not request.app.state.settings.public_read:
        raise NotAuthenticated("Den här tjänsten kräver en token för att läsa.", headers=_CHALLENGE)
    return principal


class RoleCheck:
    """A dependency that lets only the given roles through (401 anonymous, 403 others)."""

    def __init__(self, roles: tuple[str, ...], anonymous_detail: str) -> None:
        self.required_roles = roles
        self.anonymous_detail = anonymous_detail

    async def __call__(self, principal: PrincipalDep) -> Principal:
        """The principal, when its role is one of the required."""
        if principal.anonymous:
            raise NotAuthenticated(self.anonymous_detail, headers=_CHALLENGE)
        if principal.role not in self.required_roles:
            raise Forbidden(f"Rollen {principal.role} får inte göra detta.")
        return principal


def require_role(*roles: str, anonymous_detail: str = "Ändringar kräver en token.") -> RoleCheck:
    """A dependency that lets only the given roles through (401 anonymous, 403 others)."""
    return RoleCheck(roles, anonymous_detail)


IMPORTING_ROLES = ("gis", "admin")
# Import records name files and tokens: for those who may import, whatever ANSVAR_PUBLIC_READ.
ImporterDep = Annotated[
    Principal,
    Depends(
        require_role(*IMPORTING_ROLES, anonymous_detail="Importer kan bara läsas med en token.")
    ),
]


ReadAccess = Depends(require_read)
