"""SVG snapshots of the login screens at 80x24 (pytest-textual-snapshot).

Each app talks to the canned FakePortal (fixed secret and URI, no clock text, no resend
countdown), and the text cursor is steady, so every run draws the same. Update after a
deliberate change with `make snapshots` and look at the SVGs before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.otp import OtpScreen
from tests.tui.fake_portal import FakePortal, problem
from tests.tui.helpers import HomeApp, log_in_with_password, settle, type_into

SnapCompare = Callable[..., bool]
MAKER = "maker@harbour.example"
CHECKER = "checker@harbour.example"


def snapshot_app(fake: FakePortal, tmp_path: Path, demo: bool = False) -> PortalApp:
    return HomeApp(
        "http://127.0.0.1:8765",
        demo=demo,
        transport=fake.transport,
        token_store=TokenStore(memory_only=True),
        state_dir=tmp_path,
    )


async def steady(pilot: Pilot[int]) -> None:
    await settle(pilot)
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False
    screen = pilot.app.screen
    if isinstance(screen, OtpScreen):
        screen.flow.email_sent_at = None  # no countdown in a snapshot
        screen.show_resend_wait()
    await pilot.pause()


def then(
    *steps: Callable[[Pilot[int]], Awaitable[None]],
) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def run(pilot: Pilot[int]) -> None:
        await settle(pilot)
        for step in steps:
            await step(pilot)
        await steady(pilot)

    return run


def password_step(
    user_id: str, password: str = "Demo-pass-2024"
) -> Callable[[Pilot[int]], Awaitable[None]]:
    async def step(pilot: Pilot[int]) -> None:
        await log_in_with_password(pilot, user_id, password)

    return step


async def press_enter(pilot: Pilot[int]) -> None:
    await pilot.press("enter")
    await settle(pilot)


def test_login(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(snapshot_app(FakePortal(), tmp_path), run_before=then())


def test_login_wrong_password(snap_compare: SnapCompare, tmp_path: Path) -> None:
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
    app = snapshot_app(fake, tmp_path)
    assert snap_compare(app, run_before=then(password_step(MAKER, "wrong")))


def test_login_portal_unreachable(snap_compare: SnapCompare, tmp_path: Path) -> None:
    assert snap_compare(snapshot_app(FakePortal(down=True), tmp_path), run_before=then())


def test_otp_email(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(FakePortal(), tmp_path, demo=True)
    assert snap_compare(app, run_before=then(password_step(MAKER)))


def test_otp_app(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(FakePortal(channel="app"), tmp_path)
    assert snap_compare(app, run_before=then(password_step(CHECKER)))


def test_device_choice(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(FakePortal(channel="app", device_registration="offered"), tmp_path)
    assert snap_compare(app, run_before=then(password_step(CHECKER)))


def test_device_qr(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(FakePortal(channel="app", device_registration="required"), tmp_path)
    assert snap_compare(app, run_before=then(password_step(CHECKER), press_enter))


def test_device_key_as_text(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(FakePortal(channel="app", device_registration="required"), tmp_path)
    assert snap_compare(app, press=["m"], run_before=then(password_step(CHECKER), press_enter))


def test_home(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def code(pilot: Pilot[int]) -> None:
        await type_into(pilot, "#code", "123456")
        await press_enter(pilot)

    app = snapshot_app(FakePortal(), tmp_path)
    assert snap_compare(app, run_before=then(password_step(MAKER), code))
