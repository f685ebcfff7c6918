"""Query parameters of /ogc: CRS, bbox, limit, paging cursor, datetime and property filters."""

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import shapely

from app.core.errors import InvalidInput
from app.core.geo import transformer
from app.features.collections import Collection
from app.models import SRID

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
COMMON_PARAMETERS = frozenset(
    {"f", "bbox", "bbox-crs", "crs", "limit", "cursor", "datetime", "numberMatched"}
)


class InvalidParameter(InvalidInput):
    """A query parameter of /ogc that cannot be used."""

    type = "ogiltig-parameter"
    title = "Ogiltig parameter"


@dataclass(frozen=True)
class Crs:
    """A CRS the features API speaks, and how coordinates are written in it."""

    uri: str
    srid: int
    # True when the CRS's own axis order is latitude/northing first (EPSG:4326, 3006, 3011):
    # OGC API Features Part 2 writes coordinates in that order, CRS84 stays lon/lat.
    northing_first: bool
    decimals: int  # about 1 cm


SUPPORTED_CRS = (
    Crs(CRS84, 4326, False, 7),
    Crs(_EPSG_URI.format(4326), 4326, True, 7),
    Crs(_EPSG_URI.format(3006), 3006, True, 2),
    Crs(_EPSG_URI.format(3011), 3011, True, 2),
)
_BY_NAME = {c.uri: c for c in SUPPORTED_CRS} | {
    "CRS84": SUPPORTED_CRS[0],
    "OGC:CRS84": SUPPORTED_CRS[0],
    "EPSG:4326": SUPPORTED_CRS[1],
    "EPSG:3006": SUPPORTED_CRS[2],
    "EPSG:3011": SUPPORTED_CRS[3],
}
STORAGE_CRS = SUPPORTED_CRS[2]


def parse_crs(value: str | None, parameter: str) -> Crs:
    """The CRS named by a crs or bbox-crs parameter (CRS84 when absent)."""
    if value is None:
        return SUPPORTED_CRS[0]
    crs = _BY_NAME.get(value.strip().strip("[]<>"))
    if crs is None:
        supported = ", ".join(c.uri for c in SUPPORTED_CRS)
        raise InvalidParameter(
            f"{parameter}: koordinatsystemet '{value}' stöds inte ({supported})."
        )
    return crs


@dataclass(frozen=True)
class Envelope:
    """A bbox as an area in EPSG:3006: its exact outline and the rectangle around it."""

    min_e: float
    min_n: float
    max_e: float
    max_n: float
    outline_wkb: bytes


def parse_bbox(value: str, crs: Crs) -> Envelope:
    """A bbox of 4 (or 6, with heights) numbers in the axis order of crs, as EPSG:3006."""
    try:
        numbers = [float(part) for part in value.split(",")]
    except ValueError:
        raise InvalidParameter(f"bbox: '{value}' är inte fyra tal åtskilda av komman.") from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if len(numbers) != 4:
        raise InvalidParameter(f"bbox ska ha 4 (eller 6) tal, inte {len(numbers)}.")
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidParameter("bbox får bara innehålla ändliga tal.")
    a0, b0, a1, b1 = numbers
    if a0 > a1 or b0 > b1:
        raise InvalidParameter("bbox: minsta värdet kommer före det största på varje axel.")
    x0, y0, x1, y1 = (b0, a0, b1, a1) if crs.northing_first else (a0, b0, a1, b1)
    if crs.srid == 4326 and not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidParameter("bbox ligger utanför longitud −180…180 / latitud −90…90.")
    outline = shapely.box(x0, y0, x1, y1)
    if crs.srid != SRID:
        # A box in another CRS is not a rectangle in SWEREF 99 TM: transform its densified
        # outline, so features just outside the box are not returned.
        # Four segments a side follow the slight curve of a parallel closely enough (well under
        # a centimetre for a box of a few kilometres) and keep the outline cheap to test.
        step = max(x1 - x0, y1 - y0) / 4 or 1.0
        to_sweref = transformer(crs.srid, SRID)
        ring = shapely.get_coordinates(shapely.segmentize(outline, step))
        eastings, northings = to_sweref.transform(ring[:, 0], ring[:, 1])
        outline = shapely.Polygon(zip(eastings, northings, strict=True))
    if not outline.is_valid or not all(math.isfinite(n) for n in outline.bounds):
        raise InvalidParameter("bbox kan inte räknas om till SWEREF 99 TM.")
    return Envelope(*outline.bounds, outline_wkb=shapely.to_wkb(outline))


def parse_limit(value: str | None) -> int:
    """The page size: 1 to 10,000, 100 by default."""
    if value is None:
        return DEFAULT_LIMIT
    if not re.fullmatch(r"\d{1,9}", value.strip()):
        raise InvalidParameter(f"limit ska vara ett heltal 1–{MAX_LIMIT}, inte '{value}'.")
    limit = int(value)
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidParameter(f"limit ska vara 1–{MAX_LIMIT}, inte {limit}.")
    return limit


@dataclass(frozen=True)
class Cursor:
    """A keyset position: the page after (or before) a key."""

    key: int
    forward: bool

    def token(self) -> str:
        """The cursor as it appears in a link."""
        return f"{'n' if self.forward else 'p'}{self.key}"


def parse_cursor(value: str | None) -> Cursor | None:
    """A cursor from a next/prev link."""
    if value is None:
        return None
    match = re.fullmatch(r"([np])(-?\d{1,18})", value.strip())
    if match is None:
        raise InvalidParameter("cursor är ogiltig; använd länkarna next och prev.")
    return Cursor(int(match.group(2)), match.group(1) == "n")


@dataclass(frozen=True)
class Period:
    """The versions asked for: valid at an instant or at some time within an interval."""

    start: datetime | None
    end: datetime | None

    @classmethod
    def now(cls) -> "Period":
        """The instant now: what a request without datetime shows."""
        moment = datetime.now(UTC)
        return cls(moment, moment)


def _instant(value: str, end_of_day: bool) -> datetime | None:
    value = value.strip()
    if value in ("", ".."):
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = time.max if end_of_day else time.min
            return datetime.combine(day, moment, tzinfo=UTC)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidParameter(
            f"datetime: '{value}' är inte ett datum eller en tidpunkt enligt RFC 3339."
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_datetime(value: str | None) -> Period | None:
    """datetime as an instant, or an interval with '..' for an open end."""
    if value is None:
        return None
    if "/" in value:
        first, second = value.split("/", 1)
        start, end = _instant(first, False), _instant(second, True)
        if start is not None and end is not None and start > end:
            raise InvalidParameter("datetime: intervallet slutar före det börjar.")
        return Period(start, end)
    moment = _instant(value, False)
    if moment is None:
        raise InvalidParameter("datetime: ange en tidpunkt eller ett intervall.")
    return Period(moment, moment)


def check_parameters(names: list[str], collection: Collection) -> None:
    """Refuse query parameters the collection does not know (a typo must not pass silently)."""
    unknown = sorted(set(names) - COMMON_PARAMETERS - set(collection.filters))
    if unknown:
        allowed = ", ".join(sorted(COMMON_PARAMETERS | set(collection.filters)))
        raise InvalidParameter(
            f"Okänd parameter {', '.join(unknown)} för {collection.id}; tillåtna: {allowed}."
        )
