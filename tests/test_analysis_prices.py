"""The price list (à-priser): the reviewed file and its refusals, sync, the admin's API and CLI."""

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text

from app.access.tokens import create_token
from app.analysis.prices import (
    COLUMNS,
    PRICE_LIST_CSV,
    Price,
    PriceListFileError,
    load_prices,
    read_price_list,
    sync_price_file,
    sync_prices,
)
from app.catalogue.catalogue_file import read_catalogue
from app.core.paths import CATALOGUE_CSV
from app.core.settings import Settings
from app.main import API_PREFIX, create_app

UNITS = {p.kod: p.enhet for p in read_catalogue(CATALOGUE_CSV)}
HEADER = ",".join(COLUMNS)


def empty_price_list(engine: Engine) -> None:
    """Remove every stored price, committed."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM a_pris"))


@pytest.fixture(scope="module")
def prices_client(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The application with the price routes, on an empty price list (emptied again after)."""
    empty_price_list(engine)
    with TestClient(create_app(settings)) as client:
        yield client
    empty_price_list(engine)


@pytest.fixture(scope="module")
def tokens(engine: Engine) -> dict[str, dict[str, str]]:
    """An Authorization header per role."""
    headers = {}
    with engine.begin() as conn:
        for role in ("admin", "gis", "lasare"):
            _, token = create_token(
                conn, name=f"priser {role}", role=role, organisation=None, days=1
            )
            headers[role] = {"Authorization": f"Bearer {token}"}
    return headers


def _write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "a-priser.csv"
    path.write_text("\n".join((HEADER, *lines)) + "\n", encoding="utf-8")
    return path


def test_the_reviewed_file_prices_every_catalogue_product_as_example_data_with_a_source() -> None:
    prices = read_price_list(PRICE_LIST_CSV, UNITS)
    assert {p.product_code for p in prices if p.quality_level is None} == set(UNITS)
    assert all(p.example_data and p.source.startswith("exempelvärde") for p in prices)
    lawn = next(p for p in prices if p.product_code == "G2")
    assert (lawn.unit, lawn.kr_per_unit_and_year) == ("m²", Decimal("3.50"))
    assert "branschpressens" in lawn.source


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("X9,,m²,1.00,k,true", "rad 3: produkten 'X9' finns inte i katalogen"),
        ("H1,,m²,1.00,k,true", "rad 3: enheten för H1 är m, inte 'm²'"),
        ("T1,,st,-5,k,true", "rad 3: priset för T1 är negativt (-5)"),
        ("G2,,m²,3.50,k,true", "rad 3: G2 har redan ett pris för alla kvalitetsnivåer"),
        ("T1,,st,tre,k,true", "rad 3: kr_per_enhet_och_ar 'tre' är inget tal"),
        ("T1,,st,1.005,k,true", "rad 3: priset för T1 får ha högst två decimaler"),
        ("T1,,st,1,,true", "rad 3: källa saknas för T1"),
        ("T1,,st,1,k,ja", "rad 3: exempeldata ska vara true eller false"),
    ],
)
def test_a_bad_line_refuses_the_whole_file_naming_the_line(
    tmp_path: Path, line: str, reason: str
) -> None:
    path = _write(tmp_path, "G2,,m²,3.50,k,true", line)
    with pytest.raises(PriceListFileError) as refused:
        read_price_list(path, UNITS)
    assert refused.value.detail == f"a-priser.csv {reason}"


def test_a_level_price_beside_the_all_levels_price_is_no_duplicate(tmp_path: Path) -> None:
    path = _write(tmp_path, "G2,,m²,3.50,k,true", "G2,A,m²,6,k,false")
    levels = [(p.quality_level, p.kr_per_unit_and_year) for p in read_price_list(path, UNITS)]
    assert levels == [(None, Decimal("3.50")), ("A", Decimal("6"))]


def test_a_file_without_a_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a-priser.csv"
    path.write_text("produkt,enhet,kr_per_enhet_och_ar\nG2,m²,3.5\n", encoding="utf-8")
    with pytest.raises(PriceListFileError, match="saknar kolumnerna kvalitetsniva, kalla"):
        read_price_list(path, UNITS)


