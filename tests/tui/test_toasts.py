"""New-task toasts take turns: a burst is one toast that counts (tui/toasts.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cc_tui.tui.toasts import TaskToasts, gathered_message


class Timers:
    def __init__(self) -> None:
        self.pending: list[Callable[[], Any]] = []

    def set_timer(self, delay: float, callback: Callable[[], Any]) -> None:
        self.pending.append(callback)

    def fire(self) -> None:
        callbacks, self.pending = self.pending, []
        for callback in callbacks:
            callback()


def test_notices_that_come_while_a_toast_shows_are_gathered_into_one() -> None:
    timers, shown = Timers(), list[str]()
    toasts = TaskToasts(timers, shown.append)
    toasts.add("New task: ECS00000001 awaiting your check", "ECS00000001")
    for number in range(2, 7):
        ref = f"ECS0000000{number}"
        toasts.add(f"New task: {ref}", ref)
    assert shown == ["New task: ECS00000001 awaiting your check"]
    timers.fire()
    assert shown[1] == "5 new tasks: ECS00000002, ECS00000003, ECS00000004 and 2 more"
    timers.fire()  # nothing waited: no toast, and the next notice shows at once
    assert len(shown) == 2
    toasts.add("New task: ECS00000009", "ECS00000009")
    assert shown[2] == "New task: ECS00000009"


def test_the_gathered_words() -> None:
    assert gathered_message(["ECS00000002"]) == "1 new task: ECS00000002"
    assert gathered_message(["A", "B"]) == "2 new tasks: A, B"
