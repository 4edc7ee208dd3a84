"""`n` on the dashboard opens the eService catalogue, for makers only: the portal lists
only the forms a user's rights allow, so a checker, a CCDA or an exchange officer would
find it empty, and is not offered the key. Against the real portal, landing on the real
dashboard (its live notice stream runs for the whole session, so waits leave it out).
"""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.dashboard import DashboardScreen
from tests.tui.maker_checker import LEAD, MAKER, OFFICER, STREAMS, app_for, settle

CHECKER_ONLY = "checker@harbour.example"
CCDA = "admin@harbour.example"


def offers_new_request(screen: DashboardScreen) -> bool:
    """Whether `n` works now (the footer and help show the same)."""
    return any(
        active.enabled and active.binding.id == "dashboard.new"
        for active in screen.active_bindings.values()
    )


async def test_n_opens_the_catalogue_for_a_maker(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir, app_class=PortalApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, ignore=STREAMS)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        assert offers_new_request(dashboard)
        await pilot.press("n")
        await settle(pilot, ignore=STREAMS)
        catalogue = app.screen
        assert isinstance(catalogue, CatalogueScreen)
        forms = catalogue.query_one("#catalogue-list", DataTable)
        assert forms.row_count > 0
        assert "CT027" in [str(forms.get_row_at(row)[0]) for row in range(forms.row_count)]
        await pilot.press("escape")
        await settle(pilot, ignore=STREAMS)
        assert app.screen is dashboard


async def test_n_is_offered_to_makers_only(
    live_portal: BackgroundServer, server_settings: ServerSettings, tmp_path: Path
) -> None:
    cases = {LEAD: True, CHECKER_ONLY: False, CCDA: False, OFFICER: False}
    for number, (user, offered) in enumerate(cases.items()):
        app = app_for(
            user,
            live_portal.url,
            server_settings,
            tmp_path / f"state-{number}",
            app_class=PortalApp,
        )
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot, ignore=STREAMS)
            dashboard = app.screen
            assert isinstance(dashboard, DashboardScreen)
            assert offers_new_request(dashboard) is offered, user
            if not offered:
                await pilot.press("n")
                await settle(pilot, ignore=STREAMS)
                assert isinstance(app.screen, DashboardScreen), f"n did nothing for {user}"
