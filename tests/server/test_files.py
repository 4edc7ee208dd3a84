"""Supporting documents' bytes: sniffed by content, refused with reasons, stored safely.

Every file here is made by the test itself. "Nothing left behind" means the store's
root holds no file at all (the temp folder may exist, empty).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import random
import struct
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from cc_tui.domain.files import (
    CONTENT_TYPES,
    MAX_FILE_BYTES,
    MAX_FILES_PER_REQUEST,
    size_in_words,
)
from cc_tui.server.files import (
    FileRefusal,
    FileStore,
    StoredFile,
    accept_upload,
    ensure_extension_matches,
    ensure_request_size,
    ensure_room_for_another,
    identify,
    sniff_type,
)

MiB = 1024 * 1024


# -- tiny real files --------------------------------------------------------------------


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct xref table."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def ole2_file() -> bytes:
    """An OLE2 compound-file header (what an XLS starts with), padded to one sector."""
    header = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(16) + struct.pack("<HH", 0x3E, 3)
    return header + bytes(512 - len(header))


def xlsx_bytes(extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b'<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", b'<?xml version="1.0"?><workbook/>')
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("notes.txt", b"hello")
    return buffer.getvalue()


def docx_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<document/>")
    return buffer.getvalue()


def exe_file() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00" + bytes(120) + b"This program cannot be run in DOS mode"


def write_xlsx_bomb(path: Path, unpacked: int) -> None:
    """A real XLSX whose sheet inflates to `unpacked` bytes of zeros, written in chunks so
    that the unpacked size never exists anywhere (the file itself is ~1/1000 of it)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            zeros = bytes(MiB)
            for _ in range(unpacked // MiB):
                sheet.write(zeros)


def files_in(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


class Upload:
    """The part of FastAPI's UploadFile the store reads."""

    def __init__(self, data: bytes) -> None:
        self._file = io.BytesIO(data)
        self.reads = 0

    async def read(self, size: int = -1) -> bytes:
        self.reads += 1
        return self._file.read(size)


@pytest.fixture(scope="module")
def bomb_120_mib(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    write_xlsx_bomb(path, 120 * MiB)
    return path


@pytest.fixture
def store(tmp_path: Path) -> FileStore:
    return FileStore(tmp_path / "files")


async def chunks_of(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def sniff(path: Path) -> str | None:
    return sniff_type(path.read_bytes()[:1024], path)


# -- sniffing ----------------------------------------------------------------------------


def test_good_files_are_recognised_by_their_bytes(tmp_path: Path) -> None:
    # Names are deliberately wrong: only the bytes count.
    cases = {"pdf": minimal_pdf(), "xls": ole2_file(), "xlsx": xlsx_bytes()}
    for kind, data in cases.items():
        path = tmp_path / f"upload-{kind}.bin"
        path.write_bytes(data)
        assert sniff(path) == kind
        assert identify(path) == kind


def test_an_exe_renamed_pdf_is_refused_and_named_for_what_it_is(tmp_path: Path) -> None:
    path = tmp_path / "Supporting Document_ECS00012345_B01234.pdf"
    path.write_bytes(exe_file())
    assert sniff(path) is None
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert refused.value.status == 422
    assert refused.value.code == "bad_file_type"
    assert "EXE (Windows program)" in refused.value.detail
    assert "PDF or Excel" in refused.value.fix


def test_a_plain_zip_renamed_xlsx_is_not_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    path.write_bytes(plain_zip())
    assert sniff(path) is None
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert refused.value.code == "bad_file_type"
    assert "ZIP archive" in refused.value.detail
    assert "xl/workbook.xml" in refused.value.detail


def test_a_word_document_is_told_to_be_saved_as_pdf(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    path.write_bytes(docx_zip())
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert "Word document" in refused.value.detail
    assert "PDF" in refused.value.fix


def test_a_pdf_header_after_other_bytes_is_refused(tmp_path: Path) -> None:
    # Readers accept a late header; we do not (polyglot files hide behind it).
    path = tmp_path / "late.pdf"
    path.write_bytes(b"<html>" + minimal_pdf())
    assert sniff(path) is None
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert "before its PDF header" in refused.value.detail


def test_a_self_extracting_exe_with_a_workbook_appended_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "sfx.xlsx"
    path.write_bytes(exe_file() + xlsx_bytes())
    assert zipfile.is_zipfile(path)  # zipfile alone would take it
    assert sniff(path) is None


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert sniff(path) is None
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert refused.value.status == 422
    assert "empty" in refused.value.detail


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(32), "PNG image"),
        (b"\xff\xd8\xff\xe0" + bytes(32), "JPEG image"),
        (b"\x7fELF\x02\x01\x01" + bytes(32), "Linux program"),
        (b"hello, this is a note\n", "plain text"),
        (b"<!DOCTYPE html><html></html>", "web page"),
        (bytes([0, 1, 2, 3, 250, 251]), "unknown type"),
    ],
)
def test_other_files_are_named_in_the_refusal(tmp_path: Path, data: bytes, words: str) -> None:
    path = tmp_path / "x.pdf"
    path.write_bytes(data)
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert words in refused.value.detail


def test_a_zip_bomb_declaring_over_100_mib_is_refused_without_unpacking(
    bomb_120_mib: Path,
) -> None:
    path = bomb_120_mib
    assert path.stat().st_size < MiB
    with pytest.raises(FileRefusal) as refused:
        sniff(path)
    assert refused.value.status == 422
    assert refused.value.code == "bad_file_type"
    assert "zip bomb" in refused.value.detail
    assert "100 MiB" in refused.value.detail


def test_a_zip_bomb_under_100_mib_is_refused_for_its_ratio(tmp_path: Path) -> None:
    path = tmp_path / "small-bomb.xlsx"
    write_xlsx_bomb(path, 8 * MiB)
    with pytest.raises(FileRefusal) as refused:
        sniff(path)
    assert "100 to 1" in refused.value.detail


def test_a_workbook_with_too_many_parts_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    path.write_bytes(xlsx_bytes({f"xl/p{i}.xml": b"" for i in range(10_001)}))
    with pytest.raises(FileRefusal) as refused:
        sniff(path)
    assert "10,000" in refused.value.detail


def test_a_workbook_with_small_well_compressed_parts_is_accepted(tmp_path: Path) -> None:
    # 200 KiB of repeated XML compresses far beyond 100:1, but cannot hurt anyone.
    path = tmp_path / "ok.xlsx"
    path.write_bytes(xlsx_bytes({"xl/styles.xml": b"<x/>" * 50_000}))
    assert sniff(path) == "xlsx"


def test_a_truncated_workbook_is_refused_as_damaged(tmp_path: Path) -> None:
    data = xlsx_bytes()
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(FileRefusal) as refused:
        identify(path)
    assert "damaged" in refused.value.detail


def test_a_workbook_with_a_corrupt_part_is_refused_as_damaged(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook>intact</workbook>")
    data = buffer.getvalue().replace(b"intact", b"broken")  # CRC no longer matches
    path = tmp_path / "crc.xlsx"
    path.write_bytes(data)
    with pytest.raises(FileRefusal) as refused:
        sniff(path)
    assert "damaged" in refused.value.detail


def test_the_extension_must_agree_with_the_content() -> None:
    ensure_extension_matches("pdf", "Supporting Document_ECS00012345_B01234.PDF")
    ensure_extension_matches("xlsx", "Supporting Document_ECS00012345_B01234_01.xlsx")
    with pytest.raises(FileRefusal) as refused:
        ensure_extension_matches("pdf", "Supporting Document_ECS00012345_B01234.xlsx")
    assert "ends in .xlsx" in refused.value.detail
    assert "Supporting Document_ECS00012345_B01234.pdf" in refused.value.fix


def test_a_21st_file_is_refused() -> None:
    ensure_room_for_another(MAX_FILES_PER_REQUEST - 1)
    with pytest.raises(FileRefusal) as refused:
        ensure_room_for_another(MAX_FILES_PER_REQUEST)
    assert refused.value.code == "too_many_files"
    assert "20" in refused.value.detail


def test_sizes_read_as_people_say_them() -> None:
    assert size_in_words(0) == "0 bytes"
    assert size_in_words(1536) == "1.5 KiB"
    assert size_in_words(MAX_FILE_BYTES) == "10 MiB"


# -- storing -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pdf", "xls", "xlsx"])
async def test_good_files_round_trip_byte_for_byte(store: FileStore, kind: str) -> None:
    data = {"pdf": minimal_pdf(), "xls": ole2_file(), "xlsx": xlsx_bytes()}[kind]
    data = data + (b"\n" * 300_000 if kind == "pdf" else b"")  # spans several chunks
    stored = await store.save_stream(chunks_of(data))
    assert stored.kind == kind
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.content_type == CONTENT_TYPES[stored.kind]
    assert store.open(stored.storage_name).read_bytes() == data
    assert files_in(store.root) == [store.open(stored.storage_name)]


def test_the_content_types_reported() -> None:
    assert CONTENT_TYPES == {
        "pdf": "application/pdf",
        "xls": "application/vnd.ms-excel",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }


async def test_storage_names_are_made_by_the_server(store: FileStore) -> None:
    stored = await store.save_stream(chunks_of(minimal_pdf()))
    sha = hashlib.sha256(minimal_pdf()).hexdigest()
    shard, name = stored.storage_name.split("/")
    assert shard == sha[:2]
    assert len(name) == 32 and all(c in "0123456789abcdef" for c in name)
    assert "Supporting" not in stored.storage_name


async def test_the_same_content_twice_is_stored_twice(store: FileStore) -> None:
    first = await store.save_stream(chunks_of(minimal_pdf()))
    second = await store.save_stream(chunks_of(minimal_pdf()))
    assert first.storage_name != second.storage_name
    store.delete(first.storage_name)
    assert store.open(second.storage_name).read_bytes() == minimal_pdf()


async def test_an_11_mib_file_is_refused_with_413_and_nothing_kept(store: FileStore) -> None:
    data = b"%PDF-1.4\n" + bytes(11 * MiB)
    with pytest.raises(FileRefusal) as refused:
        await store.save_stream(chunks_of(data))
    assert refused.value.status == 413
    assert refused.value.code == "file_too_large"
    assert "10 MiB" in refused.value.detail
    assert files_in(store.root) == []


async def test_a_file_of_exactly_10_mib_is_accepted(store: FileStore) -> None:
    data = b"%PDF-1.4\n" + bytes(MAX_FILE_BYTES - 9)
    stored = await store.save_stream(chunks_of(data, MiB))
    assert stored.size == MAX_FILE_BYTES


async def test_a_refused_type_leaves_nothing(store: FileStore, bomb_120_mib: Path) -> None:
    for data in (exe_file(), plain_zip(), b"", bomb_120_mib.read_bytes()):
        with pytest.raises(FileRefusal):
            await store.save_stream(chunks_of(data))
    assert files_in(store.root) == []


async def test_a_dropped_connection_midway_leaves_nothing(store: FileStore) -> None:
    class ClientDisconnect(Exception):
        pass

    async def dropping() -> AsyncIterator[bytes]:
        yield b"%PDF-1.4\n" + bytes(200_000)
        yield bytes(200_000)
        raise ClientDisconnect

    with pytest.raises(ClientDisconnect):
        await store.save_stream(dropping())
    assert files_in(store.root) == []


async def test_a_cancelled_upload_leaves_nothing(store: FileStore) -> None:
    midway = asyncio.Event()
    never = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b"%PDF-1.4\n" + bytes(100_000)
        midway.set()
        await never.wait()
        yield b""

    task = asyncio.create_task(store.save_stream(stalled()))
    await midway.wait()
    assert len(files_in(store.root)) == 1  # the temp file, mid-upload
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert files_in(store.root) == []


async def test_an_upload_file_object_is_stored(store: FileStore) -> None:
    stored = await store.save_upload(Upload(xlsx_bytes()), chunk_bytes=100)
    assert stored.kind == "xlsx"
    assert store.open(stored.storage_name).read_bytes() == xlsx_bytes()


def test_a_file_object_is_stored_blocking(store: FileStore) -> None:
    stored = store.save_file(io.BytesIO(ole2_file()))
    assert isinstance(stored, StoredFile)
    assert stored.kind == "xls"

    def pieces() -> Iterator[bytes]:
        yield minimal_pdf()[:10]
        yield minimal_pdf()[10:]

    assert store.save_file(pieces()).sha256 == hashlib.sha256(minimal_pdf()).hexdigest()


def test_a_blocking_save_past_the_limit_leaves_nothing(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "files", max_bytes=1000)
    with pytest.raises(FileRefusal) as refused:
        store.save_file(io.BytesIO(b"%PDF-" + bytes(2000)))
    assert refused.value.status == 413
    assert "1,000 bytes" in refused.value.detail  # as every size is written now
    assert files_in(store.root) == []


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../../etc/passwd",
        "/etc/passwd",
        "ab/../../x",
        "ab/" + "0" * 31,
        "AB/" + "0" * 32,
        "ab\\" + "0" * 32,
        "ab/" + "0" * 32 + "/..",
        ".incoming/" + "0" * 32,
        "",
        "ab/" + "0" * 32 + "\x00",
    ],
)
def test_open_and_delete_refuse_names_the_store_never_makes(store: FileStore, name: str) -> None:
    with pytest.raises(ValueError):
        store.open(name)
    with pytest.raises(ValueError):
        store.delete(name)


async def test_open_says_when_a_file_is_gone_and_delete_removes_it(store: FileStore) -> None:
    stored = await store.save_stream(chunks_of(minimal_pdf()))
    store.delete(stored.storage_name)
    store.delete(stored.storage_name)  # twice is fine
    with pytest.raises(FileNotFoundError):
        store.open(stored.storage_name)
    assert files_in(store.root) == []


def test_leftovers_of_a_killed_process_are_swept(store: FileStore) -> None:
    incoming = store.root / ".incoming"
    incoming.mkdir()
    old = incoming / "dead.part"
    fresh = incoming / "live.part"
    old.write_bytes(b"half")
    fresh.write_bytes(b"half")
    os.utime(old, (0, 0))
    assert store.sweep_incoming(older_than_seconds=3600) == 1
    assert not old.exists()
    assert fresh.exists()


def test_damaged_workbooks_are_refused_never_crash(tmp_path: Path) -> None:
    """Random byte damage to a real XLSX: each answer is a kind or a FileRefusal."""
    rng = random.Random(2024)
    base = xlsx_bytes({"xl/worksheets/sheet1.xml": b"<sheetData>" + b"<row/>" * 300})
    path = tmp_path / "damaged.xlsx"
    answers: set[str] = set()
    for _ in range(800):
        data = bytearray(base)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(4, len(data))] = rng.randrange(256)
        if rng.random() < 0.2:
            data = data[: rng.randrange(4, len(data))]
        path.write_bytes(bytes(data))
        try:
            answers.add(identify(path))
        except FileRefusal as refusal:
            assert refusal.status == 422
            assert refusal.fix
            answers.add("refused")
    assert answers == {"xlsx", "refused"}


