"""Benchmark: generate and load the demo, against ogr2ogr loading the same files (baseline).

    .venv/bin/python -m bench.demo_load [--fastigheter 20000]

Baseline: `ogr2ogr -f PostgreSQL` with PG_USE_COPY=YES writing every generated layer into
scratch tables of the same database, without validation, mapping or history. Ours: the demo
load through the importers (validation, code mapping, versioned merge, constraints). Both run
in this process's run, so the ratio holds on a noisy machine even when absolute times drift.
"""

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import pyogrio
from sqlalchemy import create_engine

from app.core.migrate import upgrade
from app.core.settings import get_settings
from app.demo.generate import generate
from app.demo.load import load_demo, reset_data
from bench.common import ogr_connection, require_tools
from tests.support.db_admin import ensure_database, sibling_database_url

SCRATCH_SCHEMA = "bench_ogr2ogr"


def _ogr2ogr_all(url: str, out_dir: Path) -> float:
    """Seconds for ogr2ogr to copy every layer of every generated file into scratch tables."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCRATCH_SCHEMA}")
    started = time.perf_counter()
    for gpkg in sorted(out_dir.glob("*.gpkg")):
        for layer, _ in pyogrio.list_layers(gpkg):
            subprocess.run(
                [
                    "ogr2ogr",
                    "-f",
                    "PostgreSQL",
                    ogr_connection(url),
                    str(gpkg),
                    layer,
                    "-nln",
                    f"{SCRATCH_SCHEMA}.{gpkg.stem}_{layer}"[:63],
                    "-lco",
                    "SPATIAL_INDEX=GIST",
                    "--config",
                    "PG_USE_COPY",
                    "YES",
                    "-overwrite",
                ],
                check=True,
            )
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {SCRATCH_SCHEMA} CASCADE")
    engine.dispose()
    return seconds


def main() -> None:
    """Run the benchmark and print the times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fastigheter", type=int, default=20_000)
    args = parser.parse_args()
    require_tools("ogr2ogr")
    # A database of its own: the benchmark empties it.
    url = sibling_database_url(get_settings().owner_database_url, "_bench")
    ensure_database(url)
    engine = create_engine(url)
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        started = time.perf_counter()
        manifest = generate(out_dir, parcels=args.fastigheter)
        generate_s = time.perf_counter() - started

        baseline_s = _ogr2ogr_all(url, out_dir)

        with engine.begin() as conn:
            upgrade(conn)
            reset_data(conn)
            started = time.perf_counter()
            load_demo(conn, out_dir, manifest)
            load_s = time.perf_counter() - started
    engine.dispose()
    counts = manifest["counts"]
    print(f"demo: {counts['parcel_rows']} parcel areas, {counts['objects']} objects")
    print(f"generate:                 {generate_s:7.2f} s")
    print(f"baseline ogr2ogr (COPY):  {baseline_s:7.2f} s")
    print(f"ours, load via importers: {load_s:7.2f} s")
    print(f"ratio load/ogr2ogr:       {load_s / baseline_s:7.2f}x")
    print(f"generate + load:          {generate_s + load_s:7.2f} s (goal: under 120 s)")


if __name__ == "__main__":
    main()
