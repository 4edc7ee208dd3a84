"""Smaller dead ends (issue 13 point 8) against the real portal."""

from __future__ import annotations

from pathlib import Path

from cc_tui.api.auth import Membership, User
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.screens.catalogue import CatalogueScreen
from cc_tui.tui.screens.events import EventsScreen
from cc_tui.tui.widgets.notice import Notice
from cc_tui.tui.widgets.session import user_lines
from tests.tui.maker_checker import MAKER, app_for, notice_text, settle

PURE_CHECKER = "checker@harbour.example"


async def test_new_request_tells_a_checker_without_make_rights_why_it_is_empty(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(PURE_CHECKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.open_catalogue()  # what the palette's "New request: find a form" does
        await settle(pilot)
        assert isinstance(app.screen, CatalogueScreen)
        said = " ".join(notice_text(app).split())
        assert "You hold no maker right for B01234" in said
        assert "ask your firm's delegated administrator (CCDA) for a maker right" in said
        assert "No form matches" not in said


def test_membership_kinds_are_shown_in_words() -> None:
    user = User(
        user_id="lead@harbour.example",
        name="Lydia Lam",
        roles=["maker", "checker"],
        memberships=[
            Membership(participant_id="B01234", name="Harbour", kind="exchange_participant")
        ],
        otp_channel="email",
    )
    text = "\n".join(user_lines(user, "B01234"))
    assert "(exchange participant)" in text
    assert "exchange_participant" not in text
    assert "Roles: maker and checker" in text


def test_roles_are_shown_in_words_per_membership() -> None:
    user = User(
        user_id="admin@harbour.example",
        name="Alan Ho",
        roles=["ccda"],
        memberships=[
            Membership(
                participant_id="B01234", name="Harbour", kind="exchange_participant", roles=["ccda"]
            ),
            Membership(
                participant_id="C01234",
                name="Harbour",
                kind="clearing_participant",
                roles=["maker", "checker", "ccda"],
            ),
        ],
        otp_channel="email",
    )
    lines = user_lines(user, "C01234")
    assert "Roles: delegated administrator (CCDA)" in lines
    assert (
        " ▸ C01234  Harbour (clearing participant) · maker, checker and delegated "
        "administrator (CCDA)"
    ) in lines
    assert "   B01234  Harbour (exchange participant) · delegated administrator (CCDA)" in lines


async def test_a_problem_line_clears_when_what_it_was_about_is_fetched_again(
    live_portal: BackgroundServer, server_settings: ServerSettings, state_dir: Path
) -> None:
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, EventsScreen)
        screen.change("EV-gone", "withdraw")  # an event the portal does not know
        await settle(pilot)
        notice = screen.query_one(Notice)
        assert notice.text.startswith("✗ ")
        await pilot.press("r")  # the events are fetched again: the problem is gone
        await settle(pilot)
        assert notice.text == ""
        # A success line is not a problem: it stays over a refresh.
        notice.show("You are enrolled.", "success")
        await pilot.press("r")
        await settle(pilot)
        assert notice.text == "✓ You are enrolled."
