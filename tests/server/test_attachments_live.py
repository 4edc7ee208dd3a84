"""Uploads over a real loopback socket: dropped connections and early refusals.

In-process tests cannot drop a connection halfway; these talk to uvicorn in a thread.
A raw socket sends the request's headers and half its body, the test waits until the
portal is storing it (a temp file appears in `.incoming`), then closes the socket: the
portal must remove the temp file and keep nothing.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.server.context import ServerContext
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session
from tests.server.attachment_corpus import MiB, build_multipart, good_name, minimal_pdf
from tests.server.request_helpers import MAKER
from tests.server.test_attachments import storage_listing
from tests.waiting import wait_until


def temp_files(files_dir: Path) -> list[Path]:
    incoming = files_dir / ".incoming"
    return list(incoming.glob("*.part")) if incoming.exists() else []


class LivePortal:
    def __init__(self, portal: BackgroundServer) -> None:
        self.portal = portal
        self.context: ServerContext = portal.context
        with self.context.db.transaction() as conn:
            token, _ = create_session(
                conn, MAKER, self.context.now(), self.context.settings.session_absolute
            )
        self.headers = {"Authorization": f"Bearer {token}", "X-Participant-ID": "B01234"}
        self.http = httpx.Client(base_url=portal.url + API_PREFIX, timeout=30)

    def draft(self) -> str:
        profile = membership_profile(self.context.db.connect(), "B01234")
        assert profile is not None
        values = example_values(get_eservice("CT027"), profile, self.context.now().date())
        response = self.http.post(
            "/requests", json={"eservice": "CT027", "fields": values}, headers=self.headers
        )
        assert response.status_code == 201, response.text
        return str(response.json()["ref"])

    def attachment_count(self) -> int:
        row = self.context.db.connect().execute("SELECT count(*) FROM attachments").fetchone()
        return int(row[0])


@pytest.fixture
def live(live_portal: BackgroundServer) -> Iterator[LivePortal]:
    portal = LivePortal(live_portal)
    yield portal
    portal.http.close()


def test_a_connection_dropped_midway_leaves_no_file(
    live: LivePortal, server_settings: ServerSettings
) -> None:
    ref = live.draft()
    body, content_type = build_multipart(good_name(ref), minimal_pdf() + bytes(4 * MiB))
    host, port = live.portal.url.removeprefix("http://").split(":")
    head = (
        f"POST {API_PREFIX}/requests/{ref}/attachments HTTP/1.1\r\n"
        f"Host: {host}:{port}\r\n"
        f"Authorization: {live.headers['Authorization']}\r\n"
        "X-Participant-ID: B01234\r\n"
        f"Content-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port))) as sock:
        sock.sendall(head + body[: len(body) // 2])
        wait_until(lambda: bool(temp_files(server_settings.files_dir)), "the upload is storing")
    wait_until(lambda: not temp_files(server_settings.files_dir), "the temp file is removed")
    assert storage_listing(server_settings.files_dir) == set()
    assert live.attachment_count() == 0

    # The portal is fine afterwards, and the same file goes through whole.
    whole = live.http.post(
        f"/requests/{ref}/attachments",
        files={"file": (good_name(ref), minimal_pdf() + bytes(4 * MiB))},
        headers=live.headers,
    )
    assert whole.status_code == 201, whole.text
    assert len(storage_listing(server_settings.files_dir)) == 1


@pytest.mark.parametrize("chunked", [False, True], ids=["with Content-Length", "chunked"])
def test_an_11_mib_upload_gets_413_over_a_real_socket(
    chunked: bool, live: LivePortal, server_settings: ServerSettings
) -> None:
    ref = live.draft()
    body, content_type = build_multipart(good_name(ref), minimal_pdf() + bytes(11 * MiB))

    def pieces() -> Iterator[bytes]:
        for start in range(0, len(body), 256 * 1024):
            yield body[start : start + 256 * 1024]

    response = live.http.post(
        f"/requests/{ref}/attachments",
        content=pieces() if chunked else body,
        headers={**live.headers, "Content-Type": content_type},
    )
    assert (response.status_code, response.json()["code"]) == (413, "file_too_large")
    assert storage_listing(server_settings.files_dir) == set()
    assert live.attachment_count() == 0
