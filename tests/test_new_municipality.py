"""A municipality from scratch: README's "En ny kommun från början", run on an empty database.

The walk's commands, the files it shows and the answers it promises are read from README
itself, so the section and this test cannot drift apart; the GIS files it only describes are
written here in the shapes it describes.
"""

import csv
import io
import json
import logging
import re
import shlex
import subprocess
import textwrap
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine, create_engine, text

from app.core.migrate import upgrade
from app.core.paths import DEMO_DATA_DIR, REPO_ROOT
from app.core.problems import InvalidInput
from app.core.settings import Settings
from app.main import create_app
from app.organisations.service import parse_organisations
from tests.commands import run_cli
from tests.conftest import database_url_for_tests
from tests.support.db_admin import drop_database, ensure_database

SECTION = "## En ny kommun från början"
# Command groups whose sub-command is part of the step's name ("import agare").
GROUPS = {"catalogue", "organisation", "import", "token"}
WALK = [
    "migrate",
    "catalogue sync",
    "kommungrans",
    "organisation importera",
    "organisation skapa",
    "organisation lista",
    "import fastigheter",
    "import agare",
    "import skotselobjekt",
    "import driftomraden",
    "token skapa",
    "ansvar",
    "ansvar",
]
AREA_NAME = "Driftområde Grantorp"
BOUNDARY_LOGGER = "app.municipality.boundary"


@dataclass
class Step:
    """One command of the walk and the lines README says its output holds."""

    args: list[str]
    expected: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        """The command without its arguments: `migrate`, `import agare`."""
        return " ".join(self.args[:2]) if self.args[0] in GROUPS else self.args[0]

    def option(self, name: str) -> str:
        """The value of an option of the command."""
        return self.args[self.args.index(name) + 1]


