"""Benchmark of the coordination analysis' quantities and interleaving on a scaled demo.

    .venv/bin/python -m bench.analysis --url postgresql://…/ansvarskartan_bench_1000000

In one run, on the same database, each statement run --gange times (the best time counts):
  floor: the plain GROUP BY of live objects' measures per huvudman × product × quality level
  (no organisation names, no clipping);
  (a) the whole municipality's quantities (`quantities(conn, "kommun")`);
  (b) the 500 m grid's quantities, clipped to the cells (`quantities(conn, "ruta")`);
  (c) the 500 m interleaving: (b) plus the mix per cell (`mixes`).
Prints seconds and the ratio to the floor of each.
"""

import argparse
import time
from collections.abc import Callable
from typing import Any

import psycopg

from app.analysis.interleaving import mixes
from app.analysis.quantities import quantities_sync

_FLOOR_SQL = """
SELECT huvudman_id, skotselprodukt_kod, kvalitetsniva, count(*),
       sum(CASE geometrityp WHEN 'yta' THEN ST_Area(geom) WHEN 'linje' THEN ST_Length(geom)
           ELSE 1 END)
FROM skotselobjekt WHERE valid_to IS NULL
GROUP BY huvudman_id, skotselprodukt_kod, kvalitetsniva
"""


def _best(work: Callable[[], Any], times: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(times):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    """Time the parts against the floor and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="psycopg URL of a migrated demo database")
    parser.add_argument("--gange", type=int, default=2, help="runs per part (the best counts)")
    parser.add_argument("--ruta-m", type=int, default=500)
    args = parser.parse_args()
    with psycopg.connect(args.url, autocommit=True) as conn:
        objects = conn.execute("SELECT count(*) FROM skotselobjekt WHERE valid_to IS NULL")
        print(f"live objects: {objects.fetchone()[0]:,}")  # type: ignore[index]
        floor, _ = _best(lambda: conn.execute(_FLOOR_SQL).fetchall(), args.gange)
        parts = {
            "kommun": lambda: quantities_sync(conn, "kommun"),
            f"ruta {args.ruta_m} m": lambda: quantities_sync(conn, "ruta", cell_m=args.ruta_m),
            f"blandning {args.ruta_m} m": lambda: mixes(
                quantities_sync(conn, "ruta", cell_m=args.ruta_m)
            ),
        }
        print(f"{'floor (GROUP BY)':<22} {floor:8.2f} s")
        for name, work in parts.items():
            seconds, result = _best(work, args.gange)
            print(f"{name:<22} {seconds:8.2f} s  ×{seconds / floor:5.2f}  ({len(result):,} rows)")


if __name__ == "__main__":
    main()
