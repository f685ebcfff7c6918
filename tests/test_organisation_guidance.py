"""An organisation's guidance (vagledning): written by the JSON import, the command line and the
API, listed by them, and limited like other free text."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from app.access.tokens import create_token
from app.core.problems import InvalidInput
from app.core.text_limits import FREE_TEXT_LENGTH
from app.organisations.service import parse_organisations
from tests.commands import run_cli

SLUG = "vagledning-test"
GUIDANCE = "Marken sköts av föreningen; frågor besvaras av styrelsen."


def _stored(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT vagledning FROM organisation WHERE slug = :slug"), {"slug": SLUG}
        ).scalar_one_or_none()


@pytest.fixture
def admin_headers(engine: Engine) -> Iterator[dict[str, str]]:
    """An admin token's header, removed afterwards."""
    with engine.begin() as conn:
        token_id, token = create_token(conn, name="test", role="admin", organisation=None, days=1)
    yield {"Authorization": f"Bearer {token}"}
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM api_token WHERE id = :id"), {"id": token_id})


@pytest.fixture
def cleanup(engine: Engine) -> Iterator[None]:
    """The test's organisation is removed afterwards (the CLI and the API commit)."""
    yield
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM organisation WHERE slug = :slug"), {"slug": SLUG})


@pytest.mark.usefixtures("cleanup")
def test_the_command_line_writes_changes_lists_and_removes_guidance(
    engine: Engine, tmp_path: Path
) -> None:
    def cli(*args: str) -> str:
        done = run_cli(engine, "organisation", *args)
        assert done.returncode == 0, done.stderr
        return done.stdout

    cli("skapa", SLUG, "--namn", "Testföreningen", "--typ", "forening", "--vagledning", GUIDANCE)
    assert _stored(engine) == GUIDANCE
    assert f"Vägledning: {GUIDANCE}" in cli("lista")
    listed = [o for o in json.loads(cli("lista", "--json")) if o["slug"] == SLUG]
    assert listed[0]["vagledning"] == GUIDANCE

    assert "vagledning" in cli("andra", SLUG, "--vagledning", "Ring styrelsen.")
    assert _stored(engine) == "Ring styrelsen."
    cli("andra", SLUG, "--vagledning", "")
    assert _stored(engine) is None

    data = tmp_path / "organisationer.json"
    data.write_text(
        json.dumps(
            [{"slug": SLUG, "namn": "Testföreningen", "typ": "forening", "vagledning": GUIDANCE}]
        ),
        encoding="utf-8",
    )
    assert "0 nya, 1 ändrade" in cli("importera", str(data))
    assert _stored(engine) == GUIDANCE
    # A file without the field leaves the guidance as it is.
    data.write_text(
        json.dumps([{"slug": SLUG, "namn": "Testföreningen", "typ": "forening"}]), encoding="utf-8"
    )
    assert "0 nya, 0 ändrade, 1 oförändrade" in cli("importera", str(data))
    assert _stored(engine) == GUIDANCE


def test_guidance_longer_than_free_text_is_refused_in_one_line() -> None:
    raw = json.dumps(
        [{"slug": SLUG, "namn": "T", "typ": "forening", "vagledning": "x" * (FREE_TEXT_LENGTH + 1)}]
    ).encode()
    with pytest.raises(InvalidInput, match=f"vagledning får vara högst {FREE_TEXT_LENGTH} tecken"):
        parse_organisations(raw, "organisationer.json")


def test_the_database_refuses_empty_or_too_long_guidance(engine: Engine) -> None:
    for value in ("", "x" * (FREE_TEXT_LENGTH + 1)):
        # Closing the connection rolls its transaction back.
        with engine.connect() as conn, pytest.raises(IntegrityError, match="vagledning_length"):
            conn.execute(
                text("UPDATE organisation SET vagledning = :v WHERE slug = 'privat'"),
                {"v": value},
            )


@pytest.mark.usefixtures("cleanup")
def test_the_api_writes_and_lists_guidance(
    client: TestClient, engine: Engine, admin_headers: dict[str, str]
) -> None:
    body = {"slug": SLUG, "namn": "Testföreningen", "typ": "forening", "vagledning": GUIDANCE}
    saved = client.put(
        f"/api/v1/organisationer/{SLUG}", params={"orsak": "test"}, json=body, headers=admin_headers
    )
    assert saved.status_code == 204, saved.text
    listed = {o["slug"]: o for o in client.get("/api/v1/organisationer").json()}
    assert listed[SLUG]["vagledning"] == GUIDANCE
    assert "kontaktcenter" in listed["privat"]["vagledning"]
    too_long = client.put(
        f"/api/v1/organisationer/{SLUG}",
        params={"orsak": "test"},
        json=body | {"vagledning": "x" * (FREE_TEXT_LENGTH + 1)},
        headers=admin_headers,
    )
    assert too_long.status_code == 400
    assert _stored(engine) == GUIDANCE
