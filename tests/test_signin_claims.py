"""The claim mapping: a reviewed file of claim values → role and organisation; first row wins."""

import pytest

from app.core.paths import DATA_DIR
from app.signin.claims import MappingError, claim_values, grant_for, parse_mapping, read_mapping

MAPPING = """# comment
varde,roll,organisation
huge-handlaggare,handlaggare,huge
alla-gis,gis,
alla-lasare,lasare,
"""


def test_the_first_row_the_user_has_decides() -> None:
    mapping = parse_mapping(MAPPING.splitlines())
    assert [g.value for g in mapping] == ["huge-handlaggare", "alla-gis", "alla-lasare"]
    both = grant_for(["alla-lasare", "huge-handlaggare"], mapping)
    assert both is not None
    assert (both.role, both.organisation) == ("handlaggare", "huge"), "file order, not claim order"
    reader = grant_for(["alla-lasare", "okand"], mapping)
    assert reader is not None
    assert (reader.role, reader.organisation) == ("lasare", None)
    assert grant_for(["okand"], mapping) is None
    assert grant_for([], mapping) is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("varde,roll\nx,lasare\n", "kolumnerna"),
        ("varde,roll,organisation\nx,chef,\n", "rollen 'chef' finns inte"),
        ("varde,roll,organisation\nx,handlaggare,\n", "hör till en organisation"),
        ("varde,roll,organisation\n,gis,\n", "värdet saknas"),
    ],
)
def test_a_bad_mapping_is_refused_with_its_line(text: str, why: str) -> None:
    with pytest.raises(MappingError, match=why):
        parse_mapping(text.splitlines())


def test_the_shipped_mapping_is_readable_and_grants_nothing_until_reviewed() -> None:
    # A deployment maps its own provider's values; until then everyone is refused.
    assert read_mapping(DATA_DIR / "oidc_roller.csv") == []


def test_claim_values_are_a_list_or_one_string() -> None:
    assert claim_values({"groups": ["a", "b", 3]}, "groups") == ["a", "b"]
    assert claim_values({"roles": "Ansvarskartan.GIS"}, "roles") == ["Ansvarskartan.GIS"]
    assert claim_values({"groups": {"a": 1}}, "groups") == []
    assert claim_values({}, "groups") == []
