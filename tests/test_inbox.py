"""The inbox (/inkorg) in real headless Chromium, signed in through the token sign-in: each
organisation's reports as a list and on a map, filters, an opened report with its photo,
contact and history, a status change with a note, a forward to another organisation, a
duplicate, a contractor's view, the phone layout, and axe on every state.

The reports are made through the API on the hand-made patch, as a reporter would.
"""

import io
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from sqlalchemy import Engine, text

from app.core.paths import FRONTEND_DIST, REPO_ROOT
from app.reports.categories import read_categories, sync_categories
from tests.handmade import local_lonlat
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.signin import SignedInSession, create_test_token

ARTIFACTS = REPO_ROOT / "artifacts"
BENCH_PARK = (60, 60)  # the park unit's bench, in the contractor's operations area
LAWN_PARK = (30, 80)  # the park unit's lawn, in the same area
LAWN_HUGE = (150, 20)  # Huge's lawn, in the area Huge performs itself
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
PARK = "Miljö- och bygglovsförvaltningen, parkenheten"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "inkorg.html").exists(), "build the pages: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def tokens(engine: Engine, handmade_data: None) -> Iterator[dict[str, str]]:  # noqa: ARG001 (set up first)
    """A token for each signed-in person of the tests; the categories synced."""
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
    yield {
        "park": create_test_token(engine, "handlaggare", "parkenheten", name="inkorgen park"),
        "huge": create_test_token(engine, "handlaggare", "huge", name="inkorgen huge"),
        "entreprenor": create_test_token(
            engine, "entreprenor", "sodertorns-parkdrift", name="inkorgen entreprenor"
        ),
    }
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'inkorgen %'"))


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def reports(live_server: str, engine: Engine, tokens: dict[str, str]) -> dict[str, str]:
    """Fresh reports made as reporters make them: three to the park unit, one to Huge."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
    made = {}
    with httpx.Client(base_url=live_server, timeout=30) as client:
        for key, xy, kategori in (
            ("bank", BENCH_PARK, "trasig-mobel"),
            ("klotter", LAWN_PARK, "klotter"),
            ("huge", LAWN_HUGE, "nedskrapning"),
            ("igen", BENCH_PARK, "trasig-mobel"),
            ("klar", LAWN_PARK, "nedskrapning"),
        ):
            lon, lat = local_lonlat(xy)
            fields = {"lon": lon, "lat": lat, "kategori": kategori, "beskrivning": f"Om {key}"}
            if key == "bank":  # with a photo and the reporter's contact
                response = client.post(
                    "/api/v1/felanmalan",
                    data={
                        **{name: str(value) for name, value in fields.items()},
                        "kontakt_namn": "Bo Berg",
                        "kontakt_epost": "bo@example.org",
                    },
                    files=[("foto", ("bild.jpg", _jpeg(), "image/jpeg"))],
                )
            else:
                response = client.post("/api/v1/felanmalan", json=fields)
            assert response.status_code == 201, response.text
            made[key] = response.json()["nummer"]
        handler = {"Authorization": f"Bearer {tokens['park']}"}
        for status in ("mottagen", "pagar", "atgardad"):  # one handled: the chart has a bar
            changed = client.post(
                f"/api/v1/felanmalan/{made['klar']}/status",
                json={"status": status},
                headers=handler,
            )
            assert changed.status_code == 200, changed.text
    # No cleanup here: a function fixture's teardown runs before the browser's (signed_in), and
    # a page still loading a report's photo would get a 404. The module cleans up at its end.
    return made


@pytest.fixture(scope="module", autouse=True)
def _no_reports_left(engine: Engine) -> Iterator[None]:
    """The reports of this module removed after its last test."""
    yield
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


@pytest.fixture
def signed_in(browser: Browser, live_server: str) -> Iterator[Any]:
    """signed_in(token, viewport=LAPTOP) → a page of a signed-in context."""
    sessions: list[SignedInSession] = []

    def open_page(token: str, viewport: ViewportSize = LAPTOP) -> Page:
        session = SignedInSession(browser, live_server, token, viewport)
        sessions.append(session)
        return session.page()

    yield open_page
    for session in sessions:
        session.close()


def _inbox(page: Page, query: str = "") -> None:
    page.goto(f"/inkorg{query}")
    page.wait_for_selector("main[data-klar]", timeout=30_000)


def _wait_for_reload(page: Page) -> None:
    # Selectors, not wait_for_function's strings: the page's policy forbids eval.
    page.wait_for_selector("main[data-klar]", timeout=30_000)


def _listed(page: Page) -> list[str]:
    numbers: list[str] = page.locator(".report-list li").evaluate_all(
        "items => items.map(i => i.dataset.nummer)"
    )
    return numbers


def _open_report(page: Page, nummer: str) -> None:
    page.locator(f'.report-list li[data-nummer="{nummer}"] a').click()
    page.wait_for_selector("#arende[data-klar]", timeout=30_000)


def _changed(page: Page, button: str) -> None:
    """Press the action's button and wait for the report and the list to be drawn again."""
    page.evaluate("document.querySelector('#arende').removeAttribute('data-klar')")
    page.get_by_role("button", name=button).click()
    page.wait_for_selector("#arende[data-klar] .detail-message", timeout=30_000)
    _wait_for_reload(page)


