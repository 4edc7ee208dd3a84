"""New-task toasts that collapse: one toast at a time, however fast tasks arrive.

The first notice is toasted at once, in its own words. Notices that arrive while that
toast shows are gathered, and when it has gone one toast says how many came and which
("3 new tasks: ECS00000012, ECS00000013, ECS00000014"); so a burst (a checker's bulk
approval, a busy morning) is never a stack of toasts over the list. The section counts
and the list update at once regardless: only the toast waits. Textual can remove a
toast only through private API, so the toasts take turns instead of replacing one
another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from cc_tui.domain.i18n import _

TASK_TOAST_SECONDS = 8.0
NAMED = 3


class TimerHost(Protocol):
    def set_timer(self, delay: float, callback: Callable[[], Any]) -> Any: ...


def gathered_message(refs: list[str]) -> str:
    """One toast for several new tasks, naming the first few."""
    if len(refs) == 1:
        return _("1 new task: {ref}").format(ref=refs[0])
    named = _(", ").join(refs[:NAMED])
    if len(refs) > NAMED:
        named = _("{some} and {count} more").format(some=named, count=len(refs) - NAMED)
    return _("{count} new tasks: {refs}").format(count=len(refs), refs=named)


class TaskToasts:
    """Toasts task notices through `notify`, one toast on screen at a time."""

    def __init__(
        self, host: TimerHost, notify: Callable[[str], None], *, seconds: float = TASK_TOAST_SECONDS
    ) -> None:
        self.host = host
        self.notify = notify
        self.seconds = seconds
        self.showing = False
        self.waiting: list[str] = []

    def add(self, message: str, ref: str) -> None:
        """A new task: toast `message` now, or gather `ref` while a toast shows."""
        if self.showing:
            if ref not in self.waiting:
                self.waiting.append(ref)
            return
        self._show(message)

    def _show(self, message: str) -> None:
        self.showing = True
        self.notify(message)
        self.host.set_timer(self.seconds, self._gone)

    def _gone(self) -> None:
        self.showing = False
        if self.waiting:
            refs, self.waiting = self.waiting, []
            self._show(gathered_message(refs))
