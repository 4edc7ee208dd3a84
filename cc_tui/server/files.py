"""Supporting documents on the server: what a file is, by its bytes, and where it is kept.

Design decisions:
- The type comes from the bytes only, never from the client's Content-Type or the file's
  extension (the name is checked separately, by `cc_tui.domain.naming`, and
  `ensure_extension_matches` makes the two agree).
- PDF: `%PDF-` at offset 0. The PDF standard lets readers accept the header anywhere in
  the first 1024 bytes, but that slack is how polyglot files (a ZIP or an HTML page that
  is also a "PDF") get through; every real PDF producer writes the header first.
- XLS: the OLE2 compound-file signature at offset 0 (the header only, as DOMAIN.md asks;
  an old Word .doc shares it and is accepted as XLS).
- XLSX: a ZIP whose first bytes are a local file header (so no self-extracting EXE with
  a workbook appended) and whose central directory names both `[Content_Types].xml` and
  `xl/workbook.xml`. Nothing is ever extracted to disk. The zip-bomb guard reads the
  sizes the central directory declares: at most 100 MiB unpacked in all, at most 100:1
  overall and per entry (for entries over 1 MiB: a small entry cannot be a bomb, and
  tiny XML parts often compress beyond 100:1), at most 10,000 entries. Declared sizes
  are what bound any later reader, since zipfile never inflates an entry past its
  declared size. The two required entries are read back (bounded) so that a damaged or
  password-protected workbook is refused now rather than at the checker's desk.
- Storage: bytes stream into `<root>/.incoming/<random>.part` (same filesystem as the
  store), counted (refused past the limit), hashed as they arrive, sniffed, fsynced, then
  renamed atomically to `<root>/<sha256[:2]>/<uuid>`. The user's file name never touches
  a path. Any refusal, error or cancellation (a dropped connection) removes the temp file,
  so no half-stored file remains. Each upload gets its own storage name even when its
  content repeats another's: deleting one attachment never takes another's bytes.
- Refusals are `FileRefusal`, an `ApiError`, so a router can let them propagate and the
  client gets a 413/422 problem with `detail` and `fix` sentences a user can act on.
- Names are checked by the domain rule (`cc_tui.domain.naming`), never here: this
  module only turns its verdict into a problem (`name_refusal`). `accept_upload` runs
  every check in order, cheapest first, so a router needs one call.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import re
import time
import uuid
import zipfile
from collections.abc import AsyncIterable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Final, Protocol

from cc_tui.api.problem import FieldError, ProblemCode
from cc_tui.domain.files import (
    CONTENT_TYPES,
    EXTENSIONS,
    KIND_WORDS,
    MAX_FILE_BYTES,
    MAX_FILES_PER_REQUEST,
    OLE2_MAGIC,
    PDF_MAGIC,
    REQUIRED_XLSX_PARTS,
    ZIP_MAGIC,
    Kind,
    describe_content,
    size_in_words,
)
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.naming import NameCheck, NameFault, check_supporting_document_name
from cc_tui.server.errors import ApiError

# The zip-bomb guard (XLSX only).
MAX_UNPACKED_BYTES: Final = 100 * 1024 * 1024
MAX_RATIO: Final = 100
RATIO_FLOOR_BYTES: Final = 1024 * 1024
MAX_ZIP_ENTRIES: Final = 10_000
MAX_REQUIRED_PART_BYTES: Final = 4 * 1024 * 1024

CHUNK_BYTES: Final = 64 * 1024
HEAD_BYTES: Final = 1024

_WORD: Final = N_("a Word document (DOCX)")
_ATTACH_FIX: Final = N_("Attach the document itself, saved as PDF or Excel (XLS or XLSX).")


class FileRefusal(ApiError):
    """An upload the portal will not keep: a 413 or 422 problem with what to do about it."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        fix: str,
        errors: Sequence[FieldError] | None = None,
    ) -> None:
        super().__init__(status, code, detail, fix, errors)
        self.fix: str = fix


@dataclass(frozen=True)
class StoredFile:
    """A file safely stored: its server-made name, and what it is."""

    storage_name: str
    size: int
    sha256: str
    kind: Kind
    content_type: str


