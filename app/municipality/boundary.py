"""The municipal boundary the service answers for: loaded from SCB's file, checked at start."""

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from app.core.db import in_transaction
from app.core.paths import MUNICIPALITIES_GEOJSON
from app.core.problems import InvalidInput, is_connection_error

log = logging.getLogger(__name__)

# The kalla (source) written with the shipped file.
BOUNDARY_SOURCE = "SCB Digitala gränser (generaliserad), öppna data"
BOUNDARY_NAME_SQL = text("SELECT namn FROM kommungrans WHERE kommunkod = :code")
_SCB_COLUMNS = ("KnKod", "KnNamn")


@dataclass(frozen=True)
class LoadedBoundary:
    """A boundary just written to kommungrans."""

    code: str
    name: str
    area_km2: float
    file: Path

    def line(self) -> str:
        """What was loaded, in Swedish."""
        area = f"{self.area_km2:.1f}".replace(".", ",")
        return (
            f"Kommungränsen för {self.name} (kommunkod {self.code}, {area} km²)"
            f" lästes in från {self.file.name}."
        )


def missing_warning(code: str) -> str:
    """The Swedish warning when the configured municipality has no boundary in the database."""
    return (
        f"Kommungränsen för kommunkod {code} saknas i databasen, så varje punkt räknas som"
        " inom kommunen och ingen får svaret utanför kommunen. Läs in den med"
        " `ansvarskartan kommungrans`."
    )


def boundary_name(conn: Connection, code: str) -> str | None:
    """The municipality's name when its boundary is in the database, else None."""
    name: str | None = conn.execute(BOUNDARY_NAME_SQL, {"code": code}).scalar_one_or_none()
    return name


def _not_found(code: str, path: Path, count: int) -> InvalidInput:
    hint = (
        f" Kommunkoder har fyra siffror, t.ex. {code.zfill(4)}."
        if code.isdigit() and len(code) < 4
        else ""
    )
    return InvalidInput(
        f"Kommunkoden {code} finns inte i {path.name} ({count} kommuner i kolumnen KnKod)."
        f"{hint} Kontrollera ANSVAR_MUNICIPALITY_CODE, eller ange en fil med kommunen med --fil."
    )


def load_boundary(conn: Connection, code: str, path: Path | None = None) -> LoadedBoundary:
    """Write (or replace) the boundary of code from an SCB-shaped file (shipped one by default)."""
    from app.imports.areas import import_municipality_boundaries
    from app.imports.reading import read_layer

    path = path or MUNICIPALITIES_GEOJSON
    frame = read_layer(path)
    missing = [c for c in _SCB_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(
            f"{path.name} saknar kolumnen {' och '.join(missing)}; en fil från SCB:s"
            " Digitala gränser har KnKod (kommunkod) och KnNamn (namn)."
        )
    codes = set(frame["KnKod"].astype(str))
    if code not in codes:
        raise _not_found(code, path, len(codes))
    shipped = path.resolve() == MUNICIPALITIES_GEOJSON.resolve()
    import_municipality_boundaries(
        conn, path, codes={code}, source=BOUNDARY_SOURCE if shipped else path.name
    )
    name, area = conn.execute(
        text("SELECT namn, ST_Area(geom) / 1e6 FROM kommungrans WHERE kommunkod = :code"),
        {"code": code},
    ).one()
    return LoadedBoundary(code=code, name=name, area_km2=float(area), file=path)


def ensure_boundary(conn: Connection, code: str) -> LoadedBoundary | None:
    """Load the boundary of code from the shipped file when it is missing; None if present."""
    if boundary_name(conn, code) is not None:
        return None
    return load_boundary(conn, code)


async def warn_when_boundary_missing(engine: Engine, code: str, timeout_s: float) -> None:
    """Log a WARNING when the boundary of code is missing; never stops the service starting."""
    try:
        async with asyncio.timeout(timeout_s):
            name = await asyncio.to_thread(in_transaction, engine, lambda c: boundary_name(c, code))
    except (DBAPIError, OSError, TimeoutError) as exc:
        # A database that is down is answered per request (503); start-up does not wait for it.
        if isinstance(exc, DBAPIError) and not is_connection_error(exc):
            log.warning(
                "could not check the municipal boundary (%s): is the schema migrated?"
                " Run `ansvarskartan migrate`.",
                exc.__class__.__name__,
            )
        else:
            log.warning("could not check the municipal boundary: the database does not answer")
        return
    if name is None:
        log.warning(
            "the municipal boundary for municipality code %s is missing: every point counts as"
            " inside the municipality and none is answered as outside it."
            " Load it with `ansvarskartan kommungrans`.",
            code,
        )
