"""What a file on this computer is, checked before it is sent (the portal checks again).

The same questions the portal asks of an upload, answered locally so that a wrong file
is caught before a byte leaves the machine: does the path name a readable file, is it
empty or over 10 MiB, and what is it by its first bytes (PDF: `%PDF-` at the start; XLS:
the OLE2 signature; XLSX: a ZIP holding `[Content_Types].xml` and `xl/workbook.xml`).
The portal's deeper checks (zip bombs, damaged parts) stay on the portal, which says
why when it refuses.

Blocking I/O: call `inspect_file` from a thread (`asyncio.to_thread`). It never raises
for a bad path; it says what is wrong in `problems`, in sentences a user can act on.
"""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from cc_tui.domain.files import (
    KIND_WORDS,
    MAX_FILE_BYTES,
    OLE2_MAGIC,
    PDF_MAGIC,
    REQUIRED_XLSX_PARTS,
    ZIP_MAGIC,
    Kind,
    describe_content,
    size_in_words,
)
from cc_tui.domain.i18n import N_, _


def path_from_text(text: str, base: Path) -> Path:
    """A path as a user types or pastes it: blanks and quotes around it dropped, `~`
    expanded, a `file://` URL read as its path, a relative path taken from `base`."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    if text.startswith("file://"):
        text = unquote(urlparse(text).path)
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path


@dataclass(frozen=True)
class LocalFile:
    """A chosen file: its size, what its bytes say it is, and what is wrong with it."""

    path: Path
    size: int = 0
    kind: Kind | None = None
    problems: tuple[str, ...] = ()

    @property
    def uploadable(self) -> bool:
        return self.kind is not None and not self.problems

    @property
    def description(self) -> str:
        what = _(KIND_WORDS[self.kind]) if self.kind else _("not a PDF, XLS or XLSX")
        return f"{size_in_words(self.size)}, {what}"


def _zip_kind(path: Path) -> tuple[Kind | None, str]:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:10_000])
    except Exception:  # a damaged archive can fail in many ways
        return None, N_("a damaged ZIP archive")
    if all(part in names for part in REQUIRED_XLSX_PARTS):
        return "xlsx", ""
    if "word/document.xml" in names:
        return None, N_("a Word document (DOCX)")
    return None, N_("a ZIP archive with no workbook inside")


def inspect_file(path: Path) -> LocalFile:
    """Check the file at `path` as the portal will (blocking; run it in a thread)."""
    try:
        if path.is_dir():
            return LocalFile(
                path, problems=(_("{path} is a folder; choose a file in it.").format(path=path),)
            )
        size = path.stat().st_size
        with path.open("rb") as file:
            head = file.read(1024)
    except FileNotFoundError:
        return LocalFile(path, problems=(_("There is no file {path}.").format(path=path),))
    except OSError as error:
        reason = error.strerror or type(error).__name__
        return LocalFile(
            path,
            problems=(_("cc-tui cannot read {path}: {reason}.").format(path=path, reason=reason),),
        )
    if size == 0:
        return LocalFile(path, problems=(_("This file is empty (0 bytes)."),))
    problems: list[str] = []
    if size > MAX_FILE_BYTES:
        problems.append(
            _(
                "This file is {size}, larger than 10 MiB, the portal's limit; split it into "
                "smaller documents."
            ).format(size=size_in_words(size))
        )
    kind: Kind | None = None
    words = ""
    if head.startswith(PDF_MAGIC):
        kind = "pdf"
    elif head.startswith(OLE2_MAGIC):
        kind = "xls"
    elif head.startswith(ZIP_MAGIC):
        kind, words = _zip_kind(path)
    else:
        words = describe_content(head)
    if kind is None:
        problems.append(
            _(
                "This file is {words}, not a PDF, XLS or XLSX. Attach the document itself, "
                "saved as PDF or Excel."
            ).format(words=_(words))
        )
    return LocalFile(path, size, kind, tuple(problems))


def sha256_of(path: Path) -> str:
    """The file's SHA-256 in hex, as the portal records it (blocking; at most 10 MiB,
    run it in a thread). An unreadable file has no digest: ""."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as file:
            for block in iter(lambda: file.read(1 << 16), b""):
                digest.update(block)
    except OSError:
        return ""
    return digest.hexdigest()
