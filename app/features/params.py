"""Query parameters of /ogc: CRS, bbox, limit, paging cursor, datetime and property filters."""

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import numpy as np
import shapely

from app.core.geo import recognise_crs, transformer
from app.core.problems import InvalidParameter
from app.features.collections import Collection
from app.models import SRID

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
COMMON_PARAMETERS = frozenset(
    {"f", "bbox", "bbox-crs", "crs", "limit", "cursor", "datetime", "numberMatched"}
)


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
STORAGE_CRS = SUPPORTED_CRS[2]


def parse_crs(value: str | None, parameter: str) -> Crs:
    """The CRS named by a crs or bbox-crs parameter (CRS84 when absent)."""
    if value is None:
        return SUPPORTED_CRS[0]
    named = recognise_crs(value.strip("[]<> "))
    if named is None:
        supported = ", ".join(c.uri for c in SUPPORTED_CRS)
        raise InvalidParameter(
            f"{parameter}: koordinatsystemet '{value}' stöds inte ({supported})."
        )
    if named.crs84:
        return SUPPORTED_CRS[0]
    return next(c for c in SUPPORTED_CRS[1:] if c.srid == named.srid)


@dataclass(frozen=True)
class Envelope:
    """A bbox as an area in EPSG:3006: its exact outline and the rectangle around it."""

    min_e: float
    min_n: float
    max_e: float
    max_n: float
    outline_wkb: bytes


# No projected coordinate on the earth is farther from its origin than this (the equator is
# 4e7 m long): beyond it a bbox is no place, and GEOS cannot densify its outline.
_PROJECTED_REACH_M = 1e8


def _outline(
    x0: float, y0: float, x1: float, y1: float
) -> shapely.Polygon | shapely.LineString | shapely.Point:
    """The box as a polygon; a box without area (min = max on an axis) is a line or a point."""
    if x0 < x1 and y0 < y1:
        return shapely.box(x0, y0, x1, y1)
    if (x0, y0) == (x1, y1):
        return shapely.Point(x0, y0)
    return shapely.LineString([(x0, y0), (x1, y1)])


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
    if crs.srid != 4326 and max(abs(n) for n in numbers) > _PROJECTED_REACH_M:
        raise InvalidParameter(
            f"bbox ligger utanför jorden: i {crs.uri} är koordinaterna meter, och ingen plats "
            "ligger mer än 100 000 km från origo."
        )
    outline = _outline(x0, y0, x1, y1)
    if crs.srid != SRID:
        # A box in another CRS is not a rectangle in SWEREF 99 TM: transform its densified
        # outline, so features just outside the box are not returned.
        # Four segments a side follow the slight curve of a parallel closely enough (well under
        # a centimetre for a box of a few kilometres) and keep the outline cheap to test.
        if not isinstance(outline, shapely.Point):
            outline = shapely.segmentize(outline, max(x1 - x0, y1 - y0) / 4)
        to_sweref = transformer(crs.srid, SRID)
        outline = shapely.transform(
            outline, lambda xy: np.column_stack(to_sweref.transform(xy[:, 0], xy[:, 1]))
        )
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


@dataclass(frozen=True)
class PropertyFilter:
    """A filter parameter as its queryable and the API description show it."""

    title: str
    description: str
    json_type: str


# What each property filter of app.features.collections selects.
PROPERTY_FILTERS = {
    "huvudman": PropertyFilter(
        "Huvudman",
        "Huvudmannens slug, t.ex. parkenheten (för driftområden: beställaren).",
        "string",
    ),
    "produkt": PropertyFilter("Skötselprodukt", "Skötselproduktens kod, t.ex. G1.", "string"),
    "driftomrade": PropertyFilter(
        "Driftområde", "Objekten i driftområdet med detta id (se /api/v1/driftomraden).", "integer"
    ),
}
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def queryables(collection: Collection, url: str) -> dict[str, object]:
    """The collection's filterable properties as JSON Schema (OGC API – Features Part 3)."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": url,
        "type": "object",
        "title": collection.title,
        "properties": {
            name: {
                "title": PROPERTY_FILTERS[name].title,
                "description": PROPERTY_FILTERS[name].description,
                "type": PROPERTY_FILTERS[name].json_type,
            }
            for name in sorted(collection.filters)
        },
        "additionalProperties": False,
    }


def _query(name: str, description: str, schema: dict[str, object]) -> dict[str, object]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _crs_parameter(name: str, what: str) -> dict[str, object]:
    uris = [crs.uri for crs in SUPPORTED_CRS]
    return _query(
        name,
        f"{what}; även EPSG:n och CRS84 godtas.",
        {"type": "string", "format": "uri", "enum": uris, "default": CRS84},
    )


_FORMAT = _query(
    "f",
    "Format: json eller geojson (samma GeoJSON).",
    {"type": "string", "enum": ["json", "geojson"]},
)
_DATETIME = _query(
    "datetime",
    "Versionerna som gällde vid en tidpunkt eller under ett intervall (RFC 3339, '..' för ett "
    "öppet slut, t.ex. 2025-01-01/..); utan datetime visas det som gäller nu.",
    {"type": "string"},
)


def items_parameters(collections: Iterable[Collection]) -> list[dict[str, object]]:
    """The query parameters of /items as OpenAPI parameter objects (the handler parses them)."""
    filters: dict[str, list[str]] = {}
    for collection in collections:
        for name in collection.filters:
            filters.setdefault(name, []).append(collection.id)
    return [
        _FORMAT,
        _query(
            "limit",
            f"Objekt per sida, 1–{MAX_LIMIT}.",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        {
            **_query(
                "bbox",
                "Västra, södra, östra, norra kanten (4 tal, eller 6 med höjder) i bbox-crs.",
                {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
            ),
            "style": "form",
            "explode": False,
        },
        _crs_parameter("bbox-crs", "Koordinatsystemet för bbox"),
        _crs_parameter("crs", "Koordinatsystemet för svarets geometrier"),
        _DATETIME,
        _query("cursor", "Sidans position; följ länkarna next och prev.", {"type": "string"}),
        _query(
            "numberMatched",
            "true: räkna alla träffar (kostar en räkning).",
            {"type": "boolean", "default": False},
        ),
        *(
            _query(
                name,
                f"{PROPERTY_FILTERS[name].description} Finns för: {', '.join(ids)}.",
                {"type": PROPERTY_FILTERS[name].json_type},
            )
            for name, ids in filters.items()
        ),
    ]


def item_parameters() -> list[dict[str, object]]:
    """The query parameters of one feature as OpenAPI parameter objects."""
    return [_FORMAT, _crs_parameter("crs", "Koordinatsystemet för geometrin"), _DATETIME]
