"""How uvicorn runs the service: the protocol with the head limits, the timeouts, no proxies.

`ansvarskartan serve` passes these options; the tests' servers run that command, so they meet
the same limits. uvicorn reads no X-Forwarded-* headers: the application believes them only
from the addresses in ANSVAR_TRUSTED_PROXIES (`app.main`), the same under any server.
"""

from typing import Any

from app.core.settings import Settings

HTTP_PROTOCOL = "app.core.http_protocol:LimitedHttpToolsProtocol"


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for uvicorn.run / uvicorn.Config beside the app and the address."""
    return {
        "http": HTTP_PROTOCOL,
        "proxy_headers": False,
        "timeout_keep_alive": settings.keep_alive_timeout_s,
        "server_header": False,
    }
