"""Registering an authenticator app from the Profile (issue 9, point 1), against the real
portal on a loopback port: the password again, the QR code drawn in the terminal and
read back from the screen as a phone would, the first code, and the channel switched.
And the device screen's refusal when a login offers no registration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pyotp
from textual.pilot import Pilot
from textual.widgets import Button, Static

from cc_tui.domain.otp import parse_otpauth_uri
from cc_tui.server.clock import FakeClock
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.device import DeviceChoiceScreen, ProfileDeviceScreen
from cc_tui.tui.screens.profile import ProfileScreen
from cc_tui.tui.widgets.session import UserSummary
from tests.server.login_helpers import user_row
from tests.tui.account_helpers import resume_as
from tests.tui.conftest import AppFactory
from tests.tui.helpers import DEMO_PASSWORD, log_in_with_password, notice, settle, type_into
from tests.tui.qr_reader import decode, modules_from_cells
from tests.tui.screen_cells import screen_cells

MAKER = "maker@harbour.example"
LEAD = "lead@harbour.example"


async def open_registration(pilot: Pilot[int], app: PortalApp) -> None:
    await pilot.press("f2")
    await settle(pilot)
    assert isinstance(app.screen, ProfileScreen)
    button = app.screen.query_one("#register-app", Button)
    assert str(button.label) == "Register app"
    button.focus()
    await pilot.press("enter")
    await settle(pilot)
    assert isinstance(app.screen, ProfileDeviceScreen)


async def test_registering_an_app_from_the_profile_switches_the_channel(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
    clock: FakeClock,
) -> None:
    resume_as(MAKER, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_registration(pilot, app)
        # A wrong password: the portal's words, the field emptied, nothing started.
        await type_into(pilot, "#enrol-password", "Not-my-password-1")
        await pilot.press("enter")
        await settle(pilot)
        assert "current password is not correct" in notice(app)
        assert isinstance(app.screen, ProfileDeviceScreen)
        assert app.screen.registration is None

        await type_into(pilot, "#enrol-password", DEMO_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        registration = app.screen.registration
        assert registration is not None
        # The QR code as drawn is the registration's, as a phone reads it.
        (uri,) = decode(modules_from_cells(screen_cells(app.export_screenshot(), 80, 24)))
        assert uri == registration.otpauth_uri
        secret, account, _ = parse_otpauth_uri(uri)
        assert account == MAKER

        # A code that is not the new entry's is refused in place.
        stranger = pyotp.random_base32()
        await type_into(pilot, "#code", pyotp.TOTP(stranger).at(clock.now()), keys=True)
        await pilot.press("enter")
        await settle(pilot)
        assert "not one the new authenticator shows" in notice(app)
        assert user_row(server_settings, MAKER)["totp_secret"] is None

        await type_into(pilot, "#code", pyotp.TOTP(secret).at(clock.now()), keys=True)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert "new authenticator app is registered" in notice(app)
        assert "registered." in str(app.screen.query_one("#otp-state", Static).content)
        assert "authenticator app" in str(app.screen.query_one(UserSummary).content)
        assert str(app.screen.query_one("#register-app", Button).label) == "Replace app"
    row = user_row(server_settings, MAKER)
    assert row["totp_secret"] == secret
    assert row["otp_channel"] == "app"


async def test_escape_leaves_the_registration_and_changes_nothing(
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
        await open_registration(pilot, app)
        await type_into(pilot, "#enrol-password", DEMO_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.query("#qr")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ProfileScreen)
        assert "registered" not in notice(app)
    row = user_row(server_settings, MAKER)
    assert row["totp_secret"] is None
    assert row["otp_channel"] == "email"


async def test_the_device_screen_shows_the_portals_refusal(
    make_app: AppFactory, server_settings: ServerSettings
) -> None:
    """A login offered registration, but by the time Register is chosen the portal no
    longer marks it so (say, another login registered a device): the portal refuses,
    and the screen says to register from the Profile."""
    with sqlite3.connect(server_settings.db_path) as conn:
        conn.execute(
            "UPDATE users SET otp_channel = 'app', device_registration = 'offered'"
            " WHERE user_id = ?",
            (LEAD,),
        )
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, LEAD, DEMO_PASSWORD)
        assert isinstance(app.screen, DeviceChoiceScreen)
        with sqlite3.connect(server_settings.db_path) as conn:
            conn.execute("UPDATE login_tickets SET device_need = 'none'")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeviceChoiceScreen)
        assert "offers no device registration" in notice(app)
        assert "Profile" in notice(app)
