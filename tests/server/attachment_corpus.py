"""The hostile corpus for supporting documents: wrong names, wrong bytes, wrong requests.

Every file is made here, in memory or in a temp folder; nothing is read from disk that
the tests did not write. The file builders come from tests/server/test_files.py (the
byte-level tests of server/files.py), so both suites agree on what a real PDF, XLS and
XLSX look like.

`CASES` is the corpus the API tests run (and the closing note lists); each `Case` says
what is sent, by whom, to which request, and the status and code it must meet.
`build_multipart` writes a multipart body by hand, so that a test can send names no
well-behaved client would (a raw NUL, a CR LF) and bodies that are cut short.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from tests.server.test_files import (
    docx_zip,
    exe_file,
    minimal_pdf,
    ole2_file,
    plain_zip,
    write_xlsx_bomb,
    xlsx_bytes,
)

MiB = 1024 * 1024
PID = "B01234"
OTHER_PID = "B05678"

__all__ = [
    "CASES",
    "Case",
    "MiB",
    "build_multipart",
    "docx_zip",
    "exe_file",
    "good_name",
    "minimal_pdf",
    "ole2_file",
    "plain_zip",
    "write_xlsx_bomb",
    "xlsx_bytes",
    "zip_slip_xlsx",
]

Target = Literal["draft", "pending", "approved", "kowloon", "unknown", "full"]
Who = Literal["maker", "checker", "kowloon", "nobody"]


def good_name(ref: str, ext: str = "pdf", suffix: int | None = None) -> str:
    tail = "" if suffix is None else f"_0{suffix}"
    return f"Supporting Document_{ref}_{PID}{tail}.{ext}"


def build_multipart(
    name: bytes | str,
    content: bytes,
    *,
    boundary: str = "ccTuiCorpusBoundary7MA4YWxk",
    field_name: str = "file",
    extra_parts: int = 0,
    extra_files: int = 0,
) -> tuple[bytes, str]:
    """A multipart/form-data body with the name's bytes exactly as given (no escaping),
    and its Content-Type."""
    raw_name = name.encode("utf-8", "surrogatepass") if isinstance(name, str) else name
    out = bytearray()
    for index in range(extra_parts):
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="note{index}"\r\n\r\n'.encode()
        )
        out += b"hello\r\n"
    for _ in range(1 + extra_files):
        out += f"--{boundary}\r\n".encode()
        out += (
            f'Content-Disposition: form-data; name="{field_name}"; filename="'.encode()
            + raw_name
            + b'"\r\n'
        )
        out += b"Content-Type: application/octet-stream\r\n\r\n"
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


# -- content ---------------------------------------------------------------------------


def _bomb(unpacked: int) -> Callable[[], bytes]:
    def make() -> bytes:
        buffer = io.BytesIO()
        # write_xlsx_bomb takes a path; ZipFile takes a file object just the same.
        write_xlsx_bomb(buffer, unpacked)  # type: ignore[arg-type]
        return buffer.getvalue()

    return make


def _html() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def _pdf_after_junk() -> bytes:
    return b"PK\x05\x06" + bytes(40) + minimal_pdf()


def _truncated_xlsx() -> bytes:
    data = xlsx_bytes()
    return data[: len(data) // 2]


def _big_pdf() -> bytes:
    return minimal_pdf() + bytes(11 * MiB)


def zip_slip_xlsx() -> bytes:
    """A workbook with an entry named ../../..: stored as bytes, never unpacked."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("../../../../tmp/cc-tui-zip-slip.txt", b"owned")
    return buffer.getvalue()


def _empty() -> bytes:
    return b""


