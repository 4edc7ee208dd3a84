"""SVG snapshots of the dashboard at 80x24 and 120x40 (with the preview), against the
real portal seeded with 500 requests at a fixed clock and seed, so every run draws the
same: dates, not times relative to now; the live indicator waited for.

Update after a deliberate change with `make snapshots` and look at the SVGs first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.dashboard import DashboardScreen
from tests.tui.account_helpers import resume_as
from tests.tui.test_dashboard import LEAD, dashboard, server_settings, settle, until

__all__ = ["server_settings"]  # the seeded settings, shared with test_dashboard

SnapCompare = Callable[..., bool]


def app_for(
    live_portal: BackgroundServer,
    settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> PortalApp:
    resume_as(LEAD, live_portal, settings, state_dir, token_store)
    return PortalApp(live_portal.url, token_store=token_store, state_dir=state_dir)


async def steady(pilot: Pilot[int]) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen), "the dashboard")
    screen = dashboard(pilot.app)  # type: ignore[arg-type]
    await until(pilot, lambda: "● " in screen.status_text, "the stream is live")
    await pilot.press("6")  # All: a full table (no marks: bulk approval acts in 1 only)
    await settle(pilot)
    await pilot.press("j", "j", "j")
    await settle(pilot)
    pilot.app.clear_notifications()  # "Welcome back" has said its piece
    for field in screen.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def test_dashboard_80x24(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    app = app_for(live_portal, server_settings, state_dir, token_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady)


def test_dashboard_120x40_with_the_preview(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    app = app_for(live_portal, server_settings, state_dir, token_store)
    assert snap_compare(app, terminal_size=(120, 40), run_before=steady)


def test_dashboard_80x24_with_a_filter_mistake(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    async def mistake(pilot: Pilot[int]) -> None:
        await steady(pilot)
        await pilot.press("slash", *"status:returned")
        await settle(pilot)  # a pause: this filter applies
        # Pasted: typed key by key on a busy machine, "eservice" alone would be searched
        # as a word between two keys, and its empty answer kept as the last good rows.
        pilot.app.screen.query_one("#filter-input", Input).insert_text_at_cursor(" eservice:")
        await settle(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    app = app_for(live_portal, server_settings, state_dir, token_store)
    assert snap_compare(app, terminal_size=(80, 24), run_before=mistake)
