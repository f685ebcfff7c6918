"""What every streamed multipart body shares: each part's headers and its form-data name."""

from python_multipart.multipart import parse_options_header

from app.core.problems import InvalidInput


class PartHeaders:
    """Callbacks of python_multipart's streaming parser that collect a part's headers.

    A subclass takes the parts' data (part_begin, headers_finished, part_data, part_end) and
    reads the part's name and options with part_disposition().
    """

    def __init__(self) -> None:
        self.header_field = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}

    def header_field_data(self, data: bytes, start: int, end: int) -> None:
        """A piece of a header's name."""
        self.header_field += data[start:end]

    def header_value_data(self, data: bytes, start: int, end: int) -> None:
        """A piece of a header's value."""
        self.header_value += data[start:end]

    def header_end(self) -> None:
        """One header of the part is complete."""
        self.headers[self.header_field.strip().lower()] = self.header_value.strip()
        self.header_field, self.header_value = b"", b""

    def part_disposition(self) -> tuple[str, dict[bytes, bytes]]:
        """The part's form-data name and its Content-Disposition options (filename, …)."""
        disposition, options = parse_options_header(self.headers.get(b"content-disposition"))
        if disposition != b"form-data" or b"name" not in options:
            raise InvalidInput("En del av formuläret saknar Content-Disposition med namn.")
        return options[b"name"].decode("utf-8", "replace"), options
