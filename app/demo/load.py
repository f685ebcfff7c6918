"""Load a generated demo of Huddinge through the same functions the importers use."""

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text

from app.analysis.prices import sync_price_file
from app.catalogue.catalogue_file import read_catalogue
from app.catalogue.levels import sync_level_file
from app.catalogue.sync import sync_catalogue
from app.core.migrate import grant_service_role, upgrade
from app.core.paths import CATALOGUE_CSV, DEMO_DATA_DIR, MUNICIPALITIES_GEOJSON
from app.demo.reports import add_demo_reports
from app.imports.areas import import_areas, import_municipality_boundaries
from app.imports.mapping import read_mapping, store_mapping
from app.imports.objects import import_objects
from app.imports.ownership import import_ownership
from app.imports.parcels import import_parcels
from app.imports.record import ImportResult
from app.municipality.boundary import BOUNDARY_SOURCE as BOUNDARY_SOURCE  # also used by tests
from app.organisations.service import read_organisations, upsert_organisations

# The demo's data is valid from this day, so "as of" questions about 2025 and 2026 have answers.
DEMO_VALID_FROM = datetime(2025, 1, 1, tzinfo=UTC)
HUDDINGE = "0126"
# The tables of data, the one list of them (tests empty them too); the schema and the
# catalogue are never in it. What a place holds: its parcels, owners, objects and areas.
PLACE_TABLES = ("skotselobjekt", "fastighetsagare", "fastighet", "driftomrade", "kommungrans")
# ... with what the importers record beside it: runs, rejections and code mappings.
IMPORT_TABLES = (*PLACE_TABLES, "importavvisning", "importkorning", "kodmappning")
# ... and the organisations with their contacts: every table a demo reset empties.
DATA_TABLES = (*IMPORT_TABLES, "kontakt", "organisation")


@dataclass
class DemoSummary:
    """What the demo load did and how long each step took."""

    seconds_generate: float = 0.0
    seconds_load: float = 0.0
    results: dict[str, ImportResult] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary, in Swedish."""
        out = [f"Genererat på {self.seconds_generate:.1f} s, laddat på {self.seconds_load:.1f} s."]
        for name, result in self.results.items():
            out.append(
                f"  {name}: {result.inserted} nya, {result.updated} ändrade, "
                f"{result.unchanged} oförändrade, {result.rejected} avvisade"
            )
        out += [f"  {table}: {count}" for table, count in self.counts.items()]
        return out


def parcel_count(conn: Connection) -> int:
    """Parcel areas in the database; 0 also when the schema is not there yet."""
    if not conn.execute(text("SELECT to_regclass('fastighet') IS NOT NULL")).scalar_one():
        return 0
    return int(conn.execute(text("SELECT count(*) FROM fastighet")).scalar_one())


def demo_is_loaded(conn: Connection) -> bool:
    """True when the database already holds parcels (and so the demo or real data)."""
    return parcel_count(conn) > 0


def reset_data(conn: Connection, tables: Iterable[str] = DATA_TABLES) -> None:
    """Empty the tables (every data table unless told), restarting their ids."""
    conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))


def load_demo(conn: Connection, out_dir: Path, manifest: dict[str, Any]) -> dict[str, ImportResult]:
    """Load generated demo files (described by manifest) into an empty, migrated database."""
    sync_catalogue(conn, read_catalogue(CATALOGUE_CSV))
    sync_price_file(conn, replace=False)
    sync_level_file(conn, mode="fill")
    organisations = upsert_organisations(
        conn, read_organisations(DEMO_DATA_DIR / "organisationer.json")
    )
    import_municipality_boundaries(
        conn, MUNICIPALITIES_GEOJSON, codes={HUDDINGE}, source=BOUNDARY_SOURCE
    )
    results: dict[str, ImportResult] = {}
    parcels = manifest["fastigheter"]
    results["fastigheter"] = import_parcels(
        conn, out_dir / parcels["path"], layer=parcels["layer"], effective=DEMO_VALID_FROM
    )
    results["ägare"] = import_ownership(
        conn, out_dir / manifest["agare"]["path"], effective=DEMO_VALID_FROM
    )
    for delivery in manifest["skotselobjekt"]:
        slug = delivery["organisation"]
        store_mapping(conn, organisations[slug], read_mapping(DEMO_DATA_DIR / delivery["mapping"]))
        results[f"skötselobjekt {slug}"] = import_objects(
            conn,
            out_dir / delivery["path"],
            slug,
            id_column=delivery["id_column"],
            code_column=delivery["code_column"],
            quality_column=delivery.get("quality_column"),
            layers=delivery.get("layers"),
            effective=DEMO_VALID_FROM,
        )
    areas = manifest["driftomraden"]
    results["driftområden"] = import_areas(conn, out_dir / areas["path"], layer=areas["layer"])
    return results


def table_counts(conn: Connection) -> dict[str, int]:
    """Current rows per main table."""
    queries = {
        "fastighetsytor": "SELECT count(*) FROM fastighet WHERE valid_to IS NULL",
        "fastigheter med känd ägare": (
            "SELECT count(DISTINCT registerenhetsreferens) FROM fastighetsagare"
            " WHERE valid_to IS NULL"
        ),
        "skötselobjekt": "SELECT count(*) FROM skotselobjekt WHERE valid_to IS NULL",
        "felanmälningar": "SELECT count(*) FROM felanmalan",
        "parkbänkar (UT1)": (
            "SELECT count(*) FROM skotselobjekt"
            " WHERE valid_to IS NULL AND skotselprodukt_kod = 'UT1'"
        ),
        "driftområden": "SELECT count(*) FROM driftomrade",
        "organisationer": "SELECT count(*) FROM organisation",
        "skötselprodukter": "SELECT count(*) FROM skotselprodukt",
    }
    return {name: conn.execute(text(sql)).scalar_one() for name, sql in queries.items()}


def generate_and_load(
    engine: Engine, out_dir: Path, *, seed: int, parcels: int, service_role: str | None = None
) -> DemoSummary:
    """Generate the demo files (reused when present) and load them, replacing all data."""
    from app.demo.generate import generate

    summary = DemoSummary()
    started = time.perf_counter()
    manifest_path = out_dir / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    else:
        manifest = generate(out_dir, seed=seed, parcels=parcels)
    summary.seconds_generate = time.perf_counter() - started
    started = time.perf_counter()
    with engine.begin() as conn:
        upgrade(conn)
        # A migration applied here made tables the service's role must be able to use.
        if service_role:
            grant_service_role(conn, service_role)
        reset_data(conn)
        summary.results = load_demo(conn, out_dir, manifest)
        add_demo_reports(conn, seed=seed)
        summary.counts = table_counts(conn)
    summary.seconds_load = time.perf_counter() - started
    return summary
