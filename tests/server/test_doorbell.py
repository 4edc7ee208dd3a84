"""The doorbell between server processes of one store (server/doorbell.py)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from cc_tui.server import doorbell
from cc_tui.server.doorbell import Doorbell, folder_of, ring
from tests.waiting import await_until

pytestmark = pytest.mark.skipif(not doorbell.SUPPORTED, reason="no Unix datagram sockets")


async def test_a_ring_runs_the_callback_of_every_other_doorbell(tmp_path: Path) -> None:
    store = tmp_path / "portal.db"
    rung: list[str] = []
    mine, theirs = Doorbell(store), Doorbell(store)
    assert mine.open(lambda: rung.append("mine"))
    assert theirs.open(lambda: rung.append("theirs"))
    try:
        assert ring(store, skip=mine.path) == 1
        await await_until(lambda: rung, "the other process's doorbell rings", timeout=5)
        assert rung == ["theirs"]
        # Another store's doorbells are not rung.
        assert ring(tmp_path / "other.db") == 0
    finally:
        mine.close()
        theirs.close()
    assert ring(store) == 0


def test_the_socket_of_a_process_that_died_is_removed(tmp_path: Path) -> None:
    store = tmp_path / "portal.db"
    folder = folder_of(store)
    assert folder is not None
    left = folder / "123-dead.bell"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(left))  # closed without removing its file, as by a kill -9
    assert ring(store) == 0
    assert not left.exists()


def test_a_folder_others_may_enter_is_not_used(tmp_path: Path) -> None:
    store = tmp_path / "portal.db"
    folder = folder_of(store)
    assert folder is not None
    folder.chmod(0o777)
    try:
        assert folder_of(store) is None
        assert ring(store) == 0
    finally:
        folder.chmod(0o700)
    assert folder_of(store) == folder
