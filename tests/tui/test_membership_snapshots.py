"""SVG snapshot of the membership switch (F7) at 80x24: lead@harbour.example's two
memberships with their kinds and roles in words, over its dashboard (a portal with no
requests, so the dashboard behind draws the same on every run).

Update after a deliberate change with `make snapshots` and look at the SVG first.
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
from cc_tui.tui.screens.membership import MembershipScreen
from tests.tui.account_helpers import resume_as
from tests.tui.test_dashboard import settle, until

SnapCompare = Callable[..., bool]
LEAD = "lead@harbour.example"


async def switch_list(pilot: Pilot[int]) -> None:
    app = pilot.app
    await until(pilot, lambda: isinstance(app.screen, DashboardScreen), "the dashboard")
    dashboard = app.screen
    assert isinstance(dashboard, DashboardScreen)
    await until(pilot, lambda: "● live" in dashboard.status_text, "the stream is live")
    for field in dashboard.query(Input):
        field.cursor_blink = False
    app.clear_notifications()  # "Welcome back" has said its piece
    await pilot.press("f7")
    await until(pilot, lambda: isinstance(app.screen, MembershipScreen), "the switch list")
    await settle(pilot)


def test_membership_switch_80x24(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    resume_as(LEAD, live_portal, server_settings, state_dir, token_store)
    app = PortalApp(live_portal.url, token_store=token_store, state_dir=state_dir)
    assert snap_compare(app, terminal_size=(80, 24), run_before=switch_list)
