"""Helpers for driving the TUI in tests: wait for its workers, read what it shows, fetch
codes the way a user would (the outbox, an authenticator app)."""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input
from textual.worker import Worker, WorkerCancelled

from cc_tui.server.mail import read_outbox
from cc_tui.tui.app import PortalApp
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner

DEMO_PASSWORD = "Demo-pass-2024"
CODE_LINE = re.compile(r"Your one-time password is (\d{6})")


class HomeApp(PortalApp):
    """The app landing on the home screen, whatever the product's landing screen is, so
    that these tests pin the login and the home screen alone."""

    def make_main_screen(self) -> HomeScreen:
        return HomeScreen()


async def settle(pilot: Pilot[Any], ignore: Iterable[str] = ()) -> None:
    """The one wait for an idle app: until no worker runs (but those of the `ignore`
    groups, which live as long as their screen: a notice stream, a tree loader) and the
    screen has caught up. Workers start workers, so it waits again until it is quiet. A
    worker cancelled by a newer one (a preview following the cursor) is not a failure;
    one that failed raises here, with its error."""
    app = pilot.app
    skip = set(ignore)

    def busy() -> list[Worker[Any]]:
        return [w for w in app.workers if w.is_running and w.group not in skip]

    for _ in range(200):
        running = busy()
        if not running:
            await pilot.pause()
            if not busy():
                return
            continue
        for worker in running:
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()
    raise AssertionError(f"workers kept running: {[w.name for w in busy()]}")


async def until(
    pilot: Pilot[Any],
    condition: Callable[[], bool],
    what: str,
    *,
    ignore: Iterable[str] = (),
    timeout: float = 20.0,
) -> None:
    """The one bounded poll, for what arrives from outside the app (another session's
    change, a notice): settle, look, and look again a moment later, until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        await settle(pilot, ignore)
        if condition():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened within {timeout:g} s: {what}")
        await pilot.pause(0.02)


def notice(app: PortalApp) -> str:
    return app.screen.query_one("#notice", Notice).text


def banner(app: PortalApp) -> str:
    return app.screen.query_one("#banner", ServerBanner).text


def email_codes(mail_dir: Path, user_id: str) -> list[str]:
    codes: list[str] = []
    for message in read_outbox(mail_dir, user_id):
        match = CODE_LINE.search(message.get_content())
        if match:
            codes.append(match.group(1))
    return codes


async def type_into(pilot: Pilot[int], selector: str, text: str, *, keys: bool = False) -> None:
    """Focus a field and fill it: pasted at once (fast), or key by key with `keys`."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = "" if keys else text
    await pilot.pause()
    if keys:
        await pilot.press(*text)


async def log_in_with_password(pilot: Pilot[int], user_id: str, password: str) -> None:
    await type_into(pilot, "#user-id", user_id)
    await type_into(pilot, "#password", password)
    await pilot.press("enter")
    await settle(pilot)


async def log_in_with_mailed_code(
    pilot: Pilot[int], user_id: str, password: str, mail_dir: Path
) -> None:
    """The whole login: the password, then the one code mailed for it."""
    await log_in_with_password(pilot, user_id, password)
    (code,) = email_codes(mail_dir, user_id)
    await type_into(pilot, "#code", code)
    await pilot.press("enter")
    await settle(pilot)
