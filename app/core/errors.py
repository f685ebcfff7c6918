"""Errors as RFC 9457 problem details, with Swedish titles and machine-readable types."""

from typing import Any, ClassVar

from app.core.settings import describe_url

PROBLEM_MEDIA_TYPE = "application/problem+json"


class AppError(Exception):
    """An error the client can act on; rendered as application/problem+json."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = "ogiltig-begaran"
    title: ClassVar[str] = "Ogiltig begäran"

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        self.extra = extra

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        """The problem document of this error."""
        problem: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            problem["instance"] = instance
        problem.update(self.extra)
        return problem


class InvalidInput(AppError):
    """The request's parameters or body are wrong."""


class NotFound(AppError):
    """The resource does not exist."""

    status = 404
    type = "hittades-inte"
    title = "Hittades inte"


class PayloadTooLarge(AppError):
    """The request carries more than the service accepts at once."""

    status = 413
    type = "for-stor-begaran"
    title = "Begäran är för stor"


class UnsupportedMediaType(AppError):
    """The request body is in a format the endpoint does not read."""

    status = 415
    type = "mediatyp-stods-inte"
    title = "Mediatypen stöds inte"


class Conflict(AppError):
    """The request conflicts with the current state of the data."""

    status = 409
    type = "konflikt"
    title = "Konflikt med befintliga data"


class DatabaseUnavailable(AppError):
    """The database cannot be reached."""

    status = 503
    type = "databasen-otillganglig"
    title = "Databasen kan inte nås"

    @classmethod
    def from_url(cls, url: str) -> "DatabaseUnavailable":
        """The error for a database at url (credentials never shown)."""
        return cls(
            f"Tjänsten får ingen kontakt med databasen ({describe_url(url)}). "
            "Försök igen om en stund eller kontakta driften."
        )
