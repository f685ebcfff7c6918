"""Writes from a signed-in browser must prove they come from our own pages.

A request that the session cookie authenticates is a browser's: when its method is unsafe it
must carry the session's CSRF token in X-CSRF-Token (a header a page of another origin cannot
set without CORS, which the service never grants for writes), and its Origin, or else its
Referer, must be the service's own when the browser sent one. Bearer-token requests are
unaffected: a browser never adds a bearer header by itself.
"""

import hmac
from urllib.parse import urlsplit

from fastapi import Request

from app.core.problems import AppError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"


class RequestNotConfirmed(AppError):
    """A write by a signed-in browser without the session's CSRF token, or from another origin."""

    status = 403
    type = "begaran-kunde-inte-bekraftas"
    title = "Begäran kunde inte bekräftas"


def own_origin(request: Request) -> str:
    """The service's origin as the browser sees it: ANSVAR_BASE_URL's, or the request's host."""
    base_url = request.app.state.settings.base_url
    if base_url:
        parts = urlsplit(base_url)
        return f"{parts.scheme}://{parts.netloc}".lower()
    return f"{request.url.scheme}://{request.headers.get('host', '')}".lower()


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def claimed_origin(request: Request) -> str | None:
    """The origin the browser says the request came from: Origin, else Referer's; None without."""
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.strip().lower()
    referer = request.headers.get("referer")
    return _origin_of(referer) if referer else None


def from_other_origin(request: Request) -> bool:
    """True when the browser named an origin (Origin or Referer) that is not the service's."""
    claimed = claimed_origin(request)
    return claimed is not None and claimed != own_origin(request)


def tokens_match(given: str | None, expected: str) -> bool:
    """A constant-time comparison of a presented CSRF token with the session's."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def check_browser_write(request: Request, csrf_token: str, presented: str | None = None) -> None:
    """Refuse an unsafe request of a signed-in browser without its token or from elsewhere.

    presented: the token when the request carries it elsewhere than in X-CSRF-Token (a form).
    """
    if request.method in SAFE_METHODS:
        return
    if from_other_origin(request):
        raise RequestNotConfirmed(
            "Ändringen kom från en annan webbplats än Ansvarskartan och stoppades."
        )
    if not tokens_match(presented or request.headers.get(CSRF_HEADER), csrf_token):
        raise RequestNotConfirmed(
            "Ändringen saknar inloggningens kontrollkod (X-CSRF-Token) och stoppades. Ladda om"
            " sidan och försök igen."
        )
