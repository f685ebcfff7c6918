"""What the browser tests of fault reports share: pages on a phone and a laptop, reports, photos."""

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, FilePayload, Page

from tests.handmade import local_lonlat
from tests.support.axe import AXE_JS

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
REPORTS_URL = "/api/v1/felanmalan"
# A page asking for a report that does not exist gets a 404, which Chromium logs as an error.
MISSING_RESOURCE = "the server responded with a status of 404"


@contextmanager
def watched_page(
    browser: Browser,
    base_url: str,
    device: dict[str, Any],
    allowed: tuple[str, ...] = (),
    prepare: Callable[[BrowserContext], None] | None = None,
) -> Iterator[Page]:
    """A fresh page that fails the test on a console error or an uncaught exception.

    prepare: what to do with the browser context first (sign it in, say).
    """
    context = browser.new_context(base_url=base_url, **device)
    if prepare is not None:
        prepare(context)
    # The service's CSP (script-src 'self') refuses the inline script tag axe_violations would
    # add; a script of the browser's own, before the page's, is not the page's to refuse.
    context.add_init_script(path=str(AXE_JS))
    page = context.new_page()
    errors: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error" and not any(text in message.text for text in allowed):
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert errors == [], errors


def view_of(xy: tuple[float, float], zoom: int) -> str:
    """The map's address fragment centred on a point of the hand-made patch."""
    lon, lat = local_lonlat(xy)
    return f"#{zoom}/{lat:.6f}/{lon:.6f}"


def open_map(page: Page, fragment: str) -> None:
    """The map at a view, once it is ready."""
    page.goto("/" + fragment)
    page.wait_for_selector("body[data-redo=ja]", timeout=30_000)


def create_report(
    base_url: str, xy: tuple[float, float], kategori: str, **fields: Any
) -> dict[str, Any]:
    """A report made over HTTP, as anyone can make one."""
    lon, lat = local_lonlat(xy)
    body = {"lon": lon, "lat": lat, "kategori": kategori, **fields}
    response = httpx.post(base_url + REPORTS_URL, json=body, timeout=30)
    assert response.status_code == 201, response.text
    report: dict[str, Any] = response.json()
    return report


def png_photo(
    colour: tuple[int, int, int] = (30, 120, 60), size: tuple[int, int] = (64, 48)
) -> bytes:
    """A small real PNG."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def photo_file(name: str, data: bytes, media_type: str = "image/png") -> FilePayload:
    """A file for a file input, as a camera or the gallery would give it."""
    return {"name": name, "mimeType": media_type, "buffer": data}
