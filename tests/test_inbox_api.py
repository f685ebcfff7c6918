"""What the inbox asks of the API: its own reports (mina), by area and age, the statistics
(counts per status, the median time to atgardad from the event history), and the public
history that shows every status change and receiver without notes, names or contacts.

Real tokens and the hand-made patch committed; event times are set in the database so the
medians are known.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.access.tokens import create_token
from app.reports.categories import read_categories, sync_categories
from app.reports.schemas import ReportOut, Statistics
from tests.handmade import local_lonlat

URL = "/api/v1/felanmalan"
STATISTICS = f"{URL}/statistik"
BENCH_PARK = (60, 60)  # the park unit's, in the contractor's operations area
LAWN_HUGE = (150, 20)  # Huge's, in the area Huge performs itself
TOKENS = {
    "park": ("handlaggare", "parkenheten"),
    "huge": ("handlaggare", "huge"),
    "entreprenor": ("entreprenor", "sodertorns-parkdrift"),
    "admin": ("admin", None),
}


@pytest.fixture(scope="module")
def tokens(engine: Engine, handmade_data: None) -> Iterator[dict[str, dict[str, str]]]:  # noqa: ARG001 (set up first)
    """Bearer headers per key of TOKENS; the categories synced."""
    headers = {}
    with engine.begin() as conn:
        sync_categories(conn, read_categories())
        for key, (role, organisation) in TOKENS.items():
            _id, token = create_token(
                conn, name=f"inkorg {key}", role=role, organisation=organisation, days=1
            )
            headers[key] = {"Authorization": f"Bearer {token}"}
    yield headers
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE namn LIKE 'inkorg %'"))


@pytest.fixture
def fresh(engine: Engine, tokens: dict[str, dict[str, str]]) -> Iterator[dict[str, dict[str, str]]]:
    """No reports before the test, none after it; the tokens."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
    yield tokens
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))


def _create(
    client: TestClient, xy: tuple[float, float], kategori: str = "trasig-mobel", **extra: Any
) -> str:
    lon, lat = local_lonlat(xy)
    response = client.post(URL, json={"lon": lon, "lat": lat, "kategori": kategori, **extra})
    assert response.status_code == 201, response.text
    return str(response.json()["nummer"])


