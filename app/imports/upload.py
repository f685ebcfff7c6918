"""Uploaded files: size limits, type by content, and safe unpacking of zip archives."""

import zipfile
import zlib
from pathlib import Path, PurePosixPath

from app.core.problems import InvalidInput, UnsupportedMediaType

MAX_UNPACKED_BYTES = 2 * 1024**3
MAX_RATIO = 200  # a zip that unpacks to more than 200 × its size is treated as a bomb
MAX_MEMBERS = 1000  # Lantmäteriet's zip holds a few files, a Shapefile about eight
_DATASETS = (".gpkg", ".shp", ".geojson", ".json", ".gml", ".dxf", ".csv")
_ARCHIVES = (".zip", ".7z", ".rar", ".tar", ".gz", ".tgz", ".bz2", ".xz")


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
    except RuntimeError as exc:  # zipfile's word for an encrypted member
        raise InvalidInput("Zip-filen är krypterad; skicka den utan lösenord.") from exc
    found = _dataset_in(target)
    if found.is_file():
        with found.open("rb") as handle:
            if sniff_suffix(handle.read(512)) == ".zip":
                raise _nested(str(found.relative_to(target)))
    return found


def _extract(archive: Path, target: Path) -> None:
    """Check every member before anything is written, then extract them into target."""
    # zipfile holds each member to its declared size (a lie fails its CRC), so the declared
    # total bounds what lands on disk.
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        if len(members) > MAX_MEMBERS:
            raise InvalidInput(
                f"Zip-filen innehåller {len(members)} filer; högst {MAX_MEMBERS} tas emot."
            )
        total = sum(m.file_size for m in members)
        if total > MAX_UNPACKED_BYTES or total > MAX_RATIO * max(archive.stat().st_size, 1):
            raise InvalidInput(
                f"Zip-filen packas upp till orimligt mycket data ({total // 2**20} MB av "
                f"{archive.stat().st_size // 1024} kB; högst {MAX_UNPACKED_BYTES // 2**30} GB "
                f"och {MAX_RATIO} gånger arkivets storlek) och avvisas."
            )
        root = target.resolve()
        for member in members:
            name = PurePosixPath(member.filename)
            shown = member.filename[:200]
            if (
                name.is_absolute()
                or ".." in name.parts
                or "\\" in member.filename
                or ":" in member.filename
                or not (root / name).resolve().is_relative_to(root)
            ):
                raise InvalidInput(f"Zip-filen innehåller en otillåten sökväg: {shown}")
            if name.suffix.lower() in _ARCHIVES:
                raise _nested(shown)
        bundle.extractall(target)


def _nested(name: str) -> InvalidInput:
    return InvalidInput(
        f"Zip-filen innehåller ett arkiv i arkivet ({name}); packa upp det och skicka "
        "datamängden i det (eller ett arkiv med den direkt)."
    )


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
