"""Benchmark: `import fastigheter` of a Fastighetsindelning GeoPackage, against ogr2ogr.

    .venv/bin/python -m bench.import [--fastigheter 1000000] [--varv 1] [--profil]

In one run, on the same file (the demo's parcels generated at --fastigheter, cached in
.cache/bench) and in a database of its own (ansvarskartan_bench_import), each step after a
CHECKPOINT so that none pays for the writes of the one before:
  (a) baseline: `ogr2ogr -f PostgreSQL` with PG_USE_COPY=YES into a scratch table (a GiST
      index, no validation, no history);
  (b) ours, first import: `ansvarskartan import fastigheter FIL` into an empty database
      (the import's rules, the history columns, the table's constraints and indexes);
  (c) ours, the same file again: every parcel compared, nothing written but the record.
Prints the times and the ratios (b)/(a) (goal ≤ 1.2) and (c)/(b) (goal ≤ 0.5). Both imports
run as the command a GIS technician runs, in a process of their own. With --varv N the three
are timed N times over (the database emptied each time) and the medians are printed too: the
machine is shared, and a neighbour's test run can slow one side of a single round. With
--profil the imports run in this process under cProfile instead, and the import functions'
cumulative times are printed.
"""

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError

from app.core.migrate import upgrade
from app.core.settings import get_settings
from app.demo.generate import PARCEL_FILE, PARCEL_LAYER, generate
from app.demo.load import reset_data
from app.imports.parcels import import_parcels
from app.imports.transaction import run_import
from bench.common import ogr_connection, require_tools
from bench.scaled_demo import CACHE
from tests.support.db_admin import ensure_database, sibling_database_url

SCRATCH_SCHEMA = "bench_ogr2ogr"
PROFILED_MODULES = ("app/imports/", "app/core/geo")


def parcel_file(parcels: int, seed: int) -> Path:
    """The demo's parcel GeoPackage at this scale, generated once (shared with scaled_demo)."""
    out_dir = CACHE / f"seed{seed}-{parcels}"
    if not (out_dir / "manifest.json").exists():
        started = time.perf_counter()
        generate(out_dir, seed=seed, parcels=parcels)
        print(f"generated the demo at {parcels} parcels in {time.perf_counter() - started:.0f} s")
    return out_dir / PARCEL_FILE


