"""Pieces every benchmark uses: ports, percentiles, servers, and wrk as the load generator."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from app.core.paths import REPO_ROOT


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


def start_server(
    argv: list[str], env: dict[str, str], ready_url: str, cwd: Path = REPO_ROOT
) -> "subprocess.Popen[bytes]":
    """Start a server in its own process group and wait until ready_url answers 200."""
    server = subprocess.Popen(
        argv,
        env=os.environ | env,
        cwd=cwd,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            if server.poll() is not None:
                raise SystemExit(f"the server for {ready_url} exited")
            try:
                if httpx.get(ready_url, timeout=2).status_code == 200:
                    return server
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"{ready_url} did not answer")
    except BaseException:
        stop_server(server)
        raise


def stop_server(server: "subprocess.Popen[bytes]") -> None:
    """Stop a server started by start_server, with its workers."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def start_ansvarskartan(
    database_url: str, port: int, *, workers: int, pool_size: int = 10, **env: str
) -> "subprocess.Popen[bytes]":
    """Our service under uvicorn on port, ready when /healthz answers."""
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    environment = {"ANSVAR_DATABASE_URL": database_url, "ANSVAR_POOL_SIZE": str(pool_size)} | env
    return start_server(argv, environment, f"http://127.0.0.1:{port}/healthz")


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
    return "PG:" + " ".join(parts)
