"""One file out of a multipart/form-data body, read as the body arrives.

Why not FastAPI's `UploadFile`: Starlette receives the whole body before the handler
runs, spooling files past 1 MiB to the system's temp folder. A chunked body declares no
length, so `ensure_request_size` cannot stop it, and a client could fill the temp folder
with a body of any size; and its bytes would be written outside the portal's storage.
Here the file part's bytes go straight from the socket into `FileStore` (which counts
them and stops at the limit), so nothing lands anywhere else, and a dropped connection
surfaces as an error inside the store's read loop, which removes its temp file.

- `MultipartFile.open()` reads up to the end of the headers of the part named `file`
  and returns its file name, so the name and the file count are checked before a byte
  of content is stored. `read(size)` then gives that part's bytes (what
  `files.accept_upload` reads), and `finish()` reads the rest of the body, which must
  be a well-formed ending.
- Other parts are skipped, at most `MAX_OTHER_BYTES` of them (headers included); a
  second `file` part is refused (one file an upload, so its answer is one attachment).
- The file name is taken exactly as sent: no folder is stripped (python-multipart drops
  the folder of `C:\\...` names, for old browsers; here the naming rule refuses it and
  says why). Of the quoted-string escapes only a backslash before a backslash or a
  quote is undone (browsers send a path's backslashes as they are), and so is the
  HTML5 form encoding that browsers and httpx apply (`%22` for a quote, `%0A` and the
  like for control characters), so a name is checked as its sender typed it.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator
from email.utils import collapse_rfc2231_value, decode_rfc2231
from typing import Final

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain.i18n import N_, _
from cc_tui.server.errors import ApiError

FILE_FIELD: Final = "file"
MAX_OTHER_BYTES: Final = 64 * 1024
MAX_HEADER_BYTES: Final = 8 * 1024

_FORM_ESCAPE = re.compile(r"%(22|[01][0-9A-Fa-f])")
_SEND_AS = N_(
    "Send the document as multipart/form-data with the file in a field named 'file' "
    "(curl: -F 'file=@Supporting Document_ECS00012345_B01234.pdf')."
)


def malformed(detail: str) -> ApiError:
    return ApiError(
        400,
        ProblemCode.MALFORMED,
        detail,
        _("Nothing was stored. Attach the file again; if it keeps failing, check your connection."),
    )


def _no_file(detail: str) -> ApiError:
    return ApiError(
        422,
        ProblemCode.VALIDATION_FAILED,
        detail,
        _(_SEND_AS),
        [FieldError(field=FILE_FIELD, message=_("No file was sent in this field."))],
    )


def _split_params(value: str) -> list[str]:
    """`form-data; name="file"; filename="a;b.pdf"` split at semicolons outside quotes."""
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in value:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            current.append(char)
            escaped = True
        elif char == '"':
            current.append(char)
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [part.strip() for part in parts]


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        # Only \\ and \" are escapes: browsers send a Windows path's backslashes as
        # they are, and the naming rule must see them to refuse the folder.
        return re.sub(r'\\([\\"])', r"\1", value[1:-1])
    return value


def parse_disposition(header: bytes) -> dict[str, str]:
    """The parameters of a part's Content-Disposition (names lower-cased).

    `filename*` (RFC 2231) is read when no plain `filename` is given.
    """
    text = header.decode("utf-8", errors="replace")
    params: dict[str, str] = {}
    for segment in _split_params(text)[1:]:
        key, sep, raw = segment.partition("=")
        if not sep:
            continue
        key = key.strip().lower()
        if key == "filename*":
            try:
                params.setdefault("filename*", collapse_rfc2231_value(decode_rfc2231(raw.strip())))
            except (LookupError, ValueError):
                params.setdefault("filename*", raw.strip())
            continue
        params.setdefault(key, _unquote(raw.strip()))
    if "filename" not in params and "filename*" in params:
        params["filename"] = params["filename*"]
    if "filename" in params:
        params["filename"] = _FORM_ESCAPE.sub(
            lambda m: chr(int(m.group(1), 16)), params["filename"]
        )
    return params


class MultipartFile:
    """The part named `file` of a multipart/form-data body, streamed."""

    def __init__(self, chunks: AsyncIterator[bytes], content_type: str | None) -> None:
        kind, options = parse_options_header(content_type or "")
        boundary = options.get(b"boundary")
        if kind != b"multipart/form-data" or not boundary:
            raise _no_file(_("The upload is not a multipart/form-data body, so it holds no file."))
        try:
            self._parser = MultipartParser(
                boundary,
                {
                    "on_part_begin": self._on_part_begin,
                    "on_part_data": self._on_part_data,
                    "on_part_end": self._on_part_end,
                    "on_header_field": self._on_header_field,
                    "on_header_value": self._on_header_value,
                    "on_header_end": self._on_header_end,
                    "on_headers_finished": self._on_headers_finished,
                    "on_end": self._on_end,
                },
                max_header_size=MAX_HEADER_BYTES,
            )
        except (FormParserError, ValueError) as error:
            raise malformed(_("The upload's multipart boundary is not valid.")) from error
        self._chunks = chunks
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""
        self._in_file = False
        self._file_seen = False
        self._file_done = False
        self._ended = False
        self._exhausted = False
        self._other_bytes = 0
        self._data: deque[bytes] = deque()
        self.filename: str | None = None

    # python-multipart's callbacks (synchronous; they only record)

    def _on_part_begin(self) -> None:
        self._disposition = b""

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]
        self._count_other(end - start)

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]
        self._count_other(end - start)

    def _count_other(self, size: int) -> None:
        """Bytes that are not the file's: part headers and other fields, bounded."""
        self._other_bytes += size
        if self._other_bytes > MAX_OTHER_BYTES:
            raise _no_file(
                _("The upload carries more than 64 KiB besides its file; send only the file.")
            )

    def _on_header_end(self) -> None:
        if self._header_name.strip().lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        params = parse_disposition(self._disposition)
        if params.get("name") != FILE_FIELD or "filename" not in params:
            return
        if self._file_seen:
            raise _no_file(_("The upload holds more than one file; send one file an upload."))
        self._file_seen = True
        self._in_file = True
        self.filename = params["filename"]

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._data.append(bytes(data[start:end]))
            return
        self._count_other(end - start)

    def _on_part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            self._file_done = True

    def _on_end(self) -> None:
        self._ended = True

    # Reading

    async def _pump(self) -> None:
        """Feed the parser one more chunk of the body (or finish it)."""
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            self._exhausted = True
            if not self._ended:
                raise malformed(
                    _(
                        "The upload ended before its multipart body did (the connection may have "
                        "dropped)."
                    )
                ) from None
            return
        if not chunk:
            return
        try:
            self._parser.write(chunk)
        except FormParserError as error:
            raise malformed(_("The upload's multipart body is not well formed.")) from error

    async def open(self) -> str:
        """Read up to the file part's content; its file name as sent."""
        while self.filename is None:
            if self._ended or self._exhausted:
                raise _no_file(_("The upload holds no file in a field named 'file'."))
            await self._pump()
        return self.filename

    async def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes of the file (any if -1); b"" at its end."""
        if self.filename is None:
            await self.open()
        while not self._data and not self._file_done:
            await self._pump()
        if not self._data:
            return b""
        chunk = self._data.popleft()
        if 0 <= size < len(chunk):
            self._data.appendleft(chunk[size:])
            chunk = chunk[:size]
        return chunk

    async def finish(self) -> None:
        """Read the rest of the body; refuses a body that does not end as it should."""
        while not self._exhausted:
            await self._pump()
        self._data.clear()
