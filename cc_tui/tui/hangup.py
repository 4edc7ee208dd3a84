"""Notice that the terminal has gone, or a signal came, and leave.

When an SSH connection drops, the kernel hangs up the terminal and SIGHUP ends cc-tui.
A process that has the terminal as plain file descriptors but not as its controlling
terminal (started under `setsid`, `nohup`, a test harness or a multiplexer that lost
its client) gets no SIGHUP: its input reaches end-of-file, and Textual's input thread
then wakes at once, forever, burning a core. `terminal_hung_up` asks the kernel, without
reading, whether the terminal has hung up; the app checks it once a second and exits.
Typed form input is already on disk (the draft store writes on every change), so
leaving loses nothing.

SIGTERM, SIGINT and SIGHUP end cc-tui the way ctrl+q does, so the terminal is given back
as it was found (main screen, cursor shown, mouse tracking off); Python's default would
end the process on the spot and leave the terminal in the app's state. Exit code 128 +
the signal's number, as shells report it (README, Exit codes).
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import signal
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

HANG_UP_EVENTS = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_hung_up(fd: int) -> bool:
    """True when the terminal behind `fd` has hung up (or `fd` is no longer open)."""
    poller = select.poll()
    poller.register(fd, HANG_UP_EVENTS)
    return any(events & HANG_UP_EVENTS for _, events in poller.poll(0))


def leave_when_the_terminal_goes(app: App[Any]) -> None:
    """Have `app` exit on SIGTERM, SIGINT and SIGHUP, and (its input a terminal) check
    once a second that the terminal has not hung up. Call from the app's event loop."""
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, app.exit, None, 128 + signum)
    stdin = sys.__stdin__
    if stdin is None or not stdin.isatty():
        return
    descriptor = stdin.fileno()

    def check() -> None:
        if terminal_hung_up(descriptor):
            app.exit(return_code=129)  # as if ended by SIGHUP (128 + 1)

    app.set_interval(1.0, check, name="hang-up watch")
