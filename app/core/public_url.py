"""The service's public address, for the absolute links it writes (OGC API links above all).

A Host header is whatever the client wrote, so it never goes into a link unchecked: with
ANSVAR_BASE_URL set, every link starts with it; without, the request's host is used only when
it is one of ANSVAR_ALLOWED_HOSTS or the address the client actually connected to, and
otherwise the first allowed host (on the port the request came in on) stands in for it.
"""

import re

from fastapi import Request

from app.core.settings import Settings

# host, host:port, [v6]:port: letters, digits, dots and hyphens only (nothing a link could hide).
_HOST = re.compile(r"(?P<name>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(?P<port>[0-9]{1,5}))?")


def listed(value: str) -> list[str]:
    """The items of a comma-separated setting, trimmed, empty ones left out."""
    return [item.strip() for item in value.split(",") if item.strip()]


def _allowed_host(request: Request, settings: Settings) -> str | None:
    host = request.headers.get("host", "")
    match = _HOST.fullmatch(host)
    if match is None:
        return None
    name = match["name"].lower().rstrip(".")
    allowed = {item.lower() for item in listed(settings.allowed_hosts)}
    server = request.scope.get("server")
    if server and server[0]:
        allowed.add(str(server[0]).lower())
    return host.lower() if name.strip("[]") in {a.strip("[]") for a in allowed} else None


def public_base_url(request: Request) -> str:
    """The service's root as clients should address it, without a trailing slash."""
    settings: Settings = request.app.state.settings
    if settings.base_url:
        return settings.base_url.rstrip("/")
    scheme = request.url.scheme if request.url.scheme in ("http", "https") else "http"
    host = _allowed_host(request, settings)
    if host is None:
        first = next(iter(listed(settings.allowed_hosts)), "localhost")
        server = request.scope.get("server")
        port = server[1] if server and server[1] else None
        default_port = {"http": 80, "https": 443}[scheme]
        host = first if port in (None, default_port) else f"{first}:{port}"
    return f"{scheme}://{host}"


def public_url(request: Request) -> str:
    """The request's own address on the public base: path and query string as received."""
    query = request.url.query
    return public_base_url(request) + request.url.path + (f"?{query}" if query else "")
