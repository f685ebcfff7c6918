"""OpenID Connect, authorization code flow with PKCE (S256), state and nonce.

The provider is found by discovery (ANSVAR_OIDC_ISSUER/.well-known/openid-configuration). The
ID token's signature is checked against the provider's JWKS (fetched again when a token names
a key it does not hold: providers rotate keys), and its iss, aud (and azp), exp, iat and nonce.
Claims the ID token lacks (providers such as oidc-provider give profile claims only from the
userinfo endpoint when an access token is issued) are taken from userinfo for the same sub.
Works with Microsoft Entra ID (issuer https://login.microsoftonline.com/<tenant>/v2.0) and any
provider that follows the specification.
"""

import base64
import hashlib
import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
import jwt

from app.core.settings import Settings

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
# Asymmetric algorithms only: an HS256 token would be signed with the client secret, which
# this service shares with the provider and so proves nothing about who wrote it.
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
CLOCK_SKEW_S = 60
DISCOVERY_TTL_S = 3600
TIMEOUT_S = 10.0
# The claims used beyond the mapping's: the person's name and address.
IDENTITY_CLAIMS = ("name", "email", "preferred_username")


class ProviderUnavailable(Exception):
    """The provider could not be reached or answered with an error page."""


class SignInRefused(Exception):
    """The provider's answer cannot be trusted or used (a bad token, a wrong nonce)."""


@dataclass(frozen=True)
class Provider:
    """What discovery says about the provider."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_auth_methods: tuple[str, ...]


@dataclass(frozen=True)
class Attempt:
    """A sign-in sent to the provider: what the callback must see again."""

    state: str
    nonce: str
    verifier: str


def new_attempt() -> Attempt:
    """Fresh random state, nonce and PKCE code verifier (RFC 7636: 43–128 characters)."""
    return Attempt(secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64))


def code_challenge(verifier: str) -> str:
    """The S256 challenge of a PKCE verifier."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _plain_http_allowed(url: str) -> bool:
    # A provider on this machine (tests, a local demo) may speak plain http; any other must not.
    return urlsplit(url).hostname in ("127.0.0.1", "localhost", "::1")


def _checked_url(url: Any, what: str) -> str:
    if not isinstance(url, str) or not url:
        raise ProviderUnavailable(f"discovery names no {what}")
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _plain_http_allowed(url)):
        raise ProviderUnavailable(f"the provider's {what} is not https: {url}")
    return url


