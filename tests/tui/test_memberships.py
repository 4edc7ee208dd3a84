"""Switching membership (issue 16) against the real portal on loopback, as
lead@harbour.example: maker and checker in B01234 (exchange participant), maker only in
C01234 (clearing participant, no trading forms).

The header names the acting membership; F7 (and the palette's "Switch membership") lists
both with their kinds and roles in words; a switch reloads the dashboard's counts and
lists (sections and filters kept), the catalogue and the accounts screen without a new
login; notices of both arrive naming theirs; the choice is remembered for the next login;
a form's unsent input stays in a draft of its own membership.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static

from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.app import PortalApp
from cc_tui.tui.credentials import TokenStore
from cc_tui.tui.drafts import DraftStore, drafts_root
from cc_tui.tui.screens.accounts.screen import AccountsScreen
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.dashboard import DashboardScreen
from cc_tui.tui.screens.form import FormScreen
from cc_tui.tui.screens.membership import MembershipScreen
from cc_tui.tui.screens.request import RequestScreen
from cc_tui.tui.state import last_membership
from cc_tui.tui.toasts import gathered_message
from tests.tui.account_helpers import resume_as
from tests.tui.maker_checker import MAKER, PortalApi, type_in
from tests.tui.test_dashboard import set_filter, settle, toasts, until

__all__ = ["toasts"]

LEAD = "lead@harbour.example"
ADMIN = "admin@harbour.example"
SEEDED = 300


@pytest.fixture
def server_settings(server_settings: ServerSettings) -> ServerSettings:
    """Requests of both memberships (C01234 gets a tenth more), fixed clock and seed."""
    return dataclasses.replace(server_settings, seed_requests=SEEDED, seed_random=7)


@pytest.fixture
def app_as(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    token_store: TokenStore,
) -> Callable[..., PortalApp]:
    def make(user_id: str = LEAD) -> PortalApp:
        resume_as(user_id, live_portal, server_settings, state_dir, token_store)
        return PortalApp(live_portal.url, token_store=token_store, state_dir=state_dir)

    return make


def header(app: PortalApp) -> str:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return header_of(screen)


def header_of(screen: DashboardScreen) -> str:
    return str(screen.query_one("#dash-header", Static).content)


async def landed(pilot: Pilot[Any]) -> DashboardScreen:
    await until(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen), "the dashboard")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def switch_to(pilot: Pilot[Any], participant_id: str) -> None:
    """F7, then the membership's row, then Enter."""
    await pilot.press("f7")
    await settle(pilot)
    chooser = pilot.app.screen
    assert isinstance(chooser, MembershipScreen)
    options = chooser.query_one(OptionList)
    options.highlighted = options.get_option_index(participant_id)
    await pilot.press("enter")
    await until(pilot, lambda: pilot.app.participant_id == participant_id, "the switch")  # type: ignore[attr-defined]
    await settle(pilot)


def catalogue_codes(app: PortalApp) -> list[str]:
    screen = app.screen
    assert isinstance(screen, CatalogueScreen)
    table = screen.query_one("#catalogue-list", DataTable)
    return [str(table.get_row_at(row)[0]) for row in range(table.row_count)]


async def test_the_switch_reloads_header_counts_and_lists_keeping_filters(
    app_as: Callable[..., PortalApp], toasts: list[str]
) -> None:
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await landed(pilot)
        assert app.participant_id == "B01234"
        assert "B01234 Harbour Securities Limited" in header(app)
        assert "exchange participant" in header(app)
        await pilot.press("6")  # All
        await settle(pilot)
        await set_filter(pilot, "status:completed")
        await pilot.press("enter")
        before = screen.tabs.counts
        # The list: both memberships, kinds and roles in words, the acting one marked.
        await pilot.press("f7")
        await settle(pilot)
        chooser = app.screen
        assert isinstance(chooser, MembershipScreen)
        options = chooser.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert lines[0].startswith("▸ B01234")
        assert "exchange participant · maker and checker" in lines[0]
        assert lines[1].startswith("  C01234")
        assert "clearing participant · maker" in lines[1]
        await pilot.press("escape")  # keeps B01234
        await settle(pilot)
        assert app.participant_id == "B01234" and app.screen is screen

        await switch_to(pilot, "C01234")
        assert app.screen is screen  # no new login, the same dashboard
        assert "C01234" in header(app) and "clearing participant" in header(app)
        portal = await app.client()
        counts = await portal.section_counts()
        assert screen.tabs.counts == counts != before
        assert counts.awaiting_my_check == 0  # no checker in C01234
        assert screen.filter_bar.text == "status:completed"  # the section's filter stays
        page = await portal.list_requests("all", "status:completed", "-updated", None, 50)
        assert page.items and {item.participant_id for item in page.items} == {"C01234"}
        assert screen.table.refs == [item.ref for item in page.items]
        assert any(text.startswith("Now acting for C01234") for text in toasts)
        assert not screen.marks


