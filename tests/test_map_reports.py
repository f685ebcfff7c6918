"""Reporting a fault from the map's answer, and the open-reports layer, in real Chromium.

A phone (390 × 844) taps the hand-made patch's park bench, reports with a photo, sees the hint
of the report already made there, gets the receipt and follows it to the public page; a laptop
switches the layer of open reports on. axe-core checks each state.
"""

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.core.paths import FRONTEND_DIST, REPO_ROOT
from app.reports.categories import read_categories
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.report_browser import (
    LAPTOP,
    PHONE,
    REPORTS_URL,
    create_report,
    open_map,
    photo_file,
    png_photo,
    view_of,
    watched_page,
)
from tests.support.signin import create_test_token, sign_in_with_token

ARTIFACTS = REPO_ROOT / "artifacts"
BENCH = (60, 60)  # the park unit's bench, in the contractor's operations area
BESIDE_BENCH = (63, 60)  # 3 m from it: a report there is "here" for a tap on the bench
THIRTY_M_EAST = (90, 60)  # 30 m from the bench: its own marker at zoom 18, not at 15
PARK = "Miljö- och bygglovsförvaltningen, parkenheten"
SIGNED_IN = "Cecilia Handläggare"
NUMBER = re.compile(r"F-\d{4}-\d{6,}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "felanmalan.html").exists(), "build the map first: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def no_reports(engine: Engine, handmade_data: None) -> Iterator[None]:  # noqa: ARG001 (set up first)
    """The hand-made patch without reports, before and after the test."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
    yield
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


def _report_row(engine: Engine, nummer: str) -> dict[str, object]:
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT f.kategori, f.beskrivning, f.anmalare_namn, f.anmalare_epost,"
                    " f.anmalare_telefon, m.namn AS mottagare,"
                    " (SELECT count(*) FROM felanmalan_foto p WHERE p.felanmalan_id = f.id)"
                    " AS foton FROM felanmalan f JOIN organisation m ON m.id = f.mottagare_id"
                    " WHERE f.nummer = :n"
                ),
                {"n": nummer},
            )
            .mappings()
            .one()
        )
    return dict(row)


def _report_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM felanmalan")).scalar_one())


def _tap_map_centre(page: Page) -> dict[str, object]:
    """Tap the middle of the map; the answer the service gave."""
    box = page.locator("#karta").bounding_box()
    assert box is not None
    with page.expect_response(lambda r: "/api/v1/ansvar?" in r.url) as answered:
        page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#svar[data-klar]", timeout=30_000)
    answer: dict[str, object] = answered.value.json()
    return answer


def _open_form(page: Page) -> None:
    page.get_by_role("button", name="Felanmäl här").click()
    page.wait_for_selector("#svar form.report-form[data-klar]", timeout=30_000)


def _expected_category(answer: dict[str, object]) -> str:
    """The first category (in their order) concerning the deciding object's product."""
    deciding = answer.get("objekt")
    code = deciding.get("kod") if isinstance(deciding, dict) else None
    for category in sorted(read_categories(), key=lambda c: c.ordning):
        if code in category.produkter:
            return category.kod
    return ""


@pytest.mark.usefixtures("no_reports")
def test_a_report_from_a_tap_on_a_phone_with_a_photo(
    browser: Browser, live_server: str, engine: Engine
) -> None:
    earlier = create_report(live_server, BESIDE_BENCH, "trasig-mobel")
    with watched_page(browser, live_server, PHONE) as page:
        open_map(page, view_of(BENCH, 19))
        answer = _tap_map_centre(page)

        # The open reports at the spot, with links, before anything is reported.
        here = page.locator("#svar .reports-here")
        here.get_by_role("link", name="Trasig bänk/bord").wait_for(timeout=10_000)
        assert here.get_by_role("link").get_attribute("href") == f"/felanmalan/{earlier['nummer']}"

        _open_form(page)
        assert page.evaluate("document.activeElement.id") == "fa-rubrik", "focus moves to the form"
        assert page.input_value("#fa-kategori") == _expected_category(answer)
        assert page.input_value("#fa-kategori") != "", "the bench's product has a category"

        page.select_option("#fa-kategori", "trasig-mobel")
        hint = page.locator("#svar .report-duplicates")
        hint.get_by_role("link", name=str(earlier["nummer"])).wait_for(timeout=10_000)
        assert "Redan anmält? Följ det ärendet" in hint.inner_text()

        page.fill("#fa-beskrivning", "Sitsen är trasig")
        assert page.locator("#fa-beskrivning-antal").inner_text() == "16 av 4000 tecken"
        page.set_input_files(
            "#fa-foto",
            [
                photo_file("bank.png", png_photo()),
                photo_file("bank2.png", png_photo((200, 0, 0))),
            ],
        )
        previews = page.locator("#svar .photo-previews img")
        assert previews.count() == 2
        page.get_by_role("button", name="Ta bort foto 2").click()
        assert previews.count() == 1
        assert page.get_attribute("#fa-foto", "capture") == "environment"
        page.fill("#fa-namn", "Anna Andersson")
        page.fill("#fa-epost", "anna@example.org")
        page.fill("#fa-telefon", "070-123 45 67")
        assert serious_violations(page, "#svar") == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "felanmalan-formular-telefon.png"))

        page.get_by_role("button", name="Skicka felanmälan").click()
        receipt = page.locator("#svar .report-receipt")
        receipt.wait_for(timeout=30_000)
        nummer = receipt.locator(".report-number").inner_text()
        assert NUMBER.fullmatch(nummer)
        assert receipt.locator(".report-receiver").inner_text() == PARK
        assert page.evaluate("!!document.activeElement.closest('.report-receipt')"), "focus moved"
        assert serious_violations(page, "#svar") == []
        page.screenshot(path=str(ARTIFACTS / "felanmalan-kvitto-telefon.png"))

        here.get_by_text(nummer, exact=False).wait_for(timeout=10_000)  # the spot's list took it in

        stored = _report_row(engine, nummer)
        assert stored == {
            "kategori": "trasig-mobel",
            "beskrivning": "Sitsen är trasig",
            "anmalare_namn": "Anna Andersson",
            "anmalare_epost": "anna@example.org",
            "anmalare_telefon": "070-123 45 67",
            "mottagare": PARK,
            "foton": 1,
        }

        receipt.get_by_role("link", name=f"Följ felanmälan {nummer}").click()
        page.wait_for_url(f"**/felanmalan/{nummer}")
        page.wait_for_selector("body[data-klar]", timeout=30_000)
        main = page.locator("main")
        assert page.locator("h1").inner_text() == f"Felanmälan {nummer}"
        assert "Trasig bänk/bord" in main.inner_text()
        assert "Ny" in main.locator(".report-facts .report-status").inner_text()
        assert PARK in main.inner_text()
        assert main.locator(".report-history li").count() >= 1
        html = page.content()
        for private in ("Anna Andersson", "anna@example.org", "070-123 45 67", "Sitsen är trasig"):
            assert private not in html, private
        assert serious_violations(page) == []


