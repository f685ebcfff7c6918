"""The search box's parcels: a point inside to answer at, their areas to outline; and the
placeholder's example, which every demo must hold."""

import re

import httpx
import pytest
import shapely
from pyproj import Transformer

from app.core.paths import REPO_ROOT
from app.demo.gen_world import build_world
from tests.handmade import E0, N0

INDEX_HTML = REPO_ROOT / "frontend" / "index.html"


@pytest.mark.usefixtures("handmade_data")
def test_a_parcel_suggestion_has_a_point_inside_and_its_areas(live_server: str) -> None:
    found = httpx.get(f"{live_server}/api/v1/sok", params={"q": "testtrakt 1:4"}).json()
    [parcel] = [s for s in found["forslag"] if s["typ"] == "fastighet"]
    lon, lat = parcel["punkt"]
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(lon, lat)
    assert 100 < x - E0 < 200, "inside TESTTRAKT 1:4 (local 100–200 m)"
    assert 100 < y - N0 < 200
    [area_id] = parcel["fastighetsytor"]
    area = httpx.get(f"{live_server}/ogc/collections/fastigheter/items/{area_id}").json()
    assert area["properties"]["beteckning"] == "HUDDINGE TESTTRAKT 1:4"
    assert shapely.geometry.shape(area["geometry"]).contains(shapely.Point(lon, lat))


@pytest.mark.usefixtures("handmade_data")
def test_organisations_have_no_point_to_answer_at(live_server: str) -> None:
    found = httpx.get(f"{live_server}/api/v1/sok", params={"q": "huge"}).json()["forslag"]
    organisation = next(s for s in found if s["typ"] == "organisation")
    assert "punkt" not in organisation
    assert "fastighetsytor" not in organisation


@pytest.mark.usefixtures("handmade_data")
def test_no_match_is_an_empty_list(live_server: str) -> None:
    found = httpx.get(f"{live_server}/api/v1/sok", params={"q": "Ingenstans 99:99"}).json()
    assert found == {"forslag": []}


def _placeholder_designation() -> str:
    placeholder = re.search(r'id="sok"[^>]*placeholder="([^"]+)"', INDEX_HTML.read_text())
    assert placeholder is not None
    example = re.search(r"t\.ex\. ([A-ZÅÄÖ][a-zåäö]+ \d+:\d+)", placeholder.group(1))
    assert example is not None, placeholder.group(1)
    return "HUDDINGE " + example.group(1).upper()


@pytest.mark.parametrize("parcels", [500, 20_000])
def test_the_placeholders_example_is_in_every_demo(parcels: int) -> None:
    # The default demo (make demo-data) and a small one: the generator's default seed.
    designations = set(build_world(126, parcels).table.designation)
    assert _placeholder_designation() in designations
