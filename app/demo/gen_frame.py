"""The frame of the Huddinge demo: municipality polygon, districts and local grid frames."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyogrio
import shapely

REPO_ROOT = Path(__file__).resolve().parents[2]
MUNICIPALITY_FILE = REPO_ROOT / "data" / "scb_kommuner_stockholms_lan_3006.geojson"
KOMMUNKOD = "0126"
KOMMUNNAMN = "HUDDINGE"
LANSKOD = "01"
CRS = "EPSG:3006"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
GeomArray = npt.NDArray[np.object_]
StrArray = npt.NDArray[np.str_]

# Plot kinds: what a parcel is used for, which decides its owner and its maintenance objects.
VILLA = 0
STRIP = 1
ESTATE = 2
SCHOOL = 3
PARK = 4
SPORTS = 5
KVARTER = 6
NATURE_KOMMUN = 7
NATURE_PRIVAT = 8
ROAD = 9

OWNER_BY_KIND = {
    VILLA: "privat",
    STRIP: "huddinge-kommun",
    ESTATE: "huge",
    SCHOOL: "husf",
    PARK: "huddinge-kommun",
    SPORTS: "huddinge-kommun",
    KVARTER: "privat",
    NATURE_KOMMUN: "huddinge-kommun",
    NATURE_PRIVAT: "privat",
    ROAD: "trafikverket",
}

# The parcel count the district sizes below are made for; other counts scale them.
DEFAULT_PARCELS = 20_000
# Districts grow with the parcel count up to this area factor; beyond it plots shrink instead.
MAX_DISTRICT_GROWTH = 2.0


@dataclass(frozen=True)
class DistrictSpec:
    """A built-up district: where it is, how big, its trakt names and its block land use."""

    name: str
    centre: tuple[float, float]
    area_km2: float
    trakter: tuple[str, ...]
    kvarter: tuple[str, ...] = ()
    estate: float = 0.08
    school: float = 0.04
    park: float = 0.08
    sports: float = 0.015
    strip: float = 0.3
    block: tuple[float, float] = (180.0, 72.0)
    plot_width: float = 26.0
    street: float = 14.0
    central: bool = False


DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec(
        "Huddinge centrum",
        (670_150.0, 6_570_150.0),
        3.0,
        ("KÄLLBRINK", "MYRSTUGAN"),
        kvarter=("ODIN", "TOR", "FREJ", "BALDER", "LÅSET", "NYCKELN", "KLOCKAN"),
        estate=0.12,
        school=0.05,
        park=0.12,
        strip=0.45,
        block=(150.0, 70.0),
        plot_width=22.0,
        street=16.0,
        central=True,
    ),
    DistrictSpec(
        "Flemingsberg",
        (668_300.0, 6_568_250.0),
        5.0,
        ("GRANTORP", "VISÄTTRA"),
        kvarter=("MEDICINAREN", "RECEPTET", "LABORANTEN", "DOKTORN"),
        estate=0.35,
        school=0.05,
        park=0.1,
        sports=0.02,
        block=(200.0, 80.0),
        street=18.0,
    ),
    DistrictSpec(
        "Skogås",
        (679_650.0, 6_568_750.0),
        4.6,
        ("VÄSTRA SKOGÅS", "HAMMARTORP"),
        kvarter=("SPARVEN", "KOMPASSEN"),
        estate=0.3,
        block=(190.0, 76.0),
        street=16.0,
    ),
    DistrictSpec(
        "Vårby",
        (665_150.0, 6_572_800.0),
        3.4,
        ("VÅRBY", "MASMO"),
        estate=0.35,
        block=(190.0, 78.0),
        street=16.0,
    ),
    DistrictSpec(
        "Segeltorp",
        (667_100.0, 6_574_150.0),
        4.2,
        ("SEGELTORP", "KUNGENS KURVA"),
        estate=0.03,
        block=(170.0, 66.0),
        plot_width=27.0,
        street=12.0,
    ),
    DistrictSpec(
        "Stuvsta",
        (671_150.0, 6_571_950.0),
        3.4,
        ("STUVSTA", "SNÄTTRINGE"),
        estate=0.06,
        block=(160.0, 68.0),
        plot_width=25.0,
        street=12.0,
    ),
    DistrictSpec(
        "Sjödalen",
        (669_250.0, 6_571_350.0),
        3.0,
        ("SJÖDALEN", "FULLERSTA"),
        estate=0.08,
        block=(170.0, 70.0),
        street=13.0,
    ),
    DistrictSpec(
        "Trångsund",
        (678_250.0, 6_569_900.0),
        3.2,
        ("TRÅNGSUND",),
        estate=0.08,
        block=(175.0, 68.0),
        plot_width=27.0,
        street=12.0,
    ),
    DistrictSpec(
        "Glömsta",
        (668_300.0, 6_566_450.0),
        1.6,
        ("GLÖMSTA",),
        estate=0.2,
        block=(170.0, 70.0),
        street=12.0,
    ),
)

# Forest and farmland trakter; each rural parcel takes the name of the nearest anchor.
RURAL_TRAKTER: tuple[tuple[str, float, float], ...] = (
    ("ÅGESTA", 671_500.0, 6_566_500.0),
    ("LISSMA", 677_000.0, 6_566_400.0),
    ("LÄNNA", 678_500.0, 6_567_300.0),
    ("SUNDBY", 675_000.0, 6_563_500.0),
    ("GLADÖ", 672_500.0, 6_561_800.0),
    ("KÄSTA", 670_000.0, 6_564_000.0),
    ("SÖRSKOGEN", 675_800.0, 6_570_300.0),
    ("ÖRBY", 672_300.0, 6_568_700.0),
    ("STENSÄTRA", 673_800.0, 6_571_200.0),
    ("KÄLLÄNGEN", 666_000.0, 6_570_800.0),
)

# Huddingevägen (väg 226) from the northern border, past Huddinge centrum, out to the south-west.
STATE_ROAD: tuple[tuple[float, float], ...] = (
    (671_350.0, 6_573_600.0),
    (670_750.0, 6_571_600.0),
    (670_450.0, 6_570_250.0),
    (669_250.0, 6_568_900.0),
    (668_700.0, 6_567_300.0),
    (667_300.0, 6_565_500.0),
)
STATE_ROAD_NUMBER = "226"


def load_municipality() -> shapely.Polygon:
    """Huddinge's municipality polygon in EPSG:3006."""
    frame = pyogrio.read_dataframe(MUNICIPALITY_FILE)
    geom = frame.loc[frame["KnKod"] == KOMMUNKOD].geometry.iloc[0]
    parts = shapely.get_parts(shapely.make_valid(geom))
    # A multi-part municipality keeps only its mainland, where everything is generated.
    mainland = parts[np.argmax(shapely.area(parts))]
    assert isinstance(mainland, shapely.Polygon)
    return mainland


