"""Reading GIS files into GeoDataFrames in EPSG:3006."""

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from app.core.geo import SWEDEN_3006
from app.core.problems import InvalidInput
from app.imports.wording import option
from app.models import SRID

if TYPE_CHECKING:
    import geopandas as gpd

SOURCE_CRS = "source_crs"
# Formats whose fields have no declared types: GDAL guesses, and '1:4' would become a time.
_SCHEMALESS = ("GeoJSON", "GeoJSONSeq", "TopoJSON")


class UnreadableFile(InvalidInput):
    """The file cannot be read as a GIS layer."""

    type = "olasbar-fil"
    title = "Filen kan inte läsas"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes (of a folder's files, in name order, for Shapefiles)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        with file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def crs_name(crs: CRS) -> str:
    """How a CRS is recorded: its authority code (EPSG:3006), else its own description."""
    code = crs.to_authority()
    return f"{code[0]}:{code[1]}" if code else crs.to_string()


def user_crs(crs: str) -> CRS:
    """A CRS as the user named it; an unknown or malformed one is the user's error."""
    try:
        return CRS.from_user_input(crs)
    except CRSError as exc:
        raise InvalidInput(
            f"Koordinatsystemet '{crs[:100]}' är okänt; ange t.ex. EPSG:3006 eller EPSG:3011."
        ) from exc


def without_paths(exc: BaseException, path: Path) -> str:
    """A reader's message without the server's folders (only the file's own name)."""
    return str(exc).replace(str(path), path.name).replace(f"{path.parent}/", "")


class LayerNotChosen(InvalidInput):
    """The file has several layers (or not the one asked for): the user must say which."""

    type = "valj-lager"
    title = "Ange vilket lager som ska läsas"


@dataclass(frozen=True)
class LayerInfo:
    """One layer of a file: its name, geometry type and number of features."""

    name: str
    geometry_type: str | None
    features: int

    def __str__(self) -> str:
        return f"{self.name} ({self.geometry_type or 'ingen geometri'}, {self.features} objekt)"


def list_layers(path: Path) -> list[LayerInfo]:
    """The layers of a GIS file, in the file's order."""
    import pyogrio

    try:
        with _dxf_encoding(path):
            found = pyogrio.list_layers(path)
            return [
                LayerInfo(str(name), None if kind is None else str(kind), _count(path, str(name)))
                for name, kind in found
            ]
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise UnreadableFile(f"{path.name}: {without_paths(exc, path)}") from exc


def _count(path: Path, layer: str) -> int:
    import pyogrio

    return int(pyogrio.read_info(path, layer=layer, force_feature_count=True)["features"])


def chosen_layers(path: Path, layers: list[str] | None) -> list[str]:
    """The layers to read: those named (each must exist), or the file's only one."""
    present = list_layers(path)
    names = [layer.name for layer in present]
    listing = "; ".join(str(layer) for layer in present)
    if not layers:
        if len(present) == 1:
            return names
        if not present:
            raise UnreadableFile(f"{path.name} innehåller inga lager.")
        raise LayerNotChosen(
            f"{path.name} har {len(present)} lager: {listing}. Ange vilka som ska läsas "
            f"({option('--lager NAMN', 'lager')}, flera gånger för flera lager).",
            lager=[
                {"namn": x.name, "geometrityp": x.geometry_type, "antal": x.features}
                for x in present
            ],
        )
    unknown = [layer for layer in layers if layer not in names]
    if unknown:
        raise LayerNotChosen(
            f"{path.name} har inget lager {', '.join(repr(u) for u in unknown)}. "
            f"Filens lager: {listing}."
        )
    return list(layers)


def read_layer(path: Path, layer: str | None = None, crs: str | None = None) -> "gpd.GeoDataFrame":
    """One layer of a GIS file, transformed to EPSG:3006; a file without a CRS needs crs.

    Without a layer the file must have exactly one. Integer fields stay integers where values
    are missing, and a format without a schema (GeoJSON) gives date-like text as text.
    """
    # Imported here: GDAL's Python stack takes half a second to load, and the GeoPackage
    # path of the parcel import does without it.
    import geopandas as gpd
    import pyogrio
    import shapely

    name = layer if layer is not None else chosen_layers(path, None)[0]
    try:
        with _dxf_encoding(path):
            info = pyogrio.read_info(path, layer=name)
            options = {"DATE_AS_STRING": "YES"} if info["driver"] in _SCHEMALESS else {}
            frame = pyogrio.read_dataframe(path, layer=name, **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise UnreadableFile(f"{path.name}: {without_paths(exc, path)}") from exc
    if frame.empty:
        raise InvalidInput(f"{path.name}: lagret {name} innehåller inga objekt.")
    _integers_as_integers(frame, info)
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry is None:
        raise UnreadableFile(f"{path.name}: lagret har ingen geometri")
    if frame.geometry.has_z.any():  # CAD drawings carry a Z of 0; the tables are 2D
        frame[frame.geometry.name] = gpd.GeoSeries(
            shapely.force_2d(frame.geometry.to_numpy()), index=frame.index, crs=frame.crs
        )
    if crs is not None:
        frame = frame.set_crs(user_crs(crs), allow_override=True)
    if frame.crs is None:
        raise InvalidInput(
            f"{path.name} saknar koordinatsystem; ange det med {option('--crs', 'crs')} "
            "(t.ex. EPSG:3006 eller EPSG:3011)"
        )
    source = CRS.from_user_input(frame.crs)
    if source.to_epsg() != SRID:
        frame = frame.to_crs(epsg=SRID)
    _check_in_sweden(frame, path, source)
    frame.attrs[SOURCE_CRS] = crs_name(source)
    return frame


def _integers_as_integers(frame: "gpd.GeoDataFrame", info: dict[str, Any]) -> None:
    """Integer fields with missing values arrive as floats (1981.0); make them integers again."""
    for column, declared in zip(info["fields"], info["dtypes"], strict=True):
        if str(declared).startswith("int") and column in frame and frame[column].dtype.kind == "f":
            frame[column] = frame[column].astype("Int64")


def missing_columns_error(path: Path, frame: "gpd.GeoDataFrame", named: dict[str, str]) -> None:
    """Refuse a layer without the columns named (column → what it is), listing those it has."""
    missing = [f"{what} '{column}'" for column, what in named.items() if column not in frame]
    if missing:
        present = [str(c) for c in frame.columns if c != frame.geometry.name]
        raise InvalidInput(
            f"{path.name} saknar {', '.join(missing)}. Lagret har kolumnerna: "
            f"{', '.join(present) or 'inga'}."
        )


def place_in_source_crs(frame: "gpd.GeoDataFrame") -> Callable[[float, float], str]:
    """Writes a spot given in EPSG:3006 in the CRS the layer was read in, for messages."""
    from pyproj import Transformer

    name = source_crs(frame)
    crs = CRS.from_user_input(name)
    back = Transformer.from_crs(SRID, crs, always_xy=True)

    def place(x: float, y: float) -> str:
        e, n = back.transform(x, y)
        if crs.is_geographic:
            return f"lon {e:.6f}, lat {n:.6f} ({name})"
        return f"E {e:.2f}, N {n:.2f} ({name})"

    return place


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
        else f" Stämmer koordinatsystemet ({source.to_string()})? Ange annars rätt med "
        f"{option('--crs', 'crs')}."
    )
    raise InvalidInput(
        f"{path.name}: objekten hamnar utanför Sverige (E {x0:.0f}–{x1:.0f}, N {y0:.0f}–{y1:.0f}"
        f" i SWEREF 99 TM).{hint}"
    )
