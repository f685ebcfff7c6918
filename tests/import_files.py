"""Small organisation layers, as a GIS technician would export them, for the import tests."""

from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

E, N = 670_000.0, 6_568_000.0
HUGE_MAPPING: dict[str, tuple[str, str | None]] = {
    "HB-BANK": ("UT1", "Bänk"),
    "HB-GR": ("G2", "Gräs"),
    "HB-BUSK": ("B1", "Buskar"),
}
MAPPING_CSV = "kod,benamning,skotselprodukt\nHB-BANK,Bänk,UT1\nHB-GR,Gräs,G2\nHB-BUSK,Buskar,B1\n"


def object_rows(count: int) -> list[dict[str, Any]]:
    """count of Huge's objects: benches and lawns side by side, with quality and a year."""
    rows = []
    for i in range(count):
        x = E + (i % 10) * 30.0
        y = N + (i // 10) * 30.0
        bench = i % 2 == 0
        rows.append(
            {
                "objektnr": f"o{i + 1}",
                "skotselkod": "HB-BANK" if bench else "HB-GR",
                "kvalitet": "A",
                "anlagd_ar": 1981 + i if i else None,
                "geometry": shapely.Point(x, y) if bench else shapely.box(x, y, x + 20, y + 20),
            }
        )
    return rows


def write_layer(
    path: Path, rows: list[dict[str, Any]], *, layer: str = "skotsel", crs: str = "EPSG:3006"
) -> Path:
    """rows (with a geometry in EPSG:3006) as one layer of a GeoPackage (added to the file)."""
    frame = gpd.GeoDataFrame(rows, crs="EPSG:3006")
    if "anlagd_ar" in frame:  # an integer field with empty values, as GIS tools write one
        frame["anlagd_ar"] = frame["anlagd_ar"].astype("Int64")
    if crs != "EPSG:3006":
        frame = frame.to_crs(crs)
    frame.to_file(path, layer=layer, driver="GPKG")
    return path


def mapping_file(folder: Path) -> Path:
    """Huge's legacy-code mapping as a CSV file."""
    path = folder / "kodmappning_huge.csv"
    path.write_text(MAPPING_CSV, encoding="utf-8")
    return path


def bow_tie(x: float, y: float) -> shapely.Polygon:
    """A polygon that crosses itself at (x + 5, y + 5): invalid and not repairable."""
    return shapely.Polygon([(x, y), (x + 10, y + 10), (x + 10, y), (x, y + 10), (x, y)])
