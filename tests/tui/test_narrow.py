"""At 60x20, the smallest terminal cc-tui fits (issue 13 point 7): on every screen nothing
is drawn over the footer, no list pushes a column off its right edge, and a request
line cut at the edge ends with an ellipsis. Against the real portal on a loopback port."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Footer

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.request import RequestScreen
from cc_tui.tui.widgets.task_table import TaskTable
from tests.tui.conftest import AppFactory
from tests.tui.helpers import settle as settle_ignoring
from tests.tui.library_helpers import MAKER, start_logged_in

SIZE = (60, 20)
STREAMS = ("dashboard-notices",)


async def settle(pilot: Pilot[Any]) -> None:
    """Until no worker runs but the dashboard's notice stream."""
    await settle_ignoring(pilot, ignore=STREAMS)


ADMIN = "admin@harbour.example"


def problems_at_60(app: PortalApp) -> list[str]:
    """What is wrong with the screen as drawn: anything over the footer's line, a table
    wider than its room."""
    screen = app.screen
    name = type(screen).__name__
    found: list[str] = []
    footers = [footer for footer in screen.query(Footer) if footer.display]
    if footers:
        footer = footers[0]
        y = footer.region.y
        assert y == SIZE[1] - 1, f"{name}: the footer is not the last line"
        for x in range(SIZE[0]):
            widget, _ = screen.get_widget_at(x, y)
            if widget is not footer and footer not in widget.ancestors:
                found.append(f"{name}: {type(widget).__name__} drawn over the footer at {x}")
                break
    for table in screen.query(DataTable):
        room = table.scrollable_content_region.width
        if table.display and room and table.virtual_size.width > room:  # 0: a hidden tab
            found.append(
                f"{name}: #{table.id} needs {table.virtual_size.width} columns, "
                f"has {table.scrollable_content_region.width}"
            )
    return found


async def look(pilot: Pilot[Any], *keys: str) -> list[str]:
    await pilot.press(*keys)
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, PortalApp)
    return problems_at_60(app)


async def test_a_makers_screens_fit_60_by_20(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = PortalApp(live_portal.url, token_store=token_store, state_dir=state_dir)
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems += problems_at_60(app)
        table = app.screen.query_one(TaskTable)
        if table.row_count:
            line = "".join(segment.text for segment in table.render_line(1)).rstrip()
            assert line.endswith("…"), "a request line cut at the edge ends with an ellipsis"
        for key in ("f4", "f5", "f2", "f6"):
            problems += await look(pilot, key)
            problems += await look(pilot, "f1")
            await pilot.press("escape", "escape")
            await settle(pilot)
        app.open_catalogue()
        await settle(pilot)
        problems += problems_at_60(app)
        problems += await look(pilot, "enter")  # the first form
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        # A request (a new draft of this maker's), its fields and its documents.
        portal = await app.client()
        draft = await portal.create_request("CT027", {}, idempotency_key=str(uuid.uuid4()))
        await app.push_screen(RequestScreen(draft.ref))
        await settle(pilot)
        problems += problems_at_60(app)
        problems += await look(pilot, "2")
        assert type(app.screen).__name__ == "RequestScreen"
        assert app.screen.query_one("#attachments").has_focus
    assert problems == []


async def test_an_administrators_screens_fit_60_by_20(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(ADMIN, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems += await look(pilot, "f3")
        problems += await look(pilot, "e")  # rights
        await pilot.press("escape")
        problems += await look(pilot, "n")  # new user
        # Its rights list gives up lines: the buttons and a notice stay in view.
        await pilot.click("#create")
        await settle(pilot)
        for part in ("#create", "#form-notice"):
            region = app.screen.query_one(part).region
            assert region.height and region.bottom <= SIZE[1], (part, region)
        await pilot.press("escape")
        problems += await look(pilot, "h")  # history
    assert problems == []


async def test_the_login_screens_fit_60_by_20(make_app: AppFactory) -> None:
    app = make_app()
    problems: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        problems += problems_at_60(app)
        problems += await look(pilot, "ctrl+f")
    assert problems == []
