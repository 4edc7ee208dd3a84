"""Pilot tests of the dashboard against the real portal on loopback, seeded with 500
requests (fixed clock and seed), logged in as lead@harbour.example (maker and checker).

Waits are on conditions (workers done, a toast seen), never on time: `settle` waits for
the dashboard's workers but the live-notice stream, which runs for the whole session.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Static

from cc_tui.api.requests import RequestPage
from cc_tui.client.portal import PortalClient
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.seed_requests import SPREAD
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.sessions import create_session
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.dashboard import DashboardScreen
from cc_tui.tui.screens.jump import JumpScreen
from tests.server.request_helpers import good_values
from tests.tui.account_helpers import resume_as
from tests.tui.helpers import settle as settle_ignoring
from tests.tui.helpers import until as poll_until

LEAD = "lead@harbour.example"
MAKER = "maker@harbour.example"
KOWLOON = "maker@kowloon.example"
STREAMS = frozenset({"dashboard-notices"})
SEEDED = 500


@pytest.fixture
def server_settings(server_settings: ServerSettings) -> ServerSettings:
    """The shared settings, with 500 requests seeded at start (fixed clock and seed), of
    the eServices of SPREAD only: an eService added to the catalogue changes none of the
    rows these screens and snapshots show."""
    return dataclasses.replace(
        server_settings, seed_requests=SEEDED, seed_random=7, seed_eservices=SPREAD
    )


class Switchable(httpx.AsyncBaseTransport):
    """Loopback HTTP that a test can cut, as a network would drop."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
def network() -> Switchable:
    return Switchable()


@pytest.fixture
def dashboard_app(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
    network: Switchable,
) -> Callable[..., PortalApp]:
    """The real app, resuming a session of `user_id` (no two-factor login to go through)."""

    def make(user_id: str = LEAD) -> PortalApp:
        resume_as(user_id, live_portal, server_settings, state_dir, token_store)
        return PortalApp(
            live_portal.url, token_store=token_store, state_dir=state_dir, transport=network
        )

    return make


