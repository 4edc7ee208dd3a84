"""End to end: `cc-tui --server URL` as a real process in a terminal, against the real
portal on a loopback port, through the whole e-mail login, logout and quit; then the
same user's ID is remembered by the next run. Keys go in one by one, as typed: keys that
arrive together read as a paste."""

from __future__ import annotations

import os
from pathlib import Path

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from tests.e2e.terminal import Terminal, client_env
from tests.tui.helpers import DEMO_PASSWORD, email_codes

MAKER = "maker@harbour.example"


def test_a_whole_login_in_a_real_terminal(
    live_portal: BackgroundServer, server_settings: ServerSettings, tmp_path: Path
) -> None:
    env = client_env(tmp_path)
    args = ["-m", "cc_tui", "--server", live_portal.url]
    terminal = Terminal(args, env, (80, 24))
    try:
        terminal.wait_for("Log in to " + live_portal.url)
        terminal.wait_for("Portal: open")
        terminal.type(MAKER)
        terminal.press("\r")  # enter in the user ID moves on to the password
        terminal.type(DEMO_PASSWORD)
        terminal.press("\r")
        terminal.wait_for("Enter your one-time password")
        (code,) = email_codes(server_settings.mail_dir, MAKER)
        terminal.type(code)
        terminal.press("\r")
        # Whatever the landing screen, the session has begun: the notice says where the
        # token is kept (nowhere lasting: no keyring in this environment).
        terminal.wait_for("No keyring on this host")
        terminal.press("\x0c")  # ctrl+l: log out
        terminal.wait_for("You have logged out.")
        terminal.send("\x11")  # ctrl+q
        assert terminal.wait_exit() == 0
    finally:
        terminal.close()

    # The next run remembers the user ID and asks only for the password.
    again = Terminal(args, env, (80, 24))
    try:
        again.wait_for(MAKER)
        again.press("q")  # the focus is in the password field: q is typed, not quit
        again.wait_for("•")
        again.press("\x11")
        assert again.wait_exit() == 0
    finally:
        again.close()


def test_a_terminal_that_goes_away_ends_cc_tui(
    live_portal: BackgroundServer, tmp_path: Path
) -> None:
    """The terminal closes under cc-tui (a dropped connection whose SIGHUP does not reach
    it): cc-tui notices within seconds and exits, rather than spinning on a dead input."""
    terminal = Terminal(
        ["-m", "cc_tui", "--server", live_portal.url], client_env(tmp_path), (80, 24)
    )
    try:
        terminal.wait_for("Log in to " + live_portal.url)
        os.close(terminal.master)
        terminal.master = os.open(os.devnull, os.O_RDONLY)  # so that close() has one to close
        assert terminal.process.wait(10) == 129
    finally:
        terminal.close()
