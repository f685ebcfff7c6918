"""in_transaction, the owner of synchronous work: commit, dry run, error, a refused commit."""

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import Connection, Engine, text

from app.core.db import NotSaved, in_transaction


@pytest.fixture
def scratch(engine: Engine) -> Iterator[None]:
    """A table whose unique key is checked only at commit."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE test_in_transaction (n int,"
                " CONSTRAINT n_unique UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE test_in_transaction"))


def _insert(*values: int) -> Callable[[Connection], int]:
    def insert(conn: Connection) -> int:
        for n in values:
            conn.execute(text("INSERT INTO test_in_transaction VALUES (:n)"), {"n": n})
        return len(values)

    return insert


def _stored(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT n FROM test_in_transaction ORDER BY n")).scalars())


@pytest.mark.usefixtures("scratch")
def test_work_is_committed_and_its_result_returned(engine: Engine) -> None:
    assert in_transaction(engine, _insert(1, 2)) == 2
    assert _stored(engine) == [1, 2]


@pytest.mark.usefixtures("scratch")
def test_a_dry_run_returns_the_result_and_stores_nothing(engine: Engine) -> None:
    assert in_transaction(engine, _insert(1), dry_run=True) == 1
    assert _stored(engine) == []


@pytest.mark.usefixtures("scratch")
def test_work_that_fails_stores_nothing(engine: Engine) -> None:
    def fails(conn: Connection) -> None:
        _insert(1)(conn)
        raise RuntimeError("fel")

    with pytest.raises(RuntimeError):
        in_transaction(engine, fails)
    assert _stored(engine) == []


@pytest.mark.usefixtures("scratch")
def test_a_commit_the_database_refuses_is_a_problem(engine: Engine) -> None:
    with pytest.raises(NotSaved) as refused:
        in_transaction(engine, _insert(1, 1))
    assert refused.value.status == 409
    assert "n_unique" in refused.value.detail
    assert _stored(engine) == []
