"""The coordination analysis page (/samordning) in real headless Chromium, on the scene of
tests/analysis_scene.py with a price list of its own, answers by hand:

- 100 m cells (the page's ?ruta_m=100): cell 0_0 mixes Parkenheten 1 200 m² and Kultur och
  fritid 400 m² → 0.375 ("Blandat", class 2); cell 100_0 Parkenheten and Huge 2 000 m² each →
  0.5 ("Mycket blandat", class 3); cell 0_100 only Parkenheten's bed → 0 (class 0). Per
  driftområde only "Analys väst" is current: Parkenheten's 1 200 m² of lawn and the 400 m²
  sports ground inside it → 0.375, class 2.
- Quantities, whole municipality: m² Parkenheten Gräs 3 200 + 200 = 3 400, Huge Gräs 2 000,
  Kultur och fritid Idrott 400; m: Huge Häckar 40; st: Parkenheten and Huge Utrustning 1 each.
- Costs at PRICES: Parkenheten Gräs 3 200 × 3.50 + 200 × 6 = 12 400 and Utrustning 800; Huge
  Gräs 2 000 × 3.50 = 7 000, Häckar 40 × 40 = 1 600, Utrustning 800; Kultur och fritid Idrott
  400 × 10 = 4 000; in all 26 600 kr, G2's price example data.

- Neighbours (2 m, 50 m): the two lawns overlap; the park lawn's boundary within 2 m of Huge's
  lawn is its south edge from x = 108 to 150 (42 m) and its east edge up to y = 37 (27 m): 69 m;
  Huge's lawn's: its south and north edges up to x = 152 (42 + 42 m) and its west edge inside
  (25 m): 109 m; the matrix shows the mean, 89 m. Nothing else lies within 2 m. Objects within
  50 m: Huge's lawn, hedge (50 m from the bed) and bench (50 m from the park lawn) reach the park
  unit (3); the park lawn, bed and the bench on the grid line (10 m from Huge's lawn) reach
  Huge (3); the park lawn (41.2 m) and bed (40 m) reach the sports ground (2), which reaches the
  park unit (1) and Huge's bench (40 m: 1 each way).

The zones and the what-if are compared with the API's own answers (worked out by hand in
tests/test_analysis_zones.py and tests/test_analysis_whatif.py).
"""

import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from shapely.geometry import Polygon, box, shape
from sqlalchemy import Engine, text

from app.analysis.prices import Price, load_prices, sync_prices
from app.core.paths import FRONTEND_DIST, REPO_ROOT
from app.core.settings import Settings
from app.demo.load import reset_data
from tests.analysis_scene import box_sql, build_scene
from tests.support.axe import serious_violations
from tests.support.browser import launch_chromium
from tests.support.servers import running_server
from tests.support.signin import SignedInSession, create_test_token
from tests.support.tables import PLACE_TABLES, empty_tables

