"""SVG snapshots at 80x24 of "Forgot password or first login" and the token screen."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual.pilot import Pilot

from tests.tui.fake_portal import FakePortal
from tests.tui.helpers import type_into
from tests.tui.test_snapshots import SnapCompare, snapshot_app, then

MAKER = "maker@harbour.example"


def accepting_portal() -> FakePortal:
    return FakePortal(
        routes={
            "/auth/password/forgot": lambda _: httpx.Response(202),
            "/auth/password/reset": lambda _: httpx.Response(204),
        }
    )


async def open_forgot(pilot: Pilot[int]) -> None:
    await type_into(pilot, "#user-id", MAKER)
    await pilot.press("ctrl+f")


async def mail_token(pilot: Pilot[int]) -> None:
    await pilot.press("enter")


async def type_short_password(pilot: Pilot[int]) -> None:
    await type_into(pilot, "#new-password", "harbour")


def test_forgot_password(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(accepting_portal(), tmp_path)
    assert snap_compare(app, run_before=then(open_forgot))


def test_token_password_with_the_rule_failing(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = snapshot_app(accepting_portal(), tmp_path)
    assert snap_compare(app, run_before=then(open_forgot, mail_token, type_short_password))
