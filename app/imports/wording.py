"""How import messages name an option: the form field over HTTP, the command-line flag otherwise."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_over_http: ContextVar[bool] = ContextVar("import_over_http", default=False)


@contextmanager
def over_http() -> Iterator[None]:
    """Word the import messages given inside this block for an HTTP upload."""
    token = _over_http.set(True)
    try:
        yield
    finally:
        _over_http.reset(token)


def option(flag: str, form_field: str, *, http: bool | None = None) -> str:
    """The option as the caller gives it (http: None for the caller of this context)."""
    return f"fältet {form_field}" if (_over_http.get() if http is None else http) else flag


def is_over_http() -> bool:
    """Whether the import messages given now are for an HTTP upload."""
    return _over_http.get()
