"""The staff map in real headless Chromium, driven by Playwright, on the hand-made patch."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine, text

from app.core.paths import FRONTEND_DIST, REPO_ROOT
from tests.handmade import local_lonlat
from tests.support.browser import launch_chromium

ARTIFACTS = REPO_ROOT / "artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "index.html").exists(), "build the map first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser, live_server: str, handmade_data: None) -> Iterator[Page]:  # noqa: ARG001 (a fixture set up first)
    """A fresh desktop page; fails the test on any console error or uncaught exception."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    yield tab
    context.close()
    assert errors == [], errors


def _open(page: Page, fragment: str = "") -> None:
    page.goto("/" + fragment)
    page.wait_for_selector("body[data-redo=ja]", timeout=30_000)


def _click_map_centre(page: Page) -> None:
    box = page.locator("#karta").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#svar[data-klar]", timeout=30_000)


def _view(xy: tuple[float, float], zoom: int) -> str:
    lon, lat = local_lonlat(xy)
    return f"#{zoom}/{lat:.6f}/{lon:.6f}"


def test_page_loads_without_errors_and_shows_huddinge(page: Page) -> None:
    _open(page)
    assert page.title().startswith("Ansvarskartan")
    assert page.locator(".leaflet-overlay-pane path").count() >= 1, "the municipality outline"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "karta-oversikt.png"))


def test_legend_lists_every_product_of_the_catalogue(page: Page, engine: Engine) -> None:
    _open(page)
    with engine.connect() as conn:
        codes = [
            row[0]
            for row in conn.execute(text("SELECT kod FROM skotselprodukt ORDER BY sortering"))
        ]
    shown = page.locator("#kategorier li[data-kod]").evaluate_all(
        "els => els.map(e => e.dataset.kod)"
    )
    assert shown == codes
    assert page.locator("#kategorier li[data-kod] svg").count() == len(codes)


def test_clicking_a_known_bench_shows_its_organisation(page: Page) -> None:
    _open(page, _view((60, 60), 19))
    _click_map_centre(page)
    panel = page.locator("#svar")
    assert "Miljö- och bygglovsförvaltningen, parkenheten" in panel.locator("h2").inner_text()
    assert "Parkbänk/sittplats" in panel.inner_text()
    assert "Södertörns Parkdrift" in panel.inner_text()
    assert panel.locator('a[href^="tel:"]').count() >= 1
    assert panel.locator('a[href^="mailto:"]').count() >= 1
    page.wait_for_function(
        "document.querySelectorAll('.leaflet-overlay-pane path[stroke=\"#ffd400\"]').length > 0"
    )
    page.screenshot(path=str(ARTIFACTS / "karta-svar.png"))


def test_ambiguous_answers_warn_and_name_the_other_organisation(page: Page) -> None:
    _open(page, _view((100, 80), 19))
    _click_map_centre(page)
    warning = page.locator("#svar .warning")
    assert warning.is_visible()
    named = {page.locator("#svar h2").inner_text(), warning.inner_text()}
    text = " ".join(named)
    assert "Huge Bostäder AB" in text, "both sides of the boundary"
    assert "parkenheten" in text.lower(), "both sides of the boundary"


def test_keyboard_asks_about_the_centre_of_the_map(page: Page) -> None:
    _open(page, _view((60, 60), 19))
    page.focus("#karta")
    page.keyboard.press("Enter")
    page.wait_for_selector("#svar[data-klar]", timeout=30_000)
    assert "parkenheten" in page.locator("#svar h2").inner_text()


@pytest.mark.usefixtures("handmade_data")
def test_my_position_moves_there_and_answers(browser: Browser, live_server: str) -> None:
    lon, lat = local_lonlat((60, 60))
    context = browser.new_context(
        viewport={"width": 1280, "height": 800},
        base_url=live_server,
        geolocation={"latitude": lat, "longitude": lon},
        permissions=["geolocation"],
    )
    page = context.new_page()
    try:
        _open(page)
        page.click("#minposition")
        page.wait_for_selector("#svar[data-klar]", timeout=30_000)
        assert "Parkbänk/sittplats" in page.locator("#svar").inner_text()
        assert page.evaluate("Number(location.hash.slice(1).split('/')[0])") >= 17
    finally:
        context.close()


@pytest.mark.usefixtures("handmade_data")
def test_clicking_outside_the_municipality_says_so(browser: Browser, live_server: str) -> None:
    # The service answers 404 there, which the browser logs as a failed resource: expected here.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server)
    page = context.new_page()
    try:
        _open(page, "#14/59.250000/17.600000")
        _click_map_centre(page)
        assert page.locator("#svar h2").inner_text() == "Utanför Huddinge kommun"
        assert "utanför Huddinge" in page.locator("#svar").inner_text()
    finally:
        context.close()


def test_search_finds_a_designation_and_zooms_there(page: Page) -> None:
    _open(page)
    page.fill("#sok", "testtrakt 1:4")
    suggestion = page.locator("#sokforslag li", has_text="HUDDINGE TESTTRAKT 1:4")
    suggestion.wait_for(timeout=10_000)
    suggestion.click()
    page.wait_for_selector("#svar[data-klar]", timeout=30_000)
    assert page.evaluate("Number(location.hash.slice(1).split('/')[0])") >= 16
    # The map centres the parcel beside the answer panel; the point asked about is inside it.
    lat, lon = (float(v) for v in page.evaluate("location.hash.slice(1)").split("/")[3:5])
    west, south = local_lonlat((100, 100))
    east, north = local_lonlat((200, 200))
    assert south < lat < north
    assert west < lon < east


def test_the_url_restores_the_view_and_the_selected_point(page: Page) -> None:
    lon, lat = local_lonlat((60, 60))
    _open(page, f"#19/{lat:.6f}/{lon:.6f}/{lat:.6f}/{lon:.6f}")
    page.wait_for_selector("#svar[data-klar]", timeout=30_000)
    assert page.evaluate("location.hash") == f"#19/{lat:.6f}/{lon:.6f}/{lat:.6f}/{lon:.6f}"
    assert "parkbänk" in page.locator("#svar .why").inner_text().lower()


@pytest.mark.usefixtures("handmade_data")
def test_phone_viewport(browser: Browser, live_server: str) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, base_url=live_server
    )
    phone = context.new_page()
    try:
        _open(phone, _view((60, 60), 19))
        assert not phone.locator("#teckenforklaring").is_visible(), "legend folded away"
        box = phone.locator("#karta").bounding_box()
        assert box is not None
        phone.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        phone.wait_for_selector("#svar[data-klar]", timeout=30_000)
        panel = phone.locator("#svar").bounding_box()
        assert panel is not None
        assert panel["width"] <= 375
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        phone.click("#visaforklaring")
        assert phone.locator("#teckenforklaring").is_visible()
        phone.click("#visaforklaring")
        phone.screenshot(path=str(ARTIFACTS / "karta-telefon.png"))
    finally:
        context.close()
