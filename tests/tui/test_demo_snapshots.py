"""`--demo`: the login screen names the demo users, and the mailbox hint on the OTP
screen names the --data-dir that was given (else it would read another outbox)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from cc_tui.server.seed import DEMO_USERS
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.otp import OtpScreen
from cc_tui.tui.screens.password_reset import TokenPasswordScreen
from tests.tui.fake_portal import FakePortal, problem
from tests.tui.helpers import HomeApp, log_in_with_password, settle, type_into
from tests.tui.test_snapshots import SnapCompare, password_step, then

MAKER = "maker@harbour.example"


def demo_app(fake: FakePortal, tmp_path: Path, data_dir: Path | None = None) -> PortalApp:
    return HomeApp(
        "http://127.0.0.1:8765",
        demo=True,
        transport=fake.transport,
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path,
        demo_users=tuple(user.user_id for user in DEMO_USERS),
        demo_data_dir=data_dir,
    )


def test_demo_login_names_the_users_and_still_fits(
    snap_compare: SnapCompare, tmp_path: Path
) -> None:
    fake = FakePortal(
        routes={
            "/auth/login": lambda _: problem(
                401,
                "invalid_credentials",
                "The user ID or password is not right.",
                "Check both and try again; after 5 failures in a row the account is locked.",
            )
        }
    )
    assert snap_compare(demo_app(fake, tmp_path), run_before=then(password_step(MAKER, "x")))


async def test_the_mailbox_hint_names_the_data_dir_given(tmp_path: Path) -> None:
    data_dir = tmp_path / "my portal"
    app = demo_app(FakePortal(), tmp_path, data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, "Demo-pass-2024")
        assert isinstance(app.screen, OtpScreen)
        hint = str(app.screen.query_one("#demo-hint", Static).content)
        assert f"cc-tui mailbox --to {MAKER} --last --data-dir '{data_dir}'" in hint


async def test_the_token_screen_says_where_the_demo_mail_is(tmp_path: Path) -> None:
    data_dir = tmp_path / "my portal"
    app = demo_app(FakePortal(), tmp_path, data_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_into(pilot, "#user-id", MAKER)
        await pilot.press("ctrl+f")
        await settle(pilot)
        await pilot.click("#have-token")
        await settle(pilot)
        assert isinstance(app.screen, TokenPasswordScreen)
        hint = str(app.screen.query_one("#demo-hint", Static).content)
        assert f"cc-tui mailbox --to {MAKER} --last --data-dir '{data_dir}'" in hint


async def test_at_60_by_20_the_login_error_is_scrolled_into_view(tmp_path: Path) -> None:
    """The login box is taller than 20 lines: the error under its buttons was drawn below
    the last line, and a user saw nothing happen."""
    fake = FakePortal(
        routes={
            "/auth/login": lambda _: problem(
                401, "invalid_credentials", "The user ID or password is not right.", "Check both."
            )
        }
    )
    app = demo_app(fake, tmp_path)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await log_in_with_password(pilot, MAKER, "wrong")
        await pilot.pause()
        await pilot.pause()
        box = app.screen.query_one("#login-box")
        notice = app.screen.query_one("#notice", Static)
        assert "not right" in str(notice.content)
        assert box.region.contains_region(notice.region), (box.region, notice.region)