def _change(client: TestClient, nummer: str, headers: dict[str, str], **change: Any) -> Any:
    response = client.post(f"{URL}/{nummer}/status", json=change, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _handle(client: TestClient, nummer: str, headers: dict[str, str]) -> None:
    for status in ("mottagen", "pagar", "atgardad"):
        _change(client, nummer, headers, status=status)


def _set_times(engine: Engine, nummer: str, hours_ago: dict[str, float]) -> None:
    """Move the report's events of each status (and its creation, with ny) to hours ago."""
    with engine.begin() as conn:
        for status, hours in hours_ago.items():
            conn.execute(
                text(
                    "UPDATE felanmalan_handelse e SET tid = now() - make_interval(secs => :s)"
                    " FROM felanmalan f WHERE f.id = e.felanmalan_id AND f.nummer = :n"
                    " AND e.status = :status"
                ),
                {"s": hours * 3600, "n": nummer, "status": status},
            )
        if "skapad" in hours_ago:
            conn.execute(
                text(
                    "UPDATE felanmalan SET skapad = now() - make_interval(secs => :s)"
                    " WHERE nummer = :n"
                ),
                {"s": hours_ago["skapad"] * 3600, "n": nummer},
            )


def _numbers(client: TestClient, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    response = client.get(URL, params={"limit": 1000, **params}, headers=headers or {})
    assert response.status_code == 200, response.text
    return [r["nummer"] for r in response.json()["felanmalningar"]]


def _area_id(engine: Engine, name: str) -> int:
    with engine.connect() as conn:
        found: int = conn.execute(
            text("SELECT id FROM driftomrade WHERE namn = :n"), {"n": name}
        ).scalar_one()
        return found


def test_the_inbox_lists_its_own_reports_by_area_and_oldest_first(
    client: TestClient, engine: Engine, fresh: dict[str, dict[str, str]]
) -> None:
    first = _create(client, BENCH_PARK)
    huge = _create(client, LAWN_HUGE, kategori="nedskrapning")
    last = _create(client, BENCH_PARK, kategori="klotter")
    park, contractor = fresh["park"], fresh["entreprenor"]

    assert _numbers(client, park, mina="true") == [last, first], "newest first by default"
    assert _numbers(client, park, mina="true", sortering="aldst") == [first, last]
    assert _numbers(client, fresh["huge"], mina="true") == [huge]
    assert _numbers(client, contractor, mina="true", sortering="aldst") == [first, last]
    assert _numbers(client, fresh["admin"], mina="true", sortering="aldst") == [first, huge, last]
    assert _numbers(client, driftomrade=_area_id(engine, "Testområde Huge")) == [huge]
    assert _numbers(client, driftomrade=_area_id(engine, "Testområde park")) == [last, first]

    page = client.get(URL, params={"mina": "true", "sortering": "aldst", "limit": 1}, headers=park)
    assert [r["nummer"] for r in page.json()["felanmalningar"]] == [first]
    following = client.get(page.json()["lankar"]["nasta"], headers=park).json()
    assert [r["nummer"] for r in following["felanmalningar"]] == [last], "pages keep the order"

    anonymous = client.get(URL, params={"mina": "true"})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    both = client.get(URL, params={"mina": "true", "organisation": "huge"}, headers=park)
    assert both.status_code == 400
    for bad in ({"sortering": "slumpvis"}, {"driftomrade": "0"}, {"driftomrade": "park"}):
        assert client.get(URL, params=bad).status_code == 400, bad


def test_statistics_count_each_status_and_take_the_median_from_the_history(
    client: TestClient, engine: Engine, fresh: dict[str, dict[str, str]]
) -> None:
    park = fresh["park"]
    # Three benches handled in 2, 4 and 30 hours: the median is 4 hours.
    handled = {}
    for took in (2.0, 30.0, 4.0):
        nummer = _create(client, BENCH_PARK)
        _handle(client, nummer, park)
        handled[nummer] = took
        _set_times(engine, nummer, {"skapad": took + 5, "ny": took + 5, "atgardad": 5})
    # Handled in 1000 hours, but 100 days ago: outside the last 90 days.
    old = _create(client, BENCH_PARK)
    _handle(client, old, park)
    _set_times(engine, old, {"skapad": 2400 + 1000, "ny": 2400 + 1000, "atgardad": 2400})
    graffiti = _create(client, BENCH_PARK, kategori="klotter")
    _handle(client, graffiti, park)
    _set_times(engine, graffiti, {"skapad": 20, "ny": 20, "atgardad": 10})
    still_open = _create(client, BENCH_PARK)
    _change(client, still_open, park, status="mottagen")
    _create(client, BENCH_PARK)
    # Forwarded to Huge after 40 hours at the park unit; Huge took 6 hours from receiving it.
    forwarded = _create(client, BENCH_PARK, kategori="nedskrapning")
    _change(client, forwarded, park, status="ej-vart-ansvar", till="huge")
    _handle(client, forwarded, fresh["huge"])
    _set_times(engine, forwarded, {"skapad": 50, "ej-vart-ansvar": 10, "ny": 10, "atgardad": 4})
    with engine.begin() as conn:  # the first ny, at the park unit, 50 hours ago
        conn.execute(
            text(
                "UPDATE felanmalan_handelse SET tid = now() - interval '50 hours' WHERE id ="
                " (SELECT min(e.id) FROM felanmalan_handelse e JOIN felanmalan f"
                " ON f.id = e.felanmalan_id WHERE f.nummer = :n)"
            ),
            {"n": forwarded},
        )

    response = client.get(STATISTICS, params={"organisation": "parkenheten"})
    assert response.status_code == 200, response.text
    shown = Statistics.model_validate(response.json())
    counts = {c.status: c.antal for c in shown.antal_per_status}
    assert counts == {
        "ny": 1,
        "mottagen": 1,
        "pagar": 0,
        "atgardad": 5,
        "ej-vart-ansvar": 0,
        "dubblett": 0,
    }
    assert [c.status_text for c in shown.antal_per_status][:3] == ["Ny", "Mottagen", "Pågår"]
    assert (shown.oppna, shown.totalt) == (2, 7)
    times = {t.kategori.kod: t for t in shown.atgardstid.per_kategori}
    assert times["trasig-mobel"].antal == 3
    assert times["trasig-mobel"].median_timmar == pytest.approx(4.0, abs=0.01)
    assert times["klotter"].antal == 1
    assert times["klotter"].median_timmar == pytest.approx(10.0, abs=0.01)
    assert "nedskrapning" not in times, "Huge's now"
    assert shown.atgardstid.dagar == 90

    longer = client.get(STATISTICS, params={"organisation": "parkenheten", "dagar": 200}).json()
    median = {
        t["kategori"]["kod"]: t["median_timmar"] for t in longer["atgardstid"]["per_kategori"]
    }
    assert median["trasig-mobel"] == pytest.approx((4 + 30) / 2, abs=0.01), "four: 2, 4, 30, 1000"

    mine = client.get(STATISTICS, params={"mina": "true"}, headers=fresh["huge"]).json()
    huge_times = {
        t["kategori"]["kod"]: t["median_timmar"] for t in mine["atgardstid"]["per_kategori"]
    }
    assert huge_times == {"nedskrapning": pytest.approx(6.0, abs=0.01)}, "from reaching Huge"
    by_category = client.get(
        STATISTICS, params={"organisation": "parkenheten", "kategori": "klotter"}
    ).json()
    assert by_category["totalt"] == 1
    contractor = client.get(STATISTICS, params={"mina": "true"}, headers=fresh["entreprenor"])
    assert contractor.json()["totalt"] == 7, "the park unit's reports in its area"
    for bad in ({"dagar": 0}, {"organisation": "finns-inte"}, {"mina": "true"}):
        refused = client.get(STATISTICS, params=bad)
        assert refused.status_code in (400, 401), bad
        assert refused.headers["content-type"] == "application/problem+json"


def test_the_public_history_shows_each_change_and_receiver_but_no_personal_data(
    client: TestClient, fresh: dict[str, dict[str, str]]
) -> None:
    nummer = _create(
        client,
        BENCH_PARK,
        beskrivning="Sitsen är lös, ring Bo",
        kontakt={"namn": "Bo Berg", "epost": "bo@example.org", "telefon": "070-123 45 67"},
    )
    park, huge = fresh["park"], fresh["huge"]
    _change(client, nummer, park, status="mottagen", notering="Bo Berg ringd på 070-123 45 67")
    _change(client, nummer, park, status="ej-vart-ansvar", till="huge", notering="Huges bänk")
    _change(client, nummer, huge, status="mottagen", notering="Skickar Per i morgon")

    public = client.get(f"{URL}/{nummer}")
    assert public.status_code == 200
    shown = public.json()
    ReportOut.model_validate(shown)
    assert shown["detaljer"] is None
    assert (shown["status"], shown["status_text"]) == ("mottagen", "Mottagen")
    assert shown["kategori"]["namn"] == "Trasig bänk/bord"
    assert shown["mottagare"]["namn"] == "Huge Bostäder AB"
    assert {"lon", "lat"} <= set(shown["punkt"])
    history = shown["offentlig_historik"]
    assert all(set(e) == {"tid", "status", "status_text", "mottagare"} for e in history)
    assert [(e["status"], e["status_text"], e["mottagare"]["slug"]) for e in history] == [
        ("ny", "Ny", "parkenheten"),
        ("mottagen", "Mottagen", "parkenheten"),
        ("ej-vart-ansvar", "Skickad vidare till Huge Bostäder AB", "parkenheten"),
        ("ny", "Ny", "huge"),
        ("mottagen", "Mottagen", "huge"),
    ]
    for secret in (
        "Bo Berg",
        "bo@example.org",
        "070-123",
        "Sitsen",
        "Huges bänk",
        "Per",
        "inkorg ",
    ):
        assert secret not in public.text, secret

    handled = client.get(f"{URL}/{nummer}", headers=huge).json()
    assert handled["offentlig_historik"] == history
    notes = [e["notering"] for e in handled["detaljer"]["handelser"]]
    assert "Skickar Per i morgon" in notes
    assert handled["detaljer"]["kontakt"]["namn"] == "Bo Berg"
    listed = client.get(URL, params={"limit": 10}).json()["felanmalningar"]
    assert listed[0]["status_text"] == "Mottagen"
    assert listed[0]["offentlig_historik"] is None, "a list carries no histories"
