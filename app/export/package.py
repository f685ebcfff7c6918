"""An operations area's package: the files a contractor opens without us, and a zip of them."""

import contextlib
import multiprocessing
import os
import re
import time
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.problems import AppError
from app.export.contents import PackageContents
from app.export.description_pdf import write_description_pdf
from app.export.dxf import write_dxf
from app.export.gis_files import write_geojson, write_geopackage
from app.export.map_sheets import DETAIL_SCALE, SHEET_RULE_TEXT
from app.export.pdf_map import write_map_pdf
from app.export.quantities import write_quantities_csv, write_quantities_xlsx
from app.styles.look import COLLECTION_OF_KIND

README_NAME = "LASMIG.txt"
# Written in a forked child beside the others when there is a second core: the map and the DXF
# are half the writing time of a large area, the GeoPackage, XLSX, GeoJSON and the description
# the other half.
IN_CHILD = ("skotselkarta.pdf", "skotselobjekt.dxf")
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


def _description(contents: PackageContents, path: Path) -> None:
    with path.open("wb") as out:
        write_description_pdf(contents, out)


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
        + ", med teckenförklaring, skalstock, norrpil, koordinatrutnät, fastighetsgränser"
        " med beteckningar och objektens nummer (nr). Översikten visar vilka blad som finns.",
        _pdf,
    ),
    PackageFile(
        "skotselbeskrivning.pdf",
        "Skötselbeskrivning i A4: för varje skötselprodukt i området vad som görs på varje"
        " kvalitetsnivå och hur ofta.",
        _description,
    ),
    PackageFile(
        "mangdforteckning.xlsx",
        "Mängdförteckning och anbudsformulär för Excel. Bladet Mängdförteckning: mängd och"
        " enhet per skötselprodukt och kvalitetsnivå, en tom cell för à-pris och formler för"
        " summa, delsummor och total; bara à-priscellerna (gula) går att ändra (bladskydd"
        " utan lösenord). Bladet Skötselbeskrivning: samma text som skotselbeskrivning.pdf."
        " Bladet Per produkt: summor per produkt. Bladet Per objekt: en rad per objekt med"
        " nr, objekt_id, mängd inom området, om det ligger delvis inom och på vilket blad.",
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
        " katalogens färger och lagret Driftomrade med gränsen. Varje objekt bär sina"
        " attribut som utökade data (XDATA, applikationen ANSVARSKARTAN) i form av"
        " nyckel=värde: objekt_id, nr, produkt, kvalitetsniva, mangd (med enhet), andel_inom,"
        " delvis_inom och blad; de visas t.ex. med XDLIST i AutoCAD.",
        write_dxf,
    ),
    PackageFile(
        "skotselobjekt.geojson",
        "GeoJSON (RFC 7946) i WGS 84 (EPSG:4326, longitud/latitud) för webb och övriga verktyg.",
        write_geojson,
    ),
)


class PackageFailed(AppError):
    """The package could not be built."""

    status = 500
    type = "paketet-misslyckades"
    title = "Paketet kunde inte skapas"


class PackageWriteError(PackageFailed):
    """A file of the package could not be written in the child process."""


def write_package(
    contents: PackageContents, folder: Path, archive: Path | None = None
) -> dict[str, float]:
    """Write every file of the package into folder, and zip them into archive when given;
    seconds spent on each file."""
    folder.mkdir(parents=True, exist_ok=True)
    in_child = [part for part in FILES if part.name in IN_CHILD] if _cores() > 1 else []
    here = [part for part in FILES if part not in in_child]
    child = _ChildWriter(contents, folder, in_child) if in_child else None
    with contextlib.ExitStack() as cleanup:
        try:
            seconds = _write_files(contents, folder, here)
            (folder / README_NAME).write_text(readme_text(contents), encoding="utf-8")
            bundle = cleanup.enter_context(_open_zip(archive)) if archive else None
            # This side's files are zipped while the child still writes the map.
            if bundle:
                _add_to_zip(bundle, folder, [README_NAME, *(part.name for part in here)])
        except BaseException:
            if child:
                child.stop()
            raise
        if child:
            seconds |= child.wait()
            if bundle:
                _add_to_zip(bundle, folder, [part.name for part in in_child])
    return {part.name: seconds[part.name] for part in FILES}


def _cores() -> int:
    return len(os.sched_getaffinity(0))


def _write_files(
    contents: PackageContents, folder: Path, parts: Sequence[PackageFile]
) -> dict[str, float]:
    seconds: dict[str, float] = {}
    for part in parts:
        started = time.perf_counter()
        part.write(contents, folder / part.name)
        seconds[part.name] = time.perf_counter() - started
    return seconds


class _ChildWriter:
    """Parts of the package written in a forked child, which shares the contents read once
    (no pickled copy of a large area)."""

    def __init__(
        self, contents: PackageContents, folder: Path, parts: Sequence[PackageFile]
    ) -> None:
        self.names = ", ".join(part.name for part in parts)
        context = multiprocessing.get_context("fork")
        self._receiver, sender = context.Pipe(duplex=False)

        def write() -> None:
            try:
                sender.send(("ok", _write_files(contents, folder, parts)))
            except BaseException as error:  # reported to the parent, which raises it
                sender.send(("error", f"{type(error).__name__}: {error}"))

        self._process = context.Process(target=write, name="paket-karta", daemon=True)
        self._process.start()
        sender.close()

    def wait(self) -> dict[str, float]:
        """Seconds per file once the child is done; its error raised here."""
        try:
            status, value = self._receiver.recv()
        except EOFError:
            status, value = "error", f"exit code {self._process.exitcode}"
        finally:
            self._process.join()
            self._receiver.close()
        if status != "ok":
            raise PackageWriteError(f"{self.names} kunde inte skrivas: {value}")
        return dict(value)

    def stop(self) -> None:
        """End the child without waiting for its files (the package failed anyway)."""
        self._process.kill()
        self._process.join()
        self._receiver.close()


def _open_zip(archive: Path) -> zipfile.ZipFile:
    # Level 1 is a third of level 6's time for 8 % more bytes.
    return zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=1)


def _add_to_zip(bundle: zipfile.ZipFile, folder: Path, names: Sequence[str]) -> None:
    for name in names:
        # PDF and XLSX are compressed inside already, so they are stored as they are.
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
        "Kartblad",
        "--------",
        SHEET_RULE_TEXT,
        "",
        "Attribut",
        "--------",
        "objekt_id      objektets bestående id i Ansvarskartan",
        "nr             objektets nummer i paketet: på kartan och i bladet Per objekt",
        "produkt        skötselproduktens kod, produktnamn dess namn",
        "enhet, mangd   enhet och mängd inom driftområdet (m², m eller st)",
        "mangd_hela     hela objektets mängd, även delen utanför området",
        "andel_inom     andelen av objektet som ligger inom området, 0–1",
        "delvis_inom    sant när en del av objektet ligger utanför området",
        "kvalitetsniva  beställd kvalitetsnivå, om den är angiven (se skotselbeskrivning.pdf)",
        "huvudman       organisationen som ansvarar för skötseln",
        "extern_id      id i huvudmannens eget system",
        "giltig_fran    när objektets nuvarande version började gälla",
        "blad           detaljbladet i skotselkarta.pdf som visar objektet; 0: bara översikten",
        "",
    ]
    return "\n".join(lines)
