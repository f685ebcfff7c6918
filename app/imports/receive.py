"""An upload's multipart body, parsed as it streams in: the file to disk, the fields kept."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from fastapi import Request
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool

from app.core.body import limited_stream
from app.core.multipart import PartHeaders
from app.core.problems import InvalidInput, PayloadTooLarge, UnsupportedMediaType

MAX_FIELD_BYTES = 64 * 1024
FORM_SLACK_BYTES = 1024 * 1024  # room for the form fields and the part headers


@dataclass
class ReceivedForm:
    """The fields of an upload (a name may repeat) and the file part, saved to disk."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    file_path: Path | None = None
    file_name: str | None = None
    file_size: int = 0

    def one(self, name: str) -> str | None:
        """The last value of a field, or None when it was not sent."""
        values = self.fields.get(name)
        return values[-1] if values else None


class _Collector(PartHeaders):
    """Callbacks for the streaming parser: headers per part, field values, file bytes."""

    def __init__(self, file_field: str, file_path: Path, file_limit: int) -> None:
        super().__init__()
        self.form = ReceivedForm()
        self.file_field, self.target, self.file_limit = file_field, file_path, file_limit
        self.name: str | None = None
        self.is_file = False
        self.value = bytearray()
        self.pending: list[bytes] = []
        self.out: BinaryIO | None = None

    def part_begin(self) -> None:
        self.headers, self.name, self.is_file, self.value = {}, None, False, bytearray()

    def headers_finished(self) -> None:
        self.name, options = self.part_disposition()
        self.is_file = self.name == self.file_field and b"filename" in options
        if self.is_file:
            if self.form.file_path is not None:
                raise InvalidInput(f"Skicka bara en fil i fältet {self.file_field}.")
            self.form.file_name = options[b"filename"].decode("utf-8", "replace")
            self.form.file_path = self.target

    def part_data(self, data: bytes, start: int, end: int) -> None:
        if self.is_file:
            self.form.file_size += end - start
            if self.form.file_size > self.file_limit:
                raise PayloadTooLarge(f"Filen är större än {self.file_limit // 2**20} MB.")
            self.pending.append(data[start:end])
            return
        self.value += data[start:end]
        if len(self.value) > MAX_FIELD_BYTES:
            raise PayloadTooLarge(f"Fältet {self.name} är längre än {MAX_FIELD_BYTES} byte.")

    def part_end(self) -> None:
        if not self.is_file and self.name is not None:
            try:
                text = self.value.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise InvalidInput(f"Fältet {self.name} är inte UTF-8.") from exc
            self.form.fields.setdefault(self.name, []).append(text)

    async def flush(self) -> None:
        """Write the file bytes that have arrived since the last flush."""
        if not self.pending:
            return
        chunk, self.pending = b"".join(self.pending), []
        if self.out is None:
            self.out = self.target.open("wb")
        await run_in_threadpool(self.out.write, chunk)

    def close(self) -> None:
        """Close the file part's file, if one was opened."""
        if self.out is not None:
            self.out.close()


def _boundary(request: Request) -> bytes:
    media, options = parse_options_header(request.headers.get("content-type"))
    if media != b"multipart/form-data":
        raise UnsupportedMediaType("Skicka filen som multipart/form-data.")
    if not options.get(b"boundary"):
        raise InvalidInput("multipart/form-data saknar boundary.")
    return options[b"boundary"]


async def receive_form(
    request: Request, file_field: str, file_path: Path, file_limit: int
) -> ReceivedForm:
    """Parse the multipart body as it arrives; 413 as soon as the file passes file_limit."""
    collector = _Collector(file_field, file_path, file_limit)
    parser = MultipartParser(
        _boundary(request),
        {
            "on_part_begin": collector.part_begin,
            "on_part_data": collector.part_data,
            "on_part_end": collector.part_end,
            "on_header_field": collector.header_field_data,
            "on_header_value": collector.header_value_data,
            "on_header_end": collector.header_end,
            "on_headers_finished": collector.headers_finished,
        },
    )
    try:
        async for chunk in limited_stream(request, file_limit + FORM_SLACK_BYTES):
            parser.write(chunk)
            await collector.flush()
        parser.finalize()
    except FormParserError as exc:
        raise InvalidInput("Formuläret (multipart/form-data) gick inte att läsa.") from exc
    finally:
        collector.close()
    if collector.form.file_path is not None and not file_path.exists():
        file_path.touch()  # an empty file part
    return collector.form
