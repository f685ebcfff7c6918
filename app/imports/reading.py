"""Reading GIS files into GeoDataFrames in EPSG:3006."""

import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
from pyproj import CRS

from app.errors import InvalidInput
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
    if CRS.from_user_input(frame.crs).to_epsg() != SRID:
        frame = frame.to_crs(epsg=SRID)
    return frame