def readme_walk() -> tuple[list[Step], dict[str, str]]:
    """The section's commands in order, and the files it writes out (name → content)."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"\n{SECTION}\n")
    end = readme.find("\n## ", start + 1)
    section = readme[start : end if end != -1 else None]
    steps: list[Step] = []
    files: dict[str, str] = {}
    fence = re.compile(
        r"^(?P<indent> *)```(?P<kind>\w+)\n(?P<body>.*?)^(?P=indent)```$", re.M | re.S
    )
    for block in fence.finditer(section):
        body = textwrap.dedent(block["body"])
        kind = block["kind"]
        if kind == "sh":
            steps += [
                Step(shlex.split(line)[1:])
                for line in body.splitlines()
                if line.startswith("ansvarskartan ")
            ]
        elif kind == "text":
            steps[-1].expected = [line.strip() for line in body.splitlines() if line.strip()]
        else:
            before = section[: block.start()].rstrip().splitlines()[-1]
            named = re.search(r"`([^`]+)`:$", before)
            assert named, f"the {kind} block after {before!r} names no file"
            files[named[1]] = body
    return steps, files


@pytest.fixture
def empty_database() -> Iterator[Engine]:
    """A new database with PostGIS and nothing else, dropped afterwards."""
    url = database_url_for_tests("_test_ny_kommun")
    drop_database(url)
    ensure_database(url)
    engine = create_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def _lantmateriet_parcels(path: Path, designations: list[str], x: float, y: float) -> None:
    rows = []
    for i, designation in enumerate(designations):
        municipality, label = designation.split()[0], designation.split()[-1]
        trakt = " ".join(designation.split()[1:-1])
        block, unit = label.split(":")
        rows.append(
            {
                "objektidentitet": str(uuid.uuid4()),
                "registerenhetsreferens": str(uuid.uuid4()),
                "objekttyp": "Fastighet",
                "senastandrad": datetime(2025, 11, 3, 8, 0),
                "lanskod": "01",
                "kommunkod": "0126",
                "kommunnamn": municipality,
                "trakt": trakt,
                "block": block,
                "enhet": int(unit),
                "omradesnummer": 1,
                "samjelittera": None,
                "osakertlage": 0,
                "etikett": label,
                "geometry": shapely.box(x - 50 + 100 * i, y - 50, x + 50 + 100 * i, y + 50),
            }
        )
    gpd.GeoDataFrame(rows, crs="EPSG:3006").to_file(
        path, layer="registerenhetsomradesyta", driver="GPKG"
    )


def _write_described_files(steps: dict[str, Step], folder: Path, x: float, y: float) -> None:
    """The GIS files the section describes, laid out around the point it asks about."""
    owners = list(csv.DictReader(io.StringIO((folder / "agare.csv").read_text("utf-8"))))
    parcels = steps["import fastigheter"].args[2]
    _lantmateriet_parcels(folder / parcels, [r["fastighetsbeteckning"] for r in owners], x, y)

    objects = steps["import skotselobjekt"]
    mapping = csv.DictReader(
        io.StringIO((folder / objects.option("--mappning")).read_text("utf-8"))
    )
    lawn, shrubs = (row["kod"] for row in list(mapping)[:2])
    gpd.GeoDataFrame(
        {
            objects.option("--id-kolumn"): ["PE-1", "PE-2"],
            objects.option("--kod-kolumn"): [lawn, shrubs],
        },
        geometry=[
            shapely.box(x - 20, y - 20, x + 20, y + 20),  # the lawn under the point asked about
            shapely.box(x + 80, y - 20, x + 120, y + 20),
        ],
        crs="EPSG:3006",
    ).to_file(folder / objects.args[2], layer="parkenheten", driver="GPKG")

    gpd.GeoDataFrame(
        {
            "namn": [AREA_NAME],
            "bestallare": [objects.option("--organisation")],
            "utforare": [steps["organisation skapa"].args[2]],
            "avtal_fran": pd.to_datetime(["2024-04-01"]),
        },
        geometry=[shapely.box(x - 50, y - 50, x + 150, y + 50)],
        crs="EPSG:3006",
    ).to_file(folder / steps["import driftomraden"].args[2], layer="driftomraden", driver="GPKG")


def _scalar(engine: Engine, sql: str) -> Any:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_the_readme_walk_sets_up_a_municipality_on_an_empty_database(
    empty_database: Engine, tmp_path: Path
) -> None:
    steps, files = readme_walk()
    assert [s.name for s in steps] == WALK
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    by_name = {s.name: s for s in steps}
    inside, outside = (s for s in steps if s.name == "ansvar")
    x, y = Transformer.from_crs(4326, 3006, always_xy=True).transform(
        float(inside.args[1]), float(inside.args[2])
    )
    _write_described_files(by_name, tmp_path, x, y)

    for step in steps:
        done = run_cli(empty_database, *step.args, cwd=tmp_path)
        output = done.stdout + done.stderr
        assert "Traceback" not in output, (step.args, output)
        assert done.returncode == (1 if step is outside else 0), (step.args, output)
        for line in step.expected:
            assert line in output, (step.args, line, output)

    organisations = json.loads(files["organisationer.json"])
    created = by_name["organisation skapa"].args[2]
    with empty_database.connect() as conn:
        slugs = set(conn.execute(text("SELECT slug FROM organisation")).scalars())
        assert slugs == {o["slug"] for o in organisations} | {created}
        assert (
            conn.execute(text("SELECT namn FROM kommungrans WHERE kommunkod = '0126'")).scalar_one()
            == "Huddinge"
        )
        current = "SELECT count(*) FROM {} WHERE valid_to IS NULL"
        assert conn.execute(text(current.format("fastighet"))).scalar_one() == 2
        assert conn.execute(text(current.format("fastighetsagare"))).scalar_one() == 2
        huvudman = conn.execute(
            text(
                "SELECT DISTINCT o.slug FROM skotselobjekt s JOIN organisation o"
                " ON o.id = s.huvudman_id WHERE s.valid_to IS NULL"
            )
        ).scalars()
        assert list(huvudman) == [by_name["import skotselobjekt"].option("--organisation")]
        assert conn.execute(text(current.format("skotselobjekt"))).scalar_one() == 2
        area = conn.execute(
            text(
                "SELECT d.namn, b.slug, u.slug FROM driftomrade d"
                " JOIN organisation b ON b.id = d.bestallare_id"
                " JOIN organisation u ON u.id = d.utforare_id"
            )
        ).one()
        assert tuple(area) == (AREA_NAME, "parkenheten", created)
        assert conn.execute(text("SELECT roll FROM api_token")).scalars().all() == ["gis"]

    answer = run_cli(empty_database, "ansvar", *inside.args[1:], "--json", cwd=tmp_path)
    assert answer.returncode == 0, answer.stderr
    body = json.loads(answer.stdout)
    assert body["huvudman"]["slug"] == "parkenheten"
    assert body["utforare"]["organisation"]["slug"] == created
    assert body["markagare"]["fastighetsbeteckning"] == "HUDDINGE GRANTORP 5:9"


def test_migrate_loads_the_boundary_when_it_is_missing(
    empty_database: Engine, tmp_path: Path
) -> None:
    first = run_cli(empty_database, "migrate")
    assert first.returncode == 0, first.stderr
    assert "Kommungränsen för Huddinge (kommunkod 0126" in first.stdout
    assert _scalar(empty_database, "SELECT count(*) FROM kommungrans") == 1

    again = run_cli(empty_database, "migrate")
    assert again.returncode == 0
    assert "Kommungränsen" not in again.stdout

    with empty_database.begin() as conn:
        conn.execute(text("DELETE FROM kommungrans"))
    unknown = run_cli(empty_database, "migrate", ANSVAR_MUNICIPALITY_CODE="9999")
    assert unknown.returncode == 0, "the schema is migrated even when the boundary is not found"
    assert "Kommunkoden 9999 finns inte i scb_kommuner_stockholms_lan_3006.geojson" in (
        unknown.stderr
    )
    assert _scalar(empty_database, "SELECT count(*) FROM kommungrans") == 0
    reloaded = run_cli(empty_database, "migrate")
    assert "lästes in" in reloaded.stdout
    assert _scalar(empty_database, "SELECT kalla FROM kommungrans").startswith("SCB")

    refused = run_cli(empty_database, "kommungrans", ANSVAR_MUNICIPALITY_CODE="126")
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        "Fel: Kommunkoden 126 finns inte i scb_kommuner_stockholms_lan_3006.geojson"
        " (26 kommuner i kolumnen KnKod). Kommunkoder har fyra siffror, t.ex. 0126."
        " Kontrollera ANSVAR_MUNICIPALITY_CODE, eller ange en fil med kommunen med --fil."
    ]

    other = tmp_path / "kommuner.geojson"
    gpd.GeoDataFrame(
        {"KnKod": ["0126"], "KnNamn": ["Huddinge (egen fil)"]},
        geometry=[shapely.box(664_000, 6_560_000, 682_000, 6_576_000)],
        crs="EPSG:3006",
    ).to_file(other, driver="GeoJSON")
    replaced = run_cli(empty_database, "kommungrans", "--fil", str(other))
    assert replaced.returncode == 0, replaced.stderr
    assert "Huddinge (egen fil)" in replaced.stdout
    assert "288,0 km²" in replaced.stdout
    assert _scalar(empty_database, "SELECT kalla FROM kommungrans") == "kommuner.geojson"

    no_columns = tmp_path / "utan-kolumner.geojson"
    gpd.GeoDataFrame(
        {"kod": ["0126"]},
        geometry=[shapely.box(670_000, 6_570_000, 671_000, 6_571_000)],
        crs="EPSG:3006",
    ).to_file(no_columns, driver="GeoJSON")
    wrong = run_cli(empty_database, "kommungrans", "--fil", str(no_columns))
    assert wrong.returncode == 1
    assert "saknar kolumnen KnKod och KnNamn" in wrong.stderr
    assert "Traceback" not in wrong.stderr


def test_health_and_start_up_say_when_the_boundary_is_missing(
    empty_database: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    with empty_database.begin() as conn:
        upgrade(conn)
    settings = Settings(database_url=empty_database.url.render_as_string(hide_password=False))
    with (
        caplog.at_level(logging.WARNING, logger=BOUNDARY_LOGGER),
        TestClient(create_app(settings)) as client,
    ):
        health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok"
    assert body["kommunkod"] == "0126"
    assert body["kommungrans"] == "saknas"
    assert body["kommun"] is None
    [warning] = body["varningar"]
    assert "Kommungränsen för kommunkod 0126 saknas" in warning
    assert "ansvarskartan kommungrans" in warning
    logged = [r for r in caplog.records if r.name == BOUNDARY_LOGGER]
    assert [r.levelno for r in logged] == [logging.WARNING]
    assert "0126 is missing" in logged[0].getMessage()

    assert run_cli(empty_database, "kommungrans").returncode == 0
    caplog.clear()
    with (
        caplog.at_level(logging.WARNING, logger=BOUNDARY_LOGGER),
        TestClient(create_app(settings)) as client,
    ):
        body = client.get("/healthz").json()
        outside = client.get("/api/v1/ansvar", params={"lon": 18.07, "lat": 59.33})
    assert body["kommungrans"] == "ok"
    assert body["kommun"] == "Huddinge"
    assert body["varningar"] == []
    assert not [r for r in caplog.records if r.name == BOUNDARY_LOGGER]
    assert outside.status_code == 404
    assert outside.json()["type"] == "utanfor-kommunen"


def _organisations(engine: Engine) -> dict[str, dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT o.slug, o.namn, o.kortnamn, o.typ, p.slug AS overordnad,"
                " coalesce((SELECT json_agg(json_build_object('roll', k.roll, 'telefon',"
                " k.telefon, 'epost', k.epost) ORDER BY k.sortering) FROM kontakt k"
                " WHERE k.organisation_id = o.id), '[]') AS kontakter"
                " FROM organisation o LEFT JOIN organisation p ON p.id = o.overordnad_id"
            )
        ).mappings()
        return {row["slug"]: dict(row) for row in rows}


def _one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("Fel: ")
    return line


def test_organisation_commands_create_list_change_and_import(
    empty_database: Engine, tmp_path: Path
) -> None:
    with empty_database.begin() as conn:
        upgrade(conn)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(empty_database, "organisation", *args)

    created = cli(
        "skapa",
        "vagforeningen",
        "--namn",
        "Vägföreningen Grantorp",
        "--typ",
        "forening",
        "--roll",
        "Ordförande",
        "--telefon",
        "08-465 004 50",
    )
    assert created.returncode == 0, created.stderr
    assert "vagforeningen" in cli("lista").stdout
    listed = cli("lista").stdout
    assert "Vägföreningen Grantorp (forening)" in listed
    assert "Ordförande: 08-465 004 50" in listed

    assert "finns redan" in _one_error_line(
        cli("skapa", "vagforeningen", "--namn", "X", "--typ", "forening")
    )
    assert _one_error_line(cli("skapa", "ny", "--namn", "X", "--typ", "bolag")) == (
        "Fel: typ ska vara en av kommun, forvaltning, kommunalt_bolag, entreprenor, stat,"
        " privat, forening (inte 'bolag')"
    )
    assert "slug får bara ha små bokstäver" in _one_error_line(
        cli("skapa", "Ny Förening", "--namn", "X", "--typ", "forening")
    )
    assert "--roll" in _one_error_line(
        cli("skapa", "ny", "--namn", "X", "--typ", "forening", "--telefon", "1")
    )

    changed = cli(
        "andra",
        "vagforeningen",
        "--kortnamn",
        "VF",
        "--roll",
        "Kassör",
        "--epost",
        "kassor@vf.example",
    )
    assert changed.returncode == 0, changed.stderr
    org = _organisations(empty_database)["vagforeningen"]
    assert org["namn"] == "Vägföreningen Grantorp"
    assert org["kortnamn"] == "VF"
    assert org["kontakter"] == [
        {"roll": "Ordförande", "telefon": "08-465 004 50", "epost": None},
        {"roll": "Kassör", "telefon": None, "epost": "kassor@vf.example"},
    ]
    cli("andra", "vagforeningen", "--roll", "Ordförande", "--epost", "ordf@vf.example")
    cli("andra", "vagforeningen", "--kortnamn", "", "--ta-bort-kontakt", "Kassör")
    org = _organisations(empty_database)["vagforeningen"]
    assert org["kortnamn"] is None
    assert org["kontakter"] == [{"roll": "Ordförande", "telefon": None, "epost": "ordf@vf.example"}]
    unknown = _one_error_line(cli("andra", "finns-inte", "--namn", "X"))
    assert "vagforeningen" in unknown
    assert "ansvarskartan organisation skapa" in unknown

    update = tmp_path / "organisationer.json"
    update.write_text(
        json.dumps(
            [
                {"slug": "vagforeningen", "namn": "Grantorps vägförening", "typ": "forening"},
                {
                    "slug": "snoroj-ab",
                    "namn": "Snöröj AB",
                    "typ": "entreprenor",
                    "kontakter": [{"roll": "Jour", "telefon": "070-174 06 06"}],
                },
            ]
        ),
        encoding="utf-8",
    )
    imported = cli("importera", str(update))
    assert imported.returncode == 0, imported.stderr
    assert "1 nya, 1 ändrade, 0 oförändrade" in imported.stdout
    organisations = _organisations(empty_database)
    assert organisations["vagforeningen"]["namn"] == "Grantorps vägförening"
    assert organisations["vagforeningen"]["kontakter"] == org["kontakter"], "not in the file"
    assert organisations["snoroj-ab"]["kontakter"] == [
        {"roll": "Jour", "telefon": "070-174 06 06", "epost": None}
    ]
    assert "0 nya, 0 ändrade, 2 oförändrade" in cli("importera", str(update)).stdout

    listed_json = tmp_path / "lista.json"
    listed_json.write_text(cli("lista", "--json").stdout, encoding="utf-8")
    assert "0 nya, 0 ändrade, 2 oförändrade" in cli("importera", str(listed_json)).stdout

    wrong = tmp_path / "fel.json"
    wrong.write_text(
        '[{"slug": "a", "namn": "A", "typ": "kommun"}, {"slug": "b", "namn": "B", "typ": "ab"}]',
        encoding="utf-8",
    )
    assert _one_error_line(cli("importera", str(wrong))).startswith(
        "Fel: fel.json, organisation 2 (b): typ ska vara en av kommun, forvaltning,"
    )
    wrong.write_text('[{"slug": "a", "namn": "A", "typ": "kommun", "overordnad": "x"}]', "utf-8")
    assert _one_error_line(cli("importera", str(wrong))) == (
        "Fel: a: överordnad organisation x finns inte"
    )
    assert set(_organisations(empty_database)) == {"vagforeningen", "snoroj-ab"}

    demo = cli("importera", str(DEMO_DATA_DIR / "organisationer.json"))
    assert demo.returncode == 0
    assert "8 nya" in demo.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[{"slug": "a", "namn": "A", "typ": "kommun", "telefon": "1"}]',
            "f.json, organisation 1 (a): okänt fält telefon (fälten är slug, namn,",
        ),
        ('[{"slug": "a", "typ": "kommun"}]', "f.json, organisation 1 (a): namn saknas"),
        (
            '[{"slug": "a", "namn": "", "typ": "kommun"}]',
            "f.json, organisation 1 (a): namn får inte",
        ),
        (
            '[{"slug": "a", "namn": "A", "typ": "kommun", "kontakter": [{"telefon": "1"}]}]',
            "f.json, organisation 1 (a): kontakt 1: roll saknas",
        ),
        (
            '[{"slug": "a", "namn": "A", "typ": "kommun", "kontakter": {"roll": "R"}}]',
            "f.json, organisation 1 (a): kontakter ska vara en lista",
        ),
        (
            '[{"slug": "A b", "namn": "A", "typ": "kommun"}]',
            "f.json, organisation 1 (A b): slug får bara ha små bokstäver",
        ),
        (
            '[{"slug": "a", "namn": "A", "typ": "stat"},'
            ' {"slug": "a", "namn": "B", "typ": "stat"}]',
            "f.json: samma slug finns flera gånger: a",
        ),
        ('{"slug": "a", "namn": "A", "typ": "kommun"}', "f.json ska innehålla en lista"),
        ('[{"slug": "a", "namn": "A", "typ": "kommun"', "f.json är inte giltig JSON (rad 1"),
    ],
)
def test_a_wrong_organisations_file_is_one_swedish_line(content: str, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_organisations(content.encode(), "f.json")
    assert refused.value.detail.startswith(message)
    assert "\n" not in refused.value.detail