ARTIFACTS = REPO_ROOT / "artifacts"
LAPTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
SECTIONS = ["karta", "zoner", "mangder", "kostnader", "grannar", "idrott", "vad-hander-om"]
PARK = "Miljö- och bygglovsförvaltningen, parkenheten"
HUGE = "Huge Bostäder AB"
CULTURE = "Kultur- och fritidsförvaltningen"
PRICES = [
    Price("G2", None, "m²", Decimal("3.50"), "test", example_data=True),
    Price("G1", None, "m²", Decimal("6.00"), "test", example_data=False),
    Price("IG2", None, "m²", Decimal("10.00"), "test", example_data=False),
    Price("H1", None, "m", Decimal("40.00"), "test", example_data=False),
    Price("UT1", None, "st", Decimal("800.00"), "test", example_data=False),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    assert (FRONTEND_DIST / "samordning.html").exists(), "build the pages: make frontend"
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def scene(engine: Engine) -> Iterator[None]:
    """The analysis scene and PRICES, committed so the running service sees them; the price
    list as it was put back after."""
    with engine.begin() as conn:
        saved = load_prices(conn)
        reset_data(conn, PLACE_TABLES)
        build_scene(conn)
        sync_prices(conn, PRICES, replace=True)
    yield
    empty_tables(engine, PLACE_TABLES)
    with engine.begin() as conn:
        sync_prices(conn, saved, replace=True)


@pytest.fixture(scope="module")
def token(engine: Engine, scene: None) -> Iterator[str]:  # noqa: ARG001 (set up first)
    """A reader's token: reading rights are all the page needs."""
    yield create_test_token(engine, "lasare", "parkenheten", name="samordningssidan lasare")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'samordningssidan %'"))


@pytest.fixture
def signed_in(browser: Browser, live_server: str, token: str) -> Iterator[Any]:
    """signed_in(viewport=LAPTOP) → a page of a signed-in context."""
    sessions: list[SignedInSession] = []

    def open_page(viewport: ViewportSize = LAPTOP) -> Page:
        session = SignedInSession(browser, live_server, token, viewport)
        sessions.append(session)
        return session.page()

    yield open_page
    for session in sessions:
        session.close()


def _api(live_server: str, token: str, path: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=live_server, timeout=60, headers=headers) as client:
        response = client.post(path, json=body) if body is not None else client.get(path)
    assert response.status_code == 200, response.text
    return response.json()


def _open(page: Page, query: str = "") -> None:
    page.goto(f"/samordning{query}")
    for section in SECTIONS:
        page.wait_for_selector(f"#{section}[data-klar]", timeout=60_000)
        assert page.locator(f"#{section}").get_attribute("data-klar") == "ja", section


def _plain(value: str) -> str:
    """Swedish number spacing (no-break and narrow spaces) as plain spaces."""
    return value.replace("\xa0", " ").replace("\u202f", " ")


def _rows(page: Page, selector: str) -> list[list[str]]:
    return [_plain(row).split("\t") for row in page.locator(selector).all_inner_texts()]


def _view(page: Page) -> Polygon:
    """The map's view (west, south, east, north) as the page records it, as a box."""
    view = page.locator("#analyskarta").get_attribute("data-vy") or ""
    west, south, east, north = (float(v) for v in view.split(","))
    return box(west, south, east, north)


def _drag_map_away(page: Page) -> None:
    """Drag the map a screen and a half to the west: the place shown before is out of view."""
    page.locator("#analyskarta").scroll_into_view_if_needed()
    area = page.locator("#analyskarta").bounding_box()
    assert area is not None
    y = area["y"] + area["height"] / 2
    for _ in range(2):
        page.mouse.move(area["x"] + area["width"] - 20, y)
        page.mouse.down()
        page.mouse.move(area["x"] + 20, y, steps=8)
        page.mouse.up()


def _number(value: str) -> float:
    return float(re.sub(r"[^\d,.-]", "", _plain(value)).replace(",", "."))


def test_the_mix_is_drawn_per_cell_with_its_legend_and_per_driftomrade(signed_in: Any) -> None:
    page = signed_in()
    _open(page, "?ruta_m=100")
    assert page.locator("#analyskarta path.mix-cell").count() == 3
    for klass in (0, 2, 3):
        assert page.locator(f"#analyskarta path.mix-klass-{klass}").count() == 1, klass
    legend = [_plain(t) for t in page.locator(".mix-legend li").all_inner_texts()]
    assert legend[2] == "Blandat: 0,3–0,5"
    assert legend[3] == "Mycket blandat: 0,5–0,7"
    assert len(legend) == 5

    # The top list's most mixed place is cell 100_0: choosing it opens its shares on the map.
    first = page.locator("#topplista .top-places button").first
    assert "Ruta E 700100 N 6560000" in first.inner_text()
    first.click()
    popup = _plain(page.locator(".leaflet-popup-content").inner_text())
    assert "Blandningsindex 0,5 · 2 huvudmän · 4 000 m²" in popup
    assert f"{HUGE}: 50 % (2 000 m²)" in popup
    assert f"{PARK}: 50 % (2 000 m²)" in popup

    page.locator("label[for=indelning-driftomrade]").click()
    page.wait_for_selector("#karta[data-klar] #topplista h3", timeout=60_000)
    assert page.locator("#analyskarta path.mix-cell").count() == 1, "only Analys väst is current"
    assert page.locator("#analyskarta path.mix-klass-2").count() == 1
    assert serious_violations(page) == []


def test_quantities_and_costs_are_charts_with_the_same_figures_as_tables(
    signed_in: Any,
) -> None:
    page = signed_in()
    _open(page)
    assert page.locator("#mangder figure canvas").count() == 3, "one chart per unit"
    assert _rows(page, "#mangd-0 table tr") == [
        ["Huvudman", "Gräs (m²)", "Idrott (m²)"],
        [HUGE, "2 000", "–"],
        [CULTURE, "–", "400"],
        [PARK, "3 400", "–"],
    ]
    assert _rows(page, "#mangd-1 table tr") == [["Huvudman", "Häckar (m)"], [HUGE, "40"]]
    assert _rows(page, "#mangd-2 table tr") == [
        ["Huvudman", "Utrustning (st)"],
        [HUGE, "1"],
        [PARK, "1"],
    ]

    assert page.locator("#kostnader figure canvas").count() == 1
    assert _rows(page, "#kostnad table tr") == [
        ["Huvudman", "Gräs (kr/år)", "Häckar (kr/år)", "Idrott (kr/år)", "Utrustning (kr/år)"],
        [HUGE, "7 000", "1 600", "–", "800"],
        [CULTURE, "–", "–", "4 000", "–"],
        [PARK, "12 400", "–", "–", "800"],
    ]
    total = page.locator("#kostnader .total strong").get_attribute("data-varde")
    assert float(total or "nan") == 26_600
    notice = page.locator("#kostnader .example-notice")
    assert notice.is_visible()
    assert "Bruksgräsmatta: 3,5 kr per m² och år" in _plain(notice.inner_text())
    assert serious_violations(page) == []


def test_the_neighbour_matrix_shows_the_apis_figures_with_headers(
    signed_in: Any, live_server: str, token: str
) -> None:
    answer = _api(live_server, token, "/api/v1/samordning/grannar")
    page = signed_in()
    _open(page)
    for cell in answer["matris"]:
        selector = f'td[data-a="{cell["a"]}"][data-b="{cell["b"]}"]'
        shown = page.locator(f"#grannar-grans {selector}").inner_text()
        assert abs(_number(shown) - cell["gemensam_grans_m"]) <= 0.5, cell
        assert page.locator(f"#grannar-nara {selector}").inner_text() == str(cell["objekt_nara"])
    organisations = len(answer["organisationer"])
    assert organisations == 3
    headers = page.locator("#grannar-grans th[scope=col]").all_inner_texts()
    assert headers == ["Huvudman", HUGE, CULTURE, PARK]
    assert page.locator("#grannar-grans tbody th[scope=row]").count() == organisations
    by_hand = {  # (a, b): (shared boundary m, a's objects near b)
        ("parkenheten", "huge"): ("89", "3"),
        ("huge", "parkenheten"): ("89", "3"),
        ("parkenheten", "kultur-fritid"): ("0", "2"),
        ("kultur-fritid", "parkenheten"): ("0", "1"),
        ("huge", "kultur-fritid"): ("0", "1"),
        ("kultur-fritid", "huge"): ("0", "1"),
    }
    for (a, b), (boundary, near) in by_hand.items():
        selector = f'td[data-a="{a}"][data-b="{b}"]'
        assert page.locator(f"#grannar-grans {selector}").inner_text() == boundary, (a, b)
        assert page.locator(f"#grannar-nara {selector}").inner_text() == near, (a, b)


def test_choosing_a_zone_fits_it_on_the_map_and_shows_its_quantities(
    signed_in: Any, live_server: str, token: str
) -> None:
    zones = _api(live_server, token, "/api/v1/samordning/zoner?topp=20")["features"]
    assert zones, "the scene's organisations work within 100 m of each other"
    zone = zones[0]
    page = signed_in()
    _open(page)
    assert page.locator("#analyskarta path.zone-outline").count() == len(zones)
    assert page.locator("#zoner tbody tr").count() == len(zones)
    _drag_map_away(page)
    assert not _view(page).intersects(shape(zone["geometry"])), "the zone out of view first"
    page.locator("#zoner").scroll_into_view_if_needed()
    page.get_by_role("button", name="Visa zon 1").click()
    page.wait_for_selector("#zon:not([hidden])")
    assert _view(page).covers(shape(zone["geometry"])), "the zone is in view"
    assert page.evaluate("document.activeElement.id") == "zon-rubrik"
    shown = sorted(
        float(v)
        for v in page.locator("#zon td[data-mangd]").evaluate_all(
            "cells => cells.map(c => c.dataset.mangd)"
        )
    )
    assert shown == sorted(r["mangd"] for r in zone["properties"]["mangder"])
    assert page.locator(f'#zoner tr[data-zon="{zone["id"]}"]').get_attribute("aria-current")
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "samordning-zon.png"))


