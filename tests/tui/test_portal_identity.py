"""The portal's identity (issue 13 point 2): what the client keeps (drafts, the last user
ID, the keyring session) follows the portal's `portal_id`, not its URL, so the demo
portal, started again on another port, is still the same portal."""

from __future__ import annotations

from pathlib import Path

from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Input

from cc_tui.server.runner import start_background_server
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.state import known_portal_id
from tests.tui.maker_checker import (
    MAKER,
    FormsApp,
    choose,
    field,
    form_of,
    resume_as,
    settle,
    type_in,
)


async def test_the_demo_started_again_on_another_port_resumes_and_restores_the_draft(
    server_settings: ServerSettings, state_dir: Path
) -> None:
    tokens = TokenStore(memory_only=True)  # stands in for the keyring across runs
    first_portal = start_background_server(server_settings)
    try:
        resume_as(MAKER, first_portal.url, server_settings, state_dir, tokens)
        first = FormsApp(
            first_portal.url,
            demo=True,
            portal_id=first_portal.portal_id,
            token_store=tokens,
            state_dir=state_dir,
        )
        async with first.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            first.push_screen(FormScreen.new("CT027"))
            await settle(pilot)
            await choose(pilot, "setting_type", "Decrease")
            await type_in(pilot, "new_limit", "2,500,000")
            await type_in(pilot, "remarks", "typed, never saved")
            # Dropped here without saving, as ctrl+q or a kill would leave it.
    finally:
        first_portal.stop()

    second_portal = start_background_server(server_settings)
    try:
        assert second_portal.url != first_portal.url, "a new port, as make demo takes"
        assert second_portal.portal_id == first_portal.portal_id, "the same portal"
        second = FormsApp(
            second_portal.url,
            demo=True,
            portal_id=second_portal.portal_id,
            token_store=tokens,
            state_dir=state_dir,
        )
        posted: list[Message] = []
        async with second.run_test(size=(80, 24), message_hook=posted.append) as pilot:
            await settle(pilot)
            assert isinstance(second.screen, HomeScreen), "the session was resumed"
            said = [m.notification.message for m in posted if isinstance(m, Notify)]
            assert any(text.startswith("1 unsent draft kept on this computer") for text in said)
            assert any("your session was still open" in text for text in said)
            second.push_screen(CatalogueScreen())
            await settle(pilot)
            await pilot.press("down", "enter")
            await settle(pilot)
            form_of(second)
            assert field(second, "setting_type").value == "Decrease"
            assert field(second, "new_limit").value == "2,500,000"
            assert field(second, "remarks").value == "typed, never saved"
    finally:
        second_portal.stop()


async def test_a_portal_met_at_a_remembered_url_fills_its_own_last_user_id(
    server_settings: ServerSettings, state_dir: Path
) -> None:
    """Without --demo the first frame knows the portal only by URL; once it answers, the
    client keeps its id for that URL, and the user ID follows the portal."""
    portal = start_background_server(server_settings)
    try:
        resume_as(MAKER, portal.url, server_settings, state_dir, TokenStore(memory_only=True))
        app = FormsApp(portal.url, token_store=TokenStore(memory_only=True), state_dir=state_dir)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, LoginScreen)
            assert app.screen.query_one("#user-id", Input).value == MAKER
            assert app.portal_key == portal.portal_id
        assert known_portal_id(state_dir, portal.url) == portal.portal_id
    finally:
        portal.stop()