# -- what the bytes are ---------------------------------------------------------------


def _not_ours(words: str) -> FileRefusal:
    return FileRefusal(
        422,
        ProblemCode.BAD_FILE_TYPE,
        _("This file is {words}, not a PDF, XLS or XLSX.").format(words=_(words)),
        _(_ATTACH_FIX),
    )


def _damaged_xlsx(reason: str) -> FileRefusal:
    return FileRefusal(
        422,
        ProblemCode.BAD_FILE_TYPE,
        _("This file starts like an Excel workbook (XLSX) but it is damaged: {reason}.").format(
            reason=reason
        ),
        _("Open it in Excel, save it again, and attach the new copy."),
    )


def _zip_bomb(detail: str) -> FileRefusal:
    return FileRefusal(
        422,
        ProblemCode.BAD_FILE_TYPE,
        _("{detail} Files built like this are zip bombs, so the portal refuses them.").format(
            detail=detail
        ),
        _(
            "Attach the workbook as Excel saved it; if it is genuine, split it into smaller "
            "workbooks or save it as PDF."
        ),
    )


def _ratio(unpacked: int, packed: int) -> float:
    return unpacked / max(packed, 1)


def _check_zip_bomb(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_ENTRIES:
        raise _zip_bomb(
            _("This workbook holds {count:,} parts; the portal accepts at most {limit:,}.").format(
                count=len(infos), limit=MAX_ZIP_ENTRIES
            )
        )
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise _zip_bomb(
            _(
                "This workbook would unpack to {size}, more than the {limit} the portal accepts."
            ).format(size=size_in_words(unpacked), limit=size_in_words(MAX_UNPACKED_BYTES))
        )
    for info in infos:
        ratio = _ratio(info.file_size, info.compress_size)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > MAX_RATIO:
            raise _zip_bomb(
                _(
                    "Its part {part} unpacks {ratio:,.0f} times larger than it is stored "
                    "(the limit is {limit} to 1)."
                ).format(part=_part_name(info.filename), ratio=ratio, limit=MAX_RATIO)
            )
    if unpacked > RATIO_FLOOR_BYTES and _ratio(unpacked, packed) > MAX_RATIO:
        raise _zip_bomb(
            _(
                "This workbook unpacks {ratio:,.0f} times larger than it is stored "
                "(the limit is {limit} to 1)."
            ).format(ratio=_ratio(unpacked, packed), limit=MAX_RATIO)
        )


def _part_name(name: str) -> str:
    """A part's name fit to quote back: printable, and not too long."""
    printable = "".join(c if c.isprintable() else "?" for c in name)
    return printable if len(printable) <= 60 else printable[:57] + "..."


def _read_bounded(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Inflate one entry to nowhere, which checks its CRC; refuses oversized parts."""
    name = _part_name(info.filename)
    if info.file_size > MAX_REQUIRED_PART_BYTES:
        raise _damaged_xlsx(_("its part {part} is far larger than a workbook's").format(part=name))
    if info.flag_bits & 0x1:
        raise FileRefusal(
            422,
            ProblemCode.BAD_FILE_TYPE,
            _("This workbook is protected with a password, so the portal cannot check it."),
            _(
                "Remove the password in Excel (File > Info > Protect Workbook), save it, "
                "and attach it again."
            ),
        )
    try:
        with archive.open(info) as part:
            while part.read(CHUNK_BYTES):
                pass
    except NotImplementedError as error:
        raise _damaged_xlsx(_("it uses a compression method Excel does not use")) from error
    except Exception as error:  # hostile bytes can break zipfile in many ways
        raise _damaged_xlsx(_("its part {part} fails its checksum").format(part=name)) from error


def _sniff_xlsx(path: Path) -> Kind | None:
    try:
        archive = zipfile.ZipFile(path)
    except Exception as error:  # BadZipFile, but also OSError, UnicodeDecodeError...
        raise _damaged_xlsx(_("it is cut short or its index is broken")) from error
    with archive:
        infos = archive.infolist()
        _check_zip_bomb(infos)
        by_name = {info.filename: info for info in infos}
        if not all(part in by_name for part in REQUIRED_XLSX_PARTS):
            return None
        for part in REQUIRED_XLSX_PARTS:
            _read_bounded(archive, by_name[part])
    return "xlsx"


def sniff_type(head: bytes, path: Path) -> Kind | None:
    """The kind of the file at `path`, whose first bytes are `head`, or None if none of ours.

    Raises `FileRefusal` for a ZIP that is an XLSX but a damaged, password-protected or
    zip-bomb one: those are refused with their own reason, not as "not a workbook".
    """
    if head.startswith(PDF_MAGIC):
        return "pdf"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if head.startswith(ZIP_MAGIC):
        return _sniff_xlsx(path)
    return None


def _zip_words(path: Path) -> str:
    """What a ZIP that is not a workbook holds, in words (English: `_()` where shown)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist()[:MAX_ZIP_ENTRIES])
    except Exception:
        return N_("a damaged ZIP archive")
    if "word/document.xml" in names:
        return _WORD
    if "ppt/presentation.xml" in names:
        return N_("a PowerPoint presentation (PPTX)")
    if "mimetype" in names and "content.xml" in names:
        return N_("an OpenDocument file")
    return N_("a ZIP archive")


def identify(path: Path) -> Kind:
    """The kind of a stored-to-be file, or a `FileRefusal` saying what it is instead."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    if not head:
        raise FileRefusal(
            422,
            ProblemCode.BAD_FILE_TYPE,
            _("This file is empty (0 bytes)."),
            _(
                "Choose the saved document itself; if it should have content, save it again "
                "in its program and attach the new copy."
            ),
        )
    kind = sniff_type(head, path)
    if kind is not None:
        return kind
    if PDF_MAGIC in head:
        raise FileRefusal(
            422,
            ProblemCode.BAD_FILE_TYPE,
            _("This file has other data before its PDF header, so it is not a plain PDF."),
            _("Save or print it again as PDF from the program that made it, and attach that."),
        )
    if head.startswith(ZIP_MAGIC):
        words = _zip_words(path)
        if words == _WORD:
            raise FileRefusal(
                422,
                ProblemCode.BAD_FILE_TYPE,
                _("This file is a Word document (DOCX), not a PDF, XLS or XLSX."),
                _("Save it as PDF in Word (File > Save as > PDF) and attach the PDF."),
            )
        raise FileRefusal(
            422,
            ProblemCode.BAD_FILE_TYPE,
            _(
                "This file is {words}, not an Excel workbook: it has no xl/workbook.xml inside."
            ).format(words=_(words)),
            _(
                "Unpack it and attach the documents inside, saved as PDF or Excel; a workbook "
                "should be saved again from Excel as .xlsx."
            ),
        )
    raise _not_ours(describe_content(head))


def ensure_extension_matches(kind: Kind, name: str) -> None:
    """Refuse a file whose name says one kind and whose bytes say another."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in EXTENSIONS[kind]:
        return
    right = EXTENSIONS[kind][0]
    stem = name[: len(name) - len(suffix)] if suffix else name
    raise FileRefusal(
        422,
        ProblemCode.BAD_FILE_TYPE,
        _("This file is {words}, but its name ends in {suffix}.").format(
            words=_(KIND_WORDS[kind]), suffix=suffix or _("no extension")
        ),
        _("Name it {name} so that its name says what it is.").format(name=stem + right),
    )


def ensure_room_for_another(attached: int) -> None:
    """Refuse a file beyond the per-request limit (`attached` = files already there)."""
    if attached >= MAX_FILES_PER_REQUEST:
        raise FileRefusal(
            422,
            ProblemCode.TOO_MANY_FILES,
            _(
                "This request already has {count} supporting documents; the limit is {limit}."
            ).format(count=attached, limit=MAX_FILES_PER_REQUEST),
            _("Delete a document you no longer need, or combine several into one PDF."),
        )


def name_refusal(
    check: NameCheck, ref: str | None = None, participant_id: str | None = None
) -> FileRefusal:
    """The 422 problem for a name the domain rule refuses: every reason, and the fix.

    A name whose only fault is that the request already has it is `duplicate_file_name`;
    any other fault is `bad_file_name`. `errors` lists each reason on the `file` field,
    so a client can show them one per line.
    """
    only_taken = check.faults == (NameFault.TAKEN,)
    code = ProblemCode.DUPLICATE_FILE_NAME if only_taken else ProblemCode.BAD_FILE_NAME
    if check.corrected is not None:
        verb = _("Use the next free name") if only_taken else _("Rename the file")
        fix = _("{verb}: {name}").format(verb=verb, name=check.corrected)
    else:
        stem = f"Supporting Document_{ref or '<reference>'}_{participant_id or '<participant ID>'}"
        fix = _(
            "Save the file as PDF, XLS or XLSX and name it {stem}.pdf (or .xls, .xlsx), "
            "adding _01 to _09 before the extension for further files."
        ).format(stem=stem)
    detail = " ".join(check.reasons) or _("The name {name} cannot be used.").format(
        name=repr(check.name)
    )
    errors = [FieldError(field="file", message=reason) for reason in check.reasons]
    return FileRefusal(422, code, detail, fix, errors)


def ensure_name_ok(name: str, ref: str, participant_id: str, taken: Collection[str]) -> None:
    """Refuse a supporting document's name that the domain rule (`naming`) refuses."""
    check = check_supporting_document_name(name, ref, participant_id, taken)
    if not check.ok:
        raise name_refusal(check, ref, participant_id)


async def accept_upload(
    store: FileStore,
    upload: SupportsAsyncRead,
    *,
    name: str,
    ref: str,
    participant_id: str,
    taken: Collection[str],
) -> StoredFile:
    """Every check an attachment passes, cheapest first, then its bytes stored.

    `taken` is the names already attached to the request. The count and the name are
    refused before a byte is read; size, content and extension while storing. On
    return the bytes are stored: the caller writes the attachment row and its audit
    entry, and calls `store.delete(stored.storage_name)` if that transaction fails.
    """
    ensure_room_for_another(len(taken))
    ensure_name_ok(name, ref, participant_id, taken)
    return await store.save_upload(upload, name)


# Room for the multipart envelope (boundaries, part headers, a file name) around a file.
MULTIPART_OVERHEAD_BYTES: Final = 64 * 1024


def ensure_request_size(content_length: str | None, limit: int = MAX_FILE_BYTES) -> None:
    """Refuse an upload whose declared Content-Length is already past the limit.

    Starlette receives a multipart body in full before the handler runs; checking the
    header first answers 413 at once instead of after receiving a gigabyte. (A chunked
    body declares no length: the store's own count still stops it.)
    """
    if content_length is None:
        return
    try:
        declared = int(content_length)
    except ValueError:
        return
    if declared > limit + MULTIPART_OVERHEAD_BYTES:
        raise too_large(limit)


def too_large(limit: int = MAX_FILE_BYTES) -> FileRefusal:
    return FileRefusal(
        413,
        ProblemCode.FILE_TOO_LARGE,
        _("This file is larger than {size}, the portal's limit for one file.").format(
            size=size_in_words(limit)
        ),
        _(
            "Split it into smaller documents of at most {size} each (or save "
            "it with lower image quality) and attach them one by one."
        ).format(size=size_in_words(limit)),
    )


# -- where the bytes are kept ---------------------------------------------------------

_STORAGE_NAME = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}")
_INCOMING = ".incoming"
_OPEN_FLAGS: Final = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
)


