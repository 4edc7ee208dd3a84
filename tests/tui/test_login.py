"""Pilot tests of the login, against the real portal on a loopback port."""

from __future__ import annotations

from datetime import timedelta

from textual import events
from textual.widgets import Button, Input, Static

from cc_tui.server.clock import FakeClock
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.screens.otp import OtpScreen
from cc_tui.tui.widgets.session import UserSummary
from tests.tui.conftest import AppFactory
from tests.tui.helpers import (
    DEMO_PASSWORD,
    email_codes,
    log_in_with_password,
    notice,
    settle,
    type_into,
)

MAKER = "maker@harbour.example"


async def test_email_login_reaches_home(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        assert isinstance(app.screen, OtpScreen)
        screen_text = str(app.screen.query_one("#otp-channel", Static).content)
        assert f"We e-mailed a 6-digit code to {MAKER}" in screen_text
        resend = app.screen.query_one("#resend", Button)
        assert resend.disabled
        assert "(in 30 s)" in str(resend.label) or "(in 29 s)" in str(resend.label)
        (code,) = email_codes(server_settings.mail_dir, MAKER)
        await type_into(pilot, "#code", code, keys=True)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        summary = str(app.screen.query_one(UserSummary).content)
        assert MAKER in summary
        assert "B01234" in summary


async def test_a_wrong_password_is_said_in_place(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, "not-the-password")
        assert isinstance(app.screen, LoginScreen)
        assert "user ID or password" in notice(app)
        assert app.screen.query_one("#password", Input).value == ""
        assert app.screen.query_one("#user-id", Input).value == MAKER


async def test_the_fifth_failure_locks_and_says_so(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(4):
            await log_in_with_password(pilot, MAKER, "wrong-password")
            assert "This account is locked" not in notice(app)
        await log_in_with_password(pilot, MAKER, "wrong-password")
        assert "This account is locked after 5 failed attempts" in notice(app)
        assert "unlock" in notice(app)
        # The right password now meets the same answer: locked stays locked.
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        assert isinstance(app.screen, LoginScreen)
        assert "This account is locked" in notice(app)


async def test_keys_typed_at_once_after_enter_go_to_the_password_not_the_user_id(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    """A burst (a fast typist, keys over ssh) reaches the app before it has handled the
    enter: the password must still land in the password field, never in the user ID
    where anyone can read it."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key in [*MAKER, "enter", *DEMO_PASSWORD, "enter"]:
            app.post_message(events.Key(key, "\r" if key == "enter" else key))
        await settle(pilot)
        assert isinstance(app.screen, OtpScreen)
    assert len(email_codes(server_settings.mail_dir, MAKER)) == 1


async def test_empty_and_over_long_fields_never_reach_the_portal(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        assert "Type your user ID" in notice(app)
        await type_into(pilot, "#user-id", MAKER)
        await pilot.press("enter")  # to the password field
        await pilot.press("enter")
        assert "Type your password" in notice(app)
        app.screen.query_one("#user-id", Input).value = "x" * 255 + "@harbour.example"
        await type_into(pilot, "#password", "whatever")
        await pilot.press("enter")
        await settle(pilot)
        assert "at most 254" in notice(app)
        assert isinstance(app.screen, LoginScreen)
    # No failed attempt was counted: the right password still gets in.
    assert email_codes(server_settings.mail_dir, MAKER) == []


async def test_an_expired_ticket_goes_back_to_login_with_the_user_id_kept(
    make_app: AppFactory, server_settings: ServerSettings, clock: FakeClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        assert isinstance(app.screen, OtpScreen)
        (code,) = email_codes(server_settings.mail_dir, MAKER)
        clock.advance(timedelta(minutes=6))
        await type_into(pilot, "#code", code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert app.screen.query_one("#user-id", Input).value == MAKER
        assert "longer than 5 minutes" in notice(app)
        assert "Start again" in notice(app)
        assert app.focused is app.screen.query_one("#password", Input)


async def test_a_wrong_code_is_said_in_place(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        (code,) = email_codes(server_settings.mail_dir, MAKER)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        await type_into(pilot, "#code", wrong)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, OtpScreen)
        assert "not correct" in notice(app)
        await type_into(pilot, "#code", "123")
        await pilot.press("enter")
        assert "The code has 6 digits; you typed 3." in notice(app)


async def test_the_otp_screen_says_the_portals_lifetime_of_the_code(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    """The OTP screen says what the portal's one setting says (mail and server agree)."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        minutes = int(server_settings.ticket_ttl.total_seconds() // 60)
        said = str(app.screen.query_one("#otp-channel", Static).content)
        assert f"It is valid for {minutes} minutes." in said
