"""A benchmark database holding the demo generated at a larger scale (reused between runs)."""

import time
from pathlib import Path

from sqlalchemy import create_engine

from app.core.paths import REPO_ROOT
from app.core.settings import get_settings
from app.demo.load import generate_and_load, parcel_count
from tests.support.db_admin import ensure_database, sibling_database_url

CACHE = REPO_ROOT / ".cache" / "bench"


def scaled_demo_url(parcels: int, *, seed: int = 126) -> str:
    """URL of a database with the demo at `parcels` parcel areas, generated and loaded if needed."""
    url = sibling_database_url(get_settings().owner_database_url, f"_bench_{parcels}")
    ensure_database(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        loaded = parcel_count(conn) >= parcels
    if not loaded:
        started = time.perf_counter()
        out_dir: Path = CACHE / f"seed{seed}-{parcels}"
        summary = generate_and_load(engine, out_dir, seed=seed, parcels=parcels)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"loaded the demo at {parcels} parcels in {time.perf_counter() - started:.0f} s:")
        for line in summary.lines():
            print("  " + line)
    engine.dispose()
    return url
