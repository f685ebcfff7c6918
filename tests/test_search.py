"""The map's search box: designation prefixes from the index, organisations by name."""

import httpx
import pytest
from sqlalchemy import Engine, text

from app.mapui.queries import PARCELS_SQL


@pytest.mark.usefixtures("handmade_data")
def test_designation_suggestions_with_their_extent(live_server: str) -> None:
    found = httpx.get(f"{live_server}/api/v1/sok", params={"q": "testtrakt 1:"}).json()["forslag"]
    parcels = [s for s in found if s["typ"] == "fastighet"]
    assert [s["namn"] for s in parcels] == [f"HUDDINGE TESTTRAKT 1:{n}" for n in range(1, 5)]
    west, south, east, north = parcels[0]["bbox"]
    assert 17.9 < west < east < 18.1
    assert 59.1 < south < north < 59.3


@pytest.mark.usefixtures("handmade_data")
def test_organisation_suggestions(live_server: str) -> None:
    found = httpx.get(f"{live_server}/api/v1/sok", params={"q": "huge"}).json()["forslag"]
    assert {"typ": "organisation", "namn": "Huge Bostäder AB", "slug": "huge"}.items() <= next(
        s for s in found if s["typ"] == "organisation"
    ).items()


def test_too_short_a_query_is_a_400(live_server: str) -> None:
    response = httpx.get(f"{live_server}/api/v1/sok", params={"q": "h"})
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("handmade_data")
def test_designation_search_uses_the_index(engine: Engine) -> None:
    sql = PARCELS_SQL.replace("%(prefix)s", "'HUDDINGE GRANTORP 5%'").replace("%(limit)s", "10")
    with engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")  # the table is tiny in the test
        plan = "\n".join(row[0] for row in conn.execute(text("EXPLAIN " + sql)))
    assert "ix_fastighet_beteckning" in plan
