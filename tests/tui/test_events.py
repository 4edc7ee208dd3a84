"""Pilot tests of the Events screen against the real portal on a loopback port."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.screens.events import EventsScreen
from tests.tui.conftest import AppFactory
from tests.tui.helpers import banner, notice, settle
from tests.tui.library_helpers import LEAD, MAKER, cell, column_texts, start_logged_in

NEARLY_FULL = "Client Connect for delegated administrators (CCDA)"
FULL = "Buy-in Procedures Briefing"


def events_screen(app: object) -> EventsScreen:
    screen = app.screen  # type: ignore[attr-defined]
    assert isinstance(screen, EventsScreen)
    return screen


def detail(app: object) -> str:
    return str(events_screen(app).query_one("#events-detail", Static).content)


async def test_the_list_shows_seats_and_enrolling_takes_one(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = events_screen(app)
        table = screen.query_one("#events-list", DataTable)
        assert table.row_count == 8
        assert table.virtual_size.width <= table.size.width  # 80 columns hold every column
        assert cell(table, 0, 0).startswith("Wed 25 Nov\n10:00")
        assert cell(table, 0, 1).startswith("Client Connect for delegated")
        assert cell(table, 0, 2) == "2 left\nof 40"
        assert cell(table, 1, 2) == "full —\nwaiting list"
        assert NEARLY_FULL in detail(app)
        assert "38 of 40 seats taken" in detail(app)
        assert "HKT" in detail(app)
        assert screen.check_action("enrol", ()) is True
        assert screen.check_action("withdraw", ()) is False

        await pilot.press("e")
        await settle(pilot)
        assert f"You are enrolled in {NEARLY_FULL}." in notice(app)
        assert cell(table, 0, 2) == "1 left\nof 40"
        assert cell(table, 0, 3) == "✓ enrolled"
        assert "You are enrolled." in detail(app)
        assert screen.check_action("enrol", ()) is False

        # The portal agrees after a fresh fetch.
        await pilot.press("r")
        await settle(pilot)
        assert column_texts(table, 3).count("✓ enrolled") == 1


async def test_a_full_event_waitlists_and_withdraw_asks_first(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = events_screen(app).query_one("#events-list", DataTable)
        await pilot.press("down")
        assert FULL in detail(app)
        await pilot.press("e")
        await settle(pilot)
        assert "is full, so you are on its waiting list (number 4)" in notice(app)
        assert cell(table, 1, 3) == "waiting #4"
        assert "You are number 4 on the waiting list." in detail(app)

        await pilot.press("w")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert f"Withdraw from {FULL} (Fri 27 Nov 14:30)?" in confirm.prompt
        assert "number 4" in confirm.detail
        await pilot.press("enter")  # Enter alone never confirms
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen)
        assert "Nothing changed" in notice(app)
        assert cell(table, 1, 3) == "waiting #4"

        await pilot.press("w", "y")
        await settle(pilot)
        assert f"You have withdrawn from {FULL}." in notice(app)
        assert cell(table, 1, 3) == ""
        assert events_screen(app).check_action("enrol", ()) is True


async def test_withdrawing_a_seat_says_it_goes_to_the_waiting_list(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(LEAD, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = events_screen(app).query_one("#events-list", DataTable)
        await pilot.press("down")
        assert cell(table, 1, 3) == "✓ enrolled"
        await pilot.press("w")
        await settle(pilot)
        confirm = app.screen
        assert isinstance(confirm, ConfirmScreen)
        assert "first person on the waiting list" in confirm.detail
        await pilot.press("y")
        await settle(pilot)
        assert f"You have withdrawn from {FULL}." in notice(app)
        # Someone from the waiting list took the seat: still full, one fewer waiting.
        assert cell(table, 1, 2) == "full —\nwaiting list"
        assert "2 on the waiting list" in detail(app)


def test_every_key_has_an_id_a_description_and_a_tooltip() -> None:
    for binding in EventsScreen.BINDINGS:
        assert not isinstance(binding, tuple)
        assert binding.id and binding.id.startswith("events.")
        assert binding.description and binding.tooltip


async def test_a_portal_that_stops_answering_shows_the_banner_and_changes_nothing(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        table = events_screen(app).query_one("#events-list", DataTable)
        live_portal.stop()
        await pilot.press("e")
        await settle(pilot)
        assert "Cannot reach the portal" in banner(app)
        assert cell(table, 0, 3) == ""
        assert events_screen(app).check_action("enrol", ()) is True


async def test_the_palette_offers_the_three_screens_once_logged_in(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        names = [command.name for command in app.palette_commands(app.screen)]
        assert any(name.startswith("Service hours") for name in names)
        assert not any(name.startswith(("Events", "Document library")) for name in names)
    start_logged_in(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        commands = {c.name: c for c in app.palette_commands(app.screen)}
        events = next(c for name, c in commands.items() if name.startswith("Events"))
        assert next(name for name in commands if name.startswith("Document library"))
        events.run()
        await settle(pilot)
        assert isinstance(app.screen, EventsScreen)
