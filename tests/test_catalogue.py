"""The shared catalogue: the reviewed file, an idempotent sync that protects data in use."""

import csv
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from app.catalogue.catalogue_file import CatalogueFileError, read_catalogue
from app.catalogue.schemas import Product
from app.catalogue.sync import CatalogueInUse, sync_catalogue
from app.core.paths import CATALOGUE_CSV

DESIGN_PRODUCTS = {
    "G1": "yta",
    "G2": "yta",
    "G3": "yta",
    "G4": "yta",
    "G5": "yta",
    "B1": "yta",
    "B2": "yta",
    "B1.2": "punkt",
    "H1": "linje",
    "H2": "linje",
    "T1": "punkt",
    "T2": "punkt",
    "T5": "punkt",
    "R1": "yta",
    "R2": "yta",
    "R3": "yta",
    "U1": "punkt",
    "NA1": "yta",
    "NA2": "yta",
    "V1": "yta",
    "Y1": "yta",
    "Y2": "yta",
    "GR1": "yta",
    "Y5": "yta",
    "FL": "yta",
    "LEK": "yta",
    "S": "yta",
    "LR": "punkt",
    "UT1": "punkt",
    "UT2": "punkt",
    "ST": "linje",
    "IG1": "yta",
    "IG2": "yta",
}


def _products() -> list[Product]:
    return read_catalogue(CATALOGUE_CSV)


def _catalogue_rows(conn: Connection) -> dict[str, tuple[object, ...]]:
    return {
        row[0]: tuple(row)
        for row in conn.execute(text("SELECT * FROM skotselprodukt ORDER BY kod"))
    }


def test_file_holds_every_design_product_with_its_kind() -> None:
    kinds = {p.kod: p.geometrityp for p in _products()}
    assert {code: kinds.get(code) for code in DESIGN_PRODUCTS} == DESIGN_PRODUCTS


def test_symbols_are_distinct_within_each_kind() -> None:
    seen: dict[tuple[object, ...], str] = {}
    for product in _products():
        s = product.symbologi
        key = (product.geometrityp, s.fyllnadsfarg, s.linjefarg, s.streckmonster, s.markor)
        assert key not in seen, f"{product.kod} looks like {seen.get(key)}"
        seen[key] = product.kod


def test_sync_is_idempotent(conn: Connection) -> None:
    first = sync_catalogue(conn, _products())
    before = _catalogue_rows(conn)
    second = sync_catalogue(conn, _products())
    assert first.added == []
    assert second.added == []
    assert second.updated == []
    assert sorted(second.unchanged) == sorted(p.kod for p in _products())
    assert _catalogue_rows(conn) == before


def test_sync_updates_a_changed_product(conn: Connection) -> None:
    products = [p.model_copy(update={"namn": "Bänk"}) if p.kod == "UT1" else p for p in _products()]
    report = sync_catalogue(conn, products)
    assert report.updated == ["UT1"]
    name = conn.execute(text("SELECT namn FROM skotselprodukt WHERE kod = 'UT1'")).scalar()
    assert name == "Bänk"


def test_sync_adds_and_drops_an_unused_product(conn: Connection) -> None:
    base = _products()
    extra = base[0].model_copy(update={"kod": "ZZ9", "namn": "Provprodukt"})
    assert sync_catalogue(conn, [*base, extra]).added == ["ZZ9"]
    assert sync_catalogue(conn, base).removed == ["ZZ9"]
    assert conn.execute(text("SELECT count(*) FROM skotselprodukt WHERE kod = 'ZZ9'")).scalar() == 0


def _insert_bench(conn: Connection) -> None:
    conn.execute(
        text(
            "INSERT INTO skotselobjekt (skotselprodukt_kod, geometrityp, huvudman_id, geom)"
            " SELECT 'UT1', 'punkt', id, ST_SetSRID(ST_MakePoint(670000, 6568000), 3006)"
            " FROM organisation WHERE slug = 'parkenheten'"
        )
    )


def test_sync_refuses_to_drop_a_product_in_use_and_changes_nothing(conn: Connection) -> None:
    _insert_bench(conn)
    before = _catalogue_rows(conn)
    without_benches = [p for p in _products() if p.kod != "UT1"]
    renamed = [p.model_copy(update={"namn": p.namn + " (ny)"}) for p in without_benches]
    with pytest.raises(CatalogueInUse) as caught:
        sync_catalogue(conn, renamed)
    assert "UT1" in caught.value.detail
    assert caught.value.extra["produkter"] == [
        {"kod": "UT1", "skotselobjekt": 1, "kodmappningar": 0}
    ]
    assert _catalogue_rows(conn) == before


def test_sync_refuses_to_change_the_kind_of_a_product_in_use(conn: Connection) -> None:
    _insert_bench(conn)
    changed = [
        p.model_copy(update={"geometrityp": "yta", "enhet": "m²"}) if p.kod == "UT1" else p
        for p in _products()
    ]
    with pytest.raises(CatalogueInUse):
        sync_catalogue(conn, changed)


def test_a_bad_catalogue_file_is_refused_with_its_line(tmp_path: Path) -> None:
    rows = list(csv.reader(CATALOGUE_CSV.open(encoding="utf-8")))
    header, first = rows[0], rows[1]
    broken = dict(zip(header, first, strict=True)) | {"linjefarg": "grön"}
    path = tmp_path / "katalog.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        writer.writerow(broken)
    with pytest.raises(CatalogueFileError, match="rad 2"):
        read_catalogue(path)
