"""Notice that the terminal has gone, and leave.

When an SSH connection drops, the kernel hangs up the terminal and SIGHUP ends cc-tui.
A process that has the terminal as plain file descriptors but not as its controlling
terminal (started under `setsid`, `nohup`, a test harness or a multiplexer that lost
its client) gets no SIGHUP: its input reaches end-of-file, and Textual's input thread
then wakes at once, forever, burning a core. `terminal_hung_up` asks the kernel, without
reading, whether the terminal has hung up; the app checks it once a second and exits.
Typed form input is already on disk (the draft store writes on every change), so
leaving loses nothing.
"""

from __future__ import annotations

import select

HANG_UP_EVENTS = select.POLLHUP | select.POLLERR | select.POLLNVAL


def terminal_hung_up(fd: int) -> bool:
    """True when the terminal behind `fd` has hung up (or `fd` is no longer open)."""
    poller = select.poll()
    poller.register(fd, HANG_UP_EVENTS)
    return any(events & HANG_UP_EVENTS for _, events in poller.poll(0))