@pytest.fixture
def toasts(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every notification the app shows, in order."""
    seen: list[str] = []
    original = PortalApp.notify

    def notify(self: PortalApp, message: str, *args: Any, **kwargs: Any) -> None:
        seen.append(message)
        original(self, message, *args, **kwargs)

    monkeypatch.setattr(PortalApp, "notify", notify)
    yield seen


async def settle(pilot: Pilot[Any]) -> None:
    """Until no worker runs but the notice stream, and the screen has caught up."""
    await settle_ignoring(pilot, STREAMS)


async def until(pilot: Pilot[Any], condition: Callable[[], bool], what: str) -> None:
    """Until `condition` holds (something arrives from another session)."""
    await poll_until(pilot, condition, what, ignore=STREAMS)


def dashboard(app: PortalApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen), f"on {type(screen).__name__}"
    return screen


async def open_dashboard(pilot: Pilot[Any]) -> DashboardScreen:
    await settle(pilot)
    return dashboard(pilot.app)  # type: ignore[arg-type]


async def type_text(pilot: Pilot[Any], text: str) -> None:
    for char in text:
        await pilot.press("space" if char == " " else char)


async def set_filter(pilot: Pilot[Any], text: str, *, paste: bool = False) -> None:
    """`/`, clear what is there, type `text` key by key (or paste it), let it apply."""
    screen = dashboard(pilot.app)  # type: ignore[arg-type]
    await pilot.press("slash")
    field = screen.filter_bar.input
    field.clear()
    if paste:
        field.insert_text_at_cursor(text)
    else:
        await type_text(pilot, text)
    await settle(pilot)


async def listing(app: PortalApp, section: str, q: str = "", sort: str = "-updated") -> RequestPage:
    """What the portal itself answers, to compare with what the dashboard shows."""
    portal = await app.client()
    return await portal.list_requests(section, q, sort, None, 50)


def rows(screen: DashboardScreen) -> list[str]:
    return screen.table.refs


async def test_the_landing_shows_counts_rows_and_how_many(
    dashboard_app: Callable[..., PortalApp],
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        counts = await (await app.client()).section_counts()
        first = await listing(app, screen.section.value)
        assert screen.tabs.counts == counts
        assert f"Check {counts.awaiting_my_check:,}" in screen.tabs.text
        assert rows(screen) == [item.ref for item in first.items]
        assert screen.status_text.startswith(f"Showing {len(first.items)} of {first.total:,}")


async def test_typing_a_filter_narrows_the_rows_and_a_bad_one_keeps_them(
    dashboard_app: Callable[..., PortalApp],
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("6")  # All
        await settle(pilot)
        await set_filter(pilot, "status:returned")
        expected = await listing(app, "all", "status:returned")
        assert rows(screen) == [item.ref for item in expected.items]
        assert screen.status_text.startswith(f"Showing {len(expected.items)} of {expected.total}")
        assert all(" ↩ Returned " in screen.table.line_of(ref) for ref in rows(screen))
        shown = rows(screen)
        await type_text(pilot, " eservice:")
        await settle(pilot)
        error = screen.filter_bar.error
        assert "eservice: needs a value" in error
        assert "(column 17)" in error
        assert error.splitlines()[0] == " " * (2 + 16) + "^"
        assert rows(screen) == shown  # the last good results stay
        await pilot.press("escape")
        assert screen.focused is screen.table
        assert screen.filter_bar.text == "status:returned eservice:"  # kept for later


async def test_each_section_keeps_its_own_filter(
    dashboard_app: Callable[..., PortalApp],
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("6")
        await settle(pilot)
        await set_filter(pilot, "status:draft")
        await pilot.press("enter")
        await pilot.press("left_square_bracket")  # History
        await settle(pilot)
        assert screen.filter_bar.text == ""
        await pilot.press("right_square_bracket")  # All again
        await settle(pilot)
        assert screen.filter_bar.text == "status:draft"
        expected = await listing(app, "all", "status:draft")
        assert rows(screen) == [item.ref for item in expected.items]


async def test_paging_to_the_end_loads_every_row_once(
    dashboard_app: Callable[..., PortalApp],
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("6")
        await settle(pilot)
        total = screen.window.total
        assert total > 200, "the seed should give All more than four pages"
        assert screen.status_text.startswith(f"Showing 50 of {total:,}")
        seen: list[str] = list(rows(screen))
        for _ in range(total // 50 + 2):
            await pilot.press("G")
            await settle(pilot)
            held = rows(screen)
            assert len(held) == len(set(held)), "a row shown twice"
            assert len(held) <= 200, "the client holds at most four pages"
            seen.extend(ref for ref in held if ref not in seen)
        assert len(seen) == total
        everything = set(seen)
        first = screen.window.first_row + 1
        assert screen.status_text.startswith(f"Showing {first:,}–{total:,} of {total:,}")
        assert rows(screen)[-1] == screen.table.current_ref
        # g goes back to the very top, fetched again.
        await pilot.press("g")
        await settle(pilot)
        assert screen.status_text.startswith(f"Showing 50 of {total:,}")
        assert set(rows(screen)) <= everything


async def test_scrolling_back_up_fetches_the_dropped_page(
    dashboard_app: Callable[..., PortalApp],
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("6")
        await settle(pilot)
        top = rows(screen)[:50]
        for _ in range(4):
            await pilot.press("G")
            await settle(pilot)
        assert screen.window.first_row > 0
        assert top[0] not in rows(screen)
        while screen.window.has_previous:
            await pilot.press("pageup")
            await settle(pilot)
        assert rows(screen)[:50] == top
        assert screen.status_text.startswith("Showing 200 of")


async def test_s_cycles_the_sort_and_says_which(
    dashboard_app: Callable[..., PortalApp],
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("6")
        await settle(pilot)
        assert "sort: updated, newest first" in screen.status_text
        await pilot.press("s")
        await settle(pilot)
        assert "sort: updated, oldest first" in screen.status_text
        expected = await listing(app, "all", "", "updated")
        assert rows(screen) == [item.ref for item in expected.items]
        await pilot.press("s")
        await settle(pilot)
        assert "sort: reference, highest first" in screen.status_text
        refs = rows(screen)
        assert refs == sorted(refs, reverse=True)


async def test_go_to_a_reference_opens_it_and_an_unknown_one_says_so(
    dashboard_app: Callable[..., PortalApp],
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
) -> None:
    settings = server_settings
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        known = (await listing(app, "all")).items[3].ref
        await pilot.press("colon")
        assert isinstance(app.screen, JumpScreen)
        await type_text(pilot, "ECS99999999")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, JumpScreen)
        assert app.screen.notice == "✗ No request ECS99999999 that you can see."
        # Another firm's request is answered the same way: its existence is not told.
        async with PortalClient(live_portal.url, token=token_for(settings, KOWLOON)) as other:
            theirs = (await other.list_requests("all")).items[0].ref
        jump = app.screen
        field = jump.query_one("#jump-input", Input)
        field.value = theirs
        await pilot.press("enter")
        await settle(pilot)
        assert jump.notice == f"✗ No request {theirs} that you can see."
        field.value = known.removeprefix("ECS").lstrip("0")  # the number alone will do
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is not screen and not isinstance(app.screen, JumpScreen)
        assert known in screen_words(app)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen


async def test_a_new_task_from_another_session_toasts_and_bumps_the_count(
    dashboard_app: Callable[..., PortalApp],
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    toasts: list[str],
) -> None:
    app = dashboard_app(LEAD)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_dashboard(pilot)
        await until(pilot, lambda: "● live" in screen.status_text, "the stream is live")
        before = screen.tabs.count(screen.section)
        assert before is not None
        ref = await submit_as(live_portal, server_settings)
        # lead@ acts for two memberships: the notice names the one it belongs to.
        expected = f"New task: {ref} awaiting your check (B01234)"
        await until(pilot, lambda: expected in toasts, "the toast")
        await until(
            pilot, lambda: screen.tabs.count(screen.section) == before + 1, "the count bump"
        )
        await until(pilot, lambda: ref in rows(screen), "the row")


async def test_an_unreachable_portal_shows_a_banner_and_r_retries(
    dashboard_app: Callable[..., PortalApp],
    network: Switchable,
) -> None:
    app = dashboard_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_dashboard(pilot)
        await pilot.press("6")
        await settle(pilot)
        shown = rows(screen)
        network.down = True
        await pilot.press("s")
        await settle(pilot)
        banner = str(screen.query_one("#banner-text", Static).content)
        assert "Cannot reach the portal" in banner and "press r to retry" in banner
        assert rows(screen) == shown
        network.down = False
        await pilot.press("r")
        await settle(pilot)
        assert not screen.query_one("#banner").display
        assert "sort: updated, oldest first" in screen.status_text
        assert rows(screen) != shown


# Helpers that act as another person would, in another session


def token_for(settings: ServerSettings, user_id: str) -> str:
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    try:
        token, _ = create_session(conn, user_id, settings.clock.now(), settings.session_absolute)
    finally:
        conn.close()
    return token


async def submit_as(
    live_portal: BackgroundServer, settings: ServerSettings, user_id: str = MAKER
) -> str:
    """`user_id` makes a CT027 request and submits it, in a session of its own."""
    fields = good_values(live_portal.app, "CT027")
    async with PortalClient(live_portal.url, token=token_for(settings, user_id)) as maker:
        draft = await maker.create_request("CT027", fields)
        await maker.act(draft.ref, "submit", draft.version)
    return draft.ref


def screen_words(app: PortalApp) -> str:
    return "\n".join(str(widget.content) for widget in app.screen.query(Static))


async def test_a_burst_of_new_tasks_collapses_into_one_counting_toast(
    dashboard_app: Callable[..., PortalApp],
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    toasts: list[str],
) -> None:
    app = dashboard_app(LEAD)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_dashboard(pilot)
        screen.task_toasts.seconds = 2.0  # a toast's life (8 s), shortened for the test
        await until(pilot, lambda: "● live" in screen.status_text, "the stream is live")
        refs = [await submit_as(live_portal, server_settings) for _ in range(3)]
        first = f"New task: {refs[0]} awaiting your check (B01234)"
        await until(pilot, lambda: first in toasts, "the first toast")
        # The two that came while it showed wait for it to go, then share one toast; lead@
        # acts for two memberships, so each names its own.
        gathered = f"2 new tasks: {refs[1]} (B01234), {refs[2]} (B01234)"
        await until(pilot, lambda: gathered in toasts, "the gathered toast")
        assert [toast for toast in toasts if "task" in toast] == [first, gathered]
