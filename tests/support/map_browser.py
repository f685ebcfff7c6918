"""What the map's browser tests share: pages on a phone and a laptop, and reading the map."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from playwright.sync_api import Browser, FloatRect, Page

from tests.handmade import local_lonlat
from tests.support.axe import AXE_JS

PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}
LAPTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
# The service answers 404 outside the municipality, which Chromium logs as a failed resource.
MISSING_RESOURCE = "the server responded with a status of 404"
Box = FloatRect


@contextmanager
def map_page(
    browser: Browser,
    base_url: str,
    device: dict[str, Any] = LAPTOP,
    allowed: tuple[str, ...] = (),
    **context_options: Any,
) -> Iterator[Page]:
    """A fresh page that fails the test on a console error (but the allowed ones) or an
    uncaught exception."""
    context = browser.new_context(base_url=base_url, **device, **context_options)
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


def answered(page: Page, before: str | None = None) -> None:
    """Wait until the panel shows an answer newer than `before` (its data-klar)."""
    page.wait_for_function(
        "(before) => { const k = document.getElementById('svar').dataset.klar;"
        " return k !== undefined && k !== before; }",
        arg=before,
        timeout=30_000,
    )


def click_map(page: Page, dx: float = 0.0, dy: float = 0.0) -> None:
    """Click (tap on a touch device) the map dx, dy pixels from its centre; wait for the answer."""
    box = box_of(page, "#karta")
    before = page.locator("#svar").get_attribute("data-klar")
    x, y = box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy
    if page.evaluate("navigator.maxTouchPoints > 0"):
        page.touchscreen.tap(x, y)
    else:
        page.mouse.click(x, y)
    answered(page, before)


def box_of(page: Page, selector: str) -> Box:
    """The bounding box of the first element matching selector (which must be shown)."""
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not shown"
    return box


def overlap(a: Box, b: Box) -> bool:
    """Whether two boxes share any area."""
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )
