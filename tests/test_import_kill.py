"""A process killed in the middle of an import leaves the database exactly as it was."""

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import Engine, text

from tests.support.tables import empty_tables
from tests.test_imports_versioning import parcel_file

TABLES = ("fastighet", "fastighetsagare", "importkorning", "importavvisning")
PARCELS = 60_000
SNAPSHOT_SQL = """
SELECT (SELECT count(*) FROM fastighet), (SELECT count(*) FROM importkorning),
       (SELECT count(*) FROM andringslogg),
       (SELECT md5(string_agg(objektidentitet::text || ST_AsEWKB(geom)::text
                              || coalesce(valid_to::text, ''), ',' ORDER BY id)) FROM fastighet)
"""


@pytest.fixture
def env(engine: Engine) -> Iterator[dict[str, str]]:
    """Environment for the CLI on the test database; imported rows are removed after."""
    yield os.environ | {"ANSVAR_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    empty_tables(engine, TABLES)


def _large_parcel_file(path: Path) -> Path:
    """A Lantmäteriet-shaped layer of many small square parcels."""
    i = np.arange(PARCELS)
    x = 660_000 + (i % 300) * 20.0
    y = 6_560_000 + (i // 300) * 20.0
    gpd.GeoDataFrame(
        {
            "objektidentitet": [str(uuid.UUID(int=10_000 + int(n), version=4)) for n in i],
            "registerenhetsreferens": [str(uuid.UUID(int=900_000 + int(n), version=4)) for n in i],
            "kommunnamn": "HUDDINGE",
            "trakt": "STORA",
            "block": "1",
            "enhet": i + 1,
            "omradesnummer": 1,
            "etikett": [f"1:{n + 1}" for n in i],
        },
        geometry=shapely.box(x, y, x + 19, y + 19),
        crs="EPSG:3006",
    ).to_file(path, layer="registerenhetsomradesyta", driver="GPKG")
    return path


def _import(env: dict[str, str], path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "app.cli", "import", "fastigheter", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _import_backend_busy(engine: Engine) -> int | None:
    """The backend pid of an import that holds the import lock and is running SQL, if any."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                " WHERE l.locktype = 'advisory' AND l.granted AND a.state = 'active'"
                " AND a.datname = current_database() AND a.pid <> pg_backend_pid()"
            )
        ).scalar()


def _backend_gone(engine: Engine, pid: int, timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            alive = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
            ).scalar_one()
            if not alive:
                return True
            conn.rollback()
            time.sleep(0.05)
    return False


def test_kill_9_in_the_middle_of_an_import(
    env: dict[str, str], engine: Engine, tmp_path: Path
) -> None:
    first = subprocess.run(
        [
            sys.executable,
            "-m",
            "app.cli",
            "import",
            "fastigheter",
            str(parcel_file(tmp_path / "a.gpkg")),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert first.returncode == 0, first.stderr
    with engine.connect() as conn:
        before = conn.execute(text(SNAPSHOT_SQL)).one()
    assert before[0] == 3

    # A full import of another file would retire the three parcels and add 60,000.
    process = _import(env, _large_parcel_file(tmp_path / "stor.gpkg"))
    backend = None
    deadline = time.monotonic() + 120
    while backend is None and process.poll() is None and time.monotonic() < deadline:
        backend = _import_backend_busy(engine)
        time.sleep(0.02)
    assert backend is not None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert _backend_gone(engine, backend), "the server kept the killed import's session"
    with engine.connect() as conn:
        after = conn.execute(text(SNAPSHOT_SQL)).one()
    assert after == before
    again = subprocess.run(
        [sys.executable, "-m", "app.cli", "import", "fastigheter", str(tmp_path / "a.gpkg")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert again.returncode == 0, again.stderr
    assert "oförändrade" in again.stdout, again.stderr