class SupportsAsyncRead(Protocol):
    """What FastAPI's UploadFile offers: `await upload.read(size)`."""

    async def read(self, size: int = -1) -> bytes: ...


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _Incoming:
    """One upload on its way in: a temp file inside the store, counted and hashed."""

    def __init__(self, store: FileStore, name: str | None) -> None:
        self._store = store
        self._name = name
        incoming = store.root / _INCOMING
        incoming.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.path = incoming / f"{uuid.uuid4().hex}.part"
        self._file: BinaryIO | None = os.fdopen(os.open(self.path, _OPEN_FLAGS, 0o600), "wb")
        self.size = 0
        self._hash = hashlib.sha256()

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.size + len(chunk) > self._store.max_bytes:
            raise too_large(self._store.max_bytes)
        assert self._file is not None
        self._file.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def seal(self) -> Kind:
        """Say what the bytes are and make them durable (blocking: sniff and fsync)."""
        kind = identify(self.path)
        if self._name is not None:
            ensure_extension_matches(kind, self._name)
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        return kind

    def commit(self, kind: Kind) -> StoredFile:
        """Move the sealed file to its final name (no await from here on)."""
        digest = self._hash.hexdigest()
        storage_name = f"{digest[:2]}/{uuid.uuid4().hex}"
        target = self._store.root / storage_name
        target.parent.mkdir(mode=0o700, exist_ok=True)
        os.replace(self.path, target)
        _fsync_directory(target.parent)
        return StoredFile(storage_name, self.size, digest, kind, CONTENT_TYPES[kind])

    def discard(self) -> None:
        try:
            self.close()
        finally:
            self.path.unlink(missing_ok=True)


