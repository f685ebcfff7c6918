"""The importers' per-row rejection rules, as pure functions: each reason, and which comes first."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from app.imports.areas import AreaFacts, area_rejection
from app.imports.objects import FeatureFacts, rejection_reason

# A feature every check lets through.
FEATURE = FeatureFacts(extern_id="A1", legacy_code="GRÄS", product="G2", geometry_problem=None)
# What makes a feature fail each check, with the reason, in the order the checks run.
FEATURE_FAULTS: list[tuple[dict[str, Any], str]] = [
    ({"extern_id": None}, "id-kolumnen ID är tom"),
    ({"kept_copy": "raden 3"}, "id:t förekommer flera gånger i filen; raden 3 behölls"),
    ({"legacy_code": None}, "koden i KOD saknas"),
    ({"product": None}, "koden 'GRÄS' saknar mappning till en skötselprodukt"),
    ({"geometry_problem": "geometrin är tom"}, "geometrin är tom"),
    ({"twin": "B2 (rad 2)"}, "samma produkt och geometri som B2 (rad 2) (dubblett)"),
]

KNOWN = {"parkenheten", "entreprenor-a", "huge"}
# An operations area every check lets through.
AREA = AreaFacts(
    name="Driftområde Norr",
    client="parkenheten",
    performer="entreprenor-a",
    start=date(2025, 1, 1),
    end=date(2027, 12, 31),
)
# The same for areas; "allowed_client" is the client a bound token is limited to.
AREA_FAULTS: list[tuple[dict[str, Any], str]] = [
    ({"name": ""}, "namn saknas"),
    (
        {"client": "okand"},
        "beställaren 'okand' eller utföraren 'entreprenor-a' är ingen känd organisation",
    ),
    ({"allowed_client": "huge"}, "beställaren 'parkenheten' är inte din organisation (huge)"),
    ({"start": None}, "avtalsperioden saknas eller slutar före start"),
    ({"geometry_problem": "ytan korsar sig själv"}, "ytan korsar sig själv"),
]


def _together(faults: list[tuple[dict[str, Any], str]]) -> dict[str, Any]:
    """The faults all at once."""
    combined: dict[str, Any] = {}
    for fault, _ in faults:
        combined |= fault
    return combined


def _feature_reason(faults: dict[str, Any]) -> str | None:
    return rejection_reason(replace(FEATURE, **faults), "ID", "KOD")


def _area_reason(faults: dict[str, Any]) -> str | None:
    changes = dict(faults)
    allowed = changes.pop("allowed_client", None)
    return area_rejection(replace(AREA, **changes), KNOWN, allowed)


def test_a_sound_feature_is_taken() -> None:
    assert _feature_reason({}) is None


@pytest.mark.parametrize(("fault", "reason"), FEATURE_FAULTS, ids=[r for _, r in FEATURE_FAULTS])
def test_each_feature_fault_has_its_reason(fault: dict[str, Any], reason: str) -> None:
    assert _feature_reason(fault) == reason


def test_an_empty_id_is_as_missing_as_none() -> None:
    assert _feature_reason({"extern_id": ""}) == "id-kolumnen ID är tom"


@pytest.mark.parametrize("first", range(len(FEATURE_FAULTS)))
def test_a_feature_gets_the_first_reason_that_applies(first: int) -> None:
    reason = _feature_reason(_together(FEATURE_FAULTS[first:]))
    assert reason == FEATURE_FAULTS[first][1]


def test_a_sound_area_is_taken() -> None:
    assert _area_reason({}) is None
    assert _area_reason({"end": None}) is None  # an open-ended contract
    assert _area_reason({"allowed_client": "parkenheten"}) is None


@pytest.mark.parametrize(("fault", "reason"), AREA_FAULTS, ids=[r for _, r in AREA_FAULTS])
def test_each_area_fault_has_its_reason(fault: dict[str, Any], reason: str) -> None:
    assert _area_reason(fault) == reason


def test_an_unknown_performer_or_a_period_ending_before_it_starts_is_refused() -> None:
    assert _area_reason({"performer": "okand"}) == (
        "beställaren 'parkenheten' eller utföraren 'okand' är ingen känd organisation"
    )
    for end in (date(2025, 1, 1), date(2024, 12, 31)):
        assert _area_reason({"end": end}) == "avtalsperioden saknas eller slutar före start"


@pytest.mark.parametrize("first", range(len(AREA_FAULTS)))
def test_an_area_gets_the_first_reason_that_applies(first: int) -> None:
    assert _area_reason(_together(AREA_FAULTS[first:])) == AREA_FAULTS[first][1]
