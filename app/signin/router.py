"""HTTP: signing a browser in (organisation account or API token), who is signed in, signing out.

The browser's routes answer with redirects: to where the user was going, or to the sign-in page
with an error code (`fel`) that the page explains in Swedish.
"""

import hmac
import logging
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from app.access.tokens import valid_token
from app.core.db import pooled_connection
from app.core.public_url import public_base_url
from app.core.settings import Settings
from app.signin.attempts import ATTEMPT_MINUTES, PendingSignIn, remember_attempt, take_attempt
from app.signin.claims import MappingError, claim_values, grant_for, read_mapping
from app.signin.csrf import check_browser_write, claimed_origin, own_origin
from app.signin.destinations import local_path, sign_in_page
from app.signin.oidc import (
    OidcClient,
    ProviderUnavailable,
    SignInRefused,
    new_attempt,
)
from app.signin.schemas import SessionOut
from app.signin.sessions import (
    Holder,
    SignedIn,
    clear_session_cookie,
    end_session,
    find_session,
    session_cookie,
    set_session_cookie,
    start_session,
)

log = logging.getLogger(__name__)

api_router = APIRouter(tags=["inloggning"])
browser_router = APIRouter(include_in_schema=False)

_NO_STORE = {"Cache-Control": "no-store"}
MAX_TOKEN_LENGTH = 200
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def oidc_configured(settings: Settings) -> bool:
    """True when an OpenID provider is set up for this service."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def _session_json(found: SignedIn | None, settings: Settings) -> dict[str, Any]:
    offered = {"oidc": oidc_configured(settings), "token": settings.signin_with_token}
    if found is None:
        return {"inloggad": False, **offered}
    organisation = None
    if found.organisation_id is not None:
        organisation = {
            "id": found.organisation_id,
            "slug": found.organisation_slug,
            "namn": found.organisation_name,
        }
    return {
        "inloggad": True,
        "namn": found.name,
        "epost": found.email,
        "roll": found.role,
        "organisation": organisation,
        "csrf": found.csrf_token,
        **offered,
    }


@api_router.get(
    "/inloggning",
    summary="Vem är inloggad i den här webbläsaren",
    response_model=SessionOut,
)
async def who_is_signed_in(request: Request) -> Response:
    """The session of this browser's cookie (with its CSRF token), and the ways to sign in."""
    settings: Settings = request.app.state.settings
    session_id = session_cookie(request)
    found = None
    if session_id is not None:
        async with pooled_connection(request) as conn:
            found = await find_session(conn, session_id, settings)
    response = Response(
        orjson.dumps(_session_json(found, settings)),
        media_type="application/json",
        headers=_NO_STORE,
    )
    if session_id is not None and found is None:
        clear_session_cookie(response, settings)
    return response


def _redirect(location: str) -> RedirectResponse:
    return RedirectResponse(location, status_code=303, headers=_NO_STORE)


def _is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(_FORM_TYPES)


async def _form(request: Request) -> dict[str, str]:
    if not _is_form(request):
        return {}
    form = await request.form(max_files=0, max_fields=10)
    return {key: value for key, value in form.items() if isinstance(value, str)}


async def begin_session(request: Request, holder: Holder, destination: str) -> RedirectResponse:
    """Sign the browser in as holder (a new session id, any old session ended) and send it on."""
    settings: Settings = request.app.state.settings
    old = session_cookie(request)
    async with pooled_connection(request) as conn:
        if old is not None:
            await end_session(conn, old)
        session_id = await start_session(conn, holder, settings)
    response = _redirect(destination)
    set_session_cookie(response, session_id, settings)
    return response


@browser_router.post("/inloggning/token")
async def sign_in_with_token(request: Request) -> Response:
    """Sign in with an API token (form field `token`; `nasta`: where to go after)."""
    settings: Settings = request.app.state.settings
    form = await _form(request)
    destination = local_path(form.get("nasta"))
    if not settings.signin_with_token:
        return _redirect(sign_in_page("token-avstangd", destination))
    # Login CSRF: another site's form could sign the browser in as the attacker. A browser
    # always names the origin of a POST; a sign-in that names none or another is refused.
    if claimed_origin(request) != own_origin(request):
        return _redirect(sign_in_page("fel-ursprung", destination))
    token = form.get("token", "").strip()
    holder = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        async with pooled_connection(request) as conn:
            holder = await valid_token(conn, token)
    if holder is None:
        return _redirect(sign_in_page("ogiltig-token", destination))
    signed_in = Holder(
        role=holder.role,
        organisation_id=holder.organisation_id,
        name=holder.name,
        token_id=holder.id,
    )
    return await begin_session(request, signed_in, destination)


@browser_router.post("/utloggning")
async def sign_out(request: Request) -> Response:
    """End this browser's session (CSRF-checked); a form is sent to the map, fetch gets 204."""
    settings: Settings = request.app.state.settings
    form = await _form(request)
    session_id = session_cookie(request)
    if session_id is not None:
        async with pooled_connection(request) as conn:
            found = await find_session(conn, session_id, settings)
            if found is not None:
                check_browser_write(request, found.csrf_token, presented=form.get("csrf"))
                await end_session(conn, session_id)
    response: Response = (
        _redirect("/") if _is_form(request) else Response(status_code=204, headers=_NO_STORE)
    )
    clear_session_cookie(response, settings)
    return response


# The browser that started a sign-in must be the one that completes it (the state, also kept in
# this cookie): else another site could complete a sign-in of its own in the victim's browser.
SECURE_STATE_COOKIE = "__Host-ansvar_inloggning"
PLAIN_STATE_COOKIE = "ansvar_inloggning"
CALLBACK_PATH = "/inloggning/svar"


