"""Deterministic demo of Huddinge, written as the files real organisations hand over.

Parcels like Lantmäteriet's Fastighetsindelning, an ownership list, one maintenance
delivery per organisation in its own legacy codes, and the operations areas.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio

from app.demo.gen_areas import operations_areas
from app.demo.gen_codes import FORMATS, MAPPING_DIR, merge_batches, write_org
from app.demo.gen_frame import CRS, STATE_ROAD_NUMBER
from app.demo.gen_objects import Sink
from app.demo.gen_parcels import write_owners
from app.demo.gen_place import place_objects
from app.demo.gen_world import World, build_world, row_labels, stream

__all__ = ["MAPPING_DIR", "generate"]

PARCEL_FILE = "fastighetsindelning_kn0126.gpkg"
PARCEL_LAYER = "registerenhetsomradesyta"
OWNER_FILE = "fastighetsagare.csv"
AREA_FILE = "driftomraden.gpkg"
AREA_LAYER = "driftomraden"
STREAM_OWNERS, STREAM_ATTRIBUTES, STREAM_AREAS = 30, 31, 32


def generate(out_dir: Path, *, seed: int = 126, parcels: int = 20_000) -> dict[str, Any]:
    """Write the demo files into out_dir and return the manifest (also out_dir/manifest.json)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    world = build_world(seed, parcels)
    _write_parcels(world, out_dir / PARCEL_FILE)
    write_owners(world.table, out_dir / OWNER_FILE, stream(seed, STREAM_OWNERS))
    sink = place_objects(world)
    deliveries = _write_objects(world, sink, out_dir)
    areas = operations_areas(
        world.municipality, world.districts, world.specs, stream(seed, STREAM_AREAS)
    )
    (out_dir / AREA_FILE).unlink(missing_ok=True)
    pyogrio.write_dataframe(
        areas, out_dir / AREA_FILE, layer=AREA_LAYER, driver="GPKG", promote_to_multi=True
    )
    manifest = {
        "seed": seed,
        "parcels": parcels,
        "fastigheter": {"path": PARCEL_FILE, "layer": PARCEL_LAYER},
        "agare": {"path": OWNER_FILE},
        "skotselobjekt": deliveries,
        "driftomraden": {"path": AREA_FILE, "layer": AREA_LAYER},
        "counts": {
            "parcel_rows": len(world.table.geom),
            "objects": sink.count(),
            "benches": sink.count("UT1"),
            "driftomraden": len(areas),
        },
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def _write_parcels(world: World, path: Path) -> None:
    frame = gpd.GeoDataFrame(world.table.frame, geometry=list(world.table.geom), crs=CRS)
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, path, layer=PARCEL_LAYER, driver="GPKG", promote_to_multi=True)


def _write_objects(world: World, sink: Sink, out_dir: Path) -> list[dict[str, Any]]:
    labels: dict[str, Any] = {
        **row_labels(world),
        "designation": world.table.designation,
        "road": STATE_ROAD_NUMBER,
    }
    deliveries = []
    for i, fmt in enumerate(FORMATS):
        batch = merge_batches([b for b in sink.batches if b.org == fmt.slug])
        if batch is None:
            continue
        rng = np.random.default_rng([world.seed, STREAM_ATTRIBUTES, i])
        layers = write_org(fmt, batch, out_dir, labels, rng)
        deliveries.append(
            {
                "organisation": fmt.slug,
                "path": fmt.file_name,
                "layers": layers,
                "layer_kinds": {layer: k for k, layer in fmt.layers.items() if layer in layers},
                "id_column": fmt.id_column,
                "code_column": fmt.code_column,
                "quality_column": fmt.quality_column,
                "mapping": fmt.mapping_file,
            }
        )
    return deliveries


def main() -> None:
    """Command line: python -m app.demo.generate OUT_DIR [--seed N] [--parcels N]."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--seed", type=int, default=126)
    parser.add_argument("--parcels", type=int, default=20_000)
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = generate(args.out_dir, seed=args.seed, parcels=args.parcels)
    print(json.dumps(manifest["counts"]), f"{time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
