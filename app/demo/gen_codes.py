"""Each organisation's own legacy codes, column names and layers, and writing its file."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from app.demo.gen_frame import (
    CRS,
    ESTATE,
    NATURE_KOMMUN,
    PARK,
    SCHOOL,
    SPORTS,
    STRIP,
    IntArray,
)
from app.demo.gen_objects import CENTRAL_PARK, ROADSIDE, Batch

MAPPING_DIR = Path(__file__).resolve().parents[2] / "data" / "demo"

# The shared catalogue: code → geometry kind (yta = Polygon, linje = LineString, punkt = Point).
SHARED_KINDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "G1",
            "G2",
            "G3",
            "G4",
            "G5",
            "B1",
            "B2",
            "R1",
            "R2",
            "R3",
            "NA1",
            "NA2",
            "V1",
            "Y1",
            "Y2",
            "GR1",
            "Y5",
            "FL",
            "LEK",
            "S",
            "IG1",
            "IG2",
        ],
        "yta",
    ),
    **dict.fromkeys(["H1", "H2", "ST"], "linje"),
    **dict.fromkeys(["B1.2", "T1", "T2", "T5", "U1", "LR", "UT1", "UT2"], "punkt"),
}
GEOMETRY_TYPES = {"yta": "Polygon", "linje": "LineString", "punkt": "Point"}

TREES = {
    "T1": ["Skogslönn", "Ek", "Björk", "Lind", "Rönn", "Tall", "Hästkastanj", "Bok"],
    "T2": ["Lind", "Skogslönn", "Oxel", "Alm", "Ask", "Hästkastanj", "Platan"],
    "T5": ["Äpple", "Päron", "Körsbär", "Plommon"],
}
MAKERS = {
    "UT1": ["Nola", "Vestre", "Byggros", "Lappset"],
    "UT2": ["Nola", "Vestre", "Orwak"],
    "LR": ["Kompan", "HAGS", "Lappset", "Proludic"],
}

# Share of A, B and C quality per kind of place.
QUALITY = {
    CENTRAL_PARK: (0.55, 0.4, 0.05),
    PARK: (0.2, 0.6, 0.2),
    STRIP: (0.05, 0.55, 0.4),
    ESTATE: (0.15, 0.7, 0.15),
    SCHOOL: (0.3, 0.6, 0.1),
    SPORTS: (0.6, 0.35, 0.05),
    NATURE_KOMMUN: (0.0, 0.3, 0.7),
    ROADSIDE: (0.0, 0.2, 0.8),
}


@dataclass(frozen=True)
class OrgFormat:
    """How one organisation delivers its objects."""

    slug: str
    id_column: str
    code_column: str
    quality_column: str
    layers: dict[str, str]

    @property
    def file_name(self) -> str:
        """The delivery's file name."""
        return f"skotselobjekt_{self.slug}.gpkg"

    @property
    def mapping_file(self) -> str:
        """The committed mapping file's name inside MAPPING_DIR."""
        return f"kodmappning_{self.slug}.csv"


FORMATS: tuple[OrgFormat, ...] = (
    OrgFormat(
        "parkenheten",
        "objekt_id",
        "produktkod",
        "skotselniva",
        {"yta": "park_ytor", "linje": "park_linjer", "punkt": "park_punkter"},
    ),
    OrgFormat(
        "kultur-fritid",
        "anlaggnings_id",
        "kod",
        "klass",
        {"yta": "idrott_ytor", "linje": "idrott_linjer", "punkt": "idrott_punkter"},
    ),
    OrgFormat(
        "huge",
        "objektnr",
        "skotselkod",
        "kvalitet",
        {"yta": "huge_ytor", "linje": "huge_linjer", "punkt": "huge_punkter"},
    ),
    OrgFormat(
        "husf",
        "id",
        "typkod",
        "niva",
        {"yta": "utemiljo_yta", "linje": "utemiljo_linje", "punkt": "utemiljo_punkt"},
    ),
    OrgFormat(
        "trafikverket",
        "trv_id",
        "atgardskod",
        "standardklass",
        {"yta": "vagomrade_ytor", "linje": "vagomrade_linjer", "punkt": "vagomrade_punkter"},
    ),
)


