"""Reading GIS files into GeoDataFrames in EPSG:3006."""

import hashlib
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio
import shapely
from pyproj import CRS

from app.errors import InvalidInput
from app.geo import SWEDEN_3006
from app.models import SRID


class UnreadableFile(InvalidInput):
    """The file cannot be read as a GIS layer."""

    type = "oläsbar-fil"
    title = "Filen kan inte läsas"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_layer(path: Path, layer: str | None = None, crs: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a GIS file, transformed to EPSG:3006; a file without a CRS needs crs."""
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise UnreadableFile(f"{path.name}: {exc}") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise UnreadableFile(f"{path.name}: lagret har ingen geometri")
    if crs is not None:
        frame = frame.set_crs(CRS.from_user_input(crs), allow_override=True)
    if frame.crs is None:
        raise InvalidInput(
            f"{path.name} saknar koordinatsystem; ange det (t.ex. EPSG:3006 eller EPSG:3011)"
        )
    source = CRS.from_user_input(frame.crs)
    if source.to_epsg() != SRID:
        frame = frame.to_crs(epsg=SRID)
    _check_in_sweden(frame, path, source)
    return frame


def _inside_sweden(bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = SWEDEN_3006
    x0, y0, x1, y1 = bounds
    return bool(west <= x0 and x1 <= east and south <= y0 and y1 <= north)


def _check_in_sweden(frame: gpd.GeoDataFrame, path: Path, source: CRS) -> None:
    """Refuse data that lands outside Sweden: the CRS is wrong or the axes are swapped."""
    present = frame.geometry[~frame.geometry.is_empty & frame.geometry.notna()]
    if present.empty:
        return
    bounds = tuple(float(v) for v in present.total_bounds)
    if _inside_sweden(bounds):  # type: ignore[arg-type]
        return
    x0, y0, x1, y1 = bounds
    swapped = gpd.GeoSeries(present.geometry.map(_swap_axes), crs=SRID)
    hint = (
        " Med x och y i omvänd ordning hamnar de i Sverige: har axlarna bytt plats?"
        if _inside_sweden(tuple(float(v) for v in swapped.total_bounds))  # type: ignore[arg-type]
        else f" Stämmer koordinatsystemet ({source.to_string()})? Ange annars rätt med --crs."
    )
    raise InvalidInput(
        f"{path.name}: objekten hamnar utanför Sverige (E {x0:.0f}–{x1:.0f}, N {y0:.0f}–{y1:.0f}"
        f" i SWEREF 99 TM).{hint}"
    )


def _swap_axes(geometry: Any) -> Any:
    return shapely.transform(geometry, lambda coords: coords[:, ::-1])