# -- the whole upload: count, name, bytes ---------------------------------------------

REF = "ECS00012345"
PID = "B01234"
GOOD_NAME = "Supporting Document_ECS00012345_B01234.pdf"


async def accept(
    store: FileStore, upload: Upload, name: str, taken: tuple[str, ...] = ()
) -> StoredFile:
    return await accept_upload(store, upload, name=name, ref=REF, participant_id=PID, taken=taken)


async def test_a_good_upload_is_stored(store: FileStore) -> None:
    stored = await accept(store, Upload(minimal_pdf()), GOOD_NAME)
    assert store.open(stored.storage_name).read_bytes() == minimal_pdf()


@pytest.mark.parametrize(
    "name",
    [
        "supporting document_ECS00012345_B01234.pdf",
        "SupportingDocument_ECS00012345_B01234.pdf",
        "Supporting Document_ECS00099999_B01234.pdf",
        "Supporting Document_ECS00012345_B05678.pdf",
        "Supporting Document_ECS00012345_B01234_10.pdf",
        "Supporting Document_ECS00012345_B01234_1.pdf",
        "Supporting Document_ECS00012345_B01234.pdf.exe",
        "../Supporting Document_ECS00012345_B01234.pdf",
        "/tmp/Supporting Document_ECS00012345_B01234.pdf",
        "Supporting Document_ECS00012345_B01234\x00.pdf",
        "Supporting Document_ЕCS00012345_B01234.pdf",  # a Cyrillic Е
    ],
)
async def test_a_bad_name_is_refused_before_a_byte_is_read(store: FileStore, name: str) -> None:
    upload = Upload(minimal_pdf())
    with pytest.raises(FileRefusal) as refused:
        await accept(store, upload, name)
    assert refused.value.status == 422
    assert refused.value.code == "bad_file_name"
    assert refused.value.errors
    assert refused.value.detail == " ".join(e.message for e in refused.value.errors)
    assert "Supporting Document_ECS00012345_B01234" in refused.value.fix
    assert upload.reads == 0
    assert files_in(store.root) == []


