"""From an identity provider's claim to our role and organisation: a reviewed mapping file.

The file (ANSVAR_OIDC_MAPPING_FILE, data/oidc_roller.csv by default) has the columns
`varde,roll,organisation`: a value of the claim (ANSVAR_OIDC_CLAIM: an Entra ID group's object
id, an app role's value, a group name), the role it gives and the organisation's slug (empty for
lasare, gis and admin, which act for everyone; required for entreprenor and handlaggare). Lines
starting with # are comments. A user with several mapped values gets the first row in the file
that matches: put the rows that should win first. A user with none is refused.
"""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.models.access import BOUND_ROLES, ROLES

COLUMNS = ("varde", "roll", "organisation")


class MappingError(ValueError):
    """The mapping file cannot be used; the message names the line."""


@dataclass(frozen=True)
class Grant:
    """One row of the mapping: a claim value and the role and organisation it gives."""

    value: str
    role: str
    organisation: str | None


def parse_mapping(lines: Iterable[str], source: str = "mappningen") -> list[Grant]:
    """The rows of a mapping file's text, in order; MappingError on a bad row."""
    content = [line for line in lines if not line.lstrip().startswith("#")]
    reader = csv.DictReader(content)
    if reader.fieldnames is None or not set(COLUMNS) <= {f.strip() for f in reader.fieldnames}:
        raise MappingError(f"{source}: kolumnerna {', '.join(COLUMNS)} behövs")
    grants = []
    for number, row in enumerate(reader, start=2):
        cells = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        value, role, organisation = (cells.get(column, "") for column in COLUMNS)
        if not value and not role and not organisation:
            continue
        if not value:
            raise MappingError(f"{source}, rad {number}: värdet saknas")
        if role not in ROLES:
            raise MappingError(
                f"{source}, rad {number}: rollen '{role}' finns inte; välj {', '.join(ROLES)}"
            )
        if role in BOUND_ROLES and not organisation:
            raise MappingError(f"{source}, rad {number}: rollen {role} hör till en organisation")
        grants.append(Grant(value, role, organisation or None))
    return grants


def read_mapping(path: Path) -> list[Grant]:
    """The mapping file's rows, in order."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise MappingError(f"{path}: kan inte läsas ({exc.strerror})") from exc
    return parse_mapping(text.splitlines(), str(path))


def claim_values(claims: dict[str, Any], claim: str) -> list[str]:
    """The values of a claim: a list of strings, or one string; nothing for anything else."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def grant_for(values: Iterable[str], mapping: list[Grant]) -> Grant | None:
    """The first row of the mapping whose value the user has; None when no row matches."""
    held = set(values)
    return next((grant for grant in mapping if grant.value in held), None)
