"""The whole API fuzzed from its OpenAPI (schemathesis), anonymously and with a token of each role.

Bounded for `make test`: the coverage phase (boundary and invalid values of every parameter
and body field) as admin, whose requests get past authorisation into every handler, and a few
generated cases per operation and mode as every identity. Seeded: ANSVAR_FUZZ_SEED overrides
the default, and the seed is in the failure message. The long run is `make fuzz`
(`bench/fuzz.py`). Checks: no 5xx, status codes, media types and bodies as declared, every 4xx
application/problem+json.
"""

import os
from collections.abc import Iterator

import httpx
import pytest

from app.features.params import STORAGE_CRS
from tests.conftest import database_url_for_tests
from tests.handmade import E0, N0, local_lonlat
from tests.support.fuzz import (
    IDENTITIES,
    FuzzOutcome,
    identity_headers,
    prepare_database,
    run_identity,
    seed_from_environment,
)
from tests.support.servers import running_server

EXAMPLES = int(os.environ.get("ANSVAR_FUZZ_EXAMPLES", "3"))
COVERAGE_AS = "admin"


@pytest.fixture(scope="module")
def fuzz_target() -> Iterator[tuple[str, dict[str, dict[str, str]]]]:
    """The service on a database of its own (fuzzed writes change it); each identity's headers."""
    url = database_url_for_tests("_test_fuzz")
    engine = prepare_database(url)
    try:
        headers = identity_headers(engine, IDENTITIES)
    finally:
        engine.dispose()
    with running_server(url, quiet=True, ANSVAR_BASEMAP_URL="") as base_url:
        yield base_url, headers


def test_the_api_holds_under_fuzzing(fuzz_target: tuple[str, dict[str, dict[str, str]]]) -> None:
    base_url, headers = fuzz_target
    outcome = FuzzOutcome(seed=seed_from_environment())
    print(f"fuzz seed {outcome.seed} (ANSVAR_FUZZ_SEED)")
    for identity in IDENTITIES:
        run_identity(
            outcome,
            base_url,
            identity.name,
            headers[identity.name],
            max_examples=EXAMPLES,
            coverage=identity.name == COVERAGE_AS,
        )
    print(outcome.summary())
    print(f"slowest: {outcome.slowest()}")
    assert outcome.cases > 0
    assert not outcome.failures, outcome.summary()
    assert not outcome.errors, outcome.summary()


# What fuzzing found, kept as plain requests (the fuzzer's inputs change with its seed).


def _area_codes(base_url: str, params: dict[str, str]) -> list[str]:
    response = httpx.get(f"{base_url}/ogc/collections/skotselytor/items", params=params)
    assert response.status_code == 200, response.text
    return sorted(f["properties"]["produkt"] for f in response.json()["features"])


@pytest.mark.parametrize("crs", ["CRS84", "EPSG:3006"])
@pytest.mark.usefixtures("handmade_data")
def test_a_bbox_without_area_selects_what_it_touches(live_server: str, crs: str) -> None:
    # bbox=0,0,0,0 was a 500 (GEOS cannot densify a box without area); OGC allows min = max.
    base_url = live_server
    assert _area_codes(base_url, {"bbox": "0,0,0,0"}) == []
    if crs == "CRS84":
        lon, lat = local_lonlat((30, 30))
        point = {"bbox": f"{lon},{lat},{lon},{lat}"}
        west, south = local_lonlat((30, 50))
        east, _ = local_lonlat((330, 50))
        line = {"bbox": f"{west},{south},{east},{south}"}
    else:
        n, e = N0 + 30, E0 + 30
        point = {"bbox": f"{n},{e},{n},{e}", "bbox-crs": STORAGE_CRS.uri}
        line = {"bbox": f"{N0 + 50},{E0 + 30},{N0 + 50},{E0 + 330}"}
        line["bbox-crs"] = STORAGE_CRS.uri
    # The point lies in a park area (G2) and in the sports ground inside it (IG2); the line
    # along N 50 crosses both park areas, not IG2 (N 20–40) nor G1 (N 0–20).
    assert _area_codes(base_url, point) == ["G2", "IG2"]
    assert _area_codes(base_url, line) == ["G2", "G2"]


@pytest.mark.parametrize("bbox_crs", ["EPSG/0/3011", "EPSG/0/3006"])
def test_a_bbox_beyond_the_earth_in_a_projected_crs_is_a_400(
    live_server: str, bbox_crs: str
) -> None:
    # Found by fuzzing: a 6-number bbox of 1e172 m in SWEREF 99 18 00 was a 500 (GEOS could not
    # densify its outline); metres that far from the origin are no place on earth.
    response = httpx.get(
        f"{live_server}/ogc/collections/skotselpunkter/items",
        params={
            "bbox": "1e-82,-3.7e16,1.5,1.1e172,1.5e16,150",
            "bbox-crs": f"http://www.opengis.net/def/crs/{bbox_crs}",
        },
    )
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "utanför jorden" in response.json()["detail"]
