"""The package's map and DXF are written in a forked child beside the other files:
every file arrives, an error in either process fails the package naming the file, and no child
outlives a failed package."""

import dataclasses
import multiprocessing
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyogrio
import pytest

from app.core.settings import Settings
from app.export import package
from app.export.contents import PackageContents, find_area_id, load_contents
from app.export.package import FILES, IN_CHILD, README_NAME, PackageFile, PackageWriteError


@pytest.fixture(scope="module")
def park(settings: Settings, handmade_data: None) -> PackageContents:  # noqa: ARG001 (a fixture set up first)
    """The hand-made park area's contents."""
    with psycopg.connect(settings.database_url.replace("+psycopg", ""), autocommit=True) as pg:
        area_id = find_area_id(pg, "Testområde park")
        assert area_id is not None
        contents = load_contents(pg, area_id)
    assert contents is not None
    return contents


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """The child is used whenever a second core is there; make sure it is, here."""
    monkeypatch.setattr(package, "_cores", lambda: 2)


Writer = Callable[[PackageContents, Path], object]


def _replaced(**writers: Writer) -> tuple[PackageFile, ...]:
    """The package's files with some writers replaced, by file name (dots as underscores)."""
    by_name = {name.replace("_", "."): write for name, write in writers.items()}
    return tuple(dataclasses.replace(p, write=by_name.get(p.name, p.write)) for p in FILES)


def _fail(contents: PackageContents, path: Path) -> None:  # noqa: ARG001 (a PackageFile writer)
    raise ValueError("trasig skrivare")


def _slowly(contents: PackageContents, path: Path) -> None:  # noqa: ARG001 (a PackageFile writer)
    time.sleep(60)
    path.write_text("skrivet")


@pytest.mark.usefixtures("two_cores")
def test_every_file_arrives_with_its_time_and_the_childs_files_open(
    park: PackageContents, tmp_path: Path
) -> None:
    folder, archive = tmp_path / "paket", tmp_path / "paket.zip"
    seconds = package.write_package(park, folder, archive)
    assert list(seconds) == [part.name for part in FILES]
    assert all(value > 0 for value in seconds.values())
    assert {p.name for p in folder.iterdir()} == {README_NAME, *seconds}
    with zipfile.ZipFile(archive) as bundle:
        assert bundle.testzip() is None
        # This side's files first (zipped while the child writes), then the child's.
        assert bundle.namelist() == [
            README_NAME,
            *(name for name in seconds if name not in IN_CHILD),
            *(name for name in seconds if name in IN_CHILD),
        ]
        for name in seconds:
            assert bundle.read(name) == (folder / name).read_bytes()
    assert (folder / "skotselkarta.pdf").read_bytes().startswith(b"%PDF")
    assert (folder / "skotselbeskrivning.pdf").read_bytes().startswith(b"%PDF")
    drawing = pyogrio.read_dataframe(folder / "skotselobjekt.dxf")
    assert len(drawing) >= len(park.objects)
    assert multiprocessing.active_children() == []


@pytest.mark.usefixtures("two_cores")
def test_a_file_failing_in_the_child_fails_the_package_naming_it(
    park: PackageContents, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "skotselobjekt.dxf" in IN_CHILD
    monkeypatch.setattr(package, "FILES", _replaced(skotselobjekt_dxf=_fail))
    with pytest.raises(PackageWriteError, match="ValueError: trasig skrivare"):
        package.write_package(park, tmp_path)
    assert multiprocessing.active_children() == []


@pytest.mark.usefixtures("two_cores")
def test_a_file_failing_beside_the_child_stops_it_at_once(
    park: PackageContents, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _replaced(skotselkarta_pdf=_slowly, skotselobjekt_gpkg=_fail)
    monkeypatch.setattr(package, "FILES", files)
    with pytest.raises(ValueError, match="trasig skrivare"):
        package.write_package(park, tmp_path)
    assert multiprocessing.active_children() == []
    # The child sleeps a minute before it writes: waited for, the file would be there.
    assert not (tmp_path / "skotselkarta.pdf").exists()
