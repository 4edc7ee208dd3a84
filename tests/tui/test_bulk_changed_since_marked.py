"""Bulk approval approves what the checker marked (against the real portal): a request
another checker returned, and its maker sent again, between the mark and `A` is left
out with a line saying so, even once the list has been read again; what did not change
is approved as before."""

from __future__ import annotations

from pathlib import Path

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.screens.bulk import BulkApproveScreen
from cc_tui.tui.screens.dashboard import DashboardScreen
from tests.tui.maker_checker import LEAD, PortalApi, QueueApp, app_for, settle, stored_status

OTHER_CHECKER = "checker@harbour.example"


async def test_a_request_sent_again_since_it_was_marked_is_left_out(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    changed, unchanged = (maker_api.act(maker_api.create("CT027"), "submit") for _ in range(2))
    app = app_for(LEAD, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert sorted(screen.table.refs) == sorted([changed["ref"], unchanged["ref"]])
        await pilot.press("asterisk")
        assert screen.marks == {changed["ref"], unchanged["ref"]}
        # Meanwhile another checker returns one, and its maker changes it and sends it again.
        other = PortalApi(live_portal.url, server_settings, OTHER_CHECKER)
        returned = other.act(changed, "return", "Please raise the limit.")
        other.close()
        values = maker_api.good_values("CT027")
        again = maker_api.act(maker_api.patch(returned, values), "submit")
        assert again["status"] == "pending_checker"
        await pilot.press("r")  # the list is read again: the row is back, still marked
        await settle(pilot)
        assert changed["ref"] in screen.table.refs and changed["ref"] in screen.marks
        await pilot.press("A")
        await settle(pilot)
        bulk = app.screen
        assert isinstance(bulk, BulkApproveScreen)
        await pilot.press("y")
        await settle(pilot)
        assert bulk.line(unchanged["ref"]) == f"✔ {unchanged['ref']} approved"
        assert bulk.line(changed["ref"]).startswith(
            f"✘ {changed['ref']} It changed after you marked it, so it was not approved."
        )
        await pilot.press("escape")
        await settle(pilot)
        assert screen.marks == {changed["ref"]}  # still marked: to open and check
    assert stored_status(server_settings, unchanged["ref"]) == "with_exchange"
    assert stored_status(server_settings, changed["ref"]) == "pending_checker"
