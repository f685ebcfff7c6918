"""Running the `ansvarskartan` command against the test database, as a user would."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine


def run_cli(
    engine: Engine, *args: str, timeout: float = 300, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`ansvarskartan ARGS` in its own process on the engine's database; output captured."""
    url = engine.url.render_as_string(hide_password=False)
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ | {"ANSVAR_DATABASE_URL": url, "ANSVAR_MIGRATION_DATABASE_URL": url} | env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
