"""A hand-built scene for the coordination analysis: three organisations' objects straddling the
grid line x = 100 (of 100 m cells) and a trakt boundary, in local metres from (E2, N2).

Worked out by hand (cells named by their south-west corner, 100 m cells):

| object | huvudman | product | geometry | cell 0_0 | cell 100_0 | cell 0_100 |
|---|---|---|---|---|---|---|
| LAWN_A | parkenheten | G2 (nivå A) | box 70–150 × 10–50 = 3 200 m² | 1 200 | 2 000 | |
| LAWN_B | huge | G2 | box 110–190 × 10–35 = 2 000 m² | | 2 000 | |
| SPORTS | kultur-fritid | IG2 | box 10–30 × 60–80 = 400 m² | 400 | | |
| BED | parkenheten | G1 | box 20–40 × 120–130 = 200 m² | | | 200 |
| HEDGE | huge | H1 | line (80,90)–(90,90)–(120,90) = 40 m | 20 | 20 | |
| BENCH_ON_LINE | parkenheten | UT1 | point (100, 20), on the grid line | | 1 | |
| BENCH | huge | UT1 | point (20, 20) | 1 | | |

plus a retired lawn (never counted). Parcels: TRAKTA 1:1 box 0–100 × 0–100 and TRAKTB 1:1 box
100–200 × 0–100; the bed lies on no parcel. Driftområden: "Analys väst" (0–100 × 0–100, current)
and "Analys gammalt" (same box, its contract ended in 2020).
"""

from typing import Any

from sqlalchemy import Connection, text

E2, N2 = 700_000.0, 6_560_000.0  # multiples of every cell size the tests use

AREAS = [  # code, box, huvudman, quality level
    ("G2", (70, 10, 150, 50), "parkenheten", "A"),
    ("G2", (110, 10, 190, 35), "huge", None),
    ("IG2", (10, 60, 30, 80), "kultur-fritid", None),
    ("G1", (20, 120, 40, 130), "parkenheten", None),
]
HEDGE = ((80, 90), (90, 90), (120, 90))
POINTS = [("UT1", (100, 20), "parkenheten"), ("UT1", (20, 20), "huge")]
RETIRED_LAWN = ("G2", (0, 0, 10, 10), "parkenheten")
PARCELS = [
    ("HUDDINGE TRAKTA 1:1", "TRAKTA", (0, 0, 100, 100)),
    ("HUDDINGE TRAKTB 1:1", "TRAKTB", (100, 0, 200, 100)),
]
OPERATIONS_AREAS = [  # name, box, contract end
    ("Analys väst", (0, 0, 100, 100), "2099-12-31"),
    ("Analys gammalt", (0, 0, 100, 100), "2020-12-31"),
]


def box_sql(box: tuple[float, float, float, float]) -> str:
    """SQL of a box given in local metres."""
    x0, y0, x1, y1 = box
    return f"ST_MakeEnvelope({E2 + x0}, {N2 + y0}, {E2 + x1}, {N2 + y1}, 3006)"


def _point(xy: tuple[float, float]) -> str:
    return f"ST_SetSRID(ST_MakePoint({E2 + xy[0]}, {N2 + xy[1]}), 3006)"


def _insert(conn: Connection, code: str, kind: str, geom_sql: str, org: str, **extra: Any) -> None:
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
            f" kvalitetsniva, geom, valid_from, valid_to) SELECT gen_random_uuid(), :code, :kind,"
            f" id, :level, {geom_sql}, '2025-01-01', CAST(:valid_to AS timestamptz)"
            " FROM organisation WHERE slug = :org"
        ),
        {"code": code, "kind": kind, "org": org, "level": None, "valid_to": None} | extra,
    )


def build_scene(conn: Connection) -> None:
    """Write the scene on conn."""
    for code, box, org, level in AREAS:
        _insert(conn, code, "yta", box_sql(box), org, level=level)
    line = ", ".join(_point(xy) for xy in HEDGE)
    _insert(conn, "H1", "linje", f"ST_MakeLine(ARRAY[{line}])", "huge")
    for code, xy, org in POINTS:
        _insert(conn, code, "punkt", _point(xy), org)
    code, box, org = RETIRED_LAWN
    _insert(conn, code, "yta", box_sql(box), org, valid_to="2025-06-01")
    for designation, district, box in PARCELS:
        conn.execute(
            text(
                "INSERT INTO fastighet (objektidentitet, registerenhetsreferens, beteckning,"
                " kommunnamn, trakt, etikett, geom, valid_from) VALUES (gen_random_uuid(),"
                f" gen_random_uuid(), :designation, 'HUDDINGE', :district, '1:1',"
                f" ST_Multi({box_sql(box)}), '2025-01-01')"
            ),
            {"designation": designation, "district": district},
        )
    for name, box, end in OPERATIONS_AREAS:
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran,"
                f" avtal_till, geom) SELECT :name, c.id, p.id, '2019-04-01', CAST(:end AS date),"
                f" ST_Multi({box_sql(box)}) FROM organisation c, organisation p"
                " WHERE c.slug = 'parkenheten' AND p.slug = 'sodertorns-parkdrift'"
            ),
            {"name": name, "end": end},
        )
