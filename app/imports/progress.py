"""Progress of an import's long steps: a bar on the command line, silent everywhere else."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class ProgressReporter(Protocol):
    """Shows the steps of an import as they run."""

    def begin(self, step: str, total: int | None) -> None:
        """A step starts; total is its amount of work when known."""

    def advance(self, amount: int) -> None:
        """Some of the current step's work is done."""

    def end(self) -> None:
        """The current step is done."""


class _Silent:
    def begin(self, step: str, total: int | None) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass

    def end(self) -> None:
        pass


# The step that writes to the database; a dry run's reporter names it for what it is there.
WRITING = "Skriver till databasen"
_SILENT = _Silent()
_reporter: ContextVar[ProgressReporter | None] = ContextVar("import_progress", default=None)


@contextmanager
def reporting(reporter: ProgressReporter) -> Iterator[None]:
    """Report the steps of the imports run inside this block to reporter."""
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


@contextmanager
def step(name: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """One step of an import; the block gets a function to call with work done."""
    reporter = _reporter.get() or _SILENT
    reporter.begin(name, total)
    try:
        yield reporter.advance
    finally:
        reporter.end()
