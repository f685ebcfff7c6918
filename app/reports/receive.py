"""A new report's body: JSON, or multipart with the same fields and up to three photos.

Both are read as a stream and refused as soon as they pass their limits: a photo part over
10 MB with 413 while it arrives, the whole body beyond three such photos and the fields.
"""

from dataclasses import dataclass, field
from typing import Any

import orjson
from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from app.core.body import limited_stream, read_limited
from app.core.multipart import PartHeaders
from app.core.problems import InvalidInput, PayloadTooLarge, UnsupportedMediaType
from app.reports.photos import MAX_PHOTO_BYTES, MAX_PHOTOS, PhotoTooLarge
from app.reports.schemas import ReportIn

MAX_JSON_BYTES = 64 * 1024
MAX_FIELD_BYTES = 16 * 1024
PHOTO_FIELD = "foto"
_FORM_SLACK_BYTES = 256 * 1024
# The contact's fields in a form: kontakt_namn, kontakt_epost, kontakt_telefon.
_CONTACT_PREFIX = "kontakt_"
_FORM_FIELDS = ("lon", "lat", "x", "y", "crs", "kategori", "beskrivning")
_CONTACT_FIELDS = ("namn", "epost", "telefon")


@dataclass
class IncomingReport:
    """The report's fields, validated, and its photos as sent (not yet decoded)."""

    report: ReportIn
    photos: list[bytes] = field(default_factory=list)


class _Form(PartHeaders):
    """Callbacks of the streaming parser: the fields' values and the photos' bytes."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self.photos: list[bytearray] = []
        self.name = ""
        self.is_photo = False
        self.value = bytearray()

    def part_begin(self) -> None:
        self.headers, self.name, self.is_photo, self.value = {}, "", False, bytearray()

    def headers_finished(self) -> None:
        self.name, options = self.part_disposition()
        if b"filename" in options:
            if self.name != PHOTO_FIELD:
                raise InvalidInput(f"Filer skickas i fältet {PHOTO_FIELD}, inte {self.name}.")
            if len(self.photos) == MAX_PHOTOS:
                raise InvalidInput(f"Högst {MAX_PHOTOS} foton tas emot.")
            self.is_photo = True
            self.photos.append(bytearray())

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.is_photo:
            photo = self.photos[-1]
            photo += data[start:end]
            if len(photo) > MAX_PHOTO_BYTES:
                raise PhotoTooLarge(
                    f"Foto {len(self.photos)} är större än {MAX_PHOTO_BYTES // 2**20} MB."
                )
            return
        self.value += data[start:end]
        if len(self.value) > MAX_FIELD_BYTES:
            raise PayloadTooLarge(f"Fältet {self.name} är längre än {MAX_FIELD_BYTES} byte.")

    def part_end(self) -> None:
        if self.is_photo:
            return
        if self.name in self.fields:
            raise InvalidInput(f"Fältet {self.name} finns två gånger.")
        try:
            self.fields[self.name] = self.value.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(f"Fältet {self.name} är inte UTF-8.") from exc


def _validated(data: Any) -> ReportIn:
    try:
        return ReportIn.model_validate(data)
    except ValidationError as exc:
        # Rendered like any other invalid body (ogiltig-parameter, 400).
        raise RequestValidationError(exc.errors(include_url=False)) from exc


def _from_form(fields: dict[str, str]) -> ReportIn:
    unknown = sorted(
        name
        for name in fields
        if name not in _FORM_FIELDS and name.removeprefix(_CONTACT_PREFIX) not in _CONTACT_FIELDS
    )
    if unknown:
        raise InvalidInput(f"Okända fält i formuläret: {', '.join(unknown)}.")
    given = {k: v for k, v in fields.items() if v.strip()}
    contact = {
        name: given[_CONTACT_PREFIX + name]
        for name in _CONTACT_FIELDS
        if _CONTACT_PREFIX + name in given
    }
    data: dict[str, Any] = {k: given[k] for k in _FORM_FIELDS if k in given}
    if contact:
        data["kontakt"] = contact
    return _validated(data)


async def _multipart(request: Request, boundary: bytes) -> IncomingReport:
    form = _Form()
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": form.part_begin,
            "on_part_data": form.part_data,
            "on_part_end": form.part_end,
            "on_header_field": form.header_field_data,
            "on_header_value": form.header_value_data,
            "on_header_end": form.header_end,
            "on_headers_finished": form.headers_finished,
        },
    )
    limit = MAX_PHOTOS * MAX_PHOTO_BYTES + _FORM_SLACK_BYTES
    try:
        async for chunk in limited_stream(request, limit):
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise InvalidInput("Formuläret (multipart/form-data) gick inte att läsa.") from exc
    return IncomingReport(_from_form(form.fields), [bytes(p) for p in form.photos])


async def receive_report(request: Request) -> IncomingReport:
    """The new report in the request's body (JSON or multipart/form-data)."""
    media, options = parse_options_header(request.headers.get("content-type"))
    if media == b"multipart/form-data":
        if not options.get(b"boundary"):
            raise InvalidInput("multipart/form-data saknar boundary.")
        return await _multipart(request, options[b"boundary"])
    if media not in (b"application/json", b""):
        raise UnsupportedMediaType(
            f"Mediatypen '{media.decode('latin-1')}' stöds inte; skicka application/json eller "
            "multipart/form-data (med foton)."
        )
    body = await read_limited(request, MAX_JSON_BYTES)
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput("Kroppen är inte giltig JSON.") from exc
    if not isinstance(data, dict):
        raise InvalidInput("Kroppen ska vara ett JSON-objekt.")
    return IncomingReport(_validated(data))
