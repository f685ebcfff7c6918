"""Who may download an operations area's package: a contractor asking for an area that is not
its own is told only that it does not exist or is not its own."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token

PARK, HUGE = "Testområde park", "Testområde Huge"  # the park contractor performs the first only


@pytest.fixture(scope="module")
def tokens(engine: Engine, handmade_data: None) -> Iterator[dict[str, dict[str, str]]]:  # noqa: ARG001 (a fixture set up first)
    """Bearer headers of a gis user, an admin and the park contractor."""
    headers = {}
    with engine.begin() as conn:
        for role, organisation in (
            ("gis", None),
            ("admin", None),
            ("entreprenor", "sodertorns-parkdrift"),
        ):
            _, token = create_token(
                conn, name=f"hamta {role}", role=role, organisation=organisation, days=1
            )
            headers[role] = {"Authorization": f"Bearer {token}"}
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'hamta %'"))


@pytest.fixture(scope="module")
def ids(engine: Engine, handmade_data: None) -> dict[str, int]:  # noqa: ARG001 (a fixture set up first)
    """Operations area ids by name."""
    with engine.connect() as conn:
        return {row[0]: row[1] for row in conn.execute(text("SELECT namn, id FROM driftomrade"))}


def test_another_contractors_area_reads_as_missing_or_not_theirs_and_says_no_more(
    client: TestClient, tokens: dict[str, dict[str, str]], ids: dict[str, int]
) -> None:
    other = client.get(f"/api/v1/driftomraden/{ids[HUGE]}/paket", headers=tokens["entreprenor"])
    missing = client.get("/api/v1/driftomraden/999999/paket", headers=tokens["entreprenor"])
    assert other.status_code == missing.status_code == 404
    other_detail = other.json()["detail"].replace(str(ids[HUGE]), "N")
    assert other_detail == missing.json()["detail"].replace("999999", "N")
    assert "finns inte eller är inte ett av era driftområden" in other_detail
    plain = client.get("/api/v1/driftomraden/999999/paket", headers=tokens["gis"])
    assert plain.status_code == 404
    assert plain.json()["detail"] == "Driftområdet 999999 finns inte."
