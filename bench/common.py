"""Pieces the benchmarks share: tools, percentiles, wrk as the load generator, the SQL floor,
virtualenvs of the servers compared with, GDAL connections.

Starting servers is in tests/support/servers.py, shared with the tests.
"""

import argparse
import asyncio
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from sqlalchemy.engine import make_url

from bench.scaled_demo import CACHE

Statement = tuple[str, dict[str, Any]]
Cell = TypeVar("Cell", bound=Hashable)
OURS = "ansvarskartan"


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


def sql_floor(
    url: str, statements: Sequence[Statement], concurrency: int, seconds: float
) -> dict[str, float]:
    """Our own statements alone, as wrk's cells measure the servers: random ones of statements
    run by concurrency psycopg clients for seconds, without HTTP."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    latencies: list[float] = []
    sizes: list[int] = []
    deadline = time.perf_counter() + seconds

    async def client(seed: int) -> None:
        rng = random.Random(seed)
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            while time.perf_counter() < deadline:
                sql, params = rng.choice(statements)
                started = time.perf_counter()
                row = await (await conn.execute(sql, params, binary=True)).fetchone()
                latencies.append((time.perf_counter() - started) * 1000)
                sizes.append(len(row[0]) if row and row[0] else 0)

    async def clients() -> float:
        started = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(concurrency)))
        return time.perf_counter() - started

    elapsed = asyncio.run(clients())
    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "bytes": sum(sizes) / max(len(sizes), 1),
        "errors": 0,
    }


def server_venv(name: str, packages: list[str]) -> Path:
    """The Python of a virtualenv of its own for a server we compare against (made once)."""
    venv = CACHE / f"venv-{name}"
    python = venv / "bin" / "python"
    if not (venv / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
        (venv / ".installed").touch()
    return python


def load_arguments(description: str | None) -> argparse.Namespace:
    """--fastigheter (the scaled demo's size), --sekunder per cell and --samtidighet of the
    HTTP load benchmarks."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--fastigheter", type=int, default=1_000_000)
    parser.add_argument("--sekunder", type=float, default=10.0)
    parser.add_argument("--samtidighet", type=int, default=16)
    return parser.parse_args()


def ratio_line(
    results: Mapping[tuple[str, Cell], dict[str, float]], cell: Cell, others: Sequence[str]
) -> str:
    """ours/other in requests/s for every other server measured on this cell."""
    ours = results.get((OURS, cell))
    if ours is None:
        return f"{OURS} not measured"
    ratios = [
        f"ours/{other} {ours['rps'] / results[(other, cell)]['rps']:.2f}"
        for other in others
        if (other, cell) in results and results[(other, cell)]["rps"] > 0
    ]
    return ", ".join(ratios) or "nothing to compare with"
