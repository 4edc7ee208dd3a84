"""SVG snapshots at 80x24 of hostile portal text on the request screen (issue 10): the
corpus planted in the store, drawn with its visible marks in reverse video, the layout
unchanged around it. Fixed clock and a fresh database, as in test_request_snapshots.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TabbedContent

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from tests.tui.maker_checker import LEAD, app_for
from tests.tui.test_hostile_text import plant_request
from tests.tui.test_request_snapshots import SnapCompare, open_request, pending_request, then


def show_tab(tab: str) -> Callable[[Pilot[Any]], Awaitable[None]]:
    async def step(pilot: Pilot[Any]) -> None:
        pilot.app.screen.query_one(TabbedContent).active = tab
        await pilot.wait_for_scheduled_animations()  # the tab's underline slides

    return step


@pytest.mark.parametrize("tab", ["tab-fields", "tab-comments"])
def test_hostile_request(
    snap_compare: SnapCompare,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    tab: str,
) -> None:
    ref = pending_request(live_portal.url, server_settings)
    plant_request(server_settings, ref)
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    assert snap_compare(
        app, terminal_size=(80, 24), run_before=then(open_request(ref), show_tab(tab))
    )
