"""A throw-away PostGIS cluster of its own, run by scripts/local-postgis.sh as a black box."""

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from app.core.paths import REPO_ROOT
from tests.support.servers import free_port

SCRIPT = REPO_ROOT / "scripts" / "local-postgis.sh"
SCRIPT_TIMEOUT_S = 180


@dataclass(frozen=True)
class Cluster:
    """A cluster in a state folder on a port of its own: the script's commands, and its URLs."""

    state: Path
    port: int

    @property
    def env(self) -> dict[str, str]:
        """The environment the script runs in: this cluster's folder and port, no outside URL."""
        # The script leaves the cluster alone when ANSVAR_DATABASE_URL is set.
        inherited = {k: v for k, v in os.environ.items() if k != "ANSVAR_DATABASE_URL"}
        return inherited | {"ANSVAR_PG_STATE": str(self.state), "ANSVAR_PG_PORT": str(self.port)}

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run the script with args; the result, whatever its exit status."""
        return subprocess.run(
            [str(SCRIPT), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT_S,
            check=False,
        )

    def start(self) -> None:
        """Create the cluster if needed and start it (returns when it accepts connections)."""
        self._check(self.run("start"), "start")

    def stop(self) -> None:
        """Stop the cluster at once (pg_ctl stop -m fast: open sessions are ended)."""
        self._check(self.run("stop"), "stop")

    def service_url(self, database: str = "ansvarskartan") -> str:
        """The URL the service connects with."""
        result = self.run("url", database)
        self._check(result, "url")
        return result.stdout.strip()

    def owner_url(self, database: str = "ansvarskartan") -> str:
        """The URL of the role that owns the database (migrations), or the service's when one."""
        result = self.run("url", "--owner", database)
        url = result.stdout.strip()
        # A script without the --owner option has one role for all, and takes the option as the
        # database's name.
        if result.returncode != 0 or not url or make_url(url).database != database:
            return self.service_url(database)
        return url

    @staticmethod
    def _check(result: subprocess.CompletedProcess[str], command: str) -> None:
        if result.returncode != 0:
            raise RuntimeError(f"local-postgis.sh {command} failed: {result.stderr.strip()}")


@contextmanager
def own_cluster() -> Iterator[Cluster]:
    """A started cluster in a new temporary folder on a free port; stopped and removed after."""
    # Not under pytest's tmp_path: as root the cluster runs as the postgres user, who must
    # traverse the folders above it, and every pytest run resets its own base folder to 0700.
    with tempfile.TemporaryDirectory(prefix="ansvarskartan-pg-") as folder:
        cluster = Cluster(state=Path(folder) / "pg", port=free_port())
        try:
            cluster.start()
            yield cluster
        finally:
            cluster.run("stop")