async def test_a_duplicate_name_is_offered_the_next_free_suffix(store: FileStore) -> None:
    taken = (GOOD_NAME, "Supporting Document_ECS00012345_B01234_01.pdf")
    with pytest.raises(FileRefusal) as refused:
        await accept(store, Upload(minimal_pdf()), GOOD_NAME, taken)
    assert refused.value.code == "duplicate_file_name"
    assert refused.value.fix.endswith("Supporting Document_ECS00012345_B01234_02.pdf")
    assert files_in(store.root) == []


async def test_a_21st_upload_is_refused_before_a_byte_is_read(store: FileStore) -> None:
    taken = tuple(f"Supporting Document_ECS00012345_B01234_0{i}.pdf" for i in range(1, 10))
    taken += tuple(f"Supporting Document_ECS00012345_B01234_0{i}.xls" for i in range(1, 10))
    taken += ("Supporting Document_ECS00012345_B01234.xls", GOOD_NAME)
    assert len(taken) == MAX_FILES_PER_REQUEST
    upload = Upload(xlsx_bytes())
    with pytest.raises(FileRefusal) as refused:
        await accept(store, upload, "Supporting Document_ECS00012345_B01234.xlsx", taken)
    assert refused.value.code == "too_many_files"
    assert upload.reads == 0


async def test_content_that_its_extension_does_not_announce_is_not_kept(
    store: FileStore,
) -> None:
    with pytest.raises(FileRefusal) as refused:
        await accept(store, Upload(xlsx_bytes()), GOOD_NAME)
    assert refused.value.code == "bad_file_type"
    assert "Excel workbook (XLSX)" in refused.value.detail
    assert (
        refused.value.fix
        == "Name it Supporting Document_ECS00012345_B01234.xlsx so that its name says what it is."
    )
    assert files_in(store.root) == []


async def test_an_exe_with_a_good_name_is_not_kept(store: FileStore) -> None:
    with pytest.raises(FileRefusal) as refused:
        await accept(store, Upload(exe_file()), GOOD_NAME)
    assert "EXE" in refused.value.detail
    assert files_in(store.root) == []


def test_a_declared_length_past_the_limit_is_refused_at_once() -> None:
    ensure_request_size(None)
    ensure_request_size("not a number")
    ensure_request_size(str(MAX_FILE_BYTES + 1000))  # the multipart envelope
    with pytest.raises(FileRefusal) as refused:
        ensure_request_size(str(11 * MiB))
    assert refused.value.status == 413
    assert refused.value.code == "file_too_large"
