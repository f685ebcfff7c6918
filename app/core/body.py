"""Request bodies read as a stream, refused with 413 as soon as they pass a limit."""

from collections.abc import AsyncIterator

from fastapi import Request

from app.core.problems import InvalidInput, PayloadTooLarge


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Kroppen är större än {limit} byte, som är det högsta som tas emot.")


def check_declared_length(request: Request, limit: int) -> None:
    """Refuse at once a body whose Content-Length is over the limit."""
    declared = request.headers.get("content-length")
    if declared is None:
        return
    if not declared.strip().isascii() or not declared.strip().isdigit():
        raise InvalidInput("Content-Length ska vara ett heltal.")
    if int(declared) > limit:
        raise _too_large(limit)


async def limited_stream(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks as they arrive; 413 as soon as more than limit bytes have come."""
    check_declared_length(request, limit)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        if chunk:
            yield chunk


async def read_limited(request: Request, limit: int) -> bytes:
    """The whole body, read as a stream and refused as soon as it passes limit."""
    parts = [chunk async for chunk in limited_stream(request, limit)]
    return b"".join(parts)
