"""The demo's fault reports (app/demo/reports.py) on the hand-made patch: each received by its
object's huvudman, with the history its status needs, and the same for the same seed."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, text

from app.demo.reports import STEPS, add_demo_reports

_MADE = """
SELECT f.kategori, f.beslutande_objekt::text AS objekt, f.status, f.stangd, f.skapad,
       f.mottagare_id, o.huvudman_id,
       array_agg(e.status ORDER BY e.tid, e.id) AS steps, array_agg(e.tid ORDER BY e.tid) AS times
FROM felanmalan f
JOIN skotselobjekt o ON o.objekt_id = f.beslutande_objekt AND o.valid_to IS NULL
JOIN felanmalan_handelse e ON e.felanmalan_id = f.id
GROUP BY f.id, o.huvudman_id
ORDER BY f.id
"""


@pytest.mark.usefixtures("handmade_data")
def test_demo_reports_are_received_by_the_objects_huvudman_with_their_history(
    conn: Connection,
) -> None:
    conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
    made = add_demo_reports(conn, seed=3, per_category=4)
    rows = conn.execute(text(_MADE)).mappings().all()
    assert made.reports == len(rows) > 5
    assert made.events == sum(len(r["steps"]) for r in rows)
    now = datetime.now(UTC)
    for row in rows:
        assert row["mottagare_id"] == row["huvudman_id"]
        assert list(row["steps"]) == list(STEPS[: STEPS.index(row["status"]) + 1])
        assert (row["stangd"] is not None) == (row["status"] == "atgardad")
        assert row["times"][0] == row["skapad"]
        assert row["times"][-1] <= now
    assert {r["status"] for r in rows} >= {"ny", "atgardad"}
    created = [r["skapad"] for r in rows]
    assert created == sorted(created), "numbered as they came in, like real reports"
    chosen = {(r["kategori"], r["objekt"]) for r in rows}
    no_deliveries = conn.execute(text("SELECT count(*) FROM leverans")).scalar_one()
    assert no_deliveries == 0, "a demo sends no e-mail"

    conn.execute(text("TRUNCATE felanmalan RESTART IDENTITY CASCADE"))
    add_demo_reports(conn, seed=3, per_category=4)
    again = {(r["kategori"], r["objekt"]) for r in conn.execute(text(_MADE)).mappings()}
    assert again == chosen, "the same seed, the same places"
