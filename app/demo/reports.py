"""Fault reports for the demo, so the inbox, its statistics and the open-reports layer have
something to show: reports at maintenance objects of each category's products, received by the
object's huvudman, spread over the last 120 days and handled at a plausible pace.

Written straight in SQL like an import (no deliveries: a demo sends no e-mail), with the
history events a handled report has. Deterministic for a seed.
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, text

from app.reports.categories import read_categories, sync_categories

DEMO_SIGNATURE = "demo"
DAYS = 120
# The way a demo report has gone, with its weight: most are open or handled.
OUTCOMES = (("ny", 25), ("mottagen", 15), ("pagar", 15), ("atgardad", 45))
STEPS = ("ny", "mottagen", "pagar", "atgardad")
DESCRIPTIONS = {
    "trasig-mobel": ("Sitsen är lös.", "En planka saknas i ryggstödet.", "Bordet står snett."),
    "papperskorg": ("Papperskorgen är full och det blåser ut skräp.", "Locket är trasigt."),
    "nedskrapning": ("Mycket skräp efter helgen.", "Krossat glas vid gångvägen."),
    "klotter": ("Klotter på bänken.", "Affischer uppsatta överallt."),
    "fallet-trad": ("En stor gren har fallit över stigen.", "Trädet lutar mot gångvägen."),
    "lekutrustning": (
        "Gungan har en trasig kedja.",
        "Fallskyddet under klätterställningen saknas.",
    ),
    "gras-och-planteringar": ("Gräset har inte klippts på länge.", "Häcken skymmer sikten."),
    "staket": ("Staketet har fallit omkull.", "Räcket vid trappan sitter löst."),
}
CONTACTS = (
    ("Exempel Andersson", "exempel.andersson@example.org", None),
    ("Exempel Berg", None, "070-000 00 01"),
    (None, "anmalare@example.org", None),
)

# Candidate objects of a category: current ones of its products, a point on each, and who
# would receive a report there (the huvudman) and perform the work (the area's performer).
_CANDIDATES = """
SELECT o.objekt_id::text AS objekt, o.huvudman_id, o.geometrityp,
       ST_X(p.geom) AS x, ST_Y(p.geom) AS y, d.id AS driftomrade_id, d.utforare_id
FROM skotselobjekt o
CROSS JOIN LATERAL (SELECT CASE o.geometrityp
  WHEN 'linje' THEN ST_LineInterpolatePoint(ST_GeometryN(o.geom, 1), 0.5)
  ELSE ST_PointOnSurface(o.geom) END AS geom) p
LEFT JOIN LATERAL (SELECT d.id, d.utforare_id FROM driftomrade d
  WHERE d.bestallare_id = o.huvudman_id AND ST_Covers(d.geom, p.geom) ORDER BY d.id LIMIT 1) d
  ON true
WHERE o.valid_to IS NULL AND o.huvudman_id IS NOT NULL
  AND o.skotselprodukt_kod = ANY(:products)
ORDER BY md5(o.objekt_id::text || :seed)
LIMIT :n
"""

_INSERT = """
INSERT INTO felanmalan (nummer, geom, kategori, beskrivning, status, mottagare_id, huvudman_id,
  utforare_id, driftomrade_id, beslutande_objekt, regel, anmald_av, anmalare_namn,
  anmalare_epost, anmalare_telefon, skapad, andrad, stangd)
SELECT 'F-' || to_char(CAST(:skapad AS timestamptz) AT TIME ZONE 'Europe/Stockholm', 'YYYY')
         || '-' || lpad(n.v, greatest(6, length(n.v)), '0'),
  ST_SetSRID(ST_MakePoint(:x, :y), 3006), :kategori, :beskrivning, :status, :mottagare,
  :mottagare, :utforare, :driftomrade, CAST(:objekt AS uuid), :regel, NULL, :namn, :epost,
  :telefon, :skapad, :andrad, :stangd
FROM (SELECT nextval('felanmalan_nummer_seq')::text AS v) n
RETURNING id
"""

_EVENT = """
INSERT INTO felanmalan_handelse (felanmalan_id, tid, status, till_id, utford_av, notering)
VALUES (:id, :tid, :status, :till, :who, :notering)
"""

_RULES = {"punkt": "punktobjekt", "linje": "linjeobjekt", "yta": "tackande-yta"}


@dataclass(frozen=True)
class DemoReports:
    """What add_demo_reports wrote."""

    reports: int
    events: int


def _times(rng: random.Random, now: datetime, outcome: str) -> list[datetime]:
    """When the report reached each step up to its outcome, oldest first, all before now."""
    created = now - timedelta(hours=rng.uniform(2, DAYS * 24))
    times = [created]
    for _ in STEPS[1 : STEPS.index(outcome) + 1]:
        room = (now - times[-1]).total_seconds() / 3600
        times.append(times[-1] + timedelta(hours=rng.uniform(0.05, 0.6) * min(room, 24 * 6)))
    return times


def add_demo_reports(conn: Connection, *, seed: int = 1, per_category: int = 8) -> DemoReports:
    """Write demo reports (per_category per category with products) with their events."""
    sync_categories(conn, read_categories())
    rng = random.Random(seed)
    now = datetime.now(UTC)
    conn.execute(
        text(
            "SELECT set_config('ansvar.anvandare', :who, true),"
            " set_config('ansvar.orsak', 'demo: felanmälningar', true)"
        ),
        {"who": DEMO_SIGNATURE},
    )
    planned = []
    for category in read_categories():
        if not category.produkter:
            continue
        candidates = conn.execute(
            text(_CANDIDATES),
            {"products": list(category.produkter), "seed": str(seed), "n": per_category},
        ).mappings()
        for found in candidates:
            outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
            contact = rng.choice(CONTACTS) if rng.random() < 0.5 else (None, None, None)
            planned.append((_times(rng, now, outcome), category.kod, dict(found), outcome, contact))
    # Written in the order they came in: report numbers (and ids) grow with time, as they do.
    planned.sort(key=lambda plan: plan[0][0])
    events = 0
    for times, kod, place, outcome, (name, email, phone) in planned:
        report_id = conn.execute(
            text(_INSERT),
            {
                "skapad": times[0],
                "andrad": times[-1],
                "stangd": times[-1] if outcome == "atgardad" else None,
                "x": place["x"],
                "y": place["y"],
                "kategori": kod,
                "beskrivning": rng.choice(DESCRIPTIONS.get(kod, ("",))),
                "status": outcome,
                "mottagare": place["huvudman_id"],
                "utforare": place["utforare_id"],
                "driftomrade": place["driftomrade_id"],
                "objekt": place["objekt"],
                "regel": _RULES[place["geometrityp"]],
                "namn": name,
                "epost": email,
                "telefon": phone,
            },
        ).scalar_one()
        for step, when in zip(STEPS, times, strict=False):
            conn.execute(
                text(_EVENT),
                {
                    "id": report_id,
                    "tid": when,
                    "status": step,
                    "till": place["huvudman_id"] if step == "ny" else None,
                    "who": "anonym" if step == "ny" else DEMO_SIGNATURE,
                    "notering": "" if step == "ny" else "Exempel på en notering.",
                },
            )
            events += 1
    reports = len(planned)
    return DemoReports(reports, events)