def read_mapping(slug: str) -> dict[str, list[str]]:
    """shared code → the organisation's legacy codes for it (first is the usual one)."""
    inverse: dict[str, list[str]] = {}
    with (MAPPING_DIR / f"kodmappning_{slug}.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            inverse.setdefault(row["skotselprodukt"], []).append(row["kod"])
    return inverse


def legacy_codes(
    shared: list[str], inverse: dict[str, list[str]], rng: np.random.Generator
) -> list[str]:
    """Translate shared codes to the organisation's legacy codes."""
    draws = rng.random(len(shared)).tolist()
    return [_legacy(inverse[code], draw) for code, draw in zip(shared, draws, strict=True)]


def _legacy(options: list[str], draw: float) -> str:
    # The first code is the usual one; the others are older variants still turning up.
    if len(options) == 1 or draw < 0.8:
        return options[0]
    return options[1 + int((draw - 0.8) / 0.2 * (len(options) - 1))]


def _qualities(place: IntArray, rng: np.random.Generator) -> list[str]:
    draws = rng.random(len(place))
    out = []
    for kind, draw in zip(place.tolist(), draws, strict=True):
        a, b, _ = QUALITY.get(kind, (0.2, 0.6, 0.2))
        out.append("A" if draw < a else "B" if draw < a + b else "C")
    return out


def _choice_or_none(
    codes: list[str], options: dict[str, list[str]], rng: np.random.Generator
) -> list[str | None]:
    draws = rng.integers(0, 1 << 30, len(codes))
    return [
        options[c][d % len(options[c])] if c in options else None
        for c, d in zip(codes, draws, strict=True)
    ]


def _years(n: int, rng: np.random.Generator) -> list[int | None]:
    years = rng.integers(1965, 2025, n).tolist()
    known = (rng.random(n) >= 0.12).tolist()
    return [year if k else None for year, k in zip(years, known, strict=True)]


def _ids(fmt: OrgFormat, n: int) -> list[str]:
    patterns = {
        "parkenheten": "PE-{:07d}",
        "kultur-fritid": "KF{:06d}",
        "huge": "HB{:07d}",
        "husf": "{:d}",
        "trafikverket": "TRV-{:06d}",
    }
    start = 100_001 if fmt.slug == "husf" else 1
    return [patterns[fmt.slug].format(i) for i in range(start, start + n)]


def _extra_columns(
    fmt: OrgFormat,
    shared: list[str],
    batch: Batch,
    labels: dict[str, Any],
    rng: np.random.Generator,
) -> dict[str, Any]:
    n = len(shared)
    common: dict[str, Any] = {"anlagd_ar": pd.array(_years(n, rng), dtype="Int64")}
    if fmt.slug in ("parkenheten", "huge", "husf"):
        common["tradslag"] = _choice_or_none(shared, TREES, rng)
    if fmt.slug != "trafikverket":
        common["tillverkare"] = _choice_or_none(shared, MAKERS, rng)
    rows = batch.row.tolist()
    if fmt.slug == "huge":
        common["fastighet"] = [labels["designation"][r] for r in rows]
    if fmt.slug == "husf":
        common["verksamhet"] = [labels["school"][r] for r in rows]
    if fmt.slug == "kultur-fritid":
        common["anlaggning"] = [labels["facility"][r] for r in rows]
    if fmt.slug == "parkenheten":
        common["omrade"] = [labels["district"][r] for r in rows]
    if fmt.slug == "trafikverket":
        common["vagnummer"] = labels["road"]
    return common


def merge_batches(batches: list[Batch]) -> Batch | None:
    """All batches of one organisation as one."""
    if not batches:
        return None
    return Batch(
        batches[0].org,
        [c for b in batches for c in b.code],
        np.concatenate([b.geom for b in batches]),
        np.concatenate([b.row for b in batches]),
        np.concatenate([b.place for b in batches]),
    )


def write_org(
    fmt: OrgFormat, batch: Batch, out_dir: Path, labels: dict[str, Any], rng: np.random.Generator
) -> list[str]:
    """Write one organisation's GeoPackage (one layer per geometry kind); return the layers."""
    inverse = read_mapping(fmt.slug)
    frame = pd.DataFrame(
        {
            fmt.id_column: _ids(fmt, len(batch.code)),
            fmt.code_column: legacy_codes(batch.code, inverse, rng),
            fmt.quality_column: _qualities(batch.place, rng),
            **_extra_columns(fmt, batch.code, batch, labels, rng),
        }
    )
    kinds = np.array([SHARED_KINDS[c] for c in batch.code])
    path = out_dir / fmt.file_name
    path.unlink(missing_ok=True)
    written = []
    for kind, layer in fmt.layers.items():
        mask = kinds == kind
        if not mask.any():
            continue
        part = gpd.GeoDataFrame(
            frame[mask].reset_index(drop=True), geometry=list(batch.geom[mask]), crs=CRS
        )
        pyogrio.write_dataframe(
            part, path, layer=layer, driver="GPKG", geometry_type=GEOMETRY_TYPES[kind]
        )
        written.append(layer)
    return written