def test_the_phone_layout_passes_axe_and_is_one_column(signed_in: Any) -> None:
    page = signed_in(PHONE)
    _open(page)
    map_box = page.locator("#analyskarta").bounding_box()
    side = page.locator(".map-side").bounding_box()
    assert map_box is not None
    assert side is not None
    assert side["y"] >= map_box["y"] + map_box["height"], "the lists under the map"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "nothing wider than the screen"
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "samordning-mobil.png"))
    for name in SECTIONS:
        page.locator(f"#{name}").screenshot(path=str(ARTIFACTS / f"samordning-mobil-{name}.png"))


def test_the_desktop_page_passes_axe(signed_in: Any) -> None:
    page = signed_in(LAPTOP)
    _open(page)
    text = page.locator("main").inner_text()
    for word in ("null", "undefined", "NaN"):
        assert word not in text
    for name, kind in (("XLSX", "spreadsheetml"), ("PDF", "application/pdf")):
        link = page.get_by_role("link", name=f"Ladda ner rapport ({name})")
        href = link.get_attribute("href") or ""
        assert href == f"/api/v1/samordning/rapport.{name.lower()}"
        report = page.request.get(href, timeout=120_000)
        assert report.status == 200, report.text()
        assert kind in report.headers["content-type"]
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "samordning.png"))
    for name in SECTIONS:
        page.locator(f"#{name}").screenshot(path=str(ARTIFACTS / f"samordning-{name}.png"))


