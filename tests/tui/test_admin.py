"""Pilot tests of the Accounts screen, against the real portal on a loopback port."""

from __future__ import annotations

from pathlib import Path

import httpx
from textual.widgets import DataTable, Input, SelectionList, Static

from cc_tui.api.admin import AdminUser, Right
from cc_tui.server.mail import read_outbox
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.screens.accounts.forms import NewUserScreen
from cc_tui.tui.screens.accounts.screen import AccountsScreen
from cc_tui.tui.screens.accounts.words import (
    account_cells,
    change_words,
    detail_lines,
    matches,
    rights_change,
)
from cc_tui.tui.screens.confirm import ConfirmScreen
from tests.tui.account_helpers import resume_as
from tests.tui.conftest import AppFactory
from tests.tui.helpers import notice, settle, type_into

ADMIN = "admin@harbour.example"
MAKER = "maker@harbour.example"
NEWCOMER = "kim.lee@harbour.example"


def row(app: PortalApp, user_id: str) -> list[str]:
    table = app.screen.query_one("#accounts-table", DataTable)
    return [str(cell) for cell in table.get_row(user_id)]


def prompt(app: PortalApp) -> str:
    return str(app.screen.query_one("#confirm-prompt", Static).content)


def form_notice(app: PortalApp) -> str:
    return app.screen.query_one("#form-notice").text  # type: ignore[attr-defined, no-any-return]


async def lock(portal: BackgroundServer, user_id: str) -> None:
    async with httpx.AsyncClient(base_url=portal.url) as http:
        for _ in range(5):
            await http.post(
                "/api/v1/auth/login", json={"user_id": user_id, "password": "wrong-password"}
            )


async def test_an_admin_unlocks_a_locked_user_and_creates_one(
    make_app: AppFactory,
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> None:
    await lock(live_portal, MAKER)
    resume_as(ADMIN, live_portal, server_settings, state_dir, token_store)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert row(app, MAKER)[1:4] == ["Mandy Chan", "Active", "Locked"]

        # Narrow to the maker, then unlock: Enter alone does not confirm, y does.
        await pilot.press("slash", *"mandy", "enter")
        await settle(pilot)
        assert app.screen.query_one("#accounts-table", DataTable).row_count == 1
        await pilot.press("u")
        assert isinstance(app.screen, ConfirmScreen)
        assert prompt(app) == "Unlock Mandy Chan (maker@harbour.example)? y/N"
        await pilot.press("enter")
        await settle(pilot)
        assert row(app, MAKER)[3] == "Locked"
        await pilot.press("u", "y")
        await settle(pilot)
        assert "Unlocked Mandy Chan" in notice(app)
        assert row(app, MAKER)[3] == "No"
        async with httpx.AsyncClient(base_url=live_portal.url) as http:
            answer = await http.post(
                "/api/v1/auth/login",
                json={"user_id": MAKER, "password": "Demo-pass-2024"},
            )
        assert answer.status_code == 200

        # Create: a taken ID is refused in place, with what was typed kept.
        await pilot.press("escape", "n")
        await settle(pilot)
        assert isinstance(app.screen, NewUserScreen)
        await type_into(pilot, "#new-user-id", "maker@kowloon.example")
        await type_into(pilot, "#new-name", "Kim Lee")
        rights = app.screen.query_one("#new-rights", SelectionList)
        rights.focus()
        await pilot.press("space")
        app.screen.query_one("#create").focus()
        await pilot.press("enter")
        assert isinstance(app.screen, ConfirmScreen)
        assert prompt(app).startswith("Create Kim Lee (maker@kowloon.example) for B01234?")
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, NewUserScreen)
        assert "already taken" in form_notice(app)
        assert app.screen.query_one("#new-name", Input).value == "Kim Lee"
        (ticked,) = app.screen.query_one("#new-rights", SelectionList).selected

        await type_into(pilot, "#new-user-id", NEWCOMER)
        app.screen.query_one("#create").focus()
        await pilot.press("enter", "y")
        await settle(pilot)
        assert isinstance(app.screen, AccountsScreen)
        assert "Created Kim Lee" in notice(app)
        assert row(app, NEWCOMER)[1:3] == ["Kim Lee", "Set-up"]
        detail = str(app.screen.query_one("#account-detail", Static).content)
        assert "Has not set a password yet" in detail
    (mail,) = read_outbox(server_settings.mail_dir, NEWCOMER)
    assert "Your account set-up token is" in mail.get_content()
    assert ticked


def test_the_words_of_a_row() -> None:
    user = AdminUser(
        user_id=MAKER,
        name="Mandy Chan",
        rights=["EU_A"],
        status="active",
        locked=True,
        otp_channel="app",
        device_registered=False,
        participant_id="B01234",
        password_set=True,
    )
    assert account_cells(user, with_firm=True) == (
        "B01234",
        MAKER,
        "Mandy Chan",
        "Active",
        "Locked",
        "App",
        "Needed",
    )
    assert matches(user, ["mandy", "locked"])
    assert not matches(user, ["kowloon"])
    assert rights_change(["a", "b"], ["b", "c"]) == (["c"], ["a"])
    names = {
        code: Right(code=code, name=f"Make {code.upper()}", description="") for code in ("a", "c")
    }
    assert change_words(["c"], ["a"], names) == "Grant Make C; remove Make A."
    assert change_words([], ["x"], names) == "Remove a right the portal does not name (x)."
    # The line under the table says the roles in words, as the profile does (was `ccda`).
    ccda = user.model_copy(update={"roles": ["ccda", "exchange_officer"]})
    first = detail_lines(ccda, {})[0]
    assert "delegated administrator (CCDA) and exchange officer" in first
    assert "ccda" not in first and "_" not in first
