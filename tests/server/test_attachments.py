"""Supporting documents through the HTTP API: the hostile corpus, round trips, delete.

Each corpus case (tests/server/attachment_corpus.py) is sent to a fresh portal and must
be refused with its status and code, a `detail` that says what is wrong and a `fix`
(the corrected name where there is one), while nothing at all is written: the storage
folder holds the same files before and after (its `.incoming` temp folder may exist,
empty), the data folder gains nothing but the database's own files, and the request has
no new attachment and no new audit entry.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import sqlite3
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from cc_tui.domain.naming import check_supporting_document_name
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.settings import ServerSettings
from tests.server.attachment_corpus import (
    CASES,
    Case,
    MiB,
    build_multipart,
    good_name,
    minimal_pdf,
    ole2_file,
    xlsx_bytes,
    zip_slip_xlsx,
)
from tests.server.request_helpers import (
    CHECKER,
    KOWLOON,
    MAKER,
    OFFICER,
    act,
    context_of,
    create,
    good_values,
    headers_for,
)

PDF_TYPE = "application/pdf"
XLS_TYPE = "application/vnd.ms-excel"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# -- what is on disk and in the store ---------------------------------------------------


def storage_listing(files_dir: Path) -> set[str]:
    """Every file under the storage folder (relative); the empty temp folder is allowed."""
    if not files_dir.exists():
        return set()
    incoming = files_dir / ".incoming"
    if incoming.exists():
        assert not any(incoming.iterdir()), f"left in .incoming: {list(incoming.iterdir())}"
    return {str(p.relative_to(files_dir)) for p in files_dir.rglob("*") if p.is_file()}


def data_listing(settings: ServerSettings) -> set[str]:
    """Every file of the portal's data folder but the database's and the outbox's own."""
    root = settings.data_dir
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith("portal.db") and "mail" not in p.parts
    }


def counts(app: FastAPI) -> tuple[int, int]:
    conn = context_of(app).db.connect()
    attachments = conn.execute("SELECT count(*) FROM attachments").fetchone()[0]
    audit = conn.execute("SELECT count(*) FROM request_audit").fetchone()[0]
    return int(attachments), int(audit)


def attachment_ids(app: FastAPI, ref: str) -> list[str]:
    conn = context_of(app).db.connect()
    return [
        str(row[0])
        for row in conn.execute(
            "SELECT id FROM attachments WHERE request_id = ? ORDER BY uploaded_at, name",
            (int(ref[3:]),),
        )
    ]


def audit_rows(app: FastAPI, ref: str) -> list[sqlite3.Row]:
    conn = context_of(app).db.connect()
    return list(
        conn.execute(
            "SELECT action, from_status, to_status, comment, user_id, role FROM request_audit"
            " WHERE request_id = ? ORDER BY id",
            (int(ref[3:]),),
        )
    )


# -- a portal with requests in every state ----------------------------------------------


