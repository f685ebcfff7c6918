"""The responsibility rules: from the candidates of one point to a ranked, explained answer.

Rules, in order (DESIGN.md §3): 1 the nearest point object within the click's tolerance; 2 the
nearest line object within it; 3 an area object covering the point, by the product's
precedence, then the smaller area; 4 the nearest area object within the gap tolerance; 5 the
parcel covering the point and its owner; otherwise no answer ("ingen"). Points outside the
municipality never get here.

With preferred products (a product or a fault category named in the request), candidates of
those products rank first, each still by its rule, and their point and line objects decide
from the snap distance (asset snapping) instead of the click's tolerance.

A point or line object within the snap distance that may not decide is still a candidate: it
ranks after the covering areas, and when an area or a parcel decides (not a nearer object) and
it belongs to another organisation, the answer is ambiguous: the click may have meant it.
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

RULE_NAMES = {
    1: "punktobjekt",
    2: "linjeobjekt",
    3: "tackande-yta",
    4: "narliggande-yta",
    5: "fastighet",
    0: "ingen",
}
# What a click means without a tolerance of its own: a finger's or a cursor's few metres.
DEFAULT_CLICK_M = 3.0
# A candidate that may not decide ranks after the covering areas (3), before the nearby ones (4).
_NOT_DECIDING = 3.5


@dataclass(frozen=True)
class Tolerances:
    """Distances in metres that the rules use.

    point_m and line_m are the snap distances of objects of a preferred product; click_m is
    the click's own tolerance, within which any point or line object decides.
    """

    point_m: float
    line_m: float
    area_gap_m: float
    ambiguity_m: float
    click_m: float = DEFAULT_CLICK_M

    @property
    def reach_m(self) -> float:
        """How far point and line objects are looked for: the farthest any of them decides."""
        return max(self.point_m, self.line_m, self.click_m)

    def deciding_distance(self, kind: str, preferred: bool) -> float:
        """Within how many metres a point or line object may decide."""
        if not preferred:
            return self.click_m
        return max(self.point_m if kind == "punkt" else self.line_m, self.click_m)


@dataclass(frozen=True)
class Candidate:
    """A maintenance object near the point, as the candidate query returns it."""

    rule: int
    object_id: str
    version_id: int
    extern_id: str | None
    code: str
    name: str
    kind: str
    accountable_id: int
    distance: float
    precedence: int
    area: float | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Candidate":
        """A candidate from one element of the query's kandidater array."""
        return cls(
            rule=int(row["regel"]),
            object_id=str(row["id"]),
            version_id=int(row["version_id"]),
            extern_id=row.get("extern_id"),
            code=row["kod"],
            name=row["namn"],
            kind=row["geometrityp"],
            accountable_id=int(row["huvudman_id"]),
            distance=float(row["avstand"]),
            precedence=int(row["prioritet"]),
            area=row.get("yta"),
        )


@dataclass(frozen=True)
class Parcel:
    """A parcel near (or covering) the point, with its current owners."""

    id: int
    designation: str
    covers: bool
    distance: float
    owner_ids: tuple[int, ...]

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Parcel":
        """A parcel from one element of the query's fastigheter array."""
        return cls(
            id=int(row["id"]),
            designation=row["beteckning"],
            covers=bool(row["tacker"]),
            distance=float(row["avstand"]),
            owner_ids=tuple(int(o) for o in row["agare"] or ()),
        )


@dataclass(frozen=True)
class Neighbour:
    """Another responsible organisation close to the point, through an object or a parcel."""

    organisation_id: int
    distance: float
    what: str
    candidate: Candidate | None = None
    parcel: Parcel | None = None


@dataclass(frozen=True)
class Decision:
    """Which rule decided, by which object or parcel, the runner-ups and any ambiguity."""

    rule: int
    deciding: Candidate | None
    parcel: Parcel | None
    runners_up: list[Candidate]
    ambiguous_with: list[Neighbour]

    @property
    def rule_name(self) -> str:
        """The rule's name in the API."""
        return RULE_NAMES[self.rule]


