"""Uploaded files: size limits, type by content, and safe unpacking of zip archives."""

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from app.core.problems import InvalidInput, PayloadTooLarge, UnsupportedMediaType

MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_RATIO = 200  # a zip that unpacks to more than 200 × its size is treated as a bomb
_DATASETS = (".gpkg", ".shp", ".geojson", ".json", ".gml", ".dxf", ".csv")


def sniff_suffix(head: bytes) -> str | None:
    """The file type from its first bytes, not from its name."""
    if head.startswith(b"SQLite format 3\x00"):
        return ".gpkg"
    if head.startswith(b"PK\x03\x04"):
        return ".zip"
    stripped = head.lstrip()
    if stripped.startswith(b"{"):
        return ".geojson"
    if stripped.startswith(b"<"):
        return ".gml"
    if b"SECTION" in head[:200] and b"\n" in head:
        return ".dxf"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return ".csv" if b"," in head or b";" in head else None


def unpack(archive: Path, target: Path) -> Path:
    """Unpack a zip safely (no paths out of target, no bombs) and return the dataset in it."""
    try:
        _extract(archive, target)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise InvalidInput(
            "Zip-filen är trasig och kan inte packas upp (fel i arkivet eller dess storlekar)."
        ) from exc
    return _dataset_in(target)


def _extract(archive: Path, target: Path) -> None:
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        total = sum(m.file_size for m in members)
        if total > MAX_UNPACKED_BYTES or total > MAX_RATIO * max(archive.stat().st_size, 1):
            raise PayloadTooLarge("Zip-filen packas upp till orimligt mycket data och avvisas.")
        for member in members:
            name = PurePosixPath(member.filename)
            if name.is_absolute() or ".." in name.parts or "\\" in member.filename:
                raise InvalidInput(f"Zip-filen innehåller en otillåten sökväg: {member.filename}")
        bundle.extractall(target)


def _dataset_in(target: Path) -> Path:
    found = sorted(p for p in target.rglob("*") if p.suffix.lower() in _DATASETS)
    if not found:
        raise UnsupportedMediaType(
            "Zip-filen innehåller ingen GeoPackage, Shapefile eller GeoJSON."
        )
    if len(found) == 1:
        return found[0]
    # Shapefiles side by side are one source with a layer each; anything else is ambiguous.
    if all(p.suffix.lower() == ".shp" and p.parent == found[0].parent for p in found):
        return found[0].parent
    raise InvalidInput(
        "Zip-filen innehåller flera datamängder: "
        + ", ".join(str(p.relative_to(target)) for p in found)
        + ". Packa en i taget (eller flera Shapefiler i samma mapp, som då blir lager)."
    )