class Portal:
    def __init__(self, app: FastAPI, api: httpx.AsyncClient) -> None:
        self.app = app
        self.api = api
        self.maker = headers_for(app, MAKER, "B01234")
        self.checker = headers_for(app, CHECKER, "B01234")
        self.kowloon = headers_for(app, KOWLOON, "B05678")
        self.officer = headers_for(app, OFFICER)
        # The latest answer about each request made here (for its version).
        self.requests: dict[str, dict[str, Any]] = {}

    async def draft(self) -> str:
        request = await create(self.api, self.maker, "CT027", good_values(self.app, "CT027"))
        self.requests[request["ref"]] = request
        return str(request["ref"])

    async def request_in(self, target: str) -> str:
        if target == "unknown":
            return "ECS09999999"
        if target == "kowloon":
            values = good_values(self.app, "CT027", "B05678")
            return str((await create(self.api, self.kowloon, "CT027", values))["ref"])
        ref = await self.draft()
        if target == "full":
            for ext, content in (("pdf", minimal_pdf()), ("xlsx", xlsx_bytes())):
                for suffix in (None, *range(1, 10)):
                    response = await self.upload(ref, good_name(ref, ext, suffix), content)
                    assert response.status_code == 201, response.text
        if target in ("pending", "approved"):
            request = await self.take(self.requests[ref], "submit", self.maker)
            if target == "approved":
                request = await self.take(request, "approve", self.checker)
                request = await self.take(request, "complete", self.officer)
                assert request["status"] == "approved"
        return ref

    async def take(
        self, request: dict[str, Any], action: str, headers: dict[str, str]
    ) -> dict[str, Any]:
        response = await act(self.api, headers, request, action)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        self.requests[body["ref"]] = body
        return body

    def headers(self, who: str) -> dict[str, str]:
        return {"maker": self.maker, "checker": self.checker, "kowloon": self.kowloon}.get(who, {})

    async def upload(
        self,
        ref: str,
        name: str,
        content: bytes,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> httpx.Response:
        return await self.api.post(
            f"/requests/{ref}/attachments",
            files={"file": (name, content, "application/octet-stream")},
            headers=self.maker if headers is None else headers,
            **extra,
        )

    async def send(self, case: Case, ref: str) -> httpx.Response:
        name = case.name(ref)
        content = case.content()
        headers = dict(self.headers(case.who))
        url = f"/requests/{ref}/attachments"
        if case.raw or case.chunked or isinstance(name, bytes):
            body, content_type = build_multipart(name, content, **case.multipart)
            headers["Content-Type"] = content_type
            if case.chunked:
                return await self.api.post(url, content=chunks(body), headers=headers)
            return await self.api.post(url, content=body, headers=headers)
        return await self.upload(ref, name, content, headers)


async def chunks(data: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@pytest.fixture
async def portal(app: FastAPI, api: httpx.AsyncClient) -> Portal:
    return Portal(app, api)


# -- the corpus -------------------------------------------------------------------------


def test_the_corpus_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30
    assert len({case.label for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.label for case in CASES])
async def test_each_hostile_upload_is_refused_and_nothing_is_stored(
    case: Case, portal: Portal, app: FastAPI, server_settings: ServerSettings
) -> None:
    ref = await portal.request_in(case.target)
    files_before = storage_listing(server_settings.files_dir)
    data_before = data_listing(server_settings)
    counts_before = counts(app)

    response = await portal.send(case, ref)

    assert response.status_code == case.status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["code"] == case.code
    assert problem["detail"]
    assert problem.get("fix"), "every refusal says what to do"
    assert case.says in problem["detail"], problem["detail"]
    if case.code == "bad_file_name":
        name = case.name(ref)
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
        check = check_supporting_document_name(text, ref, "B01234")
        if check.corrected is not None:
            assert problem["fix"] == f"Rename the file: {check.corrected}"
        assert [e["message"] for e in problem["errors"]] == list(check.reasons)
    assert storage_listing(server_settings.files_dir) == files_before
    assert data_listing(server_settings) == data_before
    assert counts(app) == counts_before


async def test_a_name_already_attached_is_refused_with_the_next_free_suffix(
    portal: Portal, server_settings: ServerSettings
) -> None:
    ref = await portal.draft()
    name = good_name(ref)
    assert (await portal.upload(ref, name, minimal_pdf())).status_code == 201
    files_before = storage_listing(server_settings.files_dir)
    response = await portal.upload(ref, name.upper().replace(".PDF", ".pdf"), minimal_pdf())
    assert response.status_code == 422
    assert response.json()["code"] == "bad_file_name"  # upper case is also a wrong name
    response = await portal.upload(ref, name, minimal_pdf())
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "duplicate_file_name"
    assert problem["fix"] == f"Use the next free name: {good_name(ref, suffix=1)}"
    assert storage_listing(server_settings.files_dir) == files_before


# -- good files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ext", "content", "content_type"),
    [
        ("pdf", minimal_pdf() + b"%" + bytes(range(256)) * 4000, PDF_TYPE),
        ("xls", ole2_file(), XLS_TYPE),
        ("xlsx", xlsx_bytes({"xl/worksheets/sheet1.xml": b"<sheet/>" * 1000}), XLSX_TYPE),
        ("PDF", minimal_pdf(), PDF_TYPE),
    ],
    ids=["pdf", "xls", "xlsx", "upper-case extension"],
)
async def test_a_good_file_round_trips_byte_for_byte(
    ext: str,
    content: bytes,
    content_type: str,
    portal: Portal,
    app: FastAPI,
    server_settings: ServerSettings,
) -> None:
    ref = await portal.draft()
    name = good_name(ref, ext, 2)
    response = await portal.upload(ref, name, content)
    assert response.status_code == 201, response.text
    attachment = response.json()
    digest = hashlib.sha256(content).hexdigest()
    assert attachment["name"] == name
    assert attachment["size"] == len(content)
    assert attachment["sha256"] == digest
    assert attachment["content_type"] == content_type
    assert response.headers["location"].endswith(f"/requests/{ref}/attachments/{attachment['id']}")

    # Stored under a server-made name, never the user's.
    (stored,) = storage_listing(server_settings.files_dir)
    assert "Supporting" not in stored and stored.startswith(digest[:2] + "/")

    # Everyone of the firm who may read the request downloads it; others do not see it.
    url = f"/requests/{ref}/attachments/{attachment['id']}"
    for headers in (portal.maker, portal.checker):
        download = await portal.api.get(url, headers=headers)
        assert download.status_code == 200
        assert download.content == content
        assert download.headers["content-type"] == content_type
        assert download.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert download.headers["x-content-type-options"] == "nosniff"
    for headers in (portal.kowloon, portal.officer):
        assert (await portal.api.get(url, headers=headers)).status_code == 404

    assert attachment_ids(app, ref) == [attachment["id"]]
    (upload,) = [row for row in audit_rows(app, ref) if row["action"] == "upload"]
    assert (upload["from_status"], upload["to_status"]) == ("draft", "draft")
    assert (upload["user_id"], upload["role"], upload["comment"]) == (MAKER, "maker", name)


async def test_a_zip_slip_workbook_is_kept_as_bytes_and_never_unpacked(
    portal: Portal, server_settings: ServerSettings, tmp_path: Path
) -> None:
    ref = await portal.draft()
    response = await portal.upload(ref, good_name(ref, "xlsx"), zip_slip_xlsx())
    assert response.status_code == 201
    assert len(storage_listing(server_settings.files_dir)) == 1
    assert not Path("/tmp/cc-tui-zip-slip.txt").exists()
    assert not list(server_settings.data_dir.rglob("*zip-slip*"))


async def test_twenty_files_fit_and_names_run_out_after_ten_a_type(portal: Portal) -> None:
    ref = await portal.draft()
    for suffix in (None, *range(1, 10)):
        assert (await portal.upload(ref, good_name(ref, "pdf", suffix), minimal_pdf())).is_success
    response = await portal.upload(ref, good_name(ref, "pdf"), minimal_pdf())
    assert response.json()["code"] == "bad_file_name"
    assert "All 10 names a .pdf file can have" in response.json()["detail"]


# -- delete -----------------------------------------------------------------------------


async def test_delete_removes_the_row_and_the_bytes_and_is_audited(
    portal: Portal, app: FastAPI, server_settings: ServerSettings
) -> None:
    ref = await portal.draft()
    kept = (await portal.upload(ref, good_name(ref), minimal_pdf())).json()
    gone = (await portal.upload(ref, good_name(ref, suffix=1), minimal_pdf())).json()
    assert len(storage_listing(server_settings.files_dir)) == 2

    url = f"/requests/{ref}/attachments/{gone['id']}"
    for headers, status, code in (
        (portal.checker, 403, "forbidden"),
        (portal.kowloon, 404, "not_found"),
    ):
        response = await portal.api.delete(url, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code)
    assert (await portal.api.delete(url, headers=portal.maker)).status_code == 204
    assert len(storage_listing(server_settings.files_dir)) == 1
    assert (await portal.api.get(url, headers=portal.maker)).status_code == 404
    again = await portal.api.delete(url, headers=portal.maker)
    assert (again.status_code, again.json()["code"]) == (404, "not_found")

    assert attachment_ids(app, ref) == [kept["id"]]
    deleted = [row for row in audit_rows(app, ref) if row["action"] == "delete_attachment"]
    assert [(r["comment"], r["from_status"], r["to_status"]) for r in deleted] == [
        (good_name(ref, suffix=1), "draft", "draft")
    ]
    # The freed name can be used again.
    assert (await portal.upload(ref, good_name(ref, suffix=1), minimal_pdf())).is_success


async def test_attachments_of_a_submitted_request_cannot_be_deleted(
    portal: Portal, server_settings: ServerSettings
) -> None:
    ref = await portal.draft()
    attachment = (await portal.upload(ref, good_name(ref), minimal_pdf())).json()
    await portal.take(portal.requests[ref], "submit", portal.maker)
    url = f"/requests/{ref}/attachments/{attachment['id']}"
    response = await portal.api.delete(url, headers=portal.maker)
    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert len(storage_listing(server_settings.files_dir)) == 1
    # ...but the checker reads it.
    assert (await portal.api.get(url, headers=portal.checker)).content == minimal_pdf()


# -- idempotency, races, failures -------------------------------------------------------


async def test_a_retry_with_the_same_key_stores_nothing_more(
    portal: Portal, server_settings: ServerSettings
) -> None:
    ref = await portal.draft()
    key = {**portal.maker, "Idempotency-Key": "upload-1"}
    first = await portal.upload(ref, good_name(ref), minimal_pdf(), key)
    again = await portal.upload(ref, good_name(ref), minimal_pdf(), key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(storage_listing(server_settings.files_dir)) == 1
    other = await portal.upload(ref, good_name(ref, suffix=1), minimal_pdf(), key)
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert len(storage_listing(server_settings.files_dir)) == 1


async def test_two_uploads_of_one_name_at_once_keep_one_file(
    portal: Portal, server_settings: ServerSettings
) -> None:
    ref = await portal.draft()
    first, second = await asyncio.gather(
        portal.upload(ref, good_name(ref), minimal_pdf()),
        portal.upload(ref, good_name(ref), minimal_pdf() + b"%second"),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 422]
    loser = first if first.status_code == 422 else second
    assert loser.json()["code"] == "duplicate_file_name"
    assert len(storage_listing(server_settings.files_dir)) == 1


async def test_a_failed_transaction_leaves_no_stored_file(
    portal: Portal, server_settings: ServerSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cc_tui.server.store import attachments

    ref = await portal.draft()

    def broken(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(attachments, "add_attachment", broken)
    transport = httpx.ASGITransport(app=portal.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=str(portal.api.base_url)) as api:
        response = await api.post(
            f"/requests/{ref}/attachments",
            files={"file": (good_name(ref), minimal_pdf())},
            headers=portal.maker,
        )
    assert response.status_code == 500
    assert storage_listing(server_settings.files_dir) == set()


async def test_a_body_cut_short_stores_nothing(
    portal: Portal, server_settings: ServerSettings
) -> None:
    ref = await portal.draft()
    body, content_type = build_multipart(good_name(ref), minimal_pdf() + bytes(MiB))
    response = await portal.api.post(
        f"/requests/{ref}/attachments",
        content=chunks(body[: len(body) // 2]),
        headers={**portal.maker, "Content-Type": content_type},
    )
    assert (response.status_code, response.json()["code"]) == (400, "malformed")
    assert storage_listing(server_settings.files_dir) == set()


async def test_download_names_are_quoted_safely() -> None:
    from cc_tui.server.routers.attachments import content_disposition

    assert content_disposition("a.pdf") == 'attachment; filename="a.pdf"'
    header = content_disposition('x"y\\z\r\nSet-Cookie: 1 ü.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="x_y_z__Set-Cookie: 1 _.pdf"; filename*=')


async def test_uploads_and_deletes_wait_for_the_end_of_maintenance(
    portal: Portal, server_settings: ServerSettings, clock: FakeClock
) -> None:
    ref = await portal.draft()
    attachment = (await portal.upload(ref, good_name(ref), minimal_pdf())).json()
    clock.set(datetime(2026, 11, 28, 9, 0, tzinfo=HKT))  # Saturday, inside the window
    portal.maker = headers_for(portal.app, MAKER, "B01234")  # the old sessions idled out
    portal.checker = headers_for(portal.app, CHECKER, "B01234")
    refused = await portal.upload(ref, good_name(ref, suffix=1), minimal_pdf())
    assert (refused.status_code, refused.json()["code"]) == (503, "maintenance")
    assert int(refused.headers["retry-after"]) > 0
    url = f"/requests/{ref}/attachments/{attachment['id']}"
    deleted = await portal.api.delete(url, headers=portal.maker)
    assert (deleted.status_code, deleted.json()["code"]) == (503, "maintenance")
    # Reading still works.
    assert (await portal.api.get(url, headers=portal.checker)).content == minimal_pdf()
    assert len(storage_listing(server_settings.files_dir)) == 1


async def test_the_sweep_removes_only_old_files_without_a_row(
    portal: Portal, app: FastAPI, server_settings: ServerSettings
) -> None:
    from cc_tui.server.files import FileStore
    from cc_tui.server.store.attachments import sweep_storage

    ref = await portal.draft()
    assert (await portal.upload(ref, good_name(ref), minimal_pdf())).status_code == 201
    files = FileStore(server_settings.files_dir)
    orphan = files.save_file([minimal_pdf()], "x.pdf")  # stored, its row never written
    young = files.save_file([minimal_pdf()], "y.pdf")
    (kept,) = [
        name
        for name in storage_listing(files.root)
        if name not in {orphan.storage_name, young.storage_name}
    ]
    leftover = files.root / ".incoming" / "dead.part"
    leftover.write_bytes(b"half")
    long_ago = time.time() - 7200
    for path in (files.root / orphan.storage_name, leftover, files.root / kept):
        os.utime(path, (long_ago, long_ago))

    removed = sweep_storage(context_of(app).db.connect(), files)

    assert removed == 2
    assert storage_listing(files.root) == {kept, young.storage_name}


async def test_garbled_bodies_never_crash_the_portal_nor_leave_files(
    portal: Portal, server_settings: ServerSettings
) -> None:
    """Two hundred mangled copies of a good upload: each gets an answer, never a 500,
    and only a 201 keeps a file."""
    ref = await portal.draft()
    body, content_type = build_multipart(good_name(ref), minimal_pdf())
    rng = random.Random(6)
    kept = 0
    for _ in range(200):
        mangled = bytearray(body)
        for _ in range(rng.randint(1, 6)):
            where = rng.randrange(len(mangled))
            choice = rng.random()
            if choice < 0.4:
                mangled[where] = rng.randrange(256)
            elif choice < 0.7:
                del mangled[where : where + rng.randint(1, 40)]
            else:
                mangled[where:where] = rng.choice([b"\r\n", b"--", b'"', b";", b"\x00"])
        response = await portal.api.post(
            f"/requests/{ref}/attachments",
            content=bytes(mangled),
            headers={**portal.maker, "Content-Type": content_type},
        )
        assert response.status_code in (201, 400, 413, 422), response.text
        if response.status_code == 201:
            kept += 1
            await portal.api.delete(
                f"/requests/{ref}/attachments/{response.json()['id']}", headers=portal.maker
            )
        assert storage_listing(server_settings.files_dir) == set()
    assert kept < 200


async def test_the_housekeeping_round_sweeps_orphaned_files(
    portal: Portal, app: FastAPI, server_settings: ServerSettings
) -> None:
    from cc_tui.server.files import FileStore
    from cc_tui.server.jobs import run_housekeeping

    ref = await portal.draft()
    assert (await portal.upload(ref, good_name(ref), minimal_pdf())).status_code == 201
    files = FileStore(server_settings.files_dir)
    orphan = files.save_file([minimal_pdf()], "x.pdf")
    long_ago = time.time() - 7200
    os.utime(files.root / orphan.storage_name, (long_ago, long_ago))

    result = run_housekeeping(context_of(app))

    assert result.files_swept == 1
    assert orphan.storage_name not in storage_listing(files.root)
    assert len(storage_listing(files.root)) == 1  # the attached file stays


async def test_file_names_in_the_audit_are_not_shown_as_comments(portal: Portal) -> None:
    ref = await portal.draft()
    name = good_name(ref)
    uploaded = await portal.upload(ref, name, minimal_pdf())
    assert uploaded.status_code == 201
    await portal.api.delete(
        f"/requests/{ref}/attachments/{uploaded.json()['id']}", headers=portal.maker
    )

    detail = (await portal.api.get(f"/requests/{ref}", headers=portal.maker)).json()

    assert [e["action"] for e in detail["audit"]][-2:] == ["upload", "delete_attachment"]
    assert detail["comments"] == []
