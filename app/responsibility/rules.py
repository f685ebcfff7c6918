"""The responsibility rules: from the candidates of one point to a ranked, explained answer.

Rules, in order (DESIGN.md §3): 1 nearest point object within its snap distance; 2 nearest
line object; 3 an area object covering the point, by the product's precedence, then the
smaller area; 4 the nearest area object within the gap tolerance; 5 the parcel covering the
point and its owner; otherwise no answer ("ingen"). Points outside the municipality never get
here. With a preferred product, candidates of that product rank first, each still by its rule.
"""

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
class Decision:
    """Which rule decided, by which object or parcel, the runner-ups and any ambiguity."""

    rule: int
    deciding: Candidate | None
    parcel: Parcel | None
    runners_up: list[Candidate]
    ambiguous_with: list[tuple[int, float, str]]

    @property
    def rule_name(self) -> str:
        """The rule's name in the API."""
        return RULE_NAMES[self.rule]


def _sort_key(candidate: Candidate, preferred: str | None) -> tuple[float, ...]:
    preference = 0.0 if preferred is not None and candidate.code == preferred else 1.0
    if candidate.rule == 3:
        return (preference, 3, -candidate.precedence, candidate.area or 0.0, candidate.distance)
    return (preference, candidate.rule, candidate.distance, -candidate.precedence, 0.0)


def rank(candidates: list[Candidate], preferred: str | None = None) -> list[Candidate]:
    """Candidates in the order the rules decide between them."""
    # Full ties go to the older object, so repeated questions get the same answer.
    return sorted(candidates, key=lambda c: (*_sort_key(c, preferred), c.version_id))


def covering_parcel(parcels: list[Parcel]) -> Parcel | None:
    """The parcel that covers the point (the first of several when it lies on a boundary)."""
    return next((p for p in parcels if p.covers), None)


def decide(
    candidates: list[Candidate],
    parcels: list[Parcel],
    *,
    preferred: str | None,
    ambiguity_m: float,
) -> Decision:
    """Apply the rules to the candidates of one point."""
    ranked = rank(candidates, preferred)
    parcel = covering_parcel(parcels)
    if ranked:
        deciding, runners_up = ranked[0], ranked[1:]
        others = [
            (c.accountable_id, c.distance, c.name)
            for c in runners_up
            if c.accountable_id != deciding.accountable_id and c.distance <= ambiguity_m
        ]
        return Decision(deciding.rule, deciding, parcel, runners_up, _first_per_org(others))
    if parcel is not None:
        owners = set(parcel.owner_ids)
        others = [
            (owner, p.distance, p.designation)
            for p in parcels
            if p is not parcel and p.distance <= ambiguity_m
            for owner in p.owner_ids
            if owner not in owners
        ]
        return Decision(5, None, parcel, [], _first_per_org(others))
    return Decision(0, None, None, [], [])


def _first_per_org(items: list[tuple[int, float, str]]) -> list[tuple[int, float, str]]:
    seen: set[int] = set()
    result = []
    for org, distance, what in sorted(items, key=lambda item: item[1]):
        if org not in seen:
            seen.add(org)
            result.append((org, distance, what))
    return result


def metres(value: float) -> str:
    """A distance the Swedish way: '3,2 m'."""
    return f"{value:.1f}".replace(".", ",") + " m"
