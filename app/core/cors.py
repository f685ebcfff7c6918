"""CORS: the open data may be read from any origin, and nothing else may be called from one.

GET and HEAD (and their preflight) of the OGC API (/ogc) and of the catalogue's styles get
`Access-Control-Allow-Origin: *`; no other path and no other method gets any CORS header, so a
browser refuses a cross-origin write before it is sent. No credentials: a token is a bearer
header that a page must hold itself, never a cookie the browser adds.
"""

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

READ_METHODS = frozenset({"GET", "HEAD"})
ALLOWED_HEADERS = frozenset(
    {"accept", "accept-language", "authorization", "if-none-match", "if-modified-since"}
)
EXPOSED_HEADERS = "ETag, Content-Crs, Content-Disposition"
PREFLIGHT_MAX_AGE_S = 600


def is_open_data(path: str, styles_prefix: str) -> bool:
    """True for the paths any origin may read: /ogc and the styles."""
    return (
        path == "/ogc"
        or path.startswith("/ogc/")
        or path.startswith(f"{styles_prefix}/skotselprodukter/stil.")
    )


class ReadOnlyCorsMiddleware:
    """Answer preflights of reads and mark read answers shareable, on the open-data paths only."""

    def __init__(self, app: ASGIApp, *, styles_prefix: str) -> None:
        self.app = app
        self.styles_prefix = styles_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle a read preflight here; add the CORS headers to an open-data read's answer."""
        if scope["type"] != "http" or not is_open_data(scope["path"], self.styles_prefix):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        method = scope["method"]
        if "origin" not in headers:
            await self.app(scope, receive, send)
            return
        wanted = headers.get("access-control-request-method")
        if method == "OPTIONS" and wanted is not None:
            if wanted.upper() in READ_METHODS and self._headers_allowed(headers):
                await self._preflight(headers)(scope, receive, send)
                return
            # A preflight for a write: the route's own 405, without any CORS header.
            await self.app(scope, receive, send)
            return
        if method not in READ_METHODS:
            await self.app(scope, receive, send)
            return

        async def send_shareable(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = "*"
                response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        await self.app(scope, receive, send_shareable)

    @staticmethod
    def _headers_allowed(headers: Headers) -> bool:
        requested = headers.get("access-control-request-headers", "")
        names = {name.strip().lower() for name in requested.split(",") if name.strip()}
        return names <= ALLOWED_HEADERS

    @staticmethod
    def _preflight(headers: Headers) -> Response:
        allow = {
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, HEAD",
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_S),
        }
        requested = headers.get("access-control-request-headers")
        if requested:
            allow["Access-Control-Allow-Headers"] = requested
        return Response(status_code=204, headers=allow)
