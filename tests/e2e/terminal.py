"""Run `cc-tui` as a real process in a pseudo-terminal: type into it, wait for words.

What the process draws is read from the terminal stream with the escape sequences taken
out, so a phrase drawn in one style (one Static's text) can be waited for. Waits are on
what appears, with a deadline, never a fixed sleep.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Mapping
from pathlib import Path

ESCAPES = re.compile(
    r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|.)"
)


class Terminal:
    def __init__(self, args: list[str], env: Mapping[str, str], size: tuple[int, int]) -> None:
        master, slave = pty.openpty()
        columns, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        self.process = subprocess.Popen(
            [sys.executable, *args],
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=dict(env),
            close_fds=True,
            start_new_session=True,
        )
        os.close(slave)
        self.master = master
        self.raw = b""
        self.seen = 0

    @property
    def text(self) -> str:
        return ESCAPES.sub("", self.raw.decode("utf-8", "replace"))

    def _read(self, timeout: float) -> None:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if ready:
            with contextlib.suppress(OSError):  # the child has gone: nothing more to read
                self.raw += os.read(self.master, 65536)

    def wait_for(self, phrase: str, timeout: float = 20.0) -> None:
        """Until `phrase` appears after what earlier waits found."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.text.find(phrase, self.seen)
            if found >= 0:
                self.seen = found + len(phrase)
                return
            if time.monotonic() > deadline:
                tail = self.text[-2000:]
                raise AssertionError(f"{phrase!r} did not appear; the screen ended:\n{tail}")
            if self.process.poll() is not None:
                self._read(0)
                if self.text.find(phrase, self.seen) < 0:
                    raise AssertionError(f"cc-tui exited before {phrase!r}:\n{self.text[-2000:]}")
            self._read(0.05)

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def press(self, key: str, timeout: float = 20.0) -> None:
        """Send one key and wait until the screen is redrawn: keys that arrive together
        read as a paste, in which a tab or an enter is not a key."""
        before = len(self.raw)
        self.send(key)
        deadline = time.monotonic() + timeout
        while len(self.raw) == before:
            if time.monotonic() > deadline:
                raise AssertionError(f"nothing was redrawn after {key!r}")
            self._read(0.05)

    def type(self, text: str) -> None:
        """Key by key, as a person types."""
        for key in text:
            self.press(key)

    def wait_exit(self, timeout: float = 20.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                raise AssertionError("cc-tui did not exit")
            self._read(0.05)
        return self.process.returncode

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        os.close(self.master)


def client_env(home: Path) -> dict[str, str]:
    """A clean environment: own config and data dirs, no keyring, a plain terminal."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CC_TUI_", "TEXTUAL"))}
    env.update(
        {
            "CC_TUI_CONFIG_DIR": str(home / "config"),
            "CC_TUI_DATA_DIR": str(home / "data"),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "TERM": "xterm-256color",
            "COLUMNS": "80",
            "LINES": "24",
        }
    )
    return env
