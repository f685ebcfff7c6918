"""How long the text fields of write bodies may be, and which links they may hold.

Declared on the schemas (maxLength and pattern in the OpenAPI document), so the API, the command
line and data files refuse the same values.
"""

from typing import Annotated

from pydantic import BeforeValidator, Field

SLUG_LENGTH = 100
CODE_LENGTH = 16  # a catalogue code (skotselprodukt.kod)
SHORT_TEXT_LENGTH = 100  # a short name, a role, a quality level
NAME_LENGTH = 200
REASON_LENGTH = 1000  # why a write is made (ansvar.orsak)
FREE_TEXT_LENGTH = 4000
PHONE_LENGTH = 50
EMAIL_LENGTH = 254  # RFC 5321's longest forward path
URL_LENGTH = 2000
# A maintenance object's own attributes, as JSON.
MAX_ATTRIBUTES = 100
MAX_ATTRIBUTES_BYTES = 20_000

# Links a browser may follow from the map: the web, e-mail and phone. Never javascript:, data:.
WEB_PATTERN = r"^https?://\S+$"
CONTACT_LINK_PATTERN = r"^(https?://|mailto:|tel:)\S+$"
LINK_SCHEMES = "http:, https:, mailto: eller tel:"
WEB_SCHEMES = "http: eller https:"
# What a link that does not match its pattern is told, over HTTP and on the command line.
LINK_PROBLEMS = {
    CONTACT_LINK_PATTERN: f"ska vara en länk som börjar med {LINK_SCHEMES}",
    WEB_PATTERN: f"ska vara en webbadress som börjar med {WEB_SCHEMES}",
}


def _lower_scheme(value: object) -> object:
    # Schemes are case-insensitive (RFC 3986); the patterns then need only the lower case.
    if isinstance(value, str) and ":" in value:
        scheme, rest = value.split(":", 1)
        if scheme.isascii() and scheme.isalpha():
            return f"{scheme.lower()}:{rest}"
    return value


# The validator after the Field: so the OpenAPI document keeps the pattern.
WebAddress = Annotated[
    str,
    Field(max_length=URL_LENGTH, pattern=WEB_PATTERN, description="http:// eller https://"),
    BeforeValidator(_lower_scheme),
]
ContactLink = Annotated[
    str,
    Field(
        max_length=URL_LENGTH,
        pattern=CONTACT_LINK_PATTERN,
        description="Länk: http://, https://, mailto: eller tel:",
    ),
    BeforeValidator(_lower_scheme),
]
