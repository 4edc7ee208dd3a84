"""The app shell: unreachable portal, resumed sessions, the keyring notice, help from the
live bindings, the user's keymap, the command palette, and the safety net for workers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from keyring.backends import fail
from textual.widgets import Button, Input, Static

from cc_tui.server.runner import free_port
from cc_tui.tui.app import PortalApp
from cc_tui.tui.config import Settings
from cc_tui.tui.credentials import NO_KEYRING_NOTICE, TokenStore
from cc_tui.tui.screens.help import HelpScreen
from cc_tui.tui.screens.home import HomeScreen
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.screens.otp import OtpScreen
from tests.tui.fake_portal import FakePortal, problem
from tests.tui.helpers import HomeApp, banner, log_in_with_password, notice, settle, type_into
from tests.tui.test_credentials import DictKeyring

URL = "http://portal.test"
MAKER = "maker@harbour.example"


class RecordingApp(HomeApp):
    """Keeps every notification's text, since run_test() does not show them."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.notices: list[str] = []

    def notify(self, message: str, *args: object, **kwargs: object) -> None:
        self.notices.append(str(message))
        super().notify(message, *args, **kwargs)  # type: ignore[arg-type]


def fake_app(
    fake: FakePortal, tmp_path: Path, store: TokenStore | None = None, **options: object
) -> RecordingApp:
    return RecordingApp(
        URL,
        transport=fake.transport,
        token_store=store or TokenStore(memory_only=True),
        state_dir=tmp_path / "state",
        **options,
    )


