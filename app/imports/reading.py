"""Reading GIS files into GeoDataFrames in EPSG:3006."""

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from pyproj import CRS

from app.errors import InvalidInput
from app.geo import SWEDEN_3006
from app.models import SRID

if TYPE_CHECKING:
    import geopandas as gpd

SOURCE_CRS = "source_crs"


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


def crs_name(crs: CRS) -> str:
    """How a CRS is recorded: its authority code (EPSG:3006), else its own description."""
    code = crs.to_authority()
    return f"{code[0]}:{code[1]}" if code else crs.to_string()


def read_layer(path: Path, layer: str | None = None, crs: str | None = None) -> "gpd.GeoDataFrame":
    """One layer of a GIS file, transformed to EPSG:3006; a file without a CRS needs crs."""
    # Imported here: GDAL's Python stack takes half a second to load, and the GeoPackage
    # path of the parcel import does without it.
    import geopandas as gpd
    import pyogrio
    import shapely

    try:
        with _dxf_encoding(path):
            frame = pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise UnreadableFile(f"{path.name}: {exc}") from exc
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise UnreadableFile(f"{path.name}: lagret har ingen geometri")
    if frame.geometry.has_z.any():  # CAD drawings carry a Z of 0; the tables are 2D
        frame[frame.geometry.name] = gpd.GeoSeries(
            shapely.force_2d(frame.geometry.to_numpy()), index=frame.index, crs=frame.crs
        )
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
    frame.attrs[SOURCE_CRS] = crs_name(source)
    return frame


def source_crs(frame: "gpd.GeoDataFrame") -> str:
    """The CRS a layer was read in, before it was transformed to EPSG:3006."""
    return str(frame.attrs.get(SOURCE_CRS, frame.crs))


@contextmanager
def _dxf_encoding(path: Path) -> Iterator[None]:
    """DXF from AutoCAD 2007 on is UTF-8 whatever its code page says; GDAL must be told so."""
    if path.suffix.lower() != ".dxf" or not _dxf_is_utf8(path):
        yield
        return
    import pyogrio

    pyogrio.set_gdal_config_options({"DXF_ENCODING": "UTF-8"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": None})


def _dxf_is_utf8(path: Path) -> bool:
    with path.open("rb") as handle:
        lines = [line.strip() for line in handle.read(4096).splitlines()]
    for i, line in enumerate(lines[:-2]):
        if line == b"$ACADVER":
            version = lines[i + 2].decode("ascii", "replace")
            return version[:2] == "AC" and version[2:].isdigit() and int(version[2:]) >= 1021
    return False


def _inside_sweden(bounds: tuple[float, float, float, float]) -> bool:
    west, south, east, north = SWEDEN_3006
    x0, y0, x1, y1 = bounds
    return bool(west <= x0 and x1 <= east and south <= y0 and y1 <= north)


def _check_in_sweden(frame: "gpd.GeoDataFrame", path: Path, source: CRS) -> None:
    present = frame.geometry[~frame.geometry.is_empty & frame.geometry.notna()]
    if not present.empty:
        x0, y0, x1, y1 = (float(v) for v in present.total_bounds)
        check_in_sweden((x0, y0, x1, y1), path, source)


def check_in_sweden(
    bounds: tuple[float, float, float, float] | None, path: Path, source: CRS
) -> None:
    """Refuse data (bounds in EPSG:3006) that lands outside Sweden: wrong CRS or swapped axes."""
    if bounds is None or _inside_sweden(bounds):
        return
    x0, y0, x1, y1 = bounds
    # Swapping x and y of every geometry swaps the axes of their common bounds.
    hint = (
        " Med x och y i omvänd ordning hamnar de i Sverige: har axlarna bytt plats?"
        if _inside_sweden((y0, x0, y1, x1))
        else f" Stämmer koordinatsystemet ({source.to_string()})? Ange annars rätt med --crs."
    )
    raise InvalidInput(
        f"{path.name}: objekten hamnar utanför Sverige (E {x0:.0f}–{x1:.0f}, N {y0:.0f}–{y1:.0f}"
        f" i SWEREF 99 TM).{hint}"
    )
