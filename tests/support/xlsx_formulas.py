"""Working out an XLSX's formulas in the tests: a small evaluator for exactly the forms the
export writes (=A1*B1, =SUM(A1:A9), =A1+A2+...), and LibreOffice's own recalculation (Debian's
libreoffice-calc-nogui, which `make test-deps` installs)."""

import re
import shutil
import subprocess
from pathlib import Path

from openpyxl.worksheet.worksheet import Worksheet

_PRODUCT = re.compile(r"=([A-Z]+[0-9]+)\*([A-Z]+[0-9]+)")
_RANGE_SUM = re.compile(r"=SUM\(([A-Z]+)([0-9]+):([A-Z]+)([0-9]+)\)")
_ADDITION = re.compile(r"=[A-Z]+[0-9]+(?:\+[A-Z]+[0-9]+)*")


def evaluate(sheet: Worksheet, coordinate: str) -> float:
    """The cell's value as Excel would compute it; an empty cell is 0, text or any other
    formula fails the test."""
    value = sheet[coordinate].value
    if value is None:
        return 0.0
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    assert isinstance(value, str), f"{coordinate} holds {value!r}"
    if match := _PRODUCT.fullmatch(value):
        return evaluate(sheet, match[1]) * evaluate(sheet, match[2])
    if match := _RANGE_SUM.fullmatch(value):
        column, first, last = match[1], int(match[2]), int(match[4])
        assert match[3] == column, f"{coordinate}: a sum over more than one column"
        return sum(evaluate(sheet, f"{column}{row}") for row in range(first, last + 1))
    if _ADDITION.fullmatch(value):
        return sum(evaluate(sheet, term) for term in value[1:].split("+"))
    raise AssertionError(f"{coordinate} holds {value!r}, not a number or a known formula")


def recalculated(paths: list[Path], folder: Path) -> list[Path]:
    """The workbooks opened, recalculated and saved again by LibreOffice (values cached)."""
    soffice = shutil.which("soffice")
    assert soffice is not None, "LibreOffice is missing: make test-deps installs it"
    out = folder / "libreoffice"
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, paths),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    return [out / path.name for path in paths]
