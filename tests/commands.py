"""Running the `ansvarskartan` command against the test database, as a user would."""

import os
import subprocess
import sys

from sqlalchemy import Engine


def run_cli(engine: Engine, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`ansvarskartan ARGS` in its own process on the engine's database; output captured."""
    env = os.environ | {"ANSVAR_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