def district_scale(parcels: int) -> float:
    """Linear growth factor of the districts for a parcel count."""
    return math.sqrt(min(parcels / DEFAULT_PARCELS, MAX_DISTRICT_GROWTH))


def initial_plot_scale(parcels: int) -> float:
    """First guess of the linear plot-size factor (1.0 up to the district growth cap)."""
    growth = parcels / DEFAULT_PARCELS
    return math.sqrt(min(growth, MAX_DISTRICT_GROWTH) / growth)


@dataclass(frozen=True)
class Frames:
    """Per-district street-grid frames: origin and rotation of the local (u, v) axes."""

    ox: FloatArray
    oy: FloatArray
    cos: FloatArray
    sin: FloatArray

    def to_world(
        self, district: IntArray, u: FloatArray, v: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """World coordinates of local grid coordinates."""
        c, s = self.cos[district], self.sin[district]
        return self.ox[district] + c * u - s * v, self.oy[district] + s * u + c * v

    def to_local(
        self, district: int, x: FloatArray, y: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Local grid coordinates of world coordinates."""
        dx, dy = x - self.ox[district], y - self.oy[district]
        c, s = self.cos[district], self.sin[district]
        return c * dx + s * dy, -s * dx + c * dy

    def rects(
        self, district: IntArray, u0: FloatArray, u1: FloatArray, v0: FloatArray, v1: FloatArray
    ) -> GeomArray:
        """World polygons of local rectangles [u0, u1] × [v0, v1]."""
        us = np.stack([u0, u1, u1, u0, u0], axis=1)
        vs = np.stack([v0, v0, v1, v1, v0], axis=1)
        d = np.repeat(district[:, None], 5, axis=1)
        x, y = self.to_world(d, us, vs)
        return np.asarray(shapely.polygons(np.stack([x, y], axis=2)), dtype=object)

    def lines(
        self, district: IntArray, u0: FloatArray, v0: FloatArray, u1: FloatArray, v1: FloatArray
    ) -> GeomArray:
        """World line segments between two local points."""
        d = np.stack([district, district], axis=1)
        x, y = self.to_world(d, np.stack([u0, u1], axis=1), np.stack([v0, v1], axis=1))
        return np.asarray(shapely.linestrings(np.stack([x, y], axis=2)), dtype=object)


def make_frames(specs: tuple[DistrictSpec, ...], rng: np.random.Generator) -> Frames:
    """One randomly rotated grid frame per district, centred on the district."""
    angles = rng.uniform(0.0, math.pi / 2, len(specs))
    centres = np.array([spec.centre for spec in specs], dtype=np.float64)
    return Frames(centres[:, 0], centres[:, 1], np.cos(angles), np.sin(angles))
