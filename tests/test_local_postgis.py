"""The project-local PostGIS script is idempotent, recovers from a half-created cluster, and lets
in only its two roles, each with its generated password."""

import os
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app.core.paths import REPO_ROOT
from app.core.settings import LOCAL_OWNER_ROLE, LOCAL_SERVICE_ROLE, local_database_url
from tests.support.servers import free_port

SCRIPT = REPO_ROOT / "scripts" / "local-postgis.sh"
# pg_hba.conf as the earlier script left it: initdb's default with --auth=trust.
TRUSTING_RULES = """\
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path]]:
    """Environment for a throw-away cluster in tmp_path, stopped afterwards."""
    state = tmp_path / "pg"
    env = {k: v for k, v in os.environ.items() if k != "ANSVAR_DATABASE_URL"}
    env |= {"ANSVAR_PG_STATE": str(state), "ANSVAR_PG_PORT": str(free_port())}
    yield env, state
    subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, check=False)


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=180, check=False
    )


def _url(env: dict[str, str], *, owner: bool = False, password: bool = True) -> str:
    url = local_database_url(
        owner=owner, state=Path(env["ANSVAR_PG_STATE"]), port=int(env["ANSVAR_PG_PORT"])
    )
    return url if password else url.partition("?")[0]


def _query(url: str, sql: str) -> object:
    """The one value sql returns (None for a statement returning no rows)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql))
            return result.scalar_one() if result.returns_rows else None
    finally:
        engine.dispose()


def _postgis_version(env: dict[str, str]) -> str:
    return str(_query(_url(env), "SELECT postgis_lib_version()"))


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


def _assert_only_the_two_roles_get_in(env: dict[str, str], state: Path) -> None:
    passfile = state / "pgpass"
    assert stat.S_IMODE(passfile.stat().st_mode) == 0o600
    assert {line.split(":")[3] for line in passfile.read_text().splitlines()} == {
        LOCAL_OWNER_ROLE,
        LOCAL_SERVICE_ROLE,
    }
    assert _query(_url(env), "SELECT current_user") == LOCAL_SERVICE_ROLE
    assert _query(_url(env), "SELECT rolsuper FROM pg_roles WHERE rolname = current_user") is False
    assert _query(_url(env, owner=True), "SELECT current_user") == LOCAL_OWNER_ROLE
    refused = [
        _url(env, password=False),
        _url(env, owner=True, password=False),
        _url(env).replace(f"{LOCAL_SERVICE_ROLE}@", "postgres@"),
    ]
    for url in refused:
        with pytest.raises(OperationalError, match=r"password|no pg_hba.conf entry"):
            _query(url, "SELECT 1")
    assert "trust" not in (state / "cluster" / "pg_hba.conf").read_text()


def test_only_the_two_roles_get_in_with_their_passwords(
    cluster: tuple[dict[str, str], Path],
) -> None:
    env, state = cluster
    started = _run(env, "start")
    assert started.returncode == 0, started.stderr
    _assert_only_the_two_roles_get_in(env, state)

    printed = _run(env, "url").stdout.strip(), _run(env, "url", "--owner", "x_test").stdout.strip()
    assert printed == (
        _url(env).replace("%2F", "/"),
        _url(env, owner=True).replace("/ansvarskartan?", "/x_test?").replace("%2F", "/"),
    )
    assert "PASSWORD" not in (state / "postgres.log").read_text()


def test_a_trusting_cluster_of_the_earlier_script_is_upgraded_in_place(
    cluster: tuple[dict[str, str], Path],
) -> None:
    env, state = cluster
    assert _run(env, "start").returncode == 0
    owner = _url(env, owner=True)
    # Back to what the earlier script made: every local connection trusted, the bootstrap
    # superuser without a password, no service role and no passfile; some data in it.
    (state / "cluster" / "pg_hba.conf").write_text(TRUSTING_RULES)
    (state / "cluster" / "pg_ident.conf").write_text("")
    _query(owner, "SELECT pg_reload_conf()")
    bare = _url(env, owner=True, password=False)
    _query(bare, "CREATE TABLE kvar AS SELECT 1 AS a")
    _query(bare, f"DROP ROLE {LOCAL_SERVICE_ROLE}")
    _query(bare, f"ALTER ROLE {LOCAL_OWNER_ROLE} PASSWORD NULL")
    (state / "pgpass").unlink()

    upgraded = _run(env, "start")  # the cluster is running, as a developer's would be
    assert upgraded.returncode == 0, upgraded.stderr
    _assert_only_the_two_roles_get_in(env, state)
    assert _query(_url(env, owner=True), "SELECT count(*) FROM kvar") == 1

    passwords = (state / "pgpass").read_text()
    assert _run(env, "stop").returncode == 0
    again = _run(env, "start")
    assert again.returncode == 0, again.stderr
    assert (state / "pgpass").read_text() == passwords
    _assert_only_the_two_roles_get_in(env, state)
