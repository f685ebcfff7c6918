"""The demo generator: deterministic, complete and geometrically sound files (no database)."""

import csv
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry.base import BaseGeometry

from app.demo.generate import MAPPING_DIR, generate

PARCELS = 2_000
SEED = 7
REPO_DATA = Path(__file__).resolve().parents[1] / "data"
# The shared catalogue from the specification: code → geometry kind.
SHARED_KINDS = {
    **dict.fromkeys(
        ["G1", "G2", "G3", "G4", "G5", "B1", "B2", "R1", "R2", "R3", "NA1", "NA2"], "yta"
    ),
    **dict.fromkeys(["V1", "Y1", "Y2", "GR1", "Y5", "FL", "LEK", "S", "IG1", "IG2"], "yta"),
    **dict.fromkeys(["H1", "H2", "ST"], "linje"),
    **dict.fromkeys(["B1.2", "T1", "T2", "T5", "U1", "LR", "UT1", "UT2"], "punkt"),
}
GEOMETRY_TYPES = {"yta": "Polygon", "linje": "LineString", "punkt": "Point"}
OWNERS = {"huddinge-kommun", "huge", "husf", "trafikverket", "privat"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate(out, seed=SEED, parcels=PARCELS)


@pytest.fixture(scope="module")
def parcels(demo: tuple[Path, dict[str, Any]]) -> gpd.GeoDataFrame:
    out, manifest = demo
    spec = manifest["fastigheter"]
    return pyogrio.read_dataframe(out / spec["path"], layer=spec["layer"])


@pytest.fixture(scope="module")
def municipality() -> BaseGeometry:
    frame = pyogrio.read_dataframe(REPO_DATA / "scb_kommuner_stockholms_lan_3006.geojson")
    geom: BaseGeometry = frame.loc[frame["KnKod"] == "0126"].geometry.iloc[0]
    return geom.buffer(0.01)


def read_objects(out: Path, delivery: dict[str, Any]) -> gpd.GeoDataFrame:
    frames = [pyogrio.read_dataframe(out / delivery["path"], layer=x) for x in delivery["layers"]]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def read_mapping(name: str) -> dict[str, str]:
    with (MAPPING_DIR / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    assert list(rows[0]) == ["kod", "benamning", "skotselprodukt"]
    return {row["kod"]: row["skotselprodukt"] for row in rows}


def designations(frame: pd.DataFrame) -> pd.Series:
    label = frame["etikett"].str.replace(r">\d+$", "", regex=True)
    return frame["kommunnamn"] + " " + frame["trakt"] + " " + label


def as_wkb(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    plain = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    plain["wkb"] = shapely.to_wkb(frame.geometry.to_numpy())
    return plain


def test_same_seed_gives_identical_tables(
    demo: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    out, manifest = demo
    again = generate(tmp_path, seed=SEED, parcels=PARCELS)
    assert again == manifest
    spec = manifest["fastigheter"]
    first = pyogrio.read_dataframe(out / spec["path"], layer=spec["layer"])
    second = pyogrio.read_dataframe(tmp_path / spec["path"], layer=spec["layer"])
    pd.testing.assert_frame_equal(as_wkb(first), as_wkb(second))
    for delivery in manifest["skotselobjekt"]:
        pd.testing.assert_frame_equal(
            as_wkb(read_objects(out, delivery)), as_wkb(read_objects(tmp_path, delivery))
        )
    assert (out / "fastighetsagare.csv").read_bytes() == (
        tmp_path / "fastighetsagare.csv"
    ).read_bytes()


def test_other_seed_gives_other_parcels(demo: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    out, manifest = demo
    generate(tmp_path, seed=SEED + 1, parcels=PARCELS)
    spec = manifest["fastigheter"]
    first = pyogrio.read_dataframe(out / spec["path"], layer=spec["layer"])
    second = pyogrio.read_dataframe(tmp_path / spec["path"], layer=spec["layer"])
    assert set(first["objektidentitet"]).isdisjoint(second["objektidentitet"])


def test_parcel_count_and_columns(
    demo: tuple[Path, dict[str, Any]], parcels: gpd.GeoDataFrame
) -> None:
    assert PARCELS <= len(parcels) <= PARCELS * 1.15
    assert demo[1]["counts"]["parcel_rows"] == len(parcels)
    assert parcels.crs.to_epsg() == 3006
    assert parcels["objektidentitet"].is_unique
    assert (parcels["objekttyp"] == "Fastighet").all()
    assert (parcels["kommunkod"] == "0126").all()
    assert (parcels["lanskod"] == "01").all()
    assert (parcels["kommunnamn"] == "HUDDINGE").all()
    assert (parcels["trakt"] == parcels["trakt"].str.upper()).all()
    assert parcels["samjelittera"].isna().all()
    assert (parcels["osakertlage"] == 0).all()
    assert pd.api.types.is_datetime64_any_dtype(parcels["senastandrad"])
    kvarter = parcels["block"].isna()
    assert kvarter.any()
    assert (~kvarter).mean() > 0.9
    enhet = parcels["enhet"].astype(str)
    expected = np.where(kvarter, enhet, parcels["block"] + ":" + enhet)
    label = parcels["etikett"].str.replace(r">\d+$", "", regex=True)
    assert (label == expected).all()


def test_parcels_do_not_overlap(parcels: gpd.GeoDataFrame) -> None:
    geoms = parcels.geometry.to_numpy()
    assert shapely.is_valid(geoms).all()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max(initial=0.0) <= 0.01


def test_everything_inside_municipality(
    demo: tuple[Path, dict[str, Any]], parcels: gpd.GeoDataFrame, municipality: BaseGeometry
) -> None:
    out, manifest = demo
    shapely.prepare(municipality)
    assert shapely.within(parcels.geometry.to_numpy(), municipality).all()
    for delivery in manifest["skotselobjekt"]:
        objects = read_objects(out, delivery)
        assert shapely.within(objects.geometry.to_numpy(), municipality).all()
    areas = pyogrio.read_dataframe(out / manifest["driftomraden"]["path"])
    assert shapely.within(areas.geometry.to_numpy(), municipality).all()


def test_mapping_files_point_at_shared_codes() -> None:
    names = sorted(p.name for p in MAPPING_DIR.glob("kodmappning_*.csv"))
    assert len(names) == 5
    for name in names:
        mapping = read_mapping(name)
        assert set(mapping.values()) <= set(SHARED_KINDS), name


def test_objects_use_own_mapped_codes_and_right_geometry(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    out, manifest = demo
    assert {d["organisation"] for d in manifest["skotselobjekt"]} == {
        "parkenheten",
        "kultur-fritid",
        "huge",
        "husf",
        "trafikverket",
    }
    for delivery in manifest["skotselobjekt"]:
        objects = read_objects(out, delivery)
        mapping = read_mapping(delivery["mapping"])
        codes = objects[delivery["code_column"]]
        assert set(codes) <= set(mapping), delivery["organisation"]
        kinds = codes.map(mapping).map(SHARED_KINDS)
        expected = kinds.map(GEOMETRY_TYPES)
        assert (objects.geometry.geom_type == expected).all(), delivery["organisation"]
        assert shapely.is_valid(objects.geometry.to_numpy()).all()
        assert objects[delivery["id_column"]].is_unique
        assert set(objects[delivery["quality_column"]]) <= {"A", "B", "C"}


def test_object_and_bench_counts(demo: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = demo
    total = benches = 0
    for delivery in manifest["skotselobjekt"]:
        objects = read_objects(out, delivery)
        mapping = read_mapping(delivery["mapping"])
        total += len(objects)
        benches += int((objects[delivery["code_column"]].map(mapping) == "UT1").sum())
    assert total >= 1.5 * PARCELS
    assert benches >= PARCELS / 10
    assert manifest["counts"]["objects"] == total
    assert manifest["counts"]["benches"] == benches


def test_designations_unique_per_parcel(parcels: gpd.GeoDataFrame) -> None:
    names = designations(parcels)
    assert names.groupby(parcels["registerenhetsreferens"]).nunique().max() == 1
    assert parcels["registerenhetsreferens"].groupby(names).nunique().max() == 1


def test_some_parcels_have_two_areas(parcels: gpd.GeoDataFrame) -> None:
    areas = parcels.groupby("registerenhetsreferens")["omradesnummer"].agg(sorted)
    multi = areas[areas.map(len) > 1]
    assert len(multi) >= 10
    assert all(numbers == [1, 2] for numbers in multi)
    labels = parcels.loc[parcels["registerenhetsreferens"].isin(multi.index), "etikett"]
    assert labels.str.fullmatch(r"\d+:\d+>[12]").all()


def test_owner_file(demo: tuple[Path, dict[str, Any]], parcels: gpd.GeoDataFrame) -> None:
    out, manifest = demo
    raw = (out / manifest["agare"]["path"]).read_text(encoding="utf-8")
    assert raw.startswith("fastighetsbeteckning,agare\n")
    owners = pd.read_csv(out / manifest["agare"]["path"], dtype=str)
    known = set(designations(parcels))
    assert owners["fastighetsbeteckning"].is_unique
    assert set(owners["fastighetsbeteckning"]) <= known
    assert set(owners["agare"]) == OWNERS
    missing = 1 - len(owners) / len(known)
    assert 0.0 < missing <= 0.05
    assert (owners["agare"] == "privat").mean() > 0.5


def test_some_objects_straddle_organisation_boundaries(
    demo: tuple[Path, dict[str, Any]], parcels: gpd.GeoDataFrame
) -> None:
    out, manifest = demo
    owners = pd.read_csv(out / manifest["agare"]["path"], dtype=str)
    by_name = dict(zip(owners["fastighetsbeteckning"], owners["agare"], strict=True))
    owner = designations(parcels).map(by_name)
    municipal = parcels.geometry.to_numpy()[(owner == "huddinge-kommun").to_numpy()]
    huge = next(d for d in manifest["skotselobjekt"] if d["organisation"] == "huge")
    objects = read_objects(out, huge).geometry.to_numpy()
    objects = objects[shapely.get_type_id(objects) != 0]
    hit, parcel = shapely.STRtree(municipal).query(objects, predicate="intersects")
    shared = shapely.intersection(objects[hit], municipal[parcel])
    assert (shapely.area(shared) + shapely.length(shared) > 1.0).sum() >= 5


def test_operations_areas(demo: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = demo
    spec = manifest["driftomraden"]
    areas = pyogrio.read_dataframe(out / spec["path"], layer=spec["layer"])
    assert len(areas) >= 6
    assert manifest["counts"]["driftomraden"] == len(areas)
    assert (areas.geometry.geom_type == "MultiPolygon").all()
    assert areas["namn"].is_unique
    assert areas["namn"].str.startswith("Driftområde ").all()
    assert set(areas["bestallare"]) >= {"parkenheten", "huge"}
    assert (areas["utforare"] == "sodertorns-parkdrift").any()
    assert (areas["utforare"] == areas["bestallare"]).any()
    assert (pd.to_datetime(areas["avtal_till"]) > pd.to_datetime(areas["avtal_fran"])).all()
    for _, same in areas.groupby("bestallare"):
        geoms = same.geometry.to_numpy()
        for i in range(len(geoms)):
            for j in range(i + 1, len(geoms)):
                assert shapely.area(shapely.intersection(geoms[i], geoms[j])) < 1.0


def test_manifest_file_matches_return_value(demo: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = demo
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8")) == manifest
    for delivery in manifest["skotselobjekt"]:
        assert (out / delivery["path"]).exists()
        assert (MAPPING_DIR / delivery["mapping"]).exists()
        assert re.fullmatch(r"kodmappning_[a-z-]+\.csv", delivery["mapping"])
        assert set(delivery["layers"]) == set(pyogrio.list_layers(out / delivery["path"])[:, 0])