def test_signed_out_without_public_reading_the_page_says_to_sign_in(
    browser: Browser,
    settings: Settings,
    scene: None,  # noqa: ARG001 (set up first)
) -> None:
    with running_server(
        settings.database_url, ANSVAR_BASEMAP_URL="", ANSVAR_PUBLIC_READ="false"
    ) as url:
        context = browser.new_context(viewport=PHONE, base_url=url, locale="sv-SE")
        try:
            page = context.new_page()
            page.goto("/samordning")
            page.wait_for_selector("main[data-klar]", timeout=30_000)
            assert page.locator("main").get_attribute("data-klar") == "utloggad"
            link = page.locator("main").get_by_role("link", name="Logga in")
            assert link.get_attribute("href") == "/inloggning?nasta=%2Fsamordning"
            assert serious_violations(page) == []
        finally:
            context.close()


def test_the_sports_section_shows_each_principals_quantities_and_cost(signed_in: Any) -> None:
    page = signed_in()
    _open(page)
    rows = [[cell.strip() for cell in row] for row in _rows(page, "#idrott table.sports tbody tr")]
    assert rows == [[CULTURE, "Idrottsyta naturgräs: 400 m², 1 objekt", "4 000 kr"]]
    assert page.locator("#analyskarta path.sports-facility").count() == 1
    assert "Den enda anläggningen har en huvudman." in page.locator("#idrott").inner_text()


def _what_if(page: Page) -> dict[str, float]:
    page.get_by_role("button", name="Räkna").click()
    page.wait_for_selector("#vad-resultat[data-klar]", timeout=60_000)
    assert page.locator("#vad-resultat").get_attribute("data-klar") == "ja"
    shown: dict[str, str] = page.locator("#vad-resultat .headlines [data-falt]").evaluate_all(
        "cells => Object.fromEntries(cells.map(c => [c.dataset.falt, c.dataset.varde]))"
    )
    return {key: float(value) for key, value in shown.items()}


