"""The project-local PostGIS script is idempotent and recovers from a half-created cluster."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.core.paths import REPO_ROOT
from tests.support.servers import free_port

SCRIPT = REPO_ROOT / "scripts" / "local-postgis.sh"


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """Environment for a throw-away cluster in tmp_path, stopped afterwards."""
    state = tmp_path / "pg"
    env = {k: v for k, v in os.environ.items() if k != "ANSVAR_DATABASE_URL"}
    env |= {"ANSVAR_PG_STATE": str(state), "ANSVAR_PG_PORT": str(free_port())}
    yield env, state
    subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, check=False)


def _run(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), command], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def _postgis_version(env: dict[str, str]) -> str:
    url = f"postgresql+psycopg://ansvar@127.0.0.1:{env['ANSVAR_PG_PORT']}/ansvarskartan"
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT postgis_lib_version()")).scalar_one())
    finally:
        engine.dispose()


def test_start_twice_stop_and_start_over_stale_state(
    cluster: tuple[dict[str, str], Path],
) -> None:
    env, state = cluster
    first = _run(env, "start")
    assert first.returncode == 0, first.stderr
    assert _postgis_version(env).startswith("3.")
    assert _run(env, "start").returncode == 0

    assert _run(env, "stop").returncode == 0
    assert _run(env, "status").returncode == 3
    # As after a power cut: a pid file naming a process that no longer exists.
    (state / "cluster" / "postmaster.pid").write_text("999999\n")
    restarted = _run(env, "start")
    assert restarted.returncode == 0, restarted.stderr
    assert _postgis_version(env).startswith("3.")


def test_a_half_created_cluster_is_recreated(cluster: tuple[dict[str, str], Path]) -> None:
    env, state = cluster
    (state / "cluster").mkdir(parents=True)
    (state / "cluster" / "leftover").write_text("initdb was interrupted here")
    result = _run(env, "start")
    assert result.returncode == 0, result.stderr
    assert "half-created" in result.stderr
    assert _postgis_version(env).startswith("3.")
