"""E-mail over SMTP: one session per batch, STARTTLS and login as configured.

smtplib is synchronous; the worker calls it in a thread. Once a batch cannot reach the server,
its remaining e-mails fail at once with the same error instead of each waiting for a timeout.
"""

import smtplib
import ssl
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from types import TracebackType
from uuid import UUID

from app.core.settings import Settings
from app.delivery.messages import Email


class PermanentFailure(Exception):
    """The server refused the message for good (5xx for its recipient): retrying cannot help."""


def mail_configured(settings: Settings) -> bool:
    """True when e-mail can be sent: a server and a sender are set."""
    return bool(settings.smtp_host and settings.mail_from)


def message_id_header(message_id: UUID) -> str:
    """The Message-ID of a delivery's e-mail."""
    return f"<{message_id}@ansvarskartan>"


def build_message(settings: Settings, to: str, email: Email, message_id: UUID) -> EmailMessage:
    """The e-mail as sent: plain text in UTF-8, its Message-ID the delivery's id."""
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = email.subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id_header(message_id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(email.body, charset="utf-8")
    return message


class SmtpSession:
    """A connection to the SMTP server, opened at the first message; a context manager."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._unreachable: Exception | None = None

    def __enter__(self) -> "SmtpSession":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        settings = self._settings
        smtp = smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.delivery_timeout_s
        )
        try:
            smtp.ehlo()
            if settings.smtp_starttls:
                # Never send the login or the reports in clear when STARTTLS is asked for.
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one message; PermanentFailure when its recipient is refused for good."""
        if self._unreachable is not None:
            raise self._unreachable
        if self._smtp is None:
            try:
                self._smtp = self._connect()
            except (OSError, smtplib.SMTPException) as exc:
                self._unreachable = exc
                raise
        try:
            self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(f"mottagaren avvisades: {exc.recipients}") from exc
            raise
        except (OSError, smtplib.SMTPServerDisconnected):
            # The connection is gone: the next message opens a new one.
            self.close()
            raise

    def close(self) -> None:
        """End the session (QUIT), quietly when the server is already gone."""
        if self._smtp is None:
            return
        smtp, self._smtp = self._smtp, None
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
