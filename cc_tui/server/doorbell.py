"""A doorbell between the server processes of one store: "new notices, look again".

SQLite has no way to tell one process that another has committed, so each process with
open notification streams binds a Unix datagram socket in a folder named after the
store (`folder_of`), and a process that has just committed notices sends one byte to
every socket in it (`ring`). A ring reaches the other processes' streams in well under a
millisecond; the hub's poll of the store stays behind it as a safety net (a process that
wrote the store without ringing, a lost datagram), at a slow pace.

Why our own: the standard library does it in ~100 lines with no broker (no Redis, no
Postgres LISTEN); a file-watching library would still need a file to touch, and
`PRAGMA data_version` only answers when asked, i.e. a poll.

- The folder is `<temp>/cc-tui-<uid>/<digest of the store's path>` (mode 0700, ours or
  not used): short, since a socket's path is limited to about 100 bytes, and private to
  the user who runs the server.
- A socket left by a process that died is found when a ring is refused, and removed.
- Where Unix datagram sockets do not exist (Windows), `Doorbell.open` returns False
  and the hub polls the store at its fast pace instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import secrets
import socket
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

SUPPORTED = hasattr(socket, "AF_UNIX") and sys.platform != "win32"
_SUFFIX = ".bell"


def folder_of(db_path: Path) -> Path | None:
    """The folder of the store's doorbells, made private to this user; None if it cannot
    be (someone else owns it, or the platform has no Unix sockets)."""
    if not SUPPORTED:
        return None
    digest = hashlib.sha256(str(db_path.resolve()).encode("utf-8")).hexdigest()[:16]
    parent = Path(tempfile.gettempdir()) / f"cc-tui-{os.getuid()}"
    folder = parent / digest
    try:
        parent.mkdir(mode=0o700, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        for path in (parent, folder):
            status = path.lstat()
            if status.st_uid != os.getuid() or status.st_mode & 0o077 or path.is_symlink():
                return None
    except OSError:
        return None
    return folder


class Doorbell:
    """This process's socket in the store's folder: `on_ring` runs on the event loop
    whenever another process rings."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.path: Path | None = None
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def open(self, on_ring: Callable[[], None]) -> bool:
        """Bind and listen on the running loop; False where there is no doorbell."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.setblocking(False)
        path = self._bind(sock)
        if path is None:
            sock.close()
            return False
        loop = asyncio.get_running_loop()

        def drain() -> None:
            with contextlib.suppress(OSError):
                while sock.recv(64):
                    pass
            on_ring()

        loop.add_reader(sock.fileno(), drain)
        self.path, self._sock, self._loop = path, sock, loop
        return True

    def _bind(self, sock: socket.socket) -> Path | None:
        for _ in range(2):  # again if another process removed the empty folder meanwhile
            folder = folder_of(self.db_path)
            if folder is None:
                return None
            path = folder / f"{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
            try:
                sock.bind(str(path))
            except FileNotFoundError:
                continue
            except OSError:
                return None
            return path
        return None

    def close(self) -> None:
        """Stop listening and remove the socket (call on the loop it was opened on)."""
        sock, self._sock = self._sock, None
        if sock is None:
            return
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(sock.fileno())
        sock.close()
        if self.path is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            with contextlib.suppress(OSError):  # the last one out removes the folder
                self.path.parent.rmdir()


def ring(db_path: Path, skip: Path | None = None) -> int:
    """Ring every doorbell of the store but `skip`; returns how many were rung. Never
    blocks: a doorbell whose queue is full has a ring waiting already."""
    folder = folder_of(db_path)
    if folder is None:
        return 0
    rung = 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        for path in folder.glob(f"*{_SUFFIX}"):
            if path == skip:
                continue
            try:
                sender.sendto(b"!", str(path))
                rung += 1
            except (ConnectionRefusedError, FileNotFoundError):
                with contextlib.suppress(OSError):  # its process is gone
                    path.unlink()
            except OSError:
                pass  # full (BlockingIOError) or otherwise busy: it will look anyway
    return rung
