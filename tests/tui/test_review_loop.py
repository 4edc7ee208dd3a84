"""What a checker sees and does on the request screen (issue 12), against the real
portal: a long remark read to its last word, the changes since a return with the
maker's reply, actions greyed with their reason on a Sunday, the three-key review loop
from a dashboard section, `y` copying the reference, tabs by number keys, and the audit
tab naming an altered entry."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent, TextArea

from cc_tui.domain.forms import format_value, get_eservice
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.tui.screens.comment import CommentScreen
from cc_tui.tui.screens.dashboard import DashboardScreen
from cc_tui.tui.screens.request import RequestScreen, copied_words
from cc_tui.tui.screens.value import ValueScreen
from cc_tui.tui.widgets.request_fields import FieldRow
from tests.tui.maker_checker import (
    LEAD,
    MAKER,
    PortalApi,
    QueueApp,
    app_for,
    notice_text,
    settle,
    stored_status,
)
from tests.tui.screen_cells import screen_text

REMARK = (
    "Raised for the December block trades with our two largest institutional clients; "
    "the board approved the new limit on 20 November and the minutes are attached as a "
    "supporting document. Risk has reviewed the margin impact and signed off on it. "
    "Please check the effective date against the HKSCC clearing calendar before you act on it. "
    "Call Mandy on 2123 4567 with any question. "
    "IMPORTANT: do not approve before the FRR filing is confirmed"
)
SUNDAY_1000 = datetime(2026, 11, 29, 10, 0, tzinfo=HKT)


@pytest.fixture
def maker_api(
    live_portal: BackgroundServer, server_settings: ServerSettings
) -> Iterator[PortalApi]:
    api = PortalApi(live_portal.url, server_settings, MAKER)
    yield api
    api.close()


async def open_request(pilot: Pilot[Any], ref: str) -> RequestScreen:
    await settle(pilot)
    pilot.app.push_screen(RequestScreen(ref))
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RequestScreen)
    return screen


def drawn(pilot: Pilot[Any]) -> list[str]:
    width, height = pilot.app.size
    return screen_text(pilot.app.export_screenshot(), width, height)


def text_of(screen: RequestScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).content)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_a_400_character_remark_is_read_to_its_last_word(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    size: tuple[int, int],
) -> None:
    assert len(REMARK) > 400
    values = maker_api.good_values() | {"remarks": REMARK}
    ref = maker_api.act(maker_api.create("CT027", values), "submit")["ref"]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=size) as pilot:
        screen = await open_request(pilot, ref)
        rows = list(screen.query(FieldRow))
        # The list hands the focus to its first field once mounted (call_later): wait
        # for that, or on a busy machine it lands after the remark's and scrolls away.
        for _ in range(200):
            if app.focused is rows[0]:
                break
            await pilot.pause()
        remarks = next(row for row in rows if row.view.name == "remarks")
        remarks.focus()
        await settle(pilot)
        await pilot.wait_for_scheduled_animations()
        assert app.focused is remarks
        words = " ".join(drawn(pilot)).split()
        for word in REMARK.split():
            assert word in words, word
        assert "confirmed" in words
        # Money as a person reads it, with its label, never the raw stored value.
        lines = "\n".join(drawn(pilot))
        assert "5000000.00" not in lines
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ValueScreen)
        assert app.screen.query_one(TextArea).text == REMARK
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is screen


async def test_a_resubmitted_request_starts_with_what_changed_and_the_reply(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    request = maker_api.act(maker_api.create(), "submit")
    checker = PortalApi(live_portal.url, server_settings, LEAD)
    request = checker.act(request, "return", "Raise the limit to 6M.")
    checker.close()
    old_limit = request["fields"]["new_limit"]
    request = maker_api.patch(request, {"new_limit": "6000000"})
    maker_api.act(request, "submit", "Raised to 6M as asked.")
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, request["ref"])
        panel = text_of(screen, "#changes-panel")
        field = next(f for f in get_eservice("CT027").fields if f.name == "new_limit")
        assert panel.startswith("Changed since lead@harbour.example returned it on Mon 23 Nov")
        assert f"• New limit (HKD): {format_value(field, old_limit)} → 6,000,000.00" in panel
        assert "Maker's reply: Raised to 6M as asked." in panel
        assert "Maker's reply" in "\n".join(drawn(pilot)), "the panel is on the first screen"


async def test_a_returned_request_is_submitted_with_an_optional_reply(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    request = maker_api.act(maker_api.create(), "submit")
    checker = PortalApi(live_portal.url, server_settings, LEAD)
    request = checker.act(request, "return", "Fix the contact.")
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, request["ref"])
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        app.screen.query_one(TextArea).insert("Contact fixed.")
        await pilot.press("ctrl+g")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert pilot.app.screen is screen
        assert stored_status(server_settings, request["ref"]) == "pending_checker"
    audit = checker.http.get(f"/requests/{request['ref']}/audit").json()
    checker.close()
    assert (audit[-1]["action"], audit[-1]["comment"]) == ("submit", "Contact fixed.")


async def test_on_a_sunday_business_day_actions_are_greyed_with_their_day(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    clock: FakeClock,
) -> None:
    ref = maker_api.act(maker_api.create("BI04"), "submit")["ref"]
    clock.set(SUNDAY_1000)
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        assert "Approve" not in text_of(screen, "#request-actions")
        assert text_of(screen, "#request-unavailable") == (
            "Not now: a Approve · r Return · x Reject: Mon 30 Nov (business days only)"
        )
        await pilot.press("a")
        await settle(pilot)
        assert app.screen is screen, "no y/N for an action the portal would refuse"


async def test_you_can_names_the_users_own_keys(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    ref = maker_api.act(maker_api.create(), "submit")["ref"]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    app.set_keymap({"request.approve": "o"})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        line = text_of(screen, "#request-actions")
        assert line.startswith("You can: o Approve · r Return · x Reject"), line


async def test_three_keys_a_request_clear_a_queue_of_five(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    refs = [maker_api.act(maker_api.create(), "submit")["ref"] for _ in range(5)]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    keys = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await pilot.press("enter")
        await settle(pilot)
        for number in range(5):
            screen = app.screen
            assert isinstance(screen, RequestScreen)
            for key in ("a", "y") if number == 4 else ("a", "y", "n"):
                await pilot.press(key)
                keys += 1
                await settle(pilot)
        assert isinstance(app.screen, RequestScreen)
        assert "Approve:" in notice_text(app)
    assert [stored_status(server_settings, ref) for ref in refs] == ["with_exchange"] * 5
    assert keys <= 3 * 5


async def test_y_copies_the_reference_and_says_so_honestly(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    ref = maker_api.create()["ref"]
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_request(pilot, ref)
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == ref
        assert notice_text(app).endswith(copied_words(ref))
        assert "copied to the clipboard" not in notice_text(app)


async def test_number_keys_and_brackets_switch_tabs(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    ref = maker_api.create()["ref"]
    app = app_for(MAKER, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, ref)
        tabs = screen.query_one(TabbedContent)
        seen = []
        for key in ("4", "2", "3", "1", "right_square_bracket", "left_square_bracket"):
            await pilot.press(key)
            await settle(pilot)
            seen.append(tabs.active)
        assert seen == [
            "tab-audit",
            "tab-attachments",
            "tab-comments",
            "tab-fields",
            "tab-attachments",
            "tab-fields",
        ]


def returned(
    maker_api: PortalApi, live_portal: BackgroundServer, settings: ServerSettings
) -> dict[str, Any]:
    """A request the maker submitted and the checker returned: three audit entries."""
    request = maker_api.act(maker_api.create(), "submit")
    checker = PortalApi(live_portal.url, settings, LEAD)
    checker.act(request, "return", "Raise the limit to 6M.")
    checker.close()
    return request


async def test_the_audit_tab_names_the_first_altered_entry(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    request = returned(maker_api, live_portal, server_settings)
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, request["ref"])
        await pilot.press("4")
        await settle(pilot)
        assert text_of(screen, "#audit-chain").startswith("✔ Verified: the 3 entries")
        assert "✔" in str(screen.query_one(TabbedContent).get_tab("tab-audit").label)
        # Someone with the database rewrites the return's comment.
        conn = sqlite3.connect(server_settings.db_path, isolation_level=None)
        conn.execute(
            "UPDATE request_audit SET comment = 'Fine.' WHERE action = 'return' AND request_id = ?",
            (int(request["ref"][3:]),),
        )
        conn.close()
        await pilot.press("ctrl+r")
        await settle(pilot)
        chain = text_of(screen, "#audit-chain")
        assert chain.startswith("✘ ALTERED: entry 3 (Mon 23 Nov 10:00 Return by "), chain
        assert "altered" in str(screen.query_one(TabbedContent).get_tab("tab-audit").label)
        # The trail itself wraps at 80 columns: nothing clipped.
        text = "\n".join(drawn(pilot))
        assert "Comment: Fine." in text


async def test_the_audit_tab_says_when_the_latest_entry_was_removed(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    request = returned(maker_api, live_portal, server_settings)
    # Someone with the database deletes the return: the trail's last entry. What is left
    # still links up; only the request's own record of its trail shows the gap.
    conn = sqlite3.connect(server_settings.db_path, isolation_level=None)
    conn.execute(
        "DELETE FROM request_audit WHERE id = (SELECT max(id) FROM request_audit"
        " WHERE request_id = ?)",
        (int(request["ref"][3:]),),
    )
    conn.close()
    app = app_for(LEAD, live_portal.url, server_settings, state_dir)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_request(pilot, request["ref"])
        await pilot.press("4")
        await settle(pilot)
        chain = text_of(screen, "#audit-chain")
        assert chain.startswith(
            "✘ ALTERED: 1 entry missing at the end: the request records 3, the trail holds 2"
        ), chain
        assert "altered" in str(screen.query_one(TabbedContent).get_tab("tab-audit").label)
