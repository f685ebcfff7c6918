"""An operations area's package: the files a contractor opens without us, and a zip of them."""

import re
import time
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.export.contents import PackageContents
from app.export.dxf import write_dxf
from app.export.gis_files import write_geojson, write_geopackage
from app.export.map_sheets import DETAIL_SCALE
from app.export.pdf_map import write_map_pdf
from app.export.quantities import write_quantities_csv, write_quantities_xlsx
from app.styles.look import COLLECTION_OF_KIND

README_NAME = "LASMIG.txt"
ALREADY_COMPRESSED = (".pdf", ".xlsx")
SOURCE = "Ansvarskartan – gemensam karta över skötselansvar i Huddinge"


@dataclass(frozen=True)
class PackageFile:
    """One file of the package and what the contractor is told about it."""

    name: str
    description: str
    write: Callable[[PackageContents, Path], object]


def _pdf(contents: PackageContents, path: Path) -> int:
    with path.open("wb") as out:
        return write_map_pdf(contents, out)


def _xlsx(contents: PackageContents, path: Path) -> None:
    with path.open("wb") as out:
        write_quantities_xlsx(contents, out)


def _csv(contents: PackageContents, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        write_quantities_csv(contents, out)


FILES = (
    PackageFile(
        "skotselkarta.pdf",
        "Skötselkarta i A3 liggande: översikt med bladindelning (en sida per del när"
        " området ligger i delar långt från varandra) och detaljblad i"
        f" skala 1:{DETAIL_SCALE:,}".replace(",", " ")
        + ", med teckenförklaring, skalstock, norrpil och koordinatrutnät. Blad utan"
        " skötselobjekt tas inte med; översikten visar vilka blad som finns.",
        _pdf,
    ),
    PackageFile(
        "mangdforteckning.xlsx",
        "Mängdförteckning för Excel: per skötselprodukt och kvalitetsnivå, med summor per"
        " enhet (m², m, st).",
        _xlsx,
    ),
    PackageFile(
        "mangdforteckning.csv",
        "Samma mängdförteckning som text: semikolon mellan fälten, decimalkomma, UTF-8.",
        _csv,
    ),
    PackageFile(
        "skotselobjekt.gpkg",
        "GeoPackage för GIS (t.ex. QGIS) i SWEREF 99 TM: lagren "
        + ", ".join(COLLECTION_OF_KIND.values())
        + " och driftomrade. Symboliken följer med (tabellen layer_styles), så QGIS visar"
        " lagren som webbkartan.",
        write_geopackage,
    ),
    PackageFile(
        "skotselobjekt.dxf",
        "DXF (AutoCAD 2013) för CAD i SWEREF 99 TM, meter: ett lager per skötselprodukt i"
        " katalogens färger och lagret Driftomrade med gränsen.",
        write_dxf,
    ),
    PackageFile(
        "skotselobjekt.geojson",
        "GeoJSON (RFC 7946) i WGS 84 (EPSG:4326, longitud/latitud) för webb och övriga verktyg.",
        write_geojson,
    ),
)


def write_package(contents: PackageContents, folder: Path) -> dict[str, float]:
    """Write every file of the package into folder; seconds spent on each file."""
    folder.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    for part in FILES:
        started = time.perf_counter()
        part.write(contents, folder / part.name)
        seconds[part.name] = time.perf_counter() - started
    (folder / README_NAME).write_text(readme_text(contents), encoding="utf-8")
    return seconds


def zip_package(folder: Path, archive: Path) -> None:
    """The package's files in one zip, in the order LASMIG.txt lists them."""
    names = [README_NAME, *(part.name for part in FILES)]
    # Level 1 is a third of level 6's time for 8 % more bytes; PDF and XLSX are compressed
    # inside already, so they are stored as they are.
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        for name in names:
            stored = name.endswith(ALREADY_COMPRESSED)
            bundle.write(folder / name, name, zipfile.ZIP_STORED if stored else None)


def ascii_slug(text: str) -> str:
    """Lower-case ASCII with hyphens: 'Driftområde Vårby' → 'driftomrade-varby'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "driftomrade"


def readme_text(contents: PackageContents) -> str:
    """LASMIG.txt: what each file is, the coordinate systems, the date and the source."""
    area = contents.area
    counts = contents.objects["geometrityp"].value_counts()
    until = f"{area.contract_end:%Y-%m-%d}" if area.contract_end else "tills vidare"
    period = f"{area.contract_start:%Y-%m-%d} – {until}"
    lines = [
        f"{area.name}",
        "=" * len(area.name),
        "",
        f"Beställare (huvudman): {area.client}",
        f"Utförare:              {area.performer}",
        f"Avtalsperiod:          {period}",
        f"Uttaget:               {contents.created:%Y-%m-%d %H:%M} (svensk tid)",
        f"Källa:                 {SOURCE}",
        "",
        "Innehåll",
        "--------",
        f"Skötselytor {counts.get('yta', 0)}, skötsellinjer {counts.get('linje', 0)},"
        f" skötselpunkter {counts.get('punkt', 0)}: beställarens gällande skötselobjekt som"
        " ligger helt eller delvis i driftområdet. Objekt som korsar gränsen är klippta vid"
        " den: kartan, mängderna och GIS-filerna visar och räknar bara delen inom området.",
        "Skötselprodukterna, deras namn och symboler är den gemensamma katalogen för Huddinge"
        " kommun, Huge Bostäder och Huddinge Samhällsfastigheter.",
        "",
        "Filer",
        "-----",
    ]
    for part in FILES:
        lines += [part.name, f"  {part.description}", ""]
    lines += [
        "Koordinatsystem",
        "---------------",
        "SWEREF 99 TM (EPSG:3006) i skotselobjekt.gpkg, skotselobjekt.dxf och skotselkarta.pdf;"
        " WGS 84 (EPSG:4326) i skotselobjekt.geojson.",
        "",
        "Mängder",
        "-------",
        "Ytor i m² och längder i m är beräknade i SWEREF 99 TM (plana mått); punkter räknas"
        " i styck. Summor anges per enhet eftersom m², m och st inte kan läggas ihop.",
        "",
        "Attribut",
        "--------",
        "objekt_id      objektets bestående id i Ansvarskartan",
        "produkt        skötselproduktens kod, produktnamn dess namn",
        "enhet, mangd   enhet och mängd (m², m eller st)",
        "kvalitetsniva  beställd kvalitetsnivå, om den är angiven",
        "huvudman       organisationen som ansvarar för skötseln",
        "extern_id      id i huvudmannens eget system",
        "giltig_fran    när objektets nuvarande version började gälla",
        "",
    ]
    return "\n".join(lines)