async def test_the_catalogue_shows_only_what_the_membership_makes(
    app_as: Callable[..., PortalApp],
) -> None:
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert {"CT027", "TH01", "BI01"} <= set(catalogue_codes(app))
        await switch_to(pilot, "C01234")
        assert isinstance(app.screen, CatalogueScreen)  # still open, searched again
        codes = catalogue_codes(app)
        assert "BI01" in codes and not {"CT027", "TH01"} & set(codes)


async def type_a_form(pilot: Pilot[Any], code: str, name: str, text: str) -> FormScreen:
    app = pilot.app
    app.push_screen(FormScreen.new(code))
    await settle(pilot)
    form = app.screen
    assert isinstance(form, FormScreen)
    await type_in(pilot, name, text)
    await settle(pilot)
    return form


async def test_unsent_drafts_of_two_memberships_each_stay_with_theirs(
    app_as: Callable[..., PortalApp], state_dir: Path, toasts: list[str]
) -> None:
    """A form of each membership with unsent input, each closed by a switch: both drafts
    are kept, each names its membership, and each catalogue offers only its own and counts
    the other's."""
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        await pilot.press("n")
        await settle(pilot)
        catalogue = app.screen
        assert isinstance(catalogue, CatalogueScreen)
        shown: CatalogueScreen = catalogue  # `app.screen is catalogue` below widens it
        await type_a_form(pilot, "TH01", "reason", "Index rebalancing day 7")
        await switch_to(pilot, "C01234")
        assert app.screen is catalogue  # the form was closed, the catalogue stays
        assert (
            "Unsent input kept in a draft of B01234: the new TH01 form. Switch back (F7) to "
            "carry on with it."
        ) in toasts
        store = DraftStore(drafts_root(state_dir))
        (exchange,) = store.unsent(app.portal_key, LEAD)
        assert exchange.participant_id == "B01234" and exchange.eservice == "TH01"
        assert "Index rebalancing day 7" in str(exchange.values)
        # Not offered for C01234 (it would be sent for the wrong membership); said instead.
        assert not any(code == "TH01" for code in catalogue_codes(app))
        assert not shown.drafts
        assert "1 for B01234" in str(shown.query_one("#notice").render())

        await type_a_form(pilot, "BI01", "reason_detail", "Shares held at the custodian")
        await switch_to(pilot, "B01234")
        assert app.screen is catalogue
        drafts = {d.participant_id: d for d in store.unsent(app.portal_key, LEAD)}
        assert set(drafts) == {"B01234", "C01234"}
        clearing = drafts["C01234"]
        assert clearing.eservice == "BI01"
        assert "Shares held at the custodian" in str(clearing.values)
        assert [d.key for d in shown.drafts] == [exchange.key]
        assert "1 for C01234" in str(shown.query_one("#notice").render())

        await switch_to(pilot, "C01234")
        assert [d.key for d in shown.drafts] == [clearing.key]
        assert "1 for B01234" in str(shown.query_one("#notice").render())


async def test_a_request_of_the_other_membership_opens_there_saying_so(
    app_as: Callable[..., PortalApp], toasts: list[str]
) -> None:
    """A reference of C01234 opened while acting for B01234 (say, from a notice or a
    colleague's message): the portal does not know it here; the screen finds where it
    belongs, says so and switches there."""
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await landed(pilot)
        await pilot.press("6")  # All
        await switch_to(pilot, "C01234")
        await until(pilot, lambda: bool(screen.table.refs), "C01234's requests")
        ref = screen.table.refs[0]
        await switch_to(pilot, "B01234")
        app.push_screen(RequestScreen(ref))
        await until(pilot, lambda: app.participant_id == "C01234", "the switch")
        await until(
            pilot,
            lambda: (
                isinstance(app.screen, RequestScreen)
                and app.screen.request is not None
                and app.screen.request.ref == ref
            ),
            "the request in its membership",
        )
        assert any(
            t.startswith(f"{ref} belongs to C01234 Harbour Securities Limited (clearing")
            for t in toasts
        )
        assert "C01234" in header_of(screen)