def test_signed_out_the_inbox_says_to_sign_in(browser: Browser, live_server: str) -> None:
    context = browser.new_context(viewport=PHONE, base_url=live_server)
    try:
        page = context.new_page()
        _inbox(page)
        assert page.locator("main").get_attribute("data-klar") == "utloggad"
        link = page.locator("main").get_by_role("link", name="Logga in")
        assert link.get_attribute("href") == "/inloggning?nasta=%2Finkorg"
        assert serious_violations(page) == []
    finally:
        context.close()


def test_a_handler_sees_the_organisations_reports_filters_and_opens_one(
    signed_in: Any, tokens: dict[str, str], reports: dict[str, str]
) -> None:
    page = signed_in(tokens["park"])
    _inbox(page)
    own = [reports["bank"], reports["klotter"], reports["igen"]]
    assert _listed(page) == own, "the park unit's open reports, oldest first"
    assert page.locator(".inbox-map .report-pin").count() == 3
    counts = page.locator(".count-button").evaluate_all(
        "bs => Object.fromEntries(bs.map(b => [b.dataset.status,"
        " b.querySelector('.count-number').textContent]))"
    )
    assert (counts["ny"], counts["atgardad"]) == ("3", "1")
    assert page.locator("#tider canvas").count() == 1, "the chart is drawn"
    figures = page.locator("#tider table tbody tr").all_inner_texts()
    assert [f.split("\t")[:2] for f in figures] == [["Nedskräpning", "1"]], "and as a table"
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "inkorg-lista.png"))

    page.select_option("#kategori", "klotter")
    _wait_for_reload(page)
    assert _listed(page) == [reports["klotter"]]
    assert "kategori=klotter" in page.url
    page.select_option("#kategori", "")
    _wait_for_reload(page)
    page.select_option("#sortering", "nyast")
    _wait_for_reload(page)
    assert _listed(page) == own[::-1]

    _open_report(page, reports["bank"])
    detail = page.locator("#arende")
    assert reports["bank"] in detail.locator("h2").inner_text()
    assert page.evaluate("document.activeElement.id") == "arende-rubrik", "focus on the report"
    assert "Om bank" in detail.inner_text()
    assert "Bo Berg" in detail.inner_text()
    assert detail.get_by_role("link", name="bo@example.org").is_visible()
    photo = detail.locator(".photos img")
    photo.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.photos img').naturalWidth > 0")
    assert "Ny hos" in detail.locator(".history").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "inkorg-arende.png"))
    page.get_by_role("button", name="← Tillbaka till listan").click()
    assert detail.is_hidden()


