"""Signals end cc-tui as ctrl+q does: a real process in a pseudo-terminal gets SIGTERM or
SIGINT (or SIGHUP), and what it wrote last is read back: the alternate screen left, the
cursor shown, mouse tracking off; the exit code is 128 + the signal (README)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from cc_tui.server.runner import BackgroundServer
from tests.e2e.terminal import Terminal, client_env

RESTORED = {
    "main screen": "\x1b[?1049l",
    "cursor shown": "\x1b[?25h",
    "mouse tracking off": "\x1b[?1000l",
    "all-motion tracking off": "\x1b[?1003l",
}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_gives_the_terminal_back(
    signum: signal.Signals, live_portal: BackgroundServer, tmp_path: Path
) -> None:
    terminal = Terminal(
        ["-m", "cc_tui", "--server", live_portal.url], client_env(tmp_path), (80, 24)
    )
    try:
        terminal.wait_for("Portal: open")
        taken = terminal.raw.rfind(b"\x1b[?1049h")
        assert taken >= 0, "the app took the alternate screen"
        terminal.process.send_signal(signum)
        assert terminal.wait_exit() == 128 + signum
        after = terminal.raw[taken:].decode("utf-8", "replace")
        for what, sequence in RESTORED.items():
            assert sequence in after, f"{what} was not restored after {signum.name}"
        assert after.rfind("\x1b[?1049l") > after.rfind("\x1b[?25l"), "no hidden cursor last"
    finally:
        terminal.close()