class OidcClient:
    """The service as a relying party of one provider; discovery and keys cached per process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._provider: Provider | None = None
        self._provider_read_at = 0.0
        self._keys: jwt.PyJWKSet | None = None

    async def _get_json(self, url: str, bearer: str | None = None) -> Any:
        headers = {"Accept": "application/json"}
        if bearer is not None:
            headers["Authorization"] = f"Bearer {bearer}"
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
                response = await http.get(url, headers=headers)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"{url}: {exc!r}") from exc
        if response.status_code != 200:
            raise ProviderUnavailable(f"{url}: HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderUnavailable(f"{url}: not JSON") from exc

    async def provider(self) -> Provider:
        """The provider's endpoints, from discovery (read again after an hour)."""
        if self._provider and time.monotonic() - self._provider_read_at < DISCOVERY_TTL_S:
            return self._provider
        configured = self.settings.oidc_issuer.rstrip("/")
        _checked_url(configured, "issuer")
        document = await self._get_json(configured + DISCOVERY_PATH)
        if not isinstance(document, dict):
            raise ProviderUnavailable("discovery is no JSON object")
        issuer = document.get("issuer")
        # OpenID Connect Discovery §4.3: the document's issuer is the one configured.
        if not isinstance(issuer, str) or issuer.rstrip("/") != configured:
            raise ProviderUnavailable(f"discovery names the issuer {issuer!r}, not {configured}")
        methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
        userinfo = document.get("userinfo_endpoint")
        self._provider = Provider(
            issuer=issuer,
            authorization_endpoint=_checked_url(
                document.get("authorization_endpoint"), "authorization_endpoint"
            ),
            token_endpoint=_checked_url(document.get("token_endpoint"), "token_endpoint"),
            jwks_uri=_checked_url(document.get("jwks_uri"), "jwks_uri"),
            userinfo_endpoint=_checked_url(userinfo, "userinfo_endpoint") if userinfo else None,
            token_auth_methods=tuple(m for m in methods if isinstance(m, str)),
        )
        self._provider_read_at = time.monotonic()
        return self._provider

    async def authorization_url(self, attempt: Attempt, redirect_uri: str) -> str:
        """Where to send the browser to sign in."""
        provider = await self.provider()
        query = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id,
            "redirect_uri": redirect_uri,
            "scope": self.settings.oidc_scopes,
            "state": attempt.state,
            "nonce": attempt.nonce,
            "code_challenge": code_challenge(attempt.verifier),
            "code_challenge_method": "S256",
        }
        separator = "&" if "?" in provider.authorization_endpoint else "?"
        return provider.authorization_endpoint + separator + urlencode(query)

    def _client_authentication(self, provider: Provider, form: dict[str, str]) -> dict[str, str]:
        secret = self.settings.oidc_client_secret.get_secret_value()
        client_id = self.settings.oidc_client_id
        if not secret:
            return {}  # a public client: PKCE alone
        if "client_secret_basic" in provider.token_auth_methods:
            # RFC 6749 §2.3.1: both parts form-encoded before Basic's base64.
            pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
            return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
        form["client_secret"] = secret
        return {}

    async def exchange_code(self, code: str, verifier: str, redirect_uri: str) -> dict[str, Any]:
        """The token response for an authorization code."""
        provider = await self.provider()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
            "client_id": self.settings.oidc_client_id,
        }
        headers = {"Accept": "application/json"} | self._client_authentication(provider, form)
        try:
            async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
                response = await http.post(provider.token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"token endpoint: {exc!r}") from exc
        if response.status_code != 200:
            # 400 invalid_grant and the like: the code is used, expired or not ours.
            raise SignInRefused(
                f"token endpoint: HTTP {response.status_code} {response.text[:300]}"
            )
        tokens = response.json()
        if not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
            raise SignInRefused("the token response has no id_token")
        return tokens

    async def _fetch_keys(self) -> jwt.PyJWKSet:
        provider = await self.provider()
        try:
            return jwt.PyJWKSet.from_dict(await self._get_json(provider.jwks_uri))
        except jwt.PyJWTError as exc:
            raise ProviderUnavailable(f"jwks: {exc}") from exc

    async def _signing_key(self, kid: str | None) -> jwt.PyJWK:
        keys = self._keys
        for attempt in range(2):
            if keys is None or attempt == 1:  # a key we do not hold: the provider rotated
                keys = self._keys = await self._fetch_keys()
            signing = [key for key in keys.keys if key.public_key_use in (None, "sig")]
            if kid is not None:
                found = [key for key in signing if key.key_id == kid]
            else:
                found = signing if len(signing) == 1 else []
            if found:
                return found[0]
        raise SignInRefused(f"no signing key {kid!r} in the provider's JWKS")

    async def verified_claims(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature, issuer, audience, times and nonce hold."""
        provider = await self.provider()
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise SignInRefused(f"id_token: {exc}") from exc
        alg = header.get("alg")
        if alg not in SIGNING_ALGORITHMS:
            raise SignInRefused(f"id_token signed with {alg!r}")
        key = await self._signing_key(header.get("kid"))
        client_id = self.settings.oidc_client_id
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=[alg],
                audience=client_id,
                issuer=provider.issuer,
                leeway=CLOCK_SKEW_S,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInRefused(f"id_token: {exc}") from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != client_id:
            raise SignInRefused("id_token for several audiences without our azp")
        presented = claims.get("nonce")
        if not isinstance(presented, str) or not hmac.compare_digest(presented, nonce):
            raise SignInRefused("id_token nonce is not this sign-in's")
        return claims

    async def userinfo(self, access_token: str, subject: str) -> dict[str, Any]:
        """The userinfo endpoint's claims for the same subject; empty when there is none."""
        provider = await self.provider()
        if provider.userinfo_endpoint is None:
            return {}
        info = await self._get_json(provider.userinfo_endpoint, bearer=access_token)
        if not isinstance(info, dict) or info.get("sub") != subject:
            raise SignInRefused("userinfo is about another subject")
        return info

    async def identity(self, tokens: dict[str, Any], nonce: str, claim: str) -> dict[str, Any]:
        """The person's claims: the verified ID token's, completed from userinfo when needed."""
        claims = await self.verified_claims(tokens["id_token"], nonce)
        wanted = (claim, *IDENTITY_CLAIMS)
        access_token = tokens.get("access_token")
        if any(name not in claims for name in wanted) and isinstance(access_token, str):
            try:
                info = await self.userinfo(access_token, claims["sub"])
            except ProviderUnavailable as exc:
                # Entra ID's userinfo is Microsoft Graph's; the ID token is what counts.
                log.warning("OIDC userinfo not read: %s", exc)
                info = {}
            claims = {**info, **claims}  # the signed token's claims win
        if claim not in claims and "_claim_names" in claims:
            log.warning(
                "OIDC: the claim %s is not in the token (Entra ID leaves groups out above 200;"
                " map app roles, claim roles, or groups assigned to the application)",
                claim,
            )
        return claims