def test_a_status_change_with_a_note_shows_in_the_public_history_without_the_note(
    signed_in: Any, tokens: dict[str, str], reports: dict[str, str], live_server: str
) -> None:
    page = signed_in(tokens["park"])
    _inbox(page, f"#{reports['bank']}")
    page.wait_for_selector("#arende[data-klar]", timeout=30_000)
    page.fill("#notering-status", "Bänken besiktigad, ny sits beställd")
    _changed(page, "Markera som mottagen")
    detail = page.locator("#arende")
    assert detail.locator(".detail-status").inner_text() == "Status: Mottagen"
    assert "Bänken besiktigad, ny sits beställd" in detail.locator(".history").inner_text()
    assert detail.get_by_role("button", name="Markera som pågår").is_visible()
    assert (
        page.locator(f'.report-list li[data-nummer="{reports["bank"]}"]')
        .inner_text()
        .find("Mottagen")
        >= 0
    )
    public = httpx.get(f"{live_server}/api/v1/felanmalan/{reports['bank']}", timeout=30)
    steps = [(e["status"], e["mottagare"]["namn"]) for e in public.json()["offentlig_historik"]]
    assert steps == [("ny", PARK), ("mottagen", PARK)]
    assert "besiktigad" not in public.text
    assert "Bo Berg" not in public.text


def test_forwarding_moves_the_report_to_the_other_organisations_inbox(
    signed_in: Any, tokens: dict[str, str], reports: dict[str, str]
) -> None:
    page = signed_in(tokens["park"])
    _inbox(page)
    _open_report(page, reports["klotter"])
    page.select_option("#skicka-till", label="Huge Bostäder AB")
    page.fill("#notering-vidare", "Väggen är Huges")
    _changed(page, "Skicka vidare")
    message = page.locator("#arende .detail-message").inner_text()
    assert "Skickad vidare till Huge Bostäder AB" in message
    assert reports["klotter"] not in _listed(page)
    assert serious_violations(page) == []

    other = signed_in(tokens["huge"])
    _inbox(other)
    assert _listed(other) == [reports["klotter"], reports["huge"]]
    _open_report(other, reports["klotter"])
    history = other.locator("#arende .history").inner_text()
    assert "skickad till Huge Bostäder AB" in history
    assert "Väggen är Huges" in history


def test_marking_a_duplicate_names_the_report_it_repeats(
    signed_in: Any, tokens: dict[str, str], reports: dict[str, str]
) -> None:
    page = signed_in(tokens["park"])
    _inbox(page)
    _open_report(page, reports["igen"])
    page.fill("#dubblett-av", reports["bank"].lower())
    _changed(page, "Markera som dubblett")
    detail = page.locator("#arende")
    assert detail.locator(".detail-status").inner_text() == "Status: Dubblett"
    assert detail.get_by_role("link", name=reports["bank"]).is_visible()
    assert "avslutat" in detail.inner_text()
    assert reports["igen"] not in _listed(page), "closed: not among the open ones"


def test_a_contractor_sees_the_reports_of_its_operations_areas(
    signed_in: Any, tokens: dict[str, str], reports: dict[str, str]
) -> None:
    page = signed_in(tokens["entreprenor"])
    _inbox(page)
    assert _listed(page) == [reports["bank"], reports["klotter"], reports["igen"]]
    assert "driftområden som Södertörns Parkdrift" in page.locator(".scope").inner_text()
    areas = page.locator("#driftomrade option").all_inner_texts()
    assert areas == ["Alla områden", "Testområde park"]
    _open_report(page, reports["bank"])
    assert page.get_by_role("button", name="Markera som mottagen").is_visible()


@pytest.mark.usefixtures("reports")
def test_the_phone_layout_switches_between_list_and_map_and_opens_a_report(
    signed_in: Any, tokens: dict[str, str]
) -> None:
    page = signed_in(tokens["park"], PHONE)
    _inbox(page)
    assert page.locator(".report-list").is_visible()
    assert page.locator(".inbox-map").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "inkorg-mobil-lista.png"), full_page=True)
    page.get_by_role("button", name="Karta").click()
    assert page.locator(".inbox-map").is_visible()
    assert page.locator(".report-list").is_hidden()
    pin = page.locator(".inbox-map .report-pin").first
    pin.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#arende[data-klar]", timeout=30_000)
    assert page.locator(".inbox-map").is_hidden(), "the report takes the whole screen"
    assert serious_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "inkorg-mobil-arende.png"), full_page=True)
    page.get_by_role("button", name="← Tillbaka till listan").click()
    assert page.locator("#arende").is_hidden()
    assert len(_listed(page)) == 3