# -- the corpus -------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One upload the portal must refuse: what is sent, where, by whom, and the answer."""

    label: str
    status: int
    code: str
    # The file name, given the request's reference.
    name: Callable[[str], str | bytes]
    content: Callable[[], bytes] = minimal_pdf
    target: Target = "draft"
    who: Who = "maker"
    # Send as a hand-made multipart body (raw name bytes) rather than through httpx.
    raw: bool = False
    # Send without Content-Length (chunked), so only the store's own count can stop it.
    chunked: bool = False
    # Keyword arguments of build_multipart for a raw body.
    multipart: dict[str, Any] = field(default_factory=dict)
    # A word the answer's detail must contain, to show it says the right thing.
    says: str = ""


def _named(template: str) -> Callable[[str], str]:
    return lambda ref: template.format(ref=ref, pid=PID, other=OTHER_PID)


CASES: list[Case] = [
    # Names: each says every reason and offers the corrected name.
    Case(
        "prefix in the wrong case",
        422,
        "bad_file_name",
        _named("supporting document_{ref}_{pid}.pdf"),
        says="capital S and D",
    ),
    Case(
        "missing space in the prefix",
        422,
        "bad_file_name",
        _named("SupportingDocument_{ref}_{pid}.pdf"),
        says="one space",
    ),
    Case(
        "two spaces in the prefix",
        422,
        "bad_file_name",
        _named("Supporting  Document_{ref}_{pid}.pdf"),
        says="one space",
    ),
    Case(
        "reference in lower case",
        422,
        "bad_file_name",
        lambda ref: f"Supporting Document_{ref.lower()}_{PID}.pdf",
        says="capitals",
    ),
    Case(
        "another request's reference",
        422,
        "bad_file_name",
        _named("Supporting Document_ECS00099999_{pid}.pdf"),
        says="not this request's",
    ),
    Case(
        "another participant's ID",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{other}.pdf"),
        says="not this request's",
    ),
    Case(
        "participant ID missing",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}.pdf"),
        says="participant ID is missing",
    ),
    Case(
        "suffix _10",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}_10.pdf"),
        says="_01 to _09",
    ),
    Case(
        "suffix _1",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}_1.pdf"),
        says="_01 to _09",
    ),
    Case(
        "suffix _00",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}_00.pdf"),
        says="_01 to _09",
    ),
    Case(
        "double extension .pdf.pdf",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}.pdf.pdf"),
    ),
    Case(
        "program disguised as .pdf.exe",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}.pdf.exe"),
        content=exe_file,
    ),
    Case(
        "extension .docx",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}.docx"),
        content=docx_zip,
    ),
    Case("no extension", 422, "bad_file_name", _named("Supporting Document_{ref}_{pid}")),
    Case(
        "NUL byte in the name (raw)",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}\x00.pdf"),
        raw=True,
        says="NUL",
    ),
    Case(
        "NUL byte in the name (as httpx and browsers encode it)",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}\x00.pdf"),
        says="NUL",
    ),
    Case(
        "CR LF header injection in the name",
        422,
        "bad_file_name",
        _named("Supporting Document_{ref}_{pid}.pdf\r\nX-Injected: 1"),
        says="control",
    ),
    Case(
        "../ in front of the name",
        422,
        "bad_file_name",
        _named("../Supporting Document_{ref}_{pid}.pdf"),
        says="folder",
    ),
    Case(
        "../../ path out of the store",
        422,
        "bad_file_name",
        _named("../../../../etc/Supporting Document_{ref}_{pid}.pdf"),
        says="folder",
    ),
    Case(
        "absolute POSIX path",
        422,
        "bad_file_name",
        _named("/tmp/Supporting Document_{ref}_{pid}.pdf"),
        says="folder",
    ),
    Case(
        "absolute Windows path (raw)",
        422,
        "bad_file_name",
        _named("C:\\Users\\me\\Supporting Document_{ref}_{pid}.pdf"),
        raw=True,
        says="folder",
    ),
    Case(
        "Cyrillic look-alike letters",
        422,
        "bad_file_name",
        _named("Suppоrting Dоcument_{ref}_{pid}.pdf"),
        says="CYRILLIC",
    ),
    Case(
        "full-width digits in the reference",
        422,
        "bad_file_name",
        lambda ref: f"Supporting Document_ECS{'０' * 7}１_{PID}.pdf",
        says="FULLWIDTH",
    ),
    Case(
        "invalid UTF-8 in the name (raw)",
        422,
        "bad_file_name",
        lambda ref: f"Supporting Document_{ref}_{PID}".encode() + b"\xff\xfe.pdf",
        raw=True,
    ),
    Case(
        "blank before the name",
        422,
        "bad_file_name",
        _named(" Supporting Document_{ref}_{pid}.pdf"),
        says="blank",
    ),
    Case("empty name (raw)", 422, "bad_file_name", lambda ref: "", raw=True),
    Case(
        "name of 300 characters",
        422,
        "bad_file_name",
        lambda ref: f"Supporting Document_{ref}_{PID}_{'x' * 260}.pdf",
        says="bytes long",
    ),
    # Bytes: refused by what they are, whatever the name says.
    Case(
        "EXE renamed .pdf",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=exe_file,
        says="EXE",
    ),
    Case(
        "ZIP renamed .xlsx",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.xlsx"),
        content=plain_zip,
        says="ZIP",
    ),
    Case(
        "DOCX renamed .xlsx",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.xlsx"),
        content=docx_zip,
        says="Word",
    ),
    Case(
        "web page renamed .pdf",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=_html,
        says="HTML",
    ),
    Case(
        "PDF header not at the start (polyglot)",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=_pdf_after_junk,
    ),
    Case(
        "PDF named .xlsx",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.xlsx"),
        says="a PDF",
    ),
    Case(
        "XLS named .pdf",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=ole2_file,
    ),
    Case(
        "XLSX cut in half",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.xlsx"),
        content=_truncated_xlsx,
        says="damaged",
    ),
    Case(
        "XLSX zip bomb (1000:1)",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.xlsx"),
        content=_bomb(2 * MiB),
        says="zip bomb",
    ),
    Case(
        "XLSX unpacking to 101 MiB",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.xlsx"),
        content=_bomb(101 * MiB),
        says="zip bomb",
    ),
    Case(
        "empty file",
        422,
        "bad_file_type",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=_empty,
        says="empty",
    ),
    Case(
        "11 MiB PDF",
        413,
        "file_too_large",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=_big_pdf,
        says="10 MiB",
    ),
    Case(
        "11 MiB PDF sent chunked (no Content-Length)",
        413,
        "file_too_large",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        content=_big_pdf,
        chunked=True,
        says="10 MiB",
    ),
    # Limits and the request.
    Case(
        "a 21st file",
        422,
        "too_many_files",
        _named("Supporting Document_{ref}_{pid}.xls"),
        content=ole2_file,
        target="full",
        says="limit is 20",
    ),
    Case(
        "upload on an Approved request",
        409,
        "invalid_transition",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        target="approved",
        says="only while the request is a draft or returned",
    ),
    Case(
        "upload on a request pending checker",
        409,
        "invalid_transition",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        target="pending",
    ),
    Case(
        "upload by the checker",
        403,
        "forbidden",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        who="checker",
        says="Only the maker",
    ),
    Case(
        "upload to another firm's request",
        404,
        "not_found",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        target="kowloon",
    ),
    Case(
        "upload to a reference that does not exist",
        404,
        "not_found",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        target="unknown",
    ),
    Case(
        "upload without logging in",
        401,
        "not_logged_in",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        who="nobody",
    ),
    Case(
        "file in a field not named 'file'",
        422,
        "validation_failed",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        raw=True,
        multipart={"field_name": "document"},
    ),
    Case(
        "two files in one upload",
        422,
        "validation_failed",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        raw=True,
        multipart={"extra_files": 1},
    ),
    Case(
        "over 64 KiB of other form fields before the file",
        422,
        "validation_failed",
        _named("Supporting Document_{ref}_{pid}.pdf"),
        raw=True,
        multipart={"extra_parts": 2000},
    ),
]
