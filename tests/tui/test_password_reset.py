"""Pilot tests of "Forgot password or first login", against the real portal: the token is
read from the portal's Maildir as a user would read the mail."""

from __future__ import annotations

import re
import socket
from dataclasses import replace
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, Static

from cc_tui.server.mail import read_outbox
from cc_tui.server.runner import start_background_server
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.screens.otp import OtpScreen
from cc_tui.tui.screens.password_reset import ForgotPasswordScreen, TokenPasswordScreen
from tests.tui.conftest import AppFactory
from tests.tui.helpers import (
    DEMO_PASSWORD,
    HomeApp,
    log_in_with_password,
    notice,
    settle,
    type_into,
)

MAKER = "maker@harbour.example"
NEW_PASSWORD = "Harbour-lights-2027"
TOKEN_LINE = re.compile(r"token is (cct-\S+)$", re.MULTILINE)


def mailed_tokens(server_settings: ServerSettings, user_id: str) -> list[str]:
    return [
        match.group(1)
        for message in read_outbox(server_settings.mail_dir, user_id)
        for match in TOKEN_LINE.finditer(message.get_content())
    ]


async def ask_for_token(pilot: Pilot[int], server_settings: ServerSettings) -> str:
    """From the login screen: Forgot password, the user ID, Mail me a token; the token."""
    await pilot.press("ctrl+f")
    await settle(pilot)
    await type_into(pilot, "#forgot-user-id", MAKER)
    await pilot.click("#send-token")
    await settle(pilot)
    assert isinstance(pilot.app.screen, TokenPasswordScreen)
    (token,) = mailed_tokens(server_settings, MAKER)
    return token


async def run_palette_command(pilot: Pilot[int], words: str) -> None:
    """Open the palette, type `words`, wait for the first hit to be listed, run it."""
    await pilot.press("ctrl+p")
    await pilot.press(*words)
    for _ in range(200):
        await pilot.pause()
        palette = pilot.app.screen
        if isinstance(palette, CommandPalette):
            hits = palette.query_one(OptionList)
            if (
                hits.option_count
                and words.lower() in str(hits.get_option_at_index(0).prompt).lower()
            ):
                break
    await pilot.press("enter")
    await settle(pilot)


def rule_text(screen: object) -> str:
    assert isinstance(screen, TokenPasswordScreen)
    return str(screen.query_one("#rule-lines", Static).content)


async def test_forgot_password_mails_a_token_and_sets_a_new_password(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_into(pilot, "#user-id", MAKER)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert isinstance(app.screen, ForgotPasswordScreen)
        assert app.screen.query_one("#forgot-user-id", Input).value == MAKER
        await pilot.press("enter")  # Mail me a token
        await settle(pilot)
        assert isinstance(app.screen, TokenPasswordScreen)
        assert "a token is on its way" in str(app.screen.query_one("#token-intro", Static).content)
        (token,) = mailed_tokens(server_settings, MAKER)
        (mail,) = read_outbox(server_settings.mail_dir, MAKER)
        # The mail names the screens in the words they show.
        assert "Forgot password or first login" in mail.get_content()
        assert "I have a token" in mail.get_content()

        await type_into(pilot, "#token", token)
        await type_into(pilot, "#new-password", "short1", keys=True)
        assert "it needs at least 12" in rule_text(app.screen)
        await type_into(pilot, "#new-password", "no-digits-at-all", keys=True)
        assert "at least one digit" in rule_text(app.screen)
        await type_into(pilot, "#new-password", NEW_PASSWORD, keys=True)
        assert "meets the rule" in rule_text(app.screen)
        await type_into(pilot, "#repeat-password", NEW_PASSWORD + "x", keys=True)
        assert "repeated password differs" in rule_text(app.screen)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TokenPasswordScreen)
        assert "differs" in notice(app)

        await type_into(pilot, "#repeat-password", NEW_PASSWORD)
        assert notice(app) == ""  # the sentence about the repeat went with the mistake
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "Your password is set" in notice(app)
        assert app.screen.query_one("#user-id", Input).value == MAKER
        assert app.focused is app.screen.query_one("#password", Input)

        # The old password no longer works; the new one does.
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        assert "user ID or password" in notice(app)
        await log_in_with_password(pilot, MAKER, NEW_PASSWORD)
        assert isinstance(app.screen, OtpScreen)


async def test_a_used_token_is_refused_in_place_with_the_portal_words(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        token = await ask_for_token(pilot, server_settings)
        for password in (NEW_PASSWORD, NEW_PASSWORD + "2"):
            await type_into(pilot, "#token", token)
            await type_into(pilot, "#new-password", password)
            await type_into(pilot, "#repeat-password", password)
            await pilot.press("enter")
            await settle(pilot)
            if password == NEW_PASSWORD:
                assert isinstance(app.screen, LoginScreen)
                await pilot.press("ctrl+f")
                await settle(pilot)
                await pilot.click("#have-token")
                await settle(pilot)
                assert isinstance(app.screen, TokenPasswordScreen)
        assert isinstance(app.screen, TokenPasswordScreen)
        assert "expired or was already used" in notice(app)
        assert app.focused is app.screen.query_one("#token", Input)
        # What was typed stays, so the user can paste a new token and go on.
        assert app.screen.query_one("#new-password", Input).value == NEW_PASSWORD + "2"


async def test_a_token_typed_as_the_password_opens_the_token_screen_and_counts_nothing(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        token = await ask_for_token(pilot, server_settings)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        # Five times a token as the password: more than the lockout allows for passwords.
        for _ in range(5):
            await log_in_with_password(pilot, MAKER, f"  {token} ")
            assert isinstance(app.screen, TokenPasswordScreen)
            assert app.screen.query_one("#token", Input).value == token
            assert "not a password" in str(app.screen.query_one("#token-intro", Static).content)
            await pilot.press("escape")
            await settle(pilot)
        # Nothing was counted: the demo password still logs in.
        await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
        assert isinstance(app.screen, OtpScreen)


async def test_a_new_user_sets_a_first_password_from_the_set_up_mail(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    """The palette's command leads to the same screens; "I have a token" skips the mail."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_palette_command(pilot, "Forgot password")
        assert isinstance(app.screen, ForgotPasswordScreen)
        await pilot.click("#have-token")
        await settle(pilot)
        assert isinstance(app.screen, TokenPasswordScreen)
        assert "set-up or reset e-mail" in str(app.screen.query_one("#token-intro", Static).content)
        assert app.focused is app.screen.query_one("#token-user-id", Input)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)


async def test_a_code_that_cannot_be_mailed_is_said_on_the_login_screen(
    server_settings: ServerSettings, state_dir: Path, token_store: TokenStore
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        relay = f"127.0.0.1:{probe.getsockname()[1]}"
    portal = start_background_server(replace(server_settings, smtp=relay))
    try:
        app = HomeApp(portal.url, token_store=token_store, state_dir=state_dir)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await log_in_with_password(pilot, MAKER, DEMO_PASSWORD)
            assert isinstance(app.screen, LoginScreen)
            assert "could not send your one-time password" in notice(app)
            assert "mail relay" in notice(app)
            # The password was right: it stays, so Enter tries again.
            assert app.screen.query_one("#password", Input).value == DEMO_PASSWORD
    finally:
        portal.stop()
