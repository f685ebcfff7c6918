"""Pieces the benchmarks share: tools, percentiles, wrk as the load generator, GDAL connections.

Starting servers is in tests/support/servers.py, shared with the tests.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url


def require_tools(*tools: str) -> None:
    """Stop with one line when a command-line tool a benchmark runs is not installed."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise SystemExit(
            f"bench: {', '.join(missing)} {verb} not installed; install with `make bench-deps`."
        )


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


_WRK_SCRIPT = """
local paths = {%s}
local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1], {["Accept-Encoding"] = "identity"})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%f %%f %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.bytes,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout))
end
"""


def wrk(base: str, paths: list[str], concurrency: int, seconds: float) -> dict[str, float]:
    """Requests/s, p50/p99 (ms), bytes per response and errors of GETs of paths (wrk)."""
    require_tools("wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(_WRK_SCRIPT % ",".join(f'"{p}"' for p in paths))
        script = handle.name
    try:
        result = subprocess.run(
            [
                "wrk",
                "-t2",
                f"-c{concurrency}",
                f"-d{int(seconds)}s",
                "--timeout",
                "30s",
                "-s",
                script,
                base,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        Path(script).unlink()
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT"))
    _, requests, duration_us, p50, p99, read, errors = line.split()
    count = max(int(requests), 1)
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p99": float(p99),
        "bytes": int(read) / count,
        "errors": int(errors),
    }


def ogr_connection(url: str) -> str:
    """A GDAL PostgreSQL connection string for a SQLAlchemy URL."""
    parsed = make_url(url)
    parts = [
        f"dbname={parsed.database}",
        f"host={parsed.host or 'localhost'}",
        f"port={parsed.port or 5432}",
        f"user={parsed.username}",
    ]
    if parsed.password:
        parts.append(f"password={parsed.password}")
    passfile = parsed.query.get("passfile")
    if isinstance(passfile, str):
        parts.append(f"passfile={passfile}")
    return "PG:" + " ".join(parts)
