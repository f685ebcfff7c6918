"""The import commands: dry run, summary, and files that land outside Sweden."""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import Engine, text

from tests.support.tables import empty_tables
from tests.test_imports_versioning import parcel_file

TABLES = ("fastighet", "fastighetsagare", "importkorning", "importavvisning")


@pytest.fixture
def cli(engine: Engine) -> Iterator[dict[str, str]]:
    """Environment for the CLI on the test database; the imported rows are removed after."""
    yield os.environ | {"ANSVAR_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    empty_tables(engine, TABLES)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", "import", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def _summary(output: str) -> dict[str, int]:
    counts = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return counts


def _parcels(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM fastighet")).scalar_one())


def test_dry_run_then_import_then_nothing_changed(
    cli: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    path = parcel_file(tmp_path / "fastigheter.gpkg")
    dry = _run(cli, "fastigheter", str(path), "--torrkorning")
    assert dry.returncode == 0, dry.stderr
    assert "Torrkörning – inget skrevs." in dry.stdout
    assert _summary(dry.stdout)["nya"] == 3
    assert _parcels(engine) == 0
    real = _run(cli, "fastigheter", str(path))
    assert real.returncode == 0
    assert _summary(real.stdout)["nya"] == 3
    again = _run(cli, "fastigheter", str(path))
    assert _summary(again.stdout)["oförändrade"] == 3
    assert _parcels(engine) == 3


def _one_parcel(tmp_path: Path, geometry: shapely.Geometry, name: str) -> Path:
    path = tmp_path / name
    gpd.GeoDataFrame(
        {
            "objektidentitet": ["6f1c1b4e-8d7a-4c43-9a51-0c9c3f0f4a11"],
            "registerenhetsreferens": ["6f1c1b4e-8d7a-4c43-9a51-0c9c3f0f4a12"],
            "kommunnamn": ["HUDDINGE"],
            "trakt": ["GRANTORP"],
            "etikett": ["5:9"],
        },
        geometry=[geometry],
        crs="EPSG:3006",
    ).to_file(path, layer="registerenhetsomradesyta", driver="GPKG")
    return path


def test_degrees_declared_as_sweref_are_refused(
    cli: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    path = _one_parcel(tmp_path, shapely.box(17.98, 59.24, 17.99, 59.25), "grader.gpkg")
    refused = _run(cli, "fastigheter", str(path))
    assert refused.returncode == 1
    assert "utanför Sverige" in refused.stderr
    assert "--crs" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert _parcels(engine) == 0


def test_a_missing_file_is_one_clear_line(cli: dict[str, str], tmp_path: Path) -> None:
    missing = tmp_path / "finns-inte.csv"
    for args in (("agare", str(missing)), ("fastigheter", str(missing))):
        refused = _run(cli, *args)
        assert refused.returncode == 1
        assert "Traceback" not in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
        assert "finns-inte.csv" in refused.stderr


def test_swapped_axes_get_a_hint(cli: dict[str, str], engine: Engine, tmp_path: Path) -> None:
    path = _one_parcel(tmp_path, shapely.box(6568000, 670000, 6568040, 670040), "bytta.gpkg")
    refused = _run(cli, "fastigheter", str(path))
    assert refused.returncode == 1
    assert "bytt plats" in refused.stderr
    assert _parcels(engine) == 0
