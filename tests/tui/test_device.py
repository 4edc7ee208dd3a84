"""The app channel: re-registration from a QR code drawn in the terminal, read back from
the screen as a phone would read it, then a login with the new authenticator."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import segno
from textual.widgets import Static

from cc_tui.domain.otp import parse_otpauth_uri
from cc_tui.server.clock import FakeClock
from cc_tui.tui.screens.device import DeviceChoiceScreen, DeviceScreen, grouped_secret
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.screens.otp import OtpScreen
from cc_tui.tui.widgets.session import UserSummary
from tests.tui.conftest import AppFactory
from tests.tui.helpers import DEMO_PASSWORD, log_in_with_password, notice, settle, type_into
from tests.tui.qr_reader import decode, modules_from_cells, trim
from tests.tui.screen_cells import screen_cells

CHECKER = "checker@harbour.example"


def code_at(secret: str, clock: FakeClock) -> str:
    return pyotp.TOTP(secret).at(clock.now())


async def test_checker_reregisters_from_the_drawn_qr_code_and_logs_in_again(
    make_app: AppFactory, clock: FakeClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, CHECKER, DEMO_PASSWORD)
        assert isinstance(app.screen, DeviceChoiceScreen)
        # Registration is required: no way to skip it.
        assert [b.id for b in app.screen.query("#choice-buttons Button")] == ["register"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeviceScreen)

        # Read the QR code off the screen as drawn, as a phone would.
        cells = screen_cells(app.export_screenshot(), 80, 24)
        (uri,) = decode(modules_from_cells(cells))
        assert uri == app.screen.registration.otpauth_uri
        secret, account, _issuer = parse_otpauth_uri(uri)
        assert account == CHECKER

        await type_into(pilot, "#code", code_at(secret, clock), keys=True)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)
        assert "authenticator app" in str(app.screen.query_one(UserSummary).content)

        # Next login: no registration step, the code comes from the new registration.
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "You have logged out." in notice(app)
        await log_in_with_password(pilot, CHECKER, DEMO_PASSWORD)
        assert isinstance(app.screen, OtpScreen)
        assert "authenticator app" in str(app.screen.query_one("#otp-channel", Static).content)
        # The code just used is refused, as it would be from a stolen screen.
        await type_into(pilot, "#code", code_at(secret, clock))
        await pilot.press("enter")
        await settle(pilot)
        assert "already been used" in notice(app)
        clock.advance(timedelta(seconds=30))
        await type_into(pilot, "#code", code_at(secret, clock))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HomeScreen)


async def test_the_drawn_modules_are_segnos_and_m_shows_the_key_as_text(
    make_app: AppFactory,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, CHECKER, DEMO_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DeviceScreen)
        registration = screen.registration
        drawn = trim(modules_from_cells(screen_cells(app.export_screenshot(), 80, 24)))
        expected = segno.make(registration.otpauth_uri, error="L", boost_error=False)
        assert drawn == [[bool(m) for m in row] for row in expected.matrix]

        text = screen.query_one("#device-text")
        assert not text.display
        await pilot.press("m")
        assert text.display
        shown = str(text.content)
        assert grouped_secret(registration.secret) in shown
        assert registration.otpauth_uri in shown
        await pilot.press("m")
        assert not text.display


async def test_a_code_from_the_old_device_is_refused_during_registration(
    make_app: AppFactory, clock: FakeClock
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, CHECKER, DEMO_PASSWORD)
        await pilot.press("enter")
        await settle(pilot)
        stranger = pyotp.random_base32()
        await type_into(pilot, "#code", code_at(stranger, clock))
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DeviceScreen)
        assert "the device you just registered" in notice(app)
