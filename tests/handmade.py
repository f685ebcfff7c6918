"""A small hand-made patch of Huddinge where every responsibility rule decides somewhere.

A 400 m × 200 m patch (origin E 670 000, N 6 568 000), in local metres. Parcels P1–P4 are
100 m squares; areas, benches, a hedge and two operations areas sit on them so that each rule
and each edge case has exactly one place where it decides.
"""

from typing import Any

from pyproj import Transformer
from sqlalchemy import Connection, text

from app.core.paths import MUNICIPALITIES_GEOJSON
from app.demo.load import BOUNDARY_SOURCE, HUDDINGE
from app.imports.areas import import_municipality_boundaries

E0, N0 = 670_000.0, 6_568_000.0
BENCH_OBJECT = "00000000-0000-4000-8000-0000000000b3"

PARCELS = [  # designation, box, owner (None: unknown)
    ("HUDDINGE TESTTRAKT 1:1", (0, 0, 100, 100), "huddinge-kommun"),
    ("HUDDINGE TESTTRAKT 1:2", (100, 0, 200, 100), "huge"),
    ("HUDDINGE TESTTRAKT 1:3", (0, 100, 100, 200), None),
    ("HUDDINGE TESTTRAKT 1:4", (100, 100, 200, 200), "privat"),
]
AREAS = [  # code, box, huvudman
    ("G2", (0, 0, 100, 100), "parkenheten"),
    ("G2", (100, 0, 200, 100), "huge"),
    ("IG2", (20, 20, 40, 40), "kultur-fritid"),
    ("G1", (300, 0, 320, 20), "parkenheten"),
]
POINTS = [  # code, (x, y), huvudman
    ("UT1", (60, 60), "parkenheten"),
    ("UT1", (70, 60), "huge"),
    ("UT2", (130, 170), "parkenheten"),
    ("UT1", (136, 170), "parkenheten"),
]
HEDGE = ("H1", ((150, 50), (190, 50)), "huge")
OPERATIONS_AREAS = [  # name, box, client, performer
    ("Testområde park", (0, 0, 100, 100), "parkenheten", "sodertorns-parkdrift"),
    ("Testområde Huge", (100, 0, 200, 100), "huge", "huge"),
]


def local_wkt_sql(wkt: str) -> str:
    """SQL of a geometry given in the fixture's local metres (WKT, our own literals), moved to
    the patch's origin in EPSG:3006."""
    return f"ST_Translate(ST_GeomFromText('{wkt}', 3006), {E0}, {N0})"


def _box(box: tuple[float, float, float, float]) -> str:
    x0, y0, x1, y1 = box
    return f"ST_MakeEnvelope({E0 + x0}, {N0 + y0}, {E0 + x1}, {N0 + y1}, 3006)"


def _point(xy: tuple[float, float]) -> str:
    return f"ST_SetSRID(ST_MakePoint({E0 + xy[0]}, {N0 + xy[1]}), 3006)"


def _insert_object(
    conn: Connection, code: str, kind: str, geom_sql: str, org: str, **extra: Any
) -> None:
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (objekt_id, skotselprodukt_kod, geometrityp, huvudman_id,"
            " geom, valid_from, valid_to) SELECT coalesce(CAST(:objekt_id AS uuid),"
            f" gen_random_uuid()), :code, :kind, id, {geom_sql},"
            " CAST(:valid_from AS timestamptz), CAST(:valid_to AS timestamptz)"
            " FROM organisation WHERE slug = :org"
        ),
        {
            "code": code,
            "kind": kind,
            "org": org,
            "objekt_id": None,
            "valid_from": "2025-01-01",
            "valid_to": None,
        }
        | extra,
    )


def build_fixture(conn: Connection) -> None:
    """Write the hand-made patch (and the municipality boundary) on conn."""
    import_municipality_boundaries(
        conn, MUNICIPALITIES_GEOJSON, codes={HUDDINGE}, source=BOUNDARY_SOURCE
    )
    for n, (designation, box, owner) in enumerate(PARCELS, start=1):
        conn.execute(
            text(
                "INSERT INTO fastighet (objektidentitet, registerenhetsreferens, beteckning,"
                " kommunnamn, trakt, etikett, geom, valid_from)"
                f" VALUES (gen_random_uuid(), CAST(:ref AS uuid), :designation, 'HUDDINGE',"
                f" 'TESTTRAKT', :label, ST_Multi({_box(box)}), '2025-01-01')"
            ),
            {
                "ref": f"00000000-0000-4000-8000-00000000000{n}",
                "designation": designation,
                "label": designation.rsplit(" ", 1)[1],
            },
        )
        if owner:
            conn.execute(
                text(
                    "INSERT INTO fastighetsagare (registerenhetsreferens, organisation_id,"
                    " valid_from) SELECT CAST(:ref AS uuid), id, '2025-01-01'"
                    " FROM organisation WHERE slug = :owner"
                ),
                {"ref": f"00000000-0000-4000-8000-00000000000{n}", "owner": owner},
            )
    for code, box, org in AREAS:
        _insert_object(conn, code, "yta", _box(box), org)
    for code, xy, org in POINTS:
        _insert_object(conn, code, "punkt", _point(xy), org)
    code, (start, end), org = HEDGE
    _insert_object(conn, code, "linje", f"ST_MakeLine({_point(start)}, {_point(end)})", org)
    # A bench in P3 that moved from the park unit to HuSF on 2026-03-01.
    _insert_object(
        conn,
        "UT1",
        "punkt",
        _point((50, 180)),
        "parkenheten",
        objekt_id=BENCH_OBJECT,
        valid_to="2026-03-01",
    )
    _insert_object(
        conn,
        "UT1",
        "punkt",
        _point((50, 180)),
        "husf",
        objekt_id=BENCH_OBJECT,
        valid_from="2026-03-01",
    )
    for name, box, client, performer in OPERATIONS_AREAS:
        conn.execute(
            text(
                "INSERT INTO driftomrade (namn, bestallare_id, utforare_id, avtal_fran,"
                f" avtal_till, geom) SELECT :name, c.id, p.id, '2024-04-01', '2028-03-31',"
                f" ST_Multi({_box(box)}) FROM organisation c, organisation p"
                " WHERE c.slug = :client AND p.slug = :performer"
            ),
            {"name": name, "client": client, "performer": performer},
        )


def local_lonlat(xy: tuple[float, float]) -> tuple[float, float]:
    """WGS84 lon/lat of a point given in the fixture's local metres."""
    lon, lat = Transformer.from_crs(3006, 4326, always_xy=True).transform(E0 + xy[0], N0 + xy[1])
    return float(lon), float(lat)
