"""Responses for GIS clients: ETag and 304, Cache-Control, gzip or brotli when asked."""

import gzip
import hashlib

import brotli
from fastapi import Request
from fastapi.responses import Response

GEOJSON = "application/geo+json"
MVT = "application/vnd.mapbox-vector-tile"
# Shared caches may keep only what every anonymous reader gets; an answer to a token (a
# contractor's, scoped to its areas) is for that token's holder alone.
PUBLIC_CACHE_CONTROL = "public, max-age=60, must-revalidate"
PRIVATE_CACHE_CONTROL = "private, max-age=60, must-revalidate"
_MIN_COMPRESS = 1024


def _encoding(request: Request) -> str | None:
    accepted = {
        part.split(";")[0].strip().lower()
        for part in request.headers.get("accept-encoding", "").split(",")
    }
    if "br" in accepted:
        return "br"
    if "gzip" in accepted:
        return "gzip"
    return None


def _cache_control(request: Request) -> str:
    shared = request.app.state.settings.public_read and "authorization" not in request.headers
    return PUBLIC_CACHE_CONTROL if shared else PRIVATE_CACHE_CONTROL


def cached_response(
    request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None
) -> Response:
    """body with a strong ETag (304 when the client has it), compressed when the client asks."""
    etag = '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'
    common = {
        "ETag": etag,
        "Cache-Control": _cache_control(request),
        "Vary": "Accept-Encoding, Authorization",
    }
    common |= headers or {}
    if etag in {tag.strip() for tag in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=common)
    encoding = _encoding(request) if len(body) >= _MIN_COMPRESS else None
    if encoding == "br":
        body = brotli.compress(body, quality=4)
    elif encoding == "gzip":
        body = gzip.compress(body, compresslevel=4)
    if encoding:
        common["Content-Encoding"] = encoding
    return Response(body, media_type=media_type, headers=common)