async def log_in(pilot: object, user_id: str = MAKER) -> None:
    await log_in_with_password(pilot, user_id, "Demo-pass-2024")  # type: ignore[arg-type]
    await type_into(pilot, "#code", "123456")  # type: ignore[arg-type]
    await pilot.press("enter")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_a_real_closed_port_shows_the_banner_not_a_traceback(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    app = PortalApp(url, token_store=TokenStore(memory_only=True), state_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert banner(app) == (
            f"✗ Cannot reach the portal at {url}. Check your network or the --server "
            "address, then press r to retry."
        )


async def test_r_retries_once_the_portal_is_back(tmp_path: Path) -> None:
    fake = FakePortal(down=True)
    app = fake_app(fake, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "Cannot reach the portal" in banner(app)
        assert isinstance(app.focused, Button)  # so that r reaches the screen, not a field
        fake.down = False
        await pilot.press("r")
        await settle(pilot)
        assert banner(app) == ""
        assert "Portal: open · business day" in str(
            app.screen.query_one("#service-line", Static).content
        )
        # A login while the portal is down: the banner again, and r sends the same login.
        fake.down = True
        await log_in_with_password(pilot, MAKER, "Demo-pass-2024")
        assert "Cannot reach the portal" in banner(app)
        fake.down = False
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, OtpScreen)


async def test_a_stored_session_resumes_without_a_login(tmp_path: Path) -> None:
    keyring = DictKeyring()
    fake = FakePortal()
    first = fake_app(fake, tmp_path, TokenStore(keyring))
    async with first.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        assert isinstance(first.screen, HomeScreen)
        assert first.notices == []  # the keyring works: nothing to say
    # The SSH connection drops; a new cc-tui on the same host comes back to the session.
    fake.calls.clear()
    second = fake_app(fake, tmp_path, TokenStore(keyring))
    async with second.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(second.screen, HomeScreen)
        assert "GET /me" in fake.calls
        assert "POST /auth/login" not in fake.calls
        assert any("your session was still open" in text for text in second.notices)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert "POST /auth/logout" in fake.calls
    # After logout, the next start asks for a login, with the user ID filled in.
    third = fake_app(fake, tmp_path, TokenStore(keyring))
    async with third.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(third.screen, LoginScreen)
        assert third.screen.query_one("#user-id", Input).value == MAKER
        assert third.focused is third.screen.query_one("#password", Input)


async def test_an_expired_stored_session_just_asks_for_a_login(tmp_path: Path) -> None:
    keyring = DictKeyring()
    store = TokenStore(keyring)
    store.save(URL, MAKER, "old-token")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.json").write_text(f'{{"last_user_id": {{"{URL}": "{MAKER}"}}}}')
    fake = FakePortal(
        routes={"/me": lambda _: problem(401, "session_expired", "Your session expired.", "")}
    )
    app = fake_app(fake, tmp_path, TokenStore(keyring))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert notice(app) == ""
    assert TokenStore(keyring).load(URL, MAKER) is None


async def test_without_a_keyring_the_app_says_so_once(tmp_path: Path) -> None:
    app = fake_app(FakePortal(), tmp_path, TokenStore(fail.Keyring()))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("ctrl+l")
        await settle(pilot)
        await log_in(pilot)
        assert isinstance(app.screen, HomeScreen)
    assert app.notices.count(NO_KEYRING_NOTICE) == 1


async def test_an_expired_session_goes_back_to_login_with_the_portals_words(
    tmp_path: Path,
) -> None:
    fake = FakePortal()
    app = fake_app(fake, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        fake.routes["/me"] = lambda _: problem(
            401, "session_expired", "Your session has expired.", "Log in again."
        )
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert notice(app) == "✗ Your session has expired. Log in again."
        assert app.screen.query_one("#user-id", Input).value == MAKER


async def test_help_lists_the_live_keys_with_the_users_keymap(tmp_path: Path) -> None:
    settings = Settings(keymap={"home.refresh": "f9", "app.help": "f1,h"})
    fake = FakePortal()
    app = fake_app(fake, tmp_path, settings=settings)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = {row.description: row for row in app.screen.rows}
        assert rows["Refresh"].keys == "f9"
        assert rows["Refresh"].section == "This screen"
        assert rows["Log out"].keys == "^l"
        assert "ends this session" in rows["Log out"].tooltip
        assert set(rows["Quit"].keys.split()) == {"^q", "q"}
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        # The remapped key works, the old one no longer does.
        fake.calls.clear()
        await pilot.press("r")
        await settle(pilot)
        assert fake.calls == []
        await pilot.press("f9")
        await settle(pilot)
        assert fake.calls == ["GET /service/status", "GET /me"]


async def test_the_palette_logs_out(tmp_path: Path) -> None:
    fake = FakePortal()
    app = fake_app(fake, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"log out")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LoginScreen)
        assert "POST /auth/logout" in fake.calls
        assert "logged out" in notice(app)


async def test_the_resend_wait_follows_the_portals_retry_after(tmp_path: Path) -> None:
    fake = FakePortal(
        routes={
            "/auth/otp/email": lambda _: problem(
                429,
                "rate_limited",
                "A code was sent less than 30 seconds ago.",
                "Wait 12 seconds, then ask again.",
                **{"Retry-After": "12"},
            )
        }
    )
    app = fake_app(fake, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, "Demo-pass-2024")
        screen = app.screen
        assert isinstance(screen, OtpScreen)
        resend = screen.query_one("#resend", Button)
        assert resend.disabled  # the login just sent one
        screen.flow.email_sent_at = None  # as if 30 s had passed
        screen.show_resend_wait()
        assert not resend.disabled
        await pilot.press("s")
        await settle(pilot)
        assert notice(app) == (
            "✗ A code was sent less than 30 seconds ago. Wait 12 seconds, then ask again."
        )
        assert resend.disabled
        assert str(resend.label) in {
            "Send the code again (in 12 s)",
            "Send the code again (in 11 s)",
        }


async def test_an_unexpected_error_is_a_notice_not_a_crash(tmp_path: Path) -> None:
    def explode(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("the disk is full")

    app = fake_app(FakePortal(routes={"/auth/login": explode}), tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, "Demo-pass-2024")
        assert isinstance(app.screen, LoginScreen)
        assert any("the disk is full" in text for text in app.notices)
        assert app.is_running


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_login_control_is_on_screen(tmp_path: Path, size: tuple[int, int]) -> None:
    app = fake_app(FakePortal(), tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # a notice too
        screen = app.screen
        for selector in ("#user-id", "#password", "#log-in", "#notice", "#service-line"):
            region = screen.query_one(selector).region
            assert region.height > 0 and screen.region.contains_region(region), selector


async def test_settings_arrive_after_the_first_frame(tmp_path: Path) -> None:
    def loader() -> Settings:
        return Settings(keymap={"app.help": "f9"})

    app = fake_app(FakePortal(), tmp_path, settings_loader=loader)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f9")
        assert isinstance(app.screen, HelpScreen)


async def test_bad_settings_are_a_notice_and_the_defaults_go_on(tmp_path: Path) -> None:
    def loader() -> Settings:
        raise ValueError("The settings in /home/u/config.toml are not valid (theme).")

    app = fake_app(FakePortal(), tmp_path, settings_loader=loader)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert any("are not valid (theme)" in text for text in app.notices)
        assert "Portal: open" in str(app.screen.query_one("#service-line", Static).content)
