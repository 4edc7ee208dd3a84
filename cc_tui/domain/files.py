"""Supporting documents: the one definition of what a file may be, shared by the portal
(which checks every upload again), the client and the TUI (which check before a byte is
sent, and show sizes).

- Kinds: PDF, XLS, XLSX; each with the extensions its name may carry, its content type,
  and its words ("an Excel workbook (XLSX)").
- Signatures: what the first bytes say. PDF `%PDF-` at offset 0, XLS the OLE2 header,
  XLSX a ZIP (local file header first) that holds `[Content_Types].xml` and
  `xl/workbook.xml`; and the signatures of what people attach by mistake, to name it.
- Limits: 10 MiB a file, 20 files a request.
- Sizes in words, one way everywhere: bytes, then binary units (KiB, MiB, GiB), a
  decimal only under ten ("812 bytes", "2.3 KiB", "14 KiB", "10 MiB"): 8 characters at
  the most from 1 KiB to 1,023 GiB.

Pure: no I/O, no framework (import-linter's domain rules).
"""

from __future__ import annotations

from typing import Final, Literal

from cc_tui.domain.i18n import N_, ngettext

Kind = Literal["pdf", "xls", "xlsx"]
KINDS: Final[tuple[Kind, ...]] = ("pdf", "xls", "xlsx")

MAX_FILE_BYTES: Final = 10 * 1024 * 1024
MAX_FILES_PER_REQUEST: Final = 20

CONTENT_TYPES: Final[dict[Kind, str]] = {
    "pdf": "application/pdf",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# The extensions a name may carry for each kind of content.
EXTENSIONS: Final[dict[Kind, tuple[str, ...]]] = {
    "pdf": (".pdf",),
    "xls": (".xls",),
    "xlsx": (".xlsx",),
}
ALL_EXTENSIONS: Final[tuple[str, ...]] = tuple(e for k in KINDS for e in EXTENSIONS[k])
KIND_WORDS: Final[dict[Kind, str]] = {
    "pdf": N_("a PDF"),
    "xls": N_("an Excel 97-2003 workbook (XLS)"),
    "xlsx": N_("an Excel workbook (XLSX)"),
}

PDF_MAGIC: Final = b"%PDF-"
OLE2_MAGIC: Final = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC: Final = b"PK\x03\x04"
# The two parts an XLSX must hold.
REQUIRED_XLSX_PARTS: Final = ("[Content_Types].xml", "xl/workbook.xml")

# Signatures of files people attach by mistake, to say what they attached.
MISTAKEN_SIGNATURES: Final[tuple[tuple[bytes, str], ...]] = (
    (b"MZ", N_("an EXE (Windows program)")),
    (b"\x7fELF", N_("a Linux program (ELF)")),
    (b"\xcf\xfa\xed\xfe", N_("a macOS program")),
    (b"\x89PNG\r\n\x1a\n", N_("a PNG image")),
    (b"\xff\xd8\xff", N_("a JPEG image")),
    (b"GIF87a", N_("a GIF image")),
    (b"GIF89a", N_("a GIF image")),
    (b"II*\x00", N_("a TIFF image")),
    (b"MM\x00*", N_("a TIFF image")),
    (b"Rar!\x1a\x07", N_("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", N_("a 7-Zip archive")),
    (b"\x1f\x8b", N_("a gzip archive")),
    (b"{\\rtf", N_("an RTF document")),
    (b"#!", N_("a script")),
)


def kind_by_signature(head: bytes) -> Kind | None:
    """PDF or XLS from the first bytes; "xlsx" only means N_("a ZIP"): the archive's parts
    (REQUIRED_XLSX_PARTS) decide, which needs the whole file."""
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    return None


def describe_content(head: bytes) -> str:
    """What the first bytes of a file say it is, in words ("an EXE (Windows program)"):
    English, marked, so `_()` translates them where they are shown."""
    if not head:
        return N_("empty")
    for magic, words in MISTAKEN_SIGNATURES:
        if head.startswith(magic):
            return words
    if head.startswith(ZIP_MAGIC):
        return N_("a ZIP archive")
    if b"\x00" not in head:
        try:
            text = head.decode("utf-8")
        except UnicodeDecodeError:
            return N_("a file of unknown type")
        lowered = text.lstrip("\ufeff \t\r\n").lower()
        if lowered.startswith(("<!doctype html", "<html")):
            return N_("a web page (HTML)")
        return N_("plain text")
    return N_("a file of unknown type")


def is_document_name(name: str) -> bool:
    """Whether a file name ends as a supporting document's may (PDF, XLS, XLSX)."""
    return name.lower().endswith(ALL_EXTENSIONS)


def size_in_words(size: int) -> str:
    """A size as a person reads it, the same on every screen and in every sentence:
    "812 bytes", "2.3 KiB", "14 KiB", "10 MiB"."""
    if size < 1024:
        return ngettext("{count:,} byte", "{count:,} bytes", size).format(count=size)
    value = float(size)
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        value /= 1024
        if value < 1023.5 or unit == "TiB":
            text = f"{value:.1f}".removesuffix(".0") if value < 10 else f"{value:.0f}"
            return f"{text} {unit}"
    raise AssertionError("unreachable")
