"""Reading GIS files into GeoDataFrames in EPSG:3006."""

import hashlib
import math
import mmap
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from app.core.geo import transformer
from app.core.problems import InvalidInput
from app.imports.geometry_checks import inside_sweden
from app.imports.wording import option
from app.models import SRID

if TYPE_CHECKING:
    import geopandas as gpd

SOURCE_CRS = "source_crs"
# Formats whose fields have no declared types: GDAL guesses, and '1:4' would become a time.
_SCHEMALESS = ("GeoJSON", "GeoJSONSeq", "TopoJSON")
_JSON_DRIVERS = ("GeoJSON", "GeoJSONSeq", "TopoJSON", "ESRIJSON")
# GDAL reads these words as numbers, but JSON has no such values (RFC 8259): a string is
# matched whole first, so the words inside one are skipped.
_NOT_JSON_NUMBER = re.compile(
    rb'"[^"\\]*(?:\\.[^"\\]*)*"|(?<![\w.])(-?(?:nan|infinity))(?![\w.])', re.IGNORECASE
)
_BOUNDS = tuple[float, float, float, float]


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
            if info["driver"] in _JSON_DRIVERS:
                refuse_non_json_numbers(path)
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
    as_read = layer_bounds(frame)
    check_coordinates(as_read, path, source, declared=crs is not None)
    if source.to_epsg() != SRID:
        frame = frame.to_crs(epsg=SRID)
    check_in_sweden(layer_bounds(frame), path, source, as_read)
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


def refuse_non_json_numbers(path: Path) -> None:
    """Refuse a JSON file with NaN or Infinity as a value: no JSON, whatever GDAL accepts."""
    if not path.is_file() or not _may_hold_non_numbers(path):
        return
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for found in _NOT_JSON_NUMBER.finditer(data):
            if found.group(1) is not None:
                line = data[: found.start()].count(b"\n") + 1
                raise UnreadableFile(
                    f"{path.name} är ingen giltig JSON: värdet {found.group(1).decode()} på rad "
                    f"{line} finns inte i JSON. Skriv ett saknat värde som null, och koordinater "
                    "som tal."
                )


def _may_hold_non_numbers(path: Path) -> bool:
    """Whether the words appear at all (anywhere, strings too): the exact scan is slower."""
    overlap = b""
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            lowered = overlap + chunk.lower()
            if b"nan" in lowered or b"infinity" in lowered:
                return True
            overlap = lowered[-8:]
    return False


def layer_bounds(frame: "gpd.GeoDataFrame") -> _BOUNDS | None:
    """The extent of a layer's geometries whose extent is finite (None if there are none)."""
    import numpy as np
    import shapely

    each = shapely.bounds(frame.geometry.to_numpy())
    finite = each[np.isfinite(each).all(axis=1)]
    if not len(finite):
        return None
    x0, y0 = finite[:, 0].min(), finite[:, 1].min()
    x1, y1 = finite[:, 2].max(), finite[:, 3].max()
    return (float(x0), float(y0), float(x1), float(y1))


def _in_3006(bounds: _BOUNDS, source: CRS) -> _BOUNDS | None:
    """bounds (in source's x/y order) as SWEREF 99 TM bounds; None where they cannot be."""
    if source.to_epsg() == SRID:
        return bounds
    if source.is_geographic and not _are_degrees(bounds):
        return None
    try:
        to_3006 = (
            transformer(source.to_epsg(), SRID)
            if source.to_epsg() is not None
            else Transformer.from_crs(source, SRID, always_xy=True)
        )
        moved = to_3006.transform_bounds(*bounds, densify_pts=4)
    except Exception:
        return None
    finite = all(math.isfinite(v) for v in moved)
    return (moved[0], moved[1], moved[2], moved[3]) if finite else None


def _are_degrees(bounds: _BOUNDS) -> bool:
    x0, y0, x1, y1 = bounds
    return x0 >= -180 and x1 <= 180 and y0 >= -90 and y1 <= 90


def check_coordinates(
    bounds: _BOUNDS | None, path: Path, source: CRS, *, declared: bool = False
) -> None:
    """Refuse a layer read in degrees whose coordinates are no degrees (metres, say).

    bounds: as read, in the layer's own CRS; declared: the user named that CRS.
    """
    if bounds is None or not source.is_geographic or _are_degrees(bounds):
        return
    x0, y0, x1, y1 = bounds
    where = f"{path.name}: koordinaterna (x {x0:.0f}–{x1:.0f}, y {y0:.0f}–{y1:.0f}) är inga grader"
    told = (
        f"det angivna koordinatsystemet {crs_name(source)} är i grader"
        if declared
        else f"filen anger inget koordinatsystem, eller ett i grader ({crs_name(source)}; "
        "GeoJSON utan koordinatsystem läses som WGS 84)"
    )
    what = (
        " De ser ut som meter i SWEREF 99 TM: ange koordinatsystemet med "
        f"{option('--crs EPSG:3006', 'crs=EPSG:3006')}."
        if inside_sweden(bounds)
        else f" Ange rätt koordinatsystem med {option('--crs', 'crs')} (t.ex. EPSG:3006 eller "
        "EPSG:3011)."
    )
    raise InvalidInput(f"{where}, men {told}.{what}")


def check_in_sweden(
    bounds: _BOUNDS | None, path: Path, source: CRS, as_read: _BOUNDS | None = None
) -> None:
    """Refuse data (bounds in EPSG:3006) that lands outside Sweden: wrong CRS or swapped axes.

    as_read: the same extent in the layer's own CRS (the default: source is EPSG:3006), where
    swapped axes are swapped.
    """
    if bounds is not None and inside_sweden(bounds):
        return
    if bounds is None and as_read is None:
        return
    read = bounds if as_read is None else as_read
    swapped = None if read is None else _in_3006((read[1], read[0], read[3], read[2]), source)
    hint = (
        " Med x och y i omvänd ordning hamnar de i Sverige: har axlarna bytt plats?"
        if swapped is not None and inside_sweden(swapped)
        else f" Stämmer koordinatsystemet ({source.to_string()})? Ange annars rätt med "
        f"{option('--crs', 'crs')}."
    )
    if bounds is None:
        raise InvalidInput(
            f"{path.name}: objekten kan inte räknas om till SWEREF 99 TM och hamnar inte i "
            f"Sverige.{hint}"
        )
    x0, y0, x1, y1 = bounds
    raise InvalidInput(
        f"{path.name}: objekten hamnar utanför Sverige (E {x0:.0f}–{x1:.0f}, N {y0:.0f}–{y1:.0f}"
        f" i SWEREF 99 TM).{hint}"
    )