def _state_cookie(settings: Settings) -> str:
    return SECURE_STATE_COOKIE if settings.session_cookie_secure else PLAIN_STATE_COOKIE


def _oidc_client(request: Request) -> OidcClient:
    client: OidcClient | None = getattr(request.app.state, "oidc_client", None)
    if client is None:
        client = request.app.state.oidc_client = OidcClient(request.app.state.settings)
    return client


def _callback_url(request: Request) -> str:
    # Registered at the provider as the redirect URI; ANSVAR_BASE_URL behind a proxy.
    return public_base_url(request) + CALLBACK_PATH


@browser_router.get("/inloggning/oidc")
async def sign_in_with_provider(request: Request) -> Response:
    """Send the browser to the organisation's provider (`nasta`: a local path to return to)."""
    settings: Settings = request.app.state.settings
    destination = local_path(request.query_params.get("nasta"))
    if not oidc_configured(settings):
        return _redirect(sign_in_page("oidc-saknas", destination))
    attempt = new_attempt()
    try:
        location = await _oidc_client(request).authorization_url(attempt, _callback_url(request))
    except ProviderUnavailable as exc:
        log.warning("OIDC provider unavailable: %s", exc)
        return _redirect(sign_in_page("leverantor-svarar-inte", destination))
    async with pooled_connection(request) as conn:
        await remember_attempt(conn, attempt, destination)
    response = _redirect(location)
    response.set_cookie(
        _state_cookie(settings),
        attempt.state,
        max_age=ATTEMPT_MINUTES * 60,
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


@browser_router.get(CALLBACK_PATH)
async def provider_answer(request: Request) -> Response:
    """The provider's answer: a session for a mapped user, the sign-in page's error otherwise."""
    settings: Settings = request.app.state.settings
    params = request.query_params
    state = params.get("state", "")
    expected = request.cookies.get(_state_cookie(settings), "")
    pending = None
    if state and expected and hmac.compare_digest(state.encode(), expected.encode()):
        async with pooled_connection(request) as conn:
            pending = await take_attempt(conn, state)
    response: Response = (
        _redirect(sign_in_page("utgangen"))
        if pending is None
        else await _complete(request, pending)
    )
    response.delete_cookie(
        _state_cookie(settings),
        path="/",
        secure=settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )
    return response


async def _complete(request: Request, pending: PendingSignIn) -> Response:
    settings: Settings = request.app.state.settings
    params = request.query_params
    destination = pending.destination
    client = _oidc_client(request)
    try:
        if params.get("error"):
            why = "avbruten" if params["error"] == "access_denied" else "misslyckades"
            log.info("OIDC sign-in ended by the provider: %s", params.get("error"))
            return _redirect(sign_in_page(why, destination))
        provider = await client.provider()
        # RFC 9207: a provider that names itself in the answer must be ours (mix-up attacks).
        if "iss" in params and params["iss"] != provider.issuer:
            raise SignInRefused(f"the answer names the issuer {params['iss']!r}")
        code = params.get("code")
        if not code:
            raise SignInRefused("the answer has no code")
        tokens = await client.exchange_code(code, pending.verifier, _callback_url(request))
        claims = await client.identity(tokens, pending.nonce, settings.oidc_claim)
        mapping = read_mapping(settings.oidc_mapping_file)
    except ProviderUnavailable as exc:
        log.warning("OIDC provider unavailable: %s", exc)
        return _redirect(sign_in_page("leverantor-svarar-inte", destination))
    except SignInRefused as exc:
        log.warning("OIDC sign-in refused: %s", exc)
        return _redirect(sign_in_page("misslyckades", destination))
    except MappingError as exc:
        log.error("OIDC claim mapping unusable: %s", exc)
        return _redirect(sign_in_page("felinstallt", destination))
    values = claim_values(claims, settings.oidc_claim)
    grant = grant_for(values, mapping)
    if grant is None:
        # No session: the person is told on the sign-in page; the values help whoever maps.
        log.warning(
            "OIDC: %s (%s) has no mapped value of %s: %s",
            claims.get("sub"),
            claims.get("email") or claims.get("preferred_username"),
            settings.oidc_claim,
            values[:20],
        )
        return _redirect(sign_in_page("ingen-behorighet", destination))
    organisation_id = None
    if grant.organisation is not None:
        async with pooled_connection(request) as conn:
            cursor = await conn.execute(
                "SELECT id FROM organisation WHERE slug = %(slug)s", {"slug": grant.organisation}
            )
            row = await cursor.fetchone()
        if row is None:
            log.error("OIDC mapping names the unknown organisation %s", grant.organisation)
            return _redirect(sign_in_page("organisation-saknas", destination))
        organisation_id = row[0]
    holder = Holder(
        role=grant.role,
        organisation_id=organisation_id,
        name=_person_name(claims),
        email=_email(claims),
        subject=f"{claims['iss']} {claims['sub']}",
    )
    return await begin_session(request, holder, destination)


def _text_claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    return value.strip()[:200] if isinstance(value, str) and value.strip() else None


def _person_name(claims: dict[str, Any]) -> str:
    for name in ("name", "preferred_username", "email"):
        if value := _text_claim(claims, name):
            return value
    return str(claims["sub"])[:200]


def _email(claims: dict[str, Any]) -> str | None:
    # Entra ID gives email only as an optional claim; its preferred_username is the UPN.
    for name in ("email", "preferred_username"):
        value = _text_claim(claims, name)
        if value and "@" in value:
            return value
    return None