def may_decide(candidate: Candidate, preferred: Collection[str], tolerances: Tolerances) -> bool:
    """Whether the rules let this candidate decide: areas always, objects within their reach."""
    if candidate.rule in (3, 4):
        return True
    reach = tolerances.deciding_distance(candidate.kind, candidate.code in preferred)
    return candidate.distance <= reach


def _sort_key(
    candidate: Candidate, preferred: Collection[str], deciding: bool
) -> tuple[float, ...]:
    if not deciding:
        return (1.0, _NOT_DECIDING, candidate.distance, -candidate.precedence, 0.0)
    preference = 0.0 if candidate.code in preferred else 1.0
    if candidate.rule == 3:
        return (preference, 3, -candidate.precedence, candidate.area or 0.0, candidate.distance)
    return (preference, candidate.rule, candidate.distance, -candidate.precedence, 0.0)


def rank(
    candidates: list[Candidate], preferred: Collection[str], tolerances: Tolerances
) -> list[tuple[Candidate, bool]]:
    """Candidates in the order the rules decide between them, each with whether it may decide."""
    marked = [(c, may_decide(c, preferred, tolerances)) for c in candidates]
    # Full ties go to the older object, so repeated questions get the same answer.
    return sorted(marked, key=lambda m: (*_sort_key(m[0], preferred, m[1]), m[0].version_id))


def covering_parcel(parcels: list[Parcel]) -> Parcel | None:
    """The parcel that covers the point (the first of several when it lies on a boundary)."""
    return next((p for p in parcels if p.covers), None)


def _through(candidate: Candidate) -> Neighbour:
    return Neighbour(candidate.accountable_id, candidate.distance, candidate.name, candidate)


def decide(
    candidates: list[Candidate],
    parcels: list[Parcel],
    *,
    preferred: Collection[str] = (),
    tolerances: Tolerances,
) -> Decision:
    """Apply the rules to the candidates of one point."""
    ranked = rank(candidates, preferred, tolerances)
    deciding = next((c for c, may in ranked if may), None)
    runners_up = [c for c, _ in ranked if c is not deciding]
    out_of_reach = [c for c, may in ranked if not may]
    parcel = covering_parcel(parcels)
    ambiguity_m = tolerances.ambiguity_m
    if deciding is not None:
        others = [
            _through(c)
            for c in runners_up
            if c.accountable_id != deciding.accountable_id and c.distance <= ambiguity_m
        ]
        if deciding.rule in (3, 4):
            # The click may have meant an object just outside its tolerance.
            others += [
                _through(c) for c in out_of_reach if c.accountable_id != deciding.accountable_id
            ]
        return Decision(deciding.rule, deciding, parcel, runners_up, _first_per_org(others))
    if parcel is not None:
        owners = set(parcel.owner_ids)
        others = [
            Neighbour(owner, p.distance, p.designation, parcel=p)
            for p in parcels
            if p is not parcel and p.distance <= ambiguity_m
            for owner in p.owner_ids
            if owner not in owners
        ]
        others += [_through(c) for c in out_of_reach if c.accountable_id not in owners]
        return Decision(5, None, parcel, runners_up, _first_per_org(others))
    return Decision(0, None, None, runners_up, _first_per_org([_through(c) for c in out_of_reach]))


def _first_per_org(items: list[Neighbour]) -> list[Neighbour]:
    seen: set[int] = set()
    result = []
    for item in sorted(items, key=lambda item: item.distance):
        if item.organisation_id not in seen:
            seen.add(item.organisation_id)
            result.append(item)
    return result


def metres(value: float) -> str:
    """A distance the Swedish way: '3,2 m'."""
    return f"{value:.1f}".replace(".", ",") + " m"


def plain_name(name: str) -> str:
    """A product's name as it reads inside a sentence: 'Park-/solitärträd' → 'park- eller
    solitärträd'."""
    words = name.replace("-/", "- eller ").replace("/", " eller ")
    if len(words) > 1 and words[1].islower():
        words = words[0].lower() + words[1:]
    return words