@pytest.mark.usefixtures("no_reports")
def test_a_refused_report_keeps_the_form_filled_and_says_why(
    browser: Browser, live_server: str, engine: Engine
) -> None:
    with watched_page(browser, live_server, PHONE, allowed=("status of 415",)) as page:
        open_map(page, view_of(BENCH, 19))
        _tap_map_centre(page)
        start = page.get_by_role("button", name="Felanmäl här")
        start.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("#svar form.report-form[data-klar]", timeout=30_000)

        # By keyboard: the fields in reading order, the photo button's focus visible.
        page.focus("#fa-kategori")
        order = []
        for _ in range(7):
            page.keyboard.press("Tab")
            order.append(
                page.evaluate("document.activeElement.id || document.activeElement.textContent")
            )
            if order[-1] == "fa-foto":
                outline = page.eval_on_selector(
                    ".photo-choose", "e => getComputedStyle(e).outlineStyle"
                )
                assert outline == "solid", "the label shows the file input's focus"
        assert order == [
            "fa-beskrivning",
            "fa-foto",
            "fa-namn",
            "fa-epost",
            "fa-telefon",
            "Skicka felanmälan",
            "Avbryt",
        ]

        page.get_by_role("button", name="Skicka felanmälan").click()
        assert page.locator("#fa-beskrivning-fel").inner_text() == "Beskriv felet med några ord."
        assert page.get_attribute("#fa-beskrivning", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "fa-beskrivning"

        page.fill("#fa-beskrivning", "Bänken är sprayad")
        page.fill("#fa-epost", "inte en adress")
        page.get_by_role("button", name="Skicka felanmälan").click()
        assert "e-postadress" in page.locator("#fa-epost-fel").inner_text()
        assert page.evaluate("document.activeElement.id") == "fa-epost"
        assert _report_count(engine) == 0, "nothing is sent before the form is right"

        page.fill("#fa-epost", "")
        page.set_input_files("#fa-foto", photo_file("x.png", b"ingen bild alls"))
        page.get_by_role("button", name="Skicka felanmälan").click()
        error = page.locator("#svar .report-error")
        error.wait_for(state="visible", timeout=30_000)
        assert "ingen JPEG-, PNG- eller WebP-bild" in error.inner_text()
        assert error.get_attribute("role") == "alert"
        assert page.input_value("#fa-beskrivning") == "Bänken är sprayad"
        assert page.locator("#svar .photo-previews img").count() == 1
        assert page.locator("#fa-epost-fel").is_hidden()
        assert serious_violations(page, "#svar") == []
        assert _report_count(engine) == 0


@pytest.mark.usefixtures("no_reports")
def test_the_open_reports_layer_shows_open_reports_in_view(
    browser: Browser, live_server: str, engine: Engine
) -> None:
    shown = create_report(live_server, BENCH, "trasig-mobel")
    other = create_report(live_server, THIRTY_M_EAST, "klotter")
    closed = create_report(live_server, BESIDE_BENCH, "klotter")
    with engine.begin() as conn:
        _, token = create_token(
            conn,
            name="kartlager handlaggare",
            role="handlaggare",
            organisation="parkenheten",
            days=1,
        )
    try:
        response = httpx.post(
            f"{live_server}{REPORTS_URL}/{closed['nummer']}/status",
            json={"status": "dubblett", "dubblett_av": shown["nummer"]},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert response.status_code == 200, response.text
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM api_token WHERE namn = 'kartlager handlaggare'"))

    with watched_page(browser, live_server, LAPTOP) as page:
        open_map(page, view_of(BENCH, 18))
        switch = page.get_by_role("switch", name="Öppna felanmälningar")
        assert page.locator(".report-marker").count() == 0, "off until switched on"
        switch.check()
        page.wait_for_selector(".reports-layer[data-antal]", timeout=30_000)
        markers = page.locator(".leaflet-marker-pane .report-marker")
        assert markers.count() == 2, "the duplicate is closed"
        titles = set(markers.evaluate_all("els => els.map(e => e.title)"))
        assert titles == {
            f"{shown['nummer']}: Trasig bänk/bord, Ny",
            f"{other['nummer']}: Klotter, Ny",
        }
        assert page.locator(".reports-statuses").is_visible(), "the colours' legend"
        assert "2 öppna felanmälningar i kartbilden." in page.locator(".reports-count").inner_text()
        # The layer's own parts: the rest of the page is the map's (tests/test_map*.py).
        assert serious_violations(page, ".reports-layer") == []
        assert serious_violations(page, ".leaflet-marker-pane") == []

        page.locator(f'.report-marker[title^="{shown["nummer"]}:"]').click()
        popup = page.locator(".leaflet-popup")
        assert popup.get_by_role("link").get_attribute("href") == f"/felanmalan/{shown['nummer']}"
        assert "Ny" in popup.inner_text()
        # Leaflet fades a popup in; axe measures contrast once it is opaque.
        page.wait_for_function(
            "() => getComputedStyle(document.querySelector('.leaflet-popup')).opacity === '1'"
        )
        assert serious_violations(page, ".leaflet-popup") == []
        page.screenshot(path=str(ARTIFACTS / "felanmalan-lager.png"))
        page.keyboard.press("Escape")

        # Zoomed out to 15 the two are 12 px apart: one marker that counts and lists both.
        for zoom in (17, 16, 15):
            page.locator(".leaflet-control-zoom-out").click()
            page.wait_for_function(f"() => location.hash.startsWith('#{zoom}/')")
        page.locator(".report-marker .report-pin-count").wait_for(timeout=30_000)
        assert markers.count() == 1
        assert markers.first.locator(".report-pin-count").inner_text() == "2"
        assert (markers.first.get_attribute("title") or "").startswith("2 öppna felanmälningar")
        markers.first.click()
        links = popup.get_by_role("link").evaluate_all("els => els.map(e => e.pathname)")
        assert sorted(links) == sorted(f"/felanmalan/{r['nummer']}" for r in (shown, other))
        page.keyboard.press("Escape")

        # Dragged well away (three drags of 500 px at zoom 15, about 3.7 km), the layer refetches.
        box = page.locator("#karta").bounding_box()
        assert box is not None
        y = box["y"] + box["height"] - 60
        for _ in range(3):
            page.mouse.move(box["x"] + 650, y)
            page.mouse.down()
            page.mouse.move(box["x"] + 150, y, steps=8)
            page.mouse.up()
        page.wait_for_selector(".reports-layer[data-antal='0']", timeout=30_000)
        assert (
            "Inga öppna felanmälningar i kartbilden." in page.locator(".reports-count").inner_text()
        )

        switch.uncheck()
        assert markers.count() == 0


@pytest.mark.usefixtures("no_reports")
def test_signed_in_the_contact_is_prefilled_and_the_report_carries_the_session(
    browser: Browser, live_server: str, engine: Engine
) -> None:
    token = create_test_token(engine, "handlaggare", "parkenheten", name=SIGNED_IN)
    try:
        with watched_page(
            browser,
            live_server,
            PHONE,
            prepare=lambda context: sign_in_with_token(context, live_server, token),
        ) as page:
            open_map(page, view_of(BENCH, 19))
            _tap_map_centre(page)
            _open_form(page)
            assert page.input_value("#fa-namn") == SIGNED_IN
            page.fill("#fa-beskrivning", "Bänken har välts")
            page.fill("#fa-telefon", "08-123 45 67")
            # The write goes with the session's CSRF token; without it the service refuses.
            page.get_by_role("button", name="Skicka felanmälan").click()
            page.locator("#svar .report-receipt").wait_for(timeout=30_000)
            nummer = page.locator("#svar .report-number").inner_text()

            # Another report from the same page: the contact is given once.
            page.get_by_role("button", name="Gör en felanmälan till här").click()
            page.wait_for_selector("#svar form.report-form[data-klar]", timeout=30_000)
            assert page.input_value("#fa-telefon") == "08-123 45 67"
            assert page.input_value("#fa-beskrivning") == ""
        with engine.connect() as conn:
            made_by, contact = conn.execute(
                text("SELECT anmald_av, anmalare_namn FROM felanmalan WHERE nummer = :n"),
                {"n": nummer},
            ).one()
        assert made_by is not None, "made by the signed-in token, not anonymously"
        assert contact == SIGNED_IN
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM api_token WHERE namn = :n"), {"n": SIGNED_IN})
