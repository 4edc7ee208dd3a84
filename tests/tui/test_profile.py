"""Pilot tests of the profile screen, against the real portal on a loopback port."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual.widgets import Button, Input, Static

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.profile import ProfileScreen, new_password_lines, password_form_problems
from cc_tui.tui.widgets.session import UserSummary
from tests.tui.account_helpers import resume_as
from tests.tui.conftest import AppFactory
from tests.tui.helpers import DEMO_PASSWORD, notice, settle, type_into

MAKER = "maker@harbour.example"
NEW_PASSWORD = "Harbour-tide-2026"


def static_text(app: object, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).content)  # type: ignore[attr-defined]


async def test_a_password_change_shows_the_rule_first_then_succeeds(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    resume_as(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        summary = str(app.screen.query_one(UserSummary).content)
        assert "Mandy Chan" in summary and "B01234" in summary and "maker" in summary
        assert "One-time passwords by e-mail" in summary
        assert "none registered" in static_text(app, "#otp-state")

        await type_into(pilot, "#current-password", DEMO_PASSWORD)
        await type_into(pilot, "#new-password", "short1")
        assert "needs at least 12" in static_text(app, "#password-rule")
        await type_into(pilot, "#repeat-password", "short1")
        await pilot.press("enter")
        await settle(pilot)
        assert "needs at least 12" in notice(app)
        assert app.focused is app.screen.query_one("#new-password", Input)

        await type_into(pilot, "#new-password", NEW_PASSWORD)
        assert "repeated password differs" in static_text(app, "#password-rule")
        await type_into(pilot, "#repeat-password", NEW_PASSWORD)
        assert "meets the rule" in static_text(app, "#password-rule")
        await pilot.press("enter")
        await settle(pilot)
        assert "Password changed" in notice(app)
        assert app.screen.query_one("#new-password", Input).value == ""
    async with httpx.AsyncClient(base_url=live_portal.url) as http:
        old = await http.post(
            "/api/v1/auth/login", json={"user_id": MAKER, "password": DEMO_PASSWORD}
        )
        new = await http.post(
            "/api/v1/auth/login", json={"user_id": MAKER, "password": NEW_PASSWORD}
        )
    assert old.status_code == 401
    assert new.status_code == 200


async def test_switching_to_the_app_without_a_device_shows_the_portals_sentence(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    resume_as(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        button = app.screen.query_one("#use-app", Button)
        assert button.display
        button.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert "no authenticator app registered" in notice(app)
        assert "from your Profile" in notice(app)
        assert "next login" not in notice(app)
        assert "One-time passwords by e-mail" in str(app.screen.query_one(UserSummary).content)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ProfileScreen)
        # Accounts are for CCDAs and the exchange: F3 does nothing for a maker.
        below = app.screen
        await pilot.press("f3")
        await settle(pilot)
        assert app.screen is below


def test_the_form_names_every_reason_before_sending() -> None:
    assert password_form_problems(MAKER, "", "", "") == [
        "Type your current password.",
        "Type a new password.",
    ]
    problems = password_form_problems(MAKER, "old", "abcdefghijkl", "abcdefghijkm")
    assert "The password needs at least one digit." in problems
    assert any("repeated password differs" in p for p in problems)
    assert password_form_problems(MAKER, "old", NEW_PASSWORD, NEW_PASSWORD) == []
    assert new_password_lines(MAKER, NEW_PASSWORD, "")[0].startswith("✓")
    assert new_password_lines(MAKER, MAKER, MAKER)[-1] == "✗ The password must not be your user ID."