def ogr2ogr_seconds(engine: Engine, url: str, path: Path) -> tuple[float, int]:
    """Seconds for ogr2ogr to COPY the layer into a scratch table, and the rows it wrote."""
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA IF EXISTS {SCRATCH_SCHEMA} CASCADE")
        conn.exec_driver_sql(f"CREATE SCHEMA {SCRATCH_SCHEMA}")
    argv = [
        "ogr2ogr",
        "-f",
        "PostgreSQL",
        ogr_connection(url),
        str(path),
        PARCEL_LAYER,
        "-nln",
        f"{SCRATCH_SCHEMA}.fastighet",
        "-lco",
        "SPATIAL_INDEX=GIST",
        "--config",
        "PG_USE_COPY",
        "YES",
        "-overwrite",
    ]
    started = time.perf_counter()
    subprocess.run(argv, check=True, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        count = text(f"SELECT count(*) FROM {SCRATCH_SCHEMA}.fastighet")  # noqa: S608 (constant)
        rows = conn.execute(count).scalar_one()
        conn.exec_driver_sql(f"DROP SCHEMA {SCRATCH_SCHEMA} CASCADE")
    return seconds, int(rows)


def cli_import_seconds(url: str, path: Path) -> float:
    """Seconds for `ansvarskartan import fastigheter path` on the database at url."""
    argv = [sys.executable, "-m", "app.cli", "import", "fastigheter", str(path)]
    started = time.perf_counter()
    done = subprocess.run(
        argv, env=os.environ | {"ANSVAR_DATABASE_URL": url}, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the import failed:\n{done.stdout}\n{done.stderr}")
    return seconds


def profiled_import_seconds(engine: Engine, path: Path, title: str) -> float:
    """Seconds for the import in this process under cProfile; prints the import's functions."""
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    run_import(
        engine,
        lambda conn: import_parcels(conn, path, effective=datetime.now(UTC), performed_by="bench"),
        dry_run=False,
    )
    profiler.disable()
    seconds = time.perf_counter() - started
    print(f"--- {title}: {seconds:.2f} s; cumulative seconds of the import's functions:")
    stats = pstats.Stats(profiler)
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    rows = [
        (cumulative, f"{Path(file).parent.name}/{Path(file).name}:{name}")
        for (file, _, name), (_, _, _, cumulative, _) in raw.items()
        if any(module in file for module in PROFILED_MODULES)
    ]
    for cumulative, where in sorted(rows, reverse=True)[:20]:
        print(f"  {cumulative:8.2f} s  {where}")
    stats.sort_stats("tottime").print_stats(12)
    return seconds


def last_run(engine: Engine) -> dict[str, int]:
    """The counts of the newest import record."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT antal_nya, antal_andrade, antal_oforandrade, antal_avslutade,"
                " antal_avvisade FROM importkorning ORDER BY id DESC LIMIT 1"
            )
        ).one()
    return dict(zip(("new", "changed", "unchanged", "retired", "rejected"), row, strict=True))


def empty_database(engine: Engine) -> None:
    """Migrate the database and empty every data table."""
    with engine.begin() as conn:
        upgrade(conn)
        reset_data(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")


def checkpoint(engine: Engine) -> None:
    """Write out dirty pages now, so that no timed step pays for the one before it."""
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("CHECKPOINT")
    except DBAPIError:
        pass  # needs superuser or pg_checkpoint; the ratios hold without it, only noisier


def one_round(engine: Engine, url: str, path: Path, profile: bool) -> tuple[float, float, float]:
    """Seconds of (a), (b) and (c) on an emptied database, after checking what each did."""
    empty_database(engine)
    checkpoint(engine)
    baseline_s, baseline_rows = ogr2ogr_seconds(engine, url, path)
    checkpoint(engine)
    if profile:
        first_s = profiled_import_seconds(engine, path, "first import")
    else:
        first_s = cli_import_seconds(url, path)
    first = last_run(engine)
    checkpoint(engine)
    if profile:
        again_s = profiled_import_seconds(engine, path, "unchanged re-import")
    else:
        again_s = cli_import_seconds(url, path)
    again = last_run(engine)
    if first["new"] + first["rejected"] != baseline_rows or again["unchanged"] != first["new"]:
        raise SystemExit(f"unexpected counts: ogr2ogr {baseline_rows}, {first}, {again}")
    print(
        f"ogr2ogr {baseline_rows} rows; first import {first}; re-import {again}\n"
        f"  (a) ogr2ogr {baseline_s:6.2f} s  (b) first {first_s:6.2f} s  (c) again {again_s:6.2f} s"
        f"  (b)/(a) {first_s / baseline_s:4.2f}x  (c)/(b) {again_s / first_s:4.2f}x",
        flush=True,
    )
    return baseline_s, first_s, again_s


def main() -> None:
    """Run (a), (b) and (c), --varv times, and print the times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fastigheter", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=126)
    parser.add_argument("--varv", type=int, default=1, help="rounds; medians are printed")
    parser.add_argument("--profil", action="store_true", help="run ours in-process, profiled")
    args = parser.parse_args()
    require_tools("ogr2ogr")

    path = parcel_file(args.fastigheter, args.seed)
    # A database of its own: the benchmark empties it.
    url = sibling_database_url(get_settings().owner_database_url, "_bench_import")
    ensure_database(url)
    engine = create_engine(url)
    path.read_bytes()  # into the page cache, so neither side pays the first read from disk
    print(f"file: {path.name}, {path.stat().st_size / 1e6:.0f} MB")
    rounds = [one_round(engine, url, path, args.profil) for _ in range(args.varv)]
    engine.dispose()
    baseline_s, first_s, again_s = (statistics.median(times) for times in zip(*rounds, strict=True))
    first_ratio = statistics.median(first / baseline for baseline, first, _ in rounds)
    again_ratio = statistics.median(again / first for _, first, again in rounds)
    print(f"median of {len(rounds)}:")
    print(f"(a) baseline ogr2ogr (COPY):        {baseline_s:7.2f} s")
    print(f"(b) ours, first import:             {first_s:7.2f} s")
    print(f"(c) ours, unchanged re-import:      {again_s:7.2f} s")
    print(f"ratio (b)/(a): {first_ratio:5.2f}x  (goal ≤ 1.2)")
    print(f"ratio (c)/(b): {again_ratio:5.2f}x  (goal ≤ 0.5)")


if __name__ == "__main__":
    main()