def test_the_what_if_shows_the_apis_answer_for_the_chosen_area_and_parameters(
    signed_in: Any, live_server: str, token: str
) -> None:
    areas = _api(live_server, token, "/api/v1/driftomraden")
    west = next(a["id"] for a in areas if a["namn"] == "Analys väst")
    page = signed_in()
    _open(page)
    assert page.locator("#vad-driftomraden input").count() == 1, "only current areas"
    page.locator(f"#driftomrade-{west}").check()
    page.fill("#param-kr_per_km", "60")
    shown = _what_if(page)
    answer = _api(
        live_server,
        token,
        "/api/v1/samordning/gemensam-upphandling",
        {
            "driftomraden": [west],
            "geometri": None,
            "organisationer": None,
            "parametrar": {
                "kr_per_besok": 400,
                "kr_per_km": 60,
                "omvagsfaktor": 1.3,
                "platsavstand_m": 50,
            },
        },
    )
    assert answer["parametrar"]["kr_per_km"] == 60
    assert shown == {
        "idag": answer["idag"]["kr_per_ar"],
        "samordnat": answer["samordnat"]["kr_per_ar"],
        "besparing": answer["besparing_kr_per_ar"],
        "andel": answer["besparing_andel"],
    }
    crews = page.locator("#vad-resultat table.crews-table tbody tr").count()
    assert crews == len(answer["idag"]["lag"]) + len(answer["samordnat"]["lag"])
    result = _plain(page.locator("#vad-resultat").inner_text())
    assert answer["modell"] in result
    for word in ("null", "undefined", "NaN"):
        assert word not in result
    assert "Analys väst" in result
    assert "60 kr per km" in result
    assert serious_violations(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#vad-hander-om").screenshot(path=str(ARTIFACTS / "samordning-vad-hander-om.png"))

    page.fill("#param-kr_per_km", "")
    page.get_by_role("button", name="Räkna").click()
    assert "Ange kronor per km" in page.locator("#vad-hander-om-form [role=status]").inner_text()


@pytest.fixture
def shared_facility(engine: Engine, scene: None) -> Iterator[None]:  # noqa: ARG001 (set up first)
    """The park unit's artificial turf 30–40 × 60–80 (200 m²), touching the sports ground: one
    facility of two huvudmän; removed after the test."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp,"
                " huvudman_id, geom, valid_from) SELECT gen_random_uuid(), 'IG1', 'yta', id,"
                f" {box_sql((30, 60, 40, 80))}, '2025-01-01' FROM organisation"
                " WHERE slug = 'parkenheten'"
            )
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM skotselobjekt WHERE skotselprodukt_kod = 'IG1'"))


@pytest.mark.usefixtures("shared_facility")
def test_a_facility_of_two_huvudman_is_listed_and_goes_to_the_map(
    signed_in: Any, live_server: str, token: str
) -> None:
    answer = _api(live_server, token, "/api/v1/samordning/idrott")
    (facility,) = answer["anlaggningar"]["features"]
    assert facility["properties"]["flera_huvudman"]
    page = signed_in()
    _open(page)
    rows = [[cell.strip() for cell in row] for row in _rows(page, "#idrott table.sports tbody tr")]
    assert [CULTURE, "Idrottsyta naturgräs: 400 m², 1 objekt", "4 000 kr"] in rows
    assert [PARK, "Idrottsyta konstgräs: 200 m², 1 objekt", "saknar pris"] in rows, "no IG1 price"
    assert page.locator("#analyskarta path.sports-facility.shared").count() == 1
    button = page.locator("#idrott .facilities button")
    assert _plain(button.inner_text()).split("\n") == [
        facility["properties"]["namn"],
        f"{CULTURE} och {PARK}",
    ]
    _drag_map_away(page)
    assert not _view(page).intersects(shape(facility["geometry"])), "out of view first"
    button.click()
    assert _view(page).covers(shape(facility["geometry"])), "the facility is in view"
    assert serious_violations(page) == []


def test_the_what_if_over_the_maps_view_sends_the_view_as_its_area(
    signed_in: Any, live_server: str, token: str
) -> None:
    page = signed_in()
    _open(page)
    page.locator("label[for=omrade-vy]").click()
    assert page.locator("#vad-driftomraden input").is_disabled(), "the area list is not used"
    shown = _what_if(page)
    west, south, east, north = _view(page).bounds
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    answer = _api(
        live_server,
        token,
        "/api/v1/samordning/gemensam-upphandling",
        {"geometri": {"type": "Polygon", "coordinates": [ring]}},
    )
    assert answer["mangder"], "the view holds the scene"
    assert shown["besparing"] == answer["besparing_kr_per_ar"]
    assert shown["idag"] == answer["idag"]["kr_per_ar"]
    assert "Resultat: Kartans vy" in page.locator("#vad-resultat h3").inner_text()


def test_with_public_reading_the_page_works_signed_out(
    browser: Browser,
    live_server: str,
    scene: None,  # noqa: ARG001 (set up first)
) -> None:
    context = browser.new_context(viewport=LAPTOP, base_url=live_server, locale="sv-SE")
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        _open(page)
        assert page.locator("#konto").get_by_role("link", name="Logga in").is_visible()
        assert page.locator("#mangder figure canvas").count() == 3
    finally:
        context.close()
    assert errors == []
