"""Bearer headers of API tokens for the HTTP tests, made in the test database and removed after."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Engine, text

from app.access.tokens import create_token

Headers = dict[str, str]


@contextmanager
def bearer_headers(
    engine: Engine, prefix: str, roles: Mapping[str, str | None]
) -> Iterator[dict[str, Headers]]:
    """Headers per role (bound to the organisation's slug given), as tokens named by prefix."""
    headers: dict[str, Headers] = {}
    with engine.begin() as conn:
        for role, organisation in roles.items():
            _, token = create_token(
                conn, name=f"{prefix} {role}", role=role, organisation=organisation, days=1
            )
            headers[role] = {"Authorization": f"Bearer {token}"}
    try:
        yield headers
    finally:
        with engine.begin() as conn:
            conn.execute(
                text("DELETE FROM api_token WHERE namn LIKE :names"), {"names": f"{prefix} %"}
            )
