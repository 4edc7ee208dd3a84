"""The one bounded poll of the tests, for what happens outside the test's own control
(another process starting, a mail sent after the answer, a background task): look, and
look again a moment later, until a deadline; fail saying what never happened.

Nothing waits a fixed time: each loop ends as soon as the thing is there. TUI tests wait
for their app with `tests/tui/helpers.py` (`settle`, `until`), which builds on the app's
own idle state.
"""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Callable
from typing import TypeVar

import httpx

from cc_tui.api import API_PREFIX

T = TypeVar("T")
INTERVAL = 0.02


def wait_until(probe: Callable[[], T], what: str, timeout: float = 20.0) -> T:
    """`probe()`'s first truthy answer, asked until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout:g} s: {what}")
        time.sleep(INTERVAL)


async def await_until(probe: Callable[[], T], what: str, timeout: float = 20.0) -> T:
    """`wait_until` on the event loop: other tasks run between the looks."""
    deadline = time.monotonic() + timeout
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout:g} s: {what}")
        await asyncio.sleep(INTERVAL)


def wait_for_portal(
    url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 60.0
) -> None:
    """Until the portal at `url` (its root, or its API root) answers /health; fails at
    once if `process` ended meanwhile."""
    health = url.rstrip("/").removesuffix(API_PREFIX) + f"{API_PREFIX}/health"

    def answers() -> bool:
        assert process is None or process.poll() is None, "the portal process ended"
        try:
            return httpx.get(health, timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    wait_until(answers, f"the portal at {url} answers", timeout)