class FileStore:
    """Supporting documents' bytes under `root`, by server-made storage names."""

    def __init__(self, root: Path, max_bytes: int = MAX_FILE_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes
        root.mkdir(mode=0o700, parents=True, exist_ok=True)

    async def save_stream(
        self, chunks: AsyncIterable[bytes], name: str | None = None
    ) -> StoredFile:
        """Store an upload as it arrives; refuses (and keeps nothing) past the limit.

        `name`, the user's file name, is used only to refuse content its extension
        does not announce (a PDF named .xlsx); it never becomes part of a path.
        """
        incoming = _Incoming(self, name)
        try:
            async for chunk in chunks:
                incoming.write(chunk)
            incoming.close()
            # The thread opens the file by path, so a cancellation here (the client went
            # away) can remove the temp file without racing the thread for a handle.
            kind = await asyncio.to_thread(incoming.seal)
            return incoming.commit(kind)
        except BaseException:
            incoming.discard()
            raise

    async def save_upload(
        self, upload: SupportsAsyncRead, name: str | None = None, chunk_bytes: int = CHUNK_BYTES
    ) -> StoredFile:
        """Store a FastAPI UploadFile (or anything with `async read(size)`)."""

        async def chunks() -> AsyncIterable[bytes]:
            while chunk := await upload.read(chunk_bytes):
                yield chunk

        return await self.save_stream(chunks(), name)

    def save_file(self, source: BinaryIO | Iterable[bytes], name: str | None = None) -> StoredFile:
        """Store from a file object or an iterable of chunks, blocking (seed data, tools)."""
        incoming = _Incoming(self, name)
        try:
            if isinstance(source, io.IOBase):
                while chunk := source.read(CHUNK_BYTES):
                    incoming.write(chunk)
            else:
                for chunk in source:
                    incoming.write(chunk)
            incoming.close()
            return incoming.commit(incoming.seal())
        except BaseException:
            incoming.discard()
            raise

    def open(self, storage_name: str) -> Path:
        """The path of a stored file. ValueError for a name this store never makes;
        FileNotFoundError if it is gone."""
        path = self._path(storage_name)
        if not path.is_file():
            raise FileNotFoundError(f"No stored file {storage_name}.")
        return path

    def delete(self, storage_name: str) -> None:
        """Remove a stored file; a name already gone is not an error."""
        self._path(storage_name).unlink(missing_ok=True)

    def sweep_incoming(self, older_than_seconds: float = 3600.0) -> int:
        """Remove temp files a killed process left behind; returns how many.

        Only old ones: another worker process may be receiving an upload right now.
        """
        incoming = self.root / _INCOMING
        if not incoming.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        removed = 0
        for leftover in incoming.glob("*.part"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
                    removed += 1
            except FileNotFoundError:
                continue
        return removed

    def _path(self, storage_name: str) -> Path:
        if not _STORAGE_NAME.fullmatch(storage_name):
            raise ValueError(f"{storage_name!r} is not a storage name this store makes.")
        return self.root / storage_name
