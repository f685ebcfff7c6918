"""Benchmark of the coordination analysis over HTTP, cold and again while the data is unchanged.

    .venv/bin/python -m bench.analysis_cache --url postgresql+psycopg://…/ansvarskartan_bench_1000000

In one run, in one process with a fresh application (an empty cache) on a migrated demo database:
each whole-municipality endpoint of the page (quantities, the 500 m mix, the neighbour matrix,
the zones, the costs, the sports preset) asked once cold and then --gange times more with the
data unchanged (the best counts). The baseline is GET /healthz in the same run: what any answer
costs in this process. Prints seconds, the warm/cold ratio and warm/baseline.
"""

import argparse
import time

from fastapi.testclient import TestClient

from app.core.settings import Settings
from app.main import API_PREFIX, create_app

ENDPOINTS = {
    "mängder, kommun": "/samordning/mangder?indelning=kommun",
    "blandning, 500 m": "/samordning/blandning?indelning=ruta&ruta_m=500",
    "grannar": "/samordning/grannar",
    "zoner, 100 m": "/samordning/zoner?avstand_m=100",
    "kostnader, kommun": "/samordning/kostnader?indelning=kommun",
    "idrott": "/samordning/idrott",
}


def _timed(client: TestClient, path: str) -> float:
    start = time.perf_counter()
    answer = client.get(path)
    elapsed = time.perf_counter() - start
    assert answer.status_code == 200, f"{path}: {answer.status_code} {answer.text[:200]}"
    return elapsed


def main() -> None:
    """Time each endpoint cold and warm and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="the service's SQLAlchemy URL")
    parser.add_argument("--gange", type=int, default=5, help="warm requests per endpoint")
    args = parser.parse_args()
    settings = Settings(database_url=args.url, public_read=True)
    with TestClient(create_app(settings)) as client:
        baseline = min(_timed(client, "/healthz") for _ in range(args.gange))
        print(f"{'baseline (GET /healthz)':<26} {baseline * 1000:9.1f} ms")
        total_cold = total_warm = 0.0
        for name, path in ENDPOINTS.items():
            cold = _timed(client, API_PREFIX + path)
            warm = min(_timed(client, API_PREFIX + path) for _ in range(args.gange))
            total_cold, total_warm = total_cold + cold, total_warm + warm
            print(
                f"{name:<26} cold {cold:8.2f} s   warm {warm * 1000:8.1f} ms"
                f"   warm/cold {warm / cold:.4f}   warm/baseline {warm / baseline:6.1f}"
            )
        print(
            f"{'all of the page':<26} cold {total_cold:8.2f} s   warm {total_warm * 1000:8.1f} ms"
            f"   warm/cold {total_warm / total_cold:.4f}"
        )


if __name__ == "__main__":
    main()
