"""Benchmark of the whole coordination analysis on a scaled demo, each part against a floor.

    .venv/bin/python -m bench.analysis --url postgresql://…/ansvarskartan_bench_1000000

In one run, on the same database, each statement run --gange times (the best time counts).
Floors, over the live objects (valid now):
  quantities: the plain GROUP BY of measures per huvudman × product × quality level (no names,
  no clipping);
  matrix: what any answer must find — the area objects of another organisation within the
  tolerance of each area object (the plain ST_DWithin self-join, counted per organisation pair)
  and, for every object, whether another organisation's object lies within the near distance
  (the plain ST_DWithin semi-join, counted);
  zones: the plain `ST_ClusterDBSCAN(geom, eps, 1) OVER ()` statement.
Parts:
  (a) the whole municipality's quantities (`quantities(conn, "kommun")`);
  (b) the 500 m grid's quantities clipped to the cells and the mix per cell (`mixes`);
  (c) the neighbour matrix (`neighbours`, tolerance 2 m, near 50 m, 10 places);
  (d) the coordination zones at 100 m (`coordination_zones`);
and the whole analysis, (a) + (b) + (c) + (d), against the sum of the floors.
Prints seconds and the ratio to the floor of each.
"""

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

import psycopg

from app.analysis.interleaving import mixes
from app.analysis.live import live_now
from app.analysis.neighbours import neighbours
from app.analysis.quantities import quantities_sync
from app.analysis.zones import coordination_zones

_QUANTITY_FLOOR_SQL = f"""
SELECT huvudman_id, skotselprodukt_kod, kvalitetsniva, count(*),
       sum(CASE geometrityp WHEN 'yta' THEN ST_Area(geom) WHEN 'linje' THEN ST_Length(geom)
           ELSE 1 END)
FROM skotselobjekt o WHERE {live_now()}
GROUP BY huvudman_id, skotselprodukt_kod, kvalitetsniva
"""  # noqa: S608 (constants)
_BOUNDARY_FLOOR_SQL = f"""
SELECT a.huvudman_id, b.huvudman_id, count(*)
FROM skotselobjekt a JOIN skotselobjekt b
  ON b.huvudman_id <> a.huvudman_id AND ST_DWithin(a.geom, b.geom, %(t)s)
WHERE a.geometrityp = 'yta' AND b.geometrityp = 'yta' AND {live_now("a")} AND {live_now("b")}
GROUP BY 1, 2
"""  # noqa: S608 (constants)
_NEAR_FLOOR_SQL = f"""
SELECT count(*) FROM skotselobjekt a
WHERE {live_now("a")} AND EXISTS (
  SELECT 1 FROM skotselobjekt b
  WHERE {live_now("b")} AND b.huvudman_id <> a.huvudman_id AND ST_DWithin(a.geom, b.geom, %(d)s)
)
"""  # noqa: S608 (constants)
_ZONES_FLOOR_SQL = f"""
SELECT max(c) FROM (
  SELECT ST_ClusterDBSCAN(o.geom, %(eps)s, 1) OVER () AS c FROM skotselobjekt o WHERE {live_now()}
) s
"""  # noqa: S608 (constants)


def _best(work: Callable[[], Any], times: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(times):
        start = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - start)
    return best, result


def _asynchronously(url: str, work: Callable[[psycopg.AsyncConnection[Any]], Any]) -> Any:
    async def run() -> Any:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await work(conn)

    return asyncio.run(run())


def _size(result: Any) -> str:
    if hasattr(result, "organisations"):
        return f"{len(result.organisations)} organisations, {len(result.places)} places"
    return f"{len(result):,} rows"


def main() -> None:
    """Time the parts against their floors and print the ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="psycopg URL of a migrated demo database")
    parser.add_argument("--gange", type=int, default=2, help="runs per part (the best counts)")
    parser.add_argument("--ruta-m", type=int, default=500)
    parser.add_argument("--tolerans-m", type=float, default=2.0)
    parser.add_argument("--nara-m", type=float, default=50.0)
    parser.add_argument("--zon-m", type=float, default=100.0)
    args = parser.parse_args()
    url = args.url
    with psycopg.connect(url, autocommit=True) as conn:
        objects = conn.execute(f"SELECT count(*) FROM skotselobjekt o WHERE {live_now()}")  # noqa: S608
        print(f"live objects: {objects.fetchone()[0]:,}")  # type: ignore[index]

        def floor_of(sql: str, params: dict[str, Any] | None = None) -> Callable[[], Any]:
            return lambda: conn.execute(sql, params).fetchall()

        floors = {
            "quantities": floor_of(_QUANTITY_FLOOR_SQL),
            "matrix": lambda: (
                floor_of(_BOUNDARY_FLOOR_SQL, {"t": args.tolerans_m})(),
                floor_of(_NEAR_FLOOR_SQL, {"d": args.nara_m})(),
            ),
            "zones": floor_of(_ZONES_FLOOR_SQL, {"eps": args.zon_m}),
        }
        floor_s = {name: _best(work, args.gange)[0] for name, work in floors.items()}
        parts: dict[str, tuple[str, Callable[[], Any]]] = {
            "(a) kommun": ("quantities", lambda: quantities_sync(conn, "kommun")),
            f"(b) ruta {args.ruta_m} m + mix": (
                "quantities",
                lambda: mixes(quantities_sync(conn, "ruta", cell_m=args.ruta_m)),
            ),
            f"(c) grannar {args.tolerans_m:g}/{args.nara_m:g} m": (
                "matrix",
                lambda: _asynchronously(
                    url, lambda c: neighbours(c, args.tolerans_m, args.nara_m, 10)
                ),
            ),
            f"(d) zoner {args.zon_m:g} m": (
                "zones",
                lambda: _asynchronously(url, lambda c: coordination_zones(c, args.zon_m)),
            ),
        }
        for name, seconds in floor_s.items():
            print(f"{'floor ' + name:<26} {seconds:8.2f} s")
        total = total_floor = 0.0
        for name, (kind, work) in parts.items():
            seconds, result = _best(work, args.gange)
            total += seconds
            total_floor += floor_s[kind]
            ratio = seconds / floor_s[kind]
            print(f"{name:<26} {seconds:8.2f} s  ×{ratio:5.2f}  ({_size(result)})")
        print(
            f"{'whole analysis':<26} {total:8.2f} s  ×{total / total_floor:5.2f}  "
            f"(floors {total_floor:.2f} s)"
        )


if __name__ == "__main__":
    main()