def _price(code: str, kr: str, level: str | None = None, unit: str = "m²") -> Price:
    return Price(code, level, unit, Decimal(kr), "test", example_data=False)


def test_sync_fills_in_without_replacing_and_an_import_replaces(conn: Connection) -> None:
    conn.execute(text("DELETE FROM a_pris"))
    sync_prices(conn, [_price("G2", "4.00")], replace=True)
    filled = sync_prices(conn, [_price("G2", "3.50"), _price("G1", "6.00")], replace=False)
    assert (filled.added, filled.unchanged) == ([("G1", None)], [("G2", None)])
    stored = {p.product_code: p.kr_per_unit_and_year for p in load_prices(conn)}
    assert stored == {"G1": Decimal("6.00"), "G2": Decimal("4.00")}  # the admin's 4.00 is kept

    replaced = sync_prices(conn, [_price("G2", "3.50")], replace=True)
    assert (replaced.updated, replaced.removed) == ([("G2", None)], [("G1", None)])
    assert [(p.product_code, p.kr_per_unit_and_year) for p in load_prices(conn)] == [
        ("G2", Decimal("3.50"))
    ]


def test_the_catalogue_sync_fills_in_the_reviewed_file_around_an_admins_price(
    conn: Connection,
) -> None:
    conn.execute(text("DELETE FROM a_pris"))
    sync_prices(conn, [_price("G2", "4.00")], replace=True)
    report = sync_price_file(conn, replace=False)
    assert (len(report.added), report.unchanged) == (len(UNITS) - 1, [("G2", None)])
    stored = {p.product_code: p for p in load_prices(conn)}
    assert (stored["G2"].kr_per_unit_and_year, stored["G2"].example_data) == (
        Decimal("4.00"),
        False,
    )
    assert stored["H1"].unit == "m"
    assert stored["H1"].example_data


def test_the_database_refuses_a_negative_price(conn: Connection) -> None:
    with pytest.raises(Exception, match="pris_ej_negativt"):
        conn.execute(
            text(
                "INSERT INTO a_pris (skotselprodukt_kod, enhet, kr_per_enhet_och_ar, kalla)"
                " VALUES ('G2', 'm²', -1, 'test')"
            )
        )


def _listed(client: TestClient) -> list[dict[str, object]]:
    answer = client.get(f"{API_PREFIX}/samordning/a-priser")
    assert answer.status_code == 200
    listed: list[dict[str, object]] = answer.json()
    return listed


PUT_G2 = f"{API_PREFIX}/samordning/a-priser/G2"
BODY = {"kvalitetsniva": None, "kr_per_enhet_och_ar": 3.5, "kalla": "Avtal 2026"}


def test_only_an_admin_may_set_a_price(
    prices_client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    before = _listed(prices_client)
    anonymous = prices_client.put(PUT_G2, params={"orsak": "nytt avtal"}, json=BODY)
    assert anonymous.status_code == 401
    for role in ("gis", "lasare"):
        refused = prices_client.put(
            PUT_G2, params={"orsak": "nytt avtal"}, json=BODY, headers=tokens[role]
        )
        assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[-1]) == (
            403,
            "atkomst-nekad",
        )
    assert _listed(prices_client) == before


@pytest.mark.parametrize(
    "body",
    [
        BODY | {"kr_per_enhet_och_ar": -1},
        BODY | {"kr_per_enhet_och_ar": 1.005},
        BODY | {"kalla": "  "},
        {"kvalitetsniva": None, "kr_per_enhet_och_ar": 3.5},
    ],
)
def test_an_invalid_price_is_a_400_and_changes_nothing(
    prices_client: TestClient, tokens: dict[str, dict[str, str]], body: dict[str, object]
) -> None:
    before = _listed(prices_client)
    refused = prices_client.put(
        PUT_G2, params={"orsak": "nytt avtal"}, json=body, headers=tokens["admin"]
    )
    assert refused.status_code == 400
    assert refused.headers["content-type"] == "application/problem+json"
    assert _listed(prices_client) == before


