"""The demo of Huddinge, generated and loaded through the importers: counts and invariants."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from app.demo.generate import generate
from app.demo.load import load_demo, reset_data
from tests.support.tables import IMPORT_TABLES


@pytest.fixture(scope="module")
def demo(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Connection]:
    """The full default demo, loaded in a transaction that is rolled back afterwards."""
    out_dir = tmp_path_factory.mktemp("demo")
    manifest = generate(out_dir)
    with engine.connect() as conn:
        transaction = conn.begin()
        reset_data(conn, IMPORT_TABLES)
        results = load_demo(conn, out_dir, manifest)
        # Fresh statistics, or the planner may join the invariant queries by nested scans.
        conn.execute(text("ANALYZE fastighet, fastighetsagare, skotselobjekt"))
        conn.info["results"] = results
        conn.info["manifest"] = manifest
        yield conn
        transaction.rollback()


def _scalar(conn: Connection, sql: str) -> int:
    return int(conn.execute(text(sql)).scalar_one())


def test_counts_reach_the_demo_targets(demo: Connection) -> None:
    assert _scalar(demo, "SELECT count(*) FROM fastighet WHERE valid_to IS NULL") >= 20_000
    assert _scalar(demo, "SELECT count(*) FROM skotselobjekt WHERE valid_to IS NULL") >= 30_000
    benches = "SELECT count(*) FROM skotselobjekt WHERE skotselprodukt_kod = 'UT1'"
    assert _scalar(demo, benches) >= 2_000
    assert _scalar(demo, "SELECT count(*) FROM driftomrade") >= 6
    kinds = {row[0] for row in demo.execute(text("SELECT DISTINCT geometrityp FROM skotselobjekt"))}
    assert kinds == {"yta", "linje", "punkt"}


def test_every_delivered_feature_was_taken(demo: Connection) -> None:
    rejected = {name: r.rejections[:3] for name, r in demo.info["results"].items() if r.rejections}
    assert rejected == {}
    assert _scalar(demo, "SELECT count(*) FROM importkorning WHERE status <> 'klar'") == 0


def test_objects_match_their_products_kind(demo: Connection) -> None:
    mismatched = _scalar(
        demo,
        "SELECT count(*) FROM skotselobjekt o JOIN skotselprodukt p ON p.kod = o.skotselprodukt_kod"
        " WHERE p.geometrityp <> o.geometrityp OR NOT CASE p.geometrityp"
        "  WHEN 'yta' THEN ST_Dimension(o.geom) = 2 WHEN 'linje' THEN ST_Dimension(o.geom) = 1"
        "  ELSE ST_Dimension(o.geom) = 0 END",
    )
    assert mismatched == 0


def test_parcels_do_not_overlap(demo: Connection) -> None:
    overlapping = _scalar(
        demo,
        "SELECT count(*) FROM fastighet a JOIN fastighet b"
        " ON a.id < b.id AND a.geom && b.geom AND ST_Intersects(a.geom, b.geom)"
        " WHERE ST_Area(ST_Intersection(a.geom, b.geom)) > 0.01",
    )
    assert overlapping == 0


def test_everything_lies_within_huddinge(demo: Connection) -> None:
    for table in ("fastighet", "skotselobjekt", "driftomrade"):
        outside = _scalar(
            demo,
            f"SELECT count(*) FROM {table} t, kommungrans k WHERE k.kommunkod = '0126'"
            " AND NOT ST_CoveredBy(t.geom, ST_Buffer(k.geom, 0.01))",
        )
        assert outside == 0, table


def test_designations_and_multi_area_parcels(demo: Connection) -> None:
    shared = _scalar(
        demo,
        "SELECT count(*) FROM (SELECT beteckning FROM fastighet GROUP BY beteckning"
        " HAVING count(DISTINCT registerenhetsreferens) > 1) d",
    )
    assert shared == 0, "a designation must name one parcel"
    multi_area = _scalar(
        demo,
        "SELECT count(*) FROM (SELECT registerenhetsreferens FROM fastighet"
        " GROUP BY registerenhetsreferens HAVING count(*) > 1) m",
    )
    assert multi_area >= 5
    assert _scalar(demo, "SELECT count(*) FROM fastighet WHERE beteckning !~ '^HUDDINGE '") == 0


def test_owners_cover_the_organisations_of_the_demo(demo: Connection) -> None:
    owners = {
        row[0]
        for row in demo.execute(
            text(
                "SELECT DISTINCT o.slug FROM fastighetsagare a"
                " JOIN organisation o ON o.id = a.organisation_id"
            )
        )
    }
    assert {"huddinge-kommun", "huge", "husf", "trafikverket", "privat"} <= owners
    parcels = _scalar(demo, "SELECT count(DISTINCT registerenhetsreferens) FROM fastighet")
    owned = _scalar(demo, "SELECT count(DISTINCT registerenhetsreferens) FROM fastighetsagare")
    assert 0.9 * parcels <= owned < parcels, "most parcels have a known owner, a few do not"


def test_some_operations_areas_are_run_by_the_contractor(demo: Connection) -> None:
    performers = demo.execute(
        text(
            "SELECT o.typ, count(*) FROM driftomrade d JOIN organisation o ON o.id = d.utforare_id"
            " GROUP BY o.typ"
        )
    ).all()
    by_type: dict[str, int] = {typ: int(n) for typ, n in performers}
    assert by_type.get("entreprenor", 0) >= 1
    assert sum(by_type.values()) - by_type.get("entreprenor", 0) >= 1, "and some in-house"


def test_some_objects_straddle_a_boundary_between_organisations(demo: Connection) -> None:
    straddling = _scalar(
        demo,
        "SELECT count(DISTINCT o.id) FROM skotselobjekt o"
        " JOIN fastighet f1 ON ST_Intersects(o.geom, f1.geom)"
        " JOIN fastighetsagare a1 ON a1.registerenhetsreferens = f1.registerenhetsreferens"
        " JOIN fastighet f2 ON f2.id > f1.id AND ST_Intersects(o.geom, f2.geom)"
        " JOIN fastighetsagare a2 ON a2.registerenhetsreferens = f2.registerenhetsreferens"
        " WHERE o.geometrityp <> 'punkt' AND a1.organisation_id <> a2.organisation_id"
        " AND CASE o.geometrityp"
        "  WHEN 'yta' THEN least(ST_Area(ST_Intersection(o.geom, f1.geom)),"
        "                        ST_Area(ST_Intersection(o.geom, f2.geom)))"
        "  ELSE least(ST_Length(ST_Intersection(o.geom, f1.geom)),"
        "             ST_Length(ST_Intersection(o.geom, f2.geom))) END > 1",
    )
    assert straddling >= 5


def test_objects_are_stored_in_shared_codes_via_each_mapping(demo: Connection) -> None:
    unmapped = _scalar(
        demo,
        "SELECT count(*) FROM skotselobjekt o WHERE NOT EXISTS (SELECT 1 FROM kodmappning m"
        " WHERE m.organisation_id = o.dataleverantor_id"
        " AND m.skotselprodukt_kod = o.skotselprodukt_kod)",
    )
    assert unmapped == 0
    assert len(demo.info["manifest"]["skotselobjekt"]) >= 4


def test_kvarter_designations_have_no_block(demo: Connection) -> None:
    stored = demo.execute(
        text("SELECT beteckning, trakt, block, etikett FROM fastighet WHERE block IS NULL LIMIT 1")
    ).first()
    assert stored is not None, "kvarter designations (no block) must exist"
    assert stored.beteckning == f"HUDDINGE {stored.trakt} {stored.etikett.split('>')[0]}"
