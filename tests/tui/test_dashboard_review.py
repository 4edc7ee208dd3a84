"""The checker's dashboard (issue 12), against the real portal: rows whose actions wait
(a business-day-only eService on a Sunday) are marked ◷, bulk approval leaves them out
up front and says so in one line, it is offered only to a checker in "Awaiting my
check" (with `*` to mark all shown), every refusal is in the portal's words, and `y`
copies the highlighted reference."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path

from cc_tui.domain.sections import Section
from cc_tui.domain.workflow import Action, Status
from cc_tui.server.clock import HKT, FakeClock
from cc_tui.server.runner import BackgroundServer
from cc_tui.server.settings import ServerSettings
from cc_tui.server.store.requests import change_status, get_request_row
from cc_tui.tui.app import PortalApp
from cc_tui.tui.review import copied_words
from cc_tui.tui.screens.bulk import BulkApproveScreen
from cc_tui.tui.screens.dashboard import DashboardScreen
from cc_tui.tui.widgets.task_table import FIRM_WIDTH, WAITING, header_text, layout_for
from tests.tui.maker_checker import (
    KOWLOON,
    LEAD,
    MAKER,
    OFFICER,
    PortalApi,
    QueueApp,
    app_for,
    settle,
    stored_status,
)

SUNDAY_1000 = datetime(2026, 11, 29, 10, 0, tzinfo=HKT)


def with_exchange(settings: ServerSettings, ref: str) -> None:
    """Move a pending request on to the exchange in the store, through the store's own
    change path (the demo's one Kowloon user made it, so may not check it)."""
    conn = sqlite3.connect(settings.db_path, isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        with conn:
            row = get_request_row(conn, ref)
            assert row is not None
            change_status(
                conn,
                row,
                expected_version=row.version,
                action=Action.APPROVE,
                role="checker",
                user_id="maker@kowloon.example",  # the demo's only Kowloon user
                to_status=Status.WITH_EXCHANGE,
                now=settings.clock.now(),
            )
    finally:
        conn.close()


def dashboard_of(app: PortalApp) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen), f"on {type(screen).__name__}"
    return screen


async def test_waiting_rows_are_marked_and_bulk_approval_leaves_them_out_in_words(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    clock: FakeClock,
    maker_api: PortalApi,
    toasts: list[str],
) -> None:
    open_any_day = [maker_api.act(maker_api.create("CT027"), "submit") for _ in range(2)]
    business_days = [maker_api.act(maker_api.create("BI04"), "submit") for _ in range(2)]
    clock.set(SUNDAY_1000)
    app = app_for(LEAD, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dashboard_of(app)
        table = screen.table
        assert sorted(table.refs) == sorted(r["ref"] for r in open_any_day + business_days)
        for request in business_days:
            assert f" {WAITING} Pending checker" in table.line_of(request["ref"])
        for request in open_any_day:
            assert WAITING not in table.line_of(request["ref"])
        await pilot.press("asterisk")
        assert screen.marks == set(table.refs)
        assert "4 marked" in screen.status_text
        # Meanwhile the maker withdraws one: the portal refuses it, in its own words.
        sunday_maker = PortalApi(live_portal.url, server_settings, MAKER)  # Monday's ended
        withdrawn = sunday_maker.act(open_any_day[1], "withdraw")
        sunday_maker.close()
        await pilot.press("A")
        await settle(pilot)
        left_out = sorted(r["ref"] for r in business_days)
        assert (
            f"Left out 2 marked requests the portal takes only from Mon 30 Nov (business "
            f"days only): {left_out[0]}, {left_out[1]}." in toasts
        )
        bulk = app.screen
        assert isinstance(bulk, BulkApproveScreen)
        assert sorted(bulk.refs) == sorted(r["ref"] for r in open_any_day)
        await pilot.press("y")
        await settle(pilot)
        approved, refused = open_any_day[0]["ref"], withdrawn["ref"]
        assert bulk.line(approved) == f"✔ {approved} approved"
        # The portal's sentence and fix, never its code (invalid_transition).
        assert bulk.line(refused) == (
            f"✘ {refused} A request that is withdrawn cannot be approved. Reload the "
            "request to see its current status and what you can do now."
        )
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        # What waits stays marked, for Monday.
        assert screen.marks == {refused, *left_out}
    assert stored_status(server_settings, approved) == "with_exchange"
    assert [stored_status(server_settings, ref) for ref in left_out] == ["pending_checker"] * 2


async def test_bulk_approval_is_offered_to_a_checker_only_in_awaiting_my_check(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    refs = [maker_api.act(maker_api.create(), "submit")["ref"] for _ in range(2)]
    app = app_for(LEAD, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dashboard_of(app)
        assert screen.may_bulk_approve
        await pilot.press("space")
        assert screen.marks == {screen.table.refs[0]}
        await pilot.press("escape")
        assert not screen.marks
        await pilot.press("6")  # All: bulk approval cannot act here
        await settle(pilot)
        assert set(refs) <= set(screen.table.refs)
        await pilot.press("space", "asterisk", "A")
        await settle(pilot)
        assert app.screen is screen and not screen.marks
        keys = {key for key, active in screen.active_bindings.items() if active.enabled}
        assert not {"space", "asterisk", "A"} & keys
    # A maker is never offered it, in any section.
    app = app_for(MAKER, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dashboard_of(app)
        await pilot.press("1")
        await settle(pilot)
        assert not screen.may_bulk_approve
        await pilot.press("asterisk", "A")
        await settle(pilot)
        assert app.screen is screen and not screen.marks


async def test_y_copies_the_highlighted_reference(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
    toasts: list[str],
) -> None:
    maker_api.act(maker_api.create(), "submit")
    app = app_for(LEAD, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dashboard_of(app)
        await pilot.press("y")
        ref = screen.table.current_ref
        assert ref is not None
        assert app.clipboard == ref
        assert toasts[-1] == copied_words(ref)


def test_a_list_that_spans_firms_names_each_rows_firm() -> None:
    for width in (80, 120):
        layout = layout_for(width, firms=True)
        header = header_text(layout)
        assert header.split()[:3] == ["Reference", "Firm", "eService"]
        assert len(header) == width
        assert layout.title == layout_for(width).title - FIRM_WIDTH


async def test_the_exchange_officer_lands_on_its_queue_with_a_firm_column(
    live_portal: BackgroundServer,
    server_settings: ServerSettings,
    state_dir: Path,
    maker_api: PortalApi,
) -> None:
    checker = PortalApi(live_portal.url, server_settings, LEAD)
    for _ in range(2):
        checker.act(maker_api.act(maker_api.create(), "submit"), "approve")
    kowloon = PortalApi(live_portal.url, server_settings, KOWLOON)
    kowloon_ref = kowloon.act(
        kowloon.create(fields=kowloon.good_values(participant_id="B05678")), "submit"
    )["ref"]
    kowloon.close()
    checker.close()
    with_exchange(server_settings, kowloon_ref)
    app = app_for(OFFICER, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = dashboard_of(app)
        assert screen.section is Section.AWAITING_MY_CHECK
        assert len(screen.table.refs) == 3
        assert "Firm" in header_text(screen.table.column_layout)
        assert " B05678 " in screen.table.line_of(kowloon_ref)
        harbour = [ref for ref in screen.table.refs if ref != kowloon_ref]
        assert all(" B01234 " in screen.table.line_of(ref) for ref in harbour)
        assert not screen.may_bulk_approve  # the officer completes; it does not approve
        await pilot.press("slash")
        screen.filter_bar.input.insert_text_at_cursor("firm:b05678")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.table.refs == [kowloon_ref]
    # A firm's own user has no Firm column: its lists hold one firm.
    app = app_for(LEAD, live_portal.url, server_settings, state_dir, app_class=QueueApp)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = dashboard_of(app).table
        assert "Firm" not in header_text(table.column_layout)
