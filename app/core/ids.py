"""Row ids as requests give them: whole numbers 1..2,147,483,647 (PostgreSQL integer)."""

import re
from typing import Annotated

from fastapi import Path

MAX_ROW_ID = 2_147_483_647
# ASCII digits only: int() also reads other scripts' digits ('٣' is 3).
_ROW_ID = re.compile(r"[0-9]{1,10}")

# A path id outside this range names nothing: the validation handler answers 404 for it.
RowIdPath = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="Id (heltal)")]


def parse_row_id(value: str) -> int | None:
    """The id value spells in ASCII digits, or None when no row can have it."""
    if not _ROW_ID.fullmatch(value):
        return None
    number = int(value)
    return number if 1 <= number <= MAX_ROW_ID else None
