"""Where a browser goes after signing in: a path of this service, never another site."""

from urllib.parse import urlencode, urlsplit

MAX_DESTINATION_LENGTH = 1000
HOME = "/"


def local_path(value: str | None) -> str:
    """value when it is a path on this service (query and fragment allowed); else "/".

    "//host" and "/\\host" are other sites to a browser, and so is anything with a scheme.
    """
    if not value or len(value) > MAX_DESTINATION_LENGTH or not value.startswith("/"):
        return HOME
    if value.startswith("//") or "\\" in value or any(ord(c) < 0x21 for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value


def sign_in_page(error: str | None = None, destination: str = HOME) -> str:
    """The sign-in page's address, with an error code for the page to explain."""
    query: dict[str, str] = {}
    if error:
        query["fel"] = error
    if destination != HOME:
        query["nasta"] = destination
    return "/inloggning" + (f"?{urlencode(query)}" if query else "")
