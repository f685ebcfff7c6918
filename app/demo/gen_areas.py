"""Operations areas (driftområden): who orders and who performs the maintenance where."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from app.demo.gen_frame import CRS, DistrictSpec

CONTRACTOR = "sodertorns-parkdrift"
BOUNDARY_SPACING = 40.0
# Huge's own areas: the districts where most of its estates are, named after the first one.
HUGE_AREAS: tuple[tuple[str, ...], ...] = (("Flemingsberg", "Glömsta"), ("Vårby", "Skogås"))
CONTRACT_PERIODS = (
    (date(2024, 4, 1), date(2028, 3, 31)),
    (date(2023, 4, 1), date(2027, 3, 31)),
    (date(2025, 1, 1), date(2028, 12, 31)),
)


def _as_multipolygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1.0]
    return shapely.MultiPolygon(parts)


def district_partition(
    municipality: BaseGeometry, districts: list[BaseGeometry]
) -> list[BaseGeometry]:
    """Split the municipality by nearest district (Voronoi of the district outlines)."""
    points: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for i, district in enumerate(districts):
        if district.is_empty:
            continue
        coords = shapely.get_coordinates(shapely.segmentize(district.boundary, BOUNDARY_SPACING))
        points.append(coords)
        labels.append(np.full(len(coords), i))
    xy, label = np.concatenate(points), np.concatenate(labels)
    # Near-duplicate outline points would give degenerate Voronoi cells.
    xy, first = np.unique(np.round(xy), axis=0, return_index=True)
    label = label[first]
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(xy), extend_to=municipality, ordered=True)
    )
    taken: BaseGeometry = shapely.Polygon()
    areas: list[BaseGeometry] = []
    for i, district in enumerate(districts):
        area = shapely.coverage_union_all(cells[label == i]).union(district)
        area = area.intersection(municipality)
        area = area.difference(taken) if not area.is_empty else area
        taken = taken.union(area)
        areas.append(area)
    return areas


def operations_areas(
    municipality: BaseGeometry,
    districts: list[BaseGeometry],
    specs: tuple[DistrictSpec, ...],
    rng: np.random.Generator,
) -> gpd.GeoDataFrame:
    """Parkenheten's areas (one per district, covering the municipality) and two of Huge's."""
    records: list[dict[str, object]] = []
    geoms: list[shapely.MultiPolygon] = []
    partition = district_partition(municipality, districts)
    for i, (spec, area) in enumerate(zip(specs, partition, strict=True)):
        if area.is_empty:
            continue
        performer = CONTRACTOR if i % 2 == 0 else "parkenheten"
        records.append(_record(f"Driftområde {spec.name}", "parkenheten", performer, rng))
        geoms.append(_as_multipolygon(area))
    names = [spec.name for spec in specs]
    for i, group in enumerate(HUGE_AREAS):
        parts = [districts[names.index(name)] for name in group if name in names]
        area = shapely.union_all(parts).buffer(50.0).intersection(municipality)
        if area.is_empty:
            continue
        performer = "huge" if i == 0 else CONTRACTOR
        title = " och ".join(group)
        records.append(_record(f"Driftområde Huge {title}", "huge", performer, rng))
        geoms.append(_as_multipolygon(area))
    frame = pd.DataFrame.from_records(records)
    for column in ("avtal_fran", "avtal_till"):
        frame[column] = pd.to_datetime(frame[column]).astype("datetime64[ms]")
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs=CRS)


def _record(name: str, client: str, performer: str, rng: np.random.Generator) -> dict[str, object]:
    start, end = CONTRACT_PERIODS[int(rng.integers(0, len(CONTRACT_PERIODS)))]
    return {
        "namn": name,
        "bestallare": client,
        "utforare": performer,
        "avtal_fran": start,
        "avtal_till": end,
    }