def test_an_unknown_product_is_a_404(
    prices_client: TestClient, tokens: dict[str, dict[str, str]]
) -> None:
    answer = prices_client.put(
        f"{API_PREFIX}/samordning/a-priser/X9",
        params={"orsak": "nytt avtal"},
        json=BODY,
        headers=tokens["admin"],
    )
    assert answer.status_code == 404


def test_an_admin_sets_prices_per_level_and_the_write_is_audited(
    prices_client: TestClient, tokens: dict[str, dict[str, str]], engine: Engine
) -> None:
    saved = prices_client.put(
        PUT_G2, params={"orsak": "avtal 2026"}, json=BODY, headers=tokens["admin"]
    )
    assert saved.status_code == 200
    assert saved.json() == {
        "produkt": "G2",
        "kvalitetsniva": None,
        "enhet": "m²",
        "kr_per_enhet_och_ar": 3.5,
        "kalla": "Avtal 2026",
        "exempeldata": False,
    }
    level = prices_client.put(
        PUT_G2,
        params={"orsak": "avtal 2026"},
        json={"kvalitetsniva": "A", "kr_per_enhet_och_ar": "6.00", "kalla": "Avtal 2026"},
        headers=tokens["admin"],
    )
    assert level.status_code == 200
    changed = prices_client.put(
        PUT_G2,
        params={"orsak": "omförhandlat"},
        json=BODY | {"kr_per_enhet_och_ar": 3.75},
        headers=tokens["admin"],
    )
    assert changed.status_code == 200
    assert [
        (p["kvalitetsniva"], p["kr_per_enhet_och_ar"])
        for p in _listed(prices_client)
        if p["produkt"] == "G2"
    ] == [(None, 3.75), ("A", 6.0)]
    with engine.connect() as conn:
        audit = conn.execute(
            text(
                "SELECT operation, utford_av, orsak, fore ->> 'kr_per_enhet_och_ar',"
                " efter ->> 'kr_per_enhet_och_ar' FROM andringslogg"
                " WHERE tabell = 'a_pris' ORDER BY id DESC LIMIT 1"
            )
        ).one()
    assert audit[0] == "UPDATE"
    assert audit[1].startswith("token:")
    assert audit[1].endswith("priser admin")
    assert tuple(audit[2:]) == ("omförhandlat", "3.50", "3.75")


def _cli(engine: Engine, *args: str) -> subprocess.CompletedProcess[str]:
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from app.analysis.prices_cli import a_priser_app; a_priser_app(prog_name='a-priser')",
            *args,
        ],
        capture_output=True,
        text=True,
        env=os.environ | {"ANSVAR_DATABASE_URL": url, "ANSVAR_MIGRATION_DATABASE_URL": url},
        timeout=120,
        check=False,
    )


def test_the_command_line_imports_sets_and_lists(engine: Engine, tmp_path: Path) -> None:
    empty_price_list(engine)
    try:
        bad = _write(tmp_path, "G2,,m²,3.50,k,true", "T1,,st,-5,k,true")
        refused = _cli(engine, "importera", str(bad))
        assert refused.returncode == 1
        assert "a-priser.csv rad 3: priset för T1 är negativt" in refused.stderr
        with engine.connect() as conn:
            assert load_prices(conn) == []

        imported = _cli(engine, "importera", str(PRICE_LIST_CSV))
        assert imported.returncode == 0, imported.stderr
        assert f"À-priserna: {len(UNITS)} nya, 0 ändrade" in imported.stdout
        set_ = _cli(engine, "satt", "G2", "3,75", "--kalla", "Avtal 2026", "--kvalitetsniva", "A")
        assert set_.returncode == 0, set_.stderr
        negative = _cli(engine, "satt", "--kalla", "Avtal 2026", "--", "G2", "-1")
        assert negative.returncode == 1
        assert "Ogiltigt pris: -1" in negative.stderr
        listed = _cli(engine, "lista")
        lines = [line for line in listed.stdout.splitlines() if line.startswith("G2\t")]
        assert [line.split("\t")[1:3] for line in lines] == [
            ["alla nivåer", "3.50 kr/m² och år"],
            ["A", "3.75 kr/m² och år"],
        ]
    finally:
        empty_price_list(engine)
