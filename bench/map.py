"""Benchmark of the staff map in headless Chromium on the demo data.

    .venv/bin/python -m bench.map [--varv 20]

Needs the demo loaded (make demo-data) and the map built (make frontend). Starts the service,
then, over --varv runs each: time from navigation until every visible layer is drawn, at the
whole municipality, a district and a block; and click-to-answer time at the block (until the
panel marks data-klar: the answer shown, its objects highlighted and the map moved so the point
stays beside the panel). Baseline (--baslinje-varv runs): a plain Leaflet page that fetches
the same bbox as GeoJSON (one page of up to 10,000 features per collection) and draws it with
L.geoJSON, measured the same way. Prints median and max and the ratio ours/baseline per view.
"""

import argparse
import statistics
import time

from playwright.sync_api import Page, sync_playwright

from app.core.paths import FRONTEND_DIST, REPO_ROOT
from app.core.settings import get_settings
from bench.common import require_tools
from tests.support.browser import CHROMIUM, launch_chromium
from tests.support.servers import running_server

VIEWS = {  # name: (zoom, lat, lon)
    "kommunen": (11, 59.215, 18.03),
    "stadsdel (Flemingsberg)": (14, 59.219, 17.945),
    "kvarter": (17, 59.24979, 17.98072),
}
LEAFLET = REPO_ROOT / "frontend" / "node_modules" / "leaflet" / "dist"

BASELINE_HTML = """<!doctype html><html><head><meta charset="utf-8"><style>{css}
html,body,#karta{{margin:0;height:100%}}</style></head><body><div id="karta"></div>
<script>{js}</script><script>
const [z, lat, lon] = location.hash.slice(1).split("/").map(Number);
const map = L.map("karta").setView([lat, lon], z);
const b = map.getBounds();
const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].join(",");
const collections = ["fastigheter", "skotselytor", "skotsellinjer", "skotselpunkter"];
Promise.all(collections.map((c) =>
  fetch(`/ogc/collections/${{c}}/items?bbox=${{bbox}}&limit=10000`).then((r) => r.json())))
  .then((layers) => {{
    for (const layer of layers) L.geoJSON(layer).addTo(map);
    requestAnimationFrame(() => {{ document.getElementById("karta").dataset.ritat = "1"; }});
  }});
</script></body></html>"""


def _median_max(values: list[float]) -> str:
    return f"median {statistics.median(values):7.0f} ms  max {max(values):7.0f} ms"


def _time_view(page: Page, url: str) -> float:
    page.goto("about:blank")
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("#karta[data-ritat]", timeout=120_000)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => done(null)))")
    return (time.perf_counter() - started) * 1000


def main() -> None:
    """Time both pages at each view, and clicks, and print the medians, maxima and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--varv", type=int, default=20)
    # The plain page needs tens of seconds per run zoomed out, so it gets fewer runs.
    parser.add_argument("--baslinje-varv", type=int, default=5)
    args = parser.parse_args()
    require_tools(CHROMIUM)
    if not (FRONTEND_DIST / "index.html").exists():
        raise SystemExit("Bygg kartan först: make frontend")
    baseline = BASELINE_HTML.format(
        css=(LEAFLET / "leaflet.css").read_text(), js=(LEAFLET / "leaflet.js").read_text()
    )
    service = running_server(
        get_settings().database_url, workers=2, quiet=True, ANSVAR_BASEMAP_URL=""
    )
    with service as base, sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.route(
            f"{base}/baslinje.html",
            lambda route: route.fulfill(body=baseline, content_type="text/html"),
        )
        for name, (zoom, lat, lon) in VIEWS.items():
            fragment = f"#{zoom}/{lat}/{lon}"
            ours = [_time_view(page, f"{base}/{fragment}") for _ in range(args.varv)]
            plain = [
                _time_view(page, f"{base}/baslinje.html{fragment}")
                for _ in range(args.baslinje_varv)
            ]
            ratio = statistics.median(ours) / statistics.median(plain)
            print(
                f"{name:<24} ours {_median_max(ours)} | L.geoJSON {_median_max(plain)} "
                f"| ours/baseline {ratio:.2f}"
            )
        zoom, lat, lon = VIEWS["kvarter"]
        clicks = []
        page.goto(f"{base}/#{zoom}/{lat}/{lon}")
        page.wait_for_selector("#karta[data-ritat]", timeout=60_000)
        box = page.locator("#karta").bounding_box()
        assert box is not None
        for n in range(args.varv):
            before = page.locator("#svar").get_attribute("data-klar")
            started = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] / 2 + n % 5, box["y"] + box["height"] / 2)
            page.wait_for_function(
                "(before) => document.getElementById('svar').dataset.klar !== before", arg=before
            )
            clicks.append((time.perf_counter() - started) * 1000)
        print(f"{'klick till svar (kvarter)':<24} {_median_max(clicks)}")
        browser.close()


if __name__ == "__main__":
    main()
