"""Security headers on every response: a Content-Security-Policy and its companions.

The map (Vite's build, Leaflet) and /docs (Swagger UI from the service's own files) run only
scripts the service serves: no inline script, no eval. Images may come from the service, from
data: and blob: URLs (the catalogue's SVG markers, Swagger UI's icons) and from the configured
base map's tile host; everything else a page fetches comes from the service itself.
"""

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def tile_source(basemap_url: str) -> str | None:
    """The CSP source of a tile URL template's host ({s}-style placeholders become *), or None."""
    if not basemap_url:
        return None
    parts = urlsplit(basemap_url.replace("{s}", "placeholder"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.replace("placeholder", "*")
    if "{" in host or "}" in host:
        # Another placeholder in the host: allow the template's registered domain's subdomains.
        host = "*." + host.rsplit("}", 1)[1].lstrip(".-")
    return f"{parts.scheme}://{host}"


def content_security_policy(basemap_url: str) -> str:
    """The policy for the map, /docs and every API answer."""
    images = ["'self'", "data:", "blob:"]
    tiles = tile_source(basemap_url)
    if tiles:
        images.append(tiles)
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(images),
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeadersMiddleware:
    """Add the CSP, nosniff, the referrer policy and no framing to every response."""

    def __init__(self, app: ASGIApp, *, basemap_url: str) -> None:
        self.app = app
        self.headers = {
            "Content-Security-Policy": content_security_policy(basemap_url),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "X-Frame-Options": "DENY",
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; set the headers as its response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