async def test_notices_of_the_other_membership_arrive_naming_it(
    app_as: Callable[..., PortalApp],
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    toasts: list[str],
) -> None:
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await landed(pilot)
        await switch_to(pilot, "C01234")
        await until(pilot, lambda: "● live" in screen.status_text, "the stream is live")
        maker = PortalApi(live_portal.url, server_settings, MAKER)
        try:
            made = maker.create("CT027")
            maker.act(made, "submit")  # awaits lead@'s check in B01234
        finally:
            maker.close()
        await until(pilot, lambda: any(made["ref"] in t for t in toasts), "the notice")
        (toast,) = [t for t in toasts if made["ref"] in t]
        assert "awaiting your check" in toast and "for B01234" in toast
        # Opening it from the notice switches to its membership; the palette offers it
        # over any screen, here a C01234 request's.
        await pilot.press("6")  # All
        await until(pilot, lambda: bool(screen.table.refs), "C01234's requests")
        screen.open_request(screen.table.refs[0])
        await until(pilot, lambda: isinstance(app.screen, RequestScreen), "a C01234 request")
        (command,) = [
            c
            for c in app.palette_commands(app.screen)
            if c.name == f"Open the last notice's request ({made['ref']})"
        ]
        command.run()
        await until(pilot, lambda: app.participant_id == "B01234", "the switch")
        await until(pilot, lambda: isinstance(app.screen, RequestScreen), "the request")
        await settle(pilot)
        assert app.participant_id == "B01234"
        request_screen = app.screen
        assert isinstance(request_screen, RequestScreen)
        assert request_screen.request is not None
        assert request_screen.request.ref == made["ref"]


async def test_the_last_membership_is_remembered_per_user(
    app_as: Callable[..., PortalApp], state_dir: Path, live_portal: BackgroundServer
) -> None:
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        await switch_to(pilot, "C01234")
        await settle(pilot)
    assert last_membership(state_dir, app.portal_key, LEAD) == "C01234"
    again = app_as()
    async with again.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        assert again.participant_id == "C01234"
        assert "C01234" in header(again)
        portal = await again.client()
        assert portal.participant_id == "C01234"
    # Another user of the same computer starts on its own first membership.
    admin = app_as(ADMIN)
    async with admin.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        assert admin.participant_id == "B01234"


async def test_the_accounts_screen_lists_the_acting_membership(
    app_as: Callable[..., PortalApp],
) -> None:
    app = app_as(ADMIN)
    async with app.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        await pilot.press("f3")
        await settle(pilot)
        accounts = app.screen
        assert isinstance(accounts, AccountsScreen)
        exchange = {u.user_id for u in accounts.users}
        assert "maker@harbour.example" in exchange
        await switch_to(pilot, "C01234")
        assert app.screen is accounts
        assert isinstance(accounts, AccountsScreen)
        clearing = {u.user_id for u in accounts.users}
        assert LEAD in clearing and "maker@harbour.example" not in clearing
        assert "C01234" in str(accounts.query_one("#accounts-title", Static).content)


async def test_one_membership_offers_no_switch(app_as: Callable[..., PortalApp]) -> None:
    app = app_as(MAKER)
    async with app.run_test(size=(80, 24)) as pilot:
        await landed(pilot)
        assert "maker@harbour.example" in header(app)  # the header as before
        await pilot.press("f7")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        names = [c.name for c in app.palette_commands(cast("Screen[object]", app.screen))]
        assert "Switch membership" not in names


async def test_a_burst_of_notices_of_both_memberships_names_each_ones(
    app_as: Callable[..., PortalApp],
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    toasts: list[str],
) -> None:
    """Notices that arrive while a toast shows wait for it and then share one ("3 new
    tasks: ..."): each reference in it still names its membership, whichever acts. A
    toast is held on screen for the whole burst (its timer is the toasts' own business,
    tests/tui/test_toasts.py), so what the burst gathers does not hang on timing."""
    app = app_as()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await landed(pilot)
        await switch_to(pilot, "C01234")
        await until(pilot, lambda: "● live" in screen.status_text, "the stream is live")
        screen.task_toasts.showing = True  # a toast is on screen: notices now gather
        lead = PortalApi(live_portal.url, server_settings, LEAD)
        lead.http.headers["X-Participant-ID"] = "C01234"
        maker = PortalApi(live_portal.url, server_settings, MAKER)
        iris = PortalApi(live_portal.url, server_settings, "iris.tam@harbour.example")
        try:
            mine = lead.act(lead.create("BI01", lead.good_values("BI01", "C01234")), "submit")
            exchange = [maker.act(maker.create("CT027"), "submit") for _ in range(2)]
            returned = iris.act(mine, "return", "The quantity is off by one lot.")
        finally:
            for api in (lead, maker, iris):
                api.close()
        expected = {
            f"{exchange[0]['ref']} (B01234)",
            f"{exchange[1]['ref']} (B01234)",
            f"{returned['ref']} (C01234)",
        }
        waiting = screen.task_toasts.waiting
        await until(pilot, lambda: expected <= set(waiting), "the burst gathered")
        said = gathered_message(waiting)
        assert said.startswith(f"{len(waiting)} new tasks: ")
        assert all(named in said for named in expected)
        assert not any(returned["ref"] in t for t in toasts)  # only once the toast has gone
