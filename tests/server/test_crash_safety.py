"""Crash safety (issue 10 point 6): a real portal process is killed with SIGKILL during
a burst of keyed request creations and uploads. After a restart on the same data
directory, every creation and upload that was answered 2xx is there, a retry with its
key returns the same request (a replay), `PRAGMA integrity_check` is ok, and stored
files and attachment rows match: no row lacks its file, and a file a kill left without
its row is one the housekeeping sweep removes (it keeps young files for an hour, since
another worker may be about to commit one; here nothing runs, so age does not matter).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import httpx

from cc_tui.api import API_PREFIX
from cc_tui.domain.forms import example_values, get_eservice
from cc_tui.server.db import Database
from cc_tui.server.files import FileStore
from cc_tui.server.store.attachments import sweep_storage
from cc_tui.server.store.profiles import membership_profile
from cc_tui.server.store.sessions import create_session
from tests.server.attachment_corpus import good_name, minimal_pdf
from tests.server.portal_process import START, portal_process, settings
from tests.server.request_helpers import MAKER

WORKERS = 6
KILL_AFTER = 12  # creations answered 201 before the kill


def _session(data_dir: Path) -> tuple[dict[str, str], dict[str, object]]:
    """Bearer headers of a maker's session and a complete CT027 form, from the store."""
    database = Database(settings(data_dir).db_path)
    try:
        with database.transaction() as conn:
            token, _ = create_session(conn, MAKER, START, timedelta(hours=12))
            profile = membership_profile(conn, "B01234")
        assert profile is not None
        values = example_values(get_eservice("CT027"), profile, START.date())
    finally:
        database.close()
    return {"Authorization": f"Bearer {token}"}, values


class Burst:
    """Threads creating requests and uploading to them, each call with its own key,
    recording what was answered 2xx."""

    def __init__(self, url: str, headers: dict[str, str], values: dict[str, object]) -> None:
        self.url = f"{url}{API_PREFIX}"
        self.headers = headers
        self.values = values
        self.created: dict[str, str] = {}  # key -> ref
        self.uploaded: dict[str, tuple[str, str]] = {}  # key -> (ref, attachment id)
        self.lock = threading.Lock()
        self.enough = threading.Event()

    def body(self) -> dict[str, object]:
        return {"eservice": "CT027", "fields": self.values}

    def run(self, worker: int) -> None:
        with httpx.Client(base_url=self.url, headers=self.headers, timeout=30) as client:
            for number in range(1000):
                key = f"crash-{worker}-{number}"
                try:
                    response = client.post(
                        "/requests", json=self.body(), headers={"Idempotency-Key": key}
                    )
                    if response.status_code != 201:
                        return
                    ref = response.json()["ref"]
                    with self.lock:
                        self.created[key] = ref
                        if len(self.created) >= KILL_AFTER:
                            self.enough.set()
                    upload = client.post(
                        f"/requests/{ref}/attachments",
                        files={"file": (good_name(ref), minimal_pdf(), "application/pdf")},
                        headers={"Idempotency-Key": f"{key}-file"},
                    )
                    if upload.status_code != 201:
                        return
                    with self.lock:
                        self.uploaded[f"{key}-file"] = (ref, upload.json()["id"])
                except httpx.TransportError:
                    return  # the portal was killed under us


def _storage_files(files_dir: Path) -> set[str]:
    return {f"{p.parent.name}/{p.name}" for p in files_dir.glob("??/*") if p.is_file()}


def test_a_killed_portal_keeps_every_answered_write(tmp_path: Path) -> None:
    data_dir = tmp_path / "portal"
    with portal_process(data_dir) as (process, url):
        headers, values = _session(data_dir)
        burst = Burst(url, headers, values)
        threads = [threading.Thread(target=burst.run, args=(n,)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        assert burst.enough.wait(120), "the burst made too few requests before the kill"
        os.kill(process.pid, signal.SIGKILL)
        for thread in threads:
            thread.join(60)
    assert len(burst.created) >= KILL_AFTER and burst.uploaded

    with (
        portal_process(data_dir) as (_, url),
        httpx.Client(base_url=f"{url}{API_PREFIX}", headers=headers, timeout=30) as client,
    ):
        for key, ref in burst.created.items():
            assert client.get(f"/requests/{ref}").status_code == 200, ref
            retry = client.post("/requests", json=burst.body(), headers={"Idempotency-Key": key})
            assert retry.status_code == 201, retry.text
            assert retry.json()["ref"] == ref, key
            assert retry.headers.get("idempotent-replayed") == "true"
        for key, (ref, attachment) in burst.uploaded.items():
            names = [a["id"] for a in client.get(f"/requests/{ref}").json()["attachments"]]
            assert attachment in names, key

    conn = sqlite3.connect(settings(data_dir).db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = {name for (name,) in conn.execute("SELECT storage_name FROM attachments")}
        files_dir = settings(data_dir).files_dir
        assert rows <= _storage_files(files_dir), "attachment rows whose file is gone"
        sweep_storage(conn, FileStore(files_dir), older_than_seconds=0)
        assert _storage_files(files_dir) == rows, "stored files without their row"
        assert not list((files_dir / ".incoming").glob("*")), "temp files left behind"
    finally:
        conn.close()
