"""Helpers for driving the TUI in tests: wait for its workers, read what it shows, fetch
codes the way a user would (the outbox, an authenticator app)."""

from __future__ import annotations

import re
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

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


async def settle(pilot: Pilot[int]) -> None:
    """Wait until no worker runs and the screen has caught up (workers start workers)."""
    app = pilot.app
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            await pilot.pause()
            return
    raise AssertionError("workers kept running")


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
