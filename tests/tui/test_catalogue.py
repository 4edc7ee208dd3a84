"""The catalogue: keyword search through the portal, the business-day marker, opening a
form, and unsent drafts listed first."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.drafts import Draft, DraftStore, drafts_root
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.form import FormScreen
from tests.tui.maker_checker import MAKER, app_for, notice_text, settle


def rows(screen: CatalogueScreen) -> list[list[str]]:
    table = screen.query_one("#catalogue-list", DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_search_by_keyword_lists_matching_forms_with_the_business_day_marker(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CatalogueScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogueScreen)
        every = rows(screen)
        assert len(every) >= 8
        await pilot.press(*"buy-in")
        await settle(pilot)
        found = rows(screen)
        assert found and all("buy-in" in row[1].lower() for row in found)
        exemption = next(row for row in found if row[0] == "BI01")
        assert exemption[3] == "business days"
        await pilot.press(*(["backspace"] * 6), *"CT027")
        await settle(pilot)
        (only,) = rows(screen)
        assert only[0] == "CT027" and only[3] == ""
        assert "three working days" in str(
            screen.query_one("#catalogue-description", Static).content
        )
        await pilot.press(*(["backspace"] * 5), *"zzzz")
        await settle(pilot)
        assert rows(screen) == []
        assert "No form matches 'zzzz'" in notice_text(app)


async def test_enter_opens_a_new_form_of_the_highlighted_eservice(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CatalogueScreen("limit"))
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, FormScreen)
        assert app.screen.eservice is not None and app.screen.eservice.code == "CT027"
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CatalogueScreen)


async def test_unsent_drafts_of_new_requests_come_first(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    store = DraftStore(drafts_root(state_dir))
    kept = Draft(
        server_url=live_portal.portal_id,
        user_id=MAKER,
        eservice="DA3",
        values={"system": "CCASS"},
        title="Appoint CCASS DA",
    )
    store.save(kept)
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(CatalogueScreen())
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CatalogueScreen)
        first = rows(screen)[0]
        assert first[0] == "DA3" and first[1].startswith("✎ unsent: Appoint CCASS DA")
        await pilot.press("down", "enter")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FormScreen)
        assert form.row("system").value == "CCASS"
        assert "Restored the form you had not sent yet" in notice_text(app)
