"""What every browser test shares: phone and laptop devices, a page that fails the test on a
console error, and the map at a view of the hand-made patch."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.handmade import local_lonlat
from tests.support.axe import AXE_JS

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
# A 404 the page expects (a place outside the municipality, an unknown report) is still logged
# by Chromium as a failed resource.
MISSING_RESOURCE = "the server responded with a status of 404"


@contextmanager
def watched_page(
    browser: Browser,
    base_url: str,
    device: dict[str, Any] = LAPTOP,
    allowed: tuple[str, ...] = (),
    prepare: Callable[[BrowserContext], None] | None = None,
    **context_options: Any,
) -> Iterator[Page]:
    """A fresh page that fails the test on a console error (but the allowed ones) or an
    uncaught exception.

    prepare: what to do with the browser context first (sign it in, say).
    """
    context = browser.new_context(base_url=base_url, **device, **context_options)
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


def open_map(page: Page, address: str = "") -> None:
    """The map at an address ("#z/lat/lon", "?organisation=…#…", or a whole URL), loaded anew
    and ready."""
    # From the map itself, a new fragment alone would only change the hash, not load the page.
    page.goto("about:blank")
    page.goto(address if "://" in address else "/" + address)
    page.wait_for_selector("body[data-redo=ja]", timeout=30_000)
