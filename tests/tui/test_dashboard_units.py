"""The dashboard's pure parts: the sliding window of pages, the tab wording that fits,
column widths, references as people type them, the words of a notice toast."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cc_tui.api.requests import Notification, RequestPage, RequestSummary, SectionCounts
from cc_tui.domain.calendar import HKT
from cc_tui.domain.workflow import Status
from cc_tui.tui.screens.bulk import named, question
from cc_tui.tui.screens.dashboard_words import notice_message
from cc_tui.tui.screens.jump import reference_of
from cc_tui.tui.widgets.section_tabs import compact_count, shown_window, tab_labels
from cc_tui.tui.widgets.task_table import RequestWindow, layout_for

START = datetime(2026, 11, 23, 10, 0, tzinfo=HKT)


def summary(number: int) -> RequestSummary:
    return RequestSummary(
        ref=f"ECS{number:08d}",
        eservice="CT027",
        eservice_name="Change of trading rights",
        participant_id="B01234",
        status=Status.PENDING_CHECKER,
        maker="maker@harbour.example",
        updated_at=START - timedelta(minutes=number),
        title=f"Request {number}",
    )


def page(first: int, count: int, total: int, estimate: bool = False) -> RequestPage:
    last = first + count
    return RequestPage(
        items=[summary(n) for n in range(first, last)],
        next_cursor=f"after-{last - 1}" if last < total else None,
        total=total,
        total_is_estimate=estimate,
    )


def test_the_window_holds_at_most_four_pages_and_slides_both_ways() -> None:
    window = RequestWindow(page_size=50, max_pages=4)
    window.reset(page(0, 50, 1000))
    assert window.describe() == "Showing 50 of 1,000"
    assert window.next_cursor == "after-49" and window.previous_cursor is None
    for first in (50, 100, 150):
        assert window.append(page(first, 50, 1000)) == 0
    assert window.describe() == "Showing 200 of 1,000"
    assert window.append(page(200, 50, 1000)) == 50  # the top page drops off
    assert window.row_count == 200
    assert window.rows[0].ref == "ECS00000050"
    assert window.describe() == "Showing 51–250 of 1,000"
    assert window.has_previous and window.previous_cursor is None  # page 0 needs none
    # Back up: the dropped page is fetched again with its cursor; the bottom one drops.
    assert window.prepend(page(0, 50, 1000)) == 50
    assert window.rows[0].ref == "ECS00000000" and window.rows[-1].ref == "ECS00000199"
    assert window.next_cursor == "after-199"
    assert window.describe() == "Showing 200 of 1,000"


def test_the_window_never_holds_a_row_twice_and_knows_the_end() -> None:
    window = RequestWindow(page_size=50, max_pages=4)
    window.reset(page(0, 50, 60))
    # A row updated while paging can come back in the next page: it is shown once.
    overlapping = page(45, 15, 60)
    window.append(overlapping)
    refs = [row.ref for row in window.rows]
    assert len(refs) == len(set(refs)) == 60
    assert window.next_cursor is None


def test_a_refresh_keeps_the_place_of_a_slid_window() -> None:
    window = RequestWindow(page_size=50, max_pages=2)
    window.reset(page(0, 50, 300))
    window.append(page(50, 50, 300))
    window.append(page(100, 50, 300))
    assert window.first_page == 1
    window.restart(1, [page(50, 50, 300), page(100, 50, 300)])
    assert window.describe() == "Showing 51–150 of 300"
    assert window.next_cursor == "after-149"
    assert window.has_previous and window.previous_cursor is None


def test_an_estimated_total_says_about() -> None:
    window = RequestWindow()
    window.reset(page(0, 50, 1_234_567, estimate=True))
    assert window.describe() == "Showing 50 of about 1,230,000"


def test_six_tabs_and_their_counts_fit_80_columns() -> None:
    counts = SectionCounts(
        awaiting_my_check=12,
        returned_to_me=3,
        my_drafts=5,
        submitted_by_me=40,
        history=612_345,
        all=1_000_000,
    )
    wide = tab_labels(counts, 200)
    assert wide[0][1] == "1 Awaiting my check 12"
    narrow = tab_labels(counts, 70)
    assert [text for _, text in narrow] == [
        "Check 12",
        "Returned 3",
        "Drafts 5",
        "Submitted 40",
        "History 612k",
        "All 1.0M",
    ]
    assert sum(len(text) + 2 for _, text in narrow) <= 70
    assert compact_count(99_999) == "99,999"


def test_columns_fill_the_width_and_the_title_takes_the_rest() -> None:
    for width in (79, 80, 99, 100, 140):
        layout = layout_for(width)
        used = layout.ref + layout.eservice + layout.status + layout.maker + layout.updated
        assert used + layout.title == width
    assert not layout_for(79).wide and layout_for(100).wide


def test_narrow_the_maker_then_the_eservice_then_the_date_give_way_to_the_title() -> None:
    """At 60 columns the title used to get no cell at all (cut at the edge)."""
    assert layout_for(80).maker and layout_for(80).eservice
    narrow = layout_for(60)
    assert (narrow.maker, narrow.eservice) == (0, 0)
    assert narrow.updated and narrow.title >= 12
    assert narrow.ref + narrow.status + narrow.updated + narrow.title == 60
    firms = layout_for(60, firms=True)
    assert (firms.maker, firms.eservice, firms.updated) == (0, 0, 0)
    assert firms.firm and firms.title >= 12
    for width in range(60, 141):
        layout = layout_for(width)
        used = layout.ref + layout.eservice + layout.status + layout.maker + layout.updated
        assert used + layout.title == width and layout.title >= 12
    # At 80 columns every column stays, the exchange's list (with firms) too.
    assert layout_for(80, firms=True).maker and layout_for(80, firms=True).eservice


@pytest.mark.parametrize(
    ("typed", "ref"),
    [
        ("ECS00012345", "ECS00012345"),
        ("ecs 0001 2345", "ECS00012345"),
        ("12345", "ECS00012345"),
        ("ＥＣＳ００００１２３４５", "ECS00012345"),
    ],
)
def test_references_are_read_as_people_type_them(typed: str, ref: str) -> None:
    assert reference_of(typed) == ref


@pytest.mark.parametrize("typed", ["", "ECS", "ABC123", "ECS123456789", "0"])
def test_what_is_not_a_reference_says_how_to_type_one(typed: str) -> None:
    with pytest.raises(ValueError, match="ECS00012345"):
        reference_of(typed)


def test_the_toast_says_what_the_new_task_is() -> None:
    notice = Notification(
        id=1, kind="awaiting_my_check", ref="ECS00012345", status=Status.PENDING_CHECKER, at=START
    )
    assert notice_message(notice) == "New task: ECS00012345 awaiting your check"


def test_the_bulk_question_names_how_many_and_which() -> None:
    refs = [f"ECS{n:08d}" for n in range(1, 13)]
    assert question(refs) == "Approve 12 requests? y/N"
    assert question(refs[:1]) == "Approve 1 request? y/N"
    assert named(refs).endswith("ECS00000006 and 6 more")


def test_narrower_than_six_tabs_the_current_one_stays_in_view_and_a_cut_is_said() -> None:
    """At 60 columns "All" was cut off with nothing to say it was there."""
    widths = [10, 12, 11, 15, 15, 11]  # " Check 10 " ... " All 1,231 "
    assert shown_window(widths, 0, 80) == (0, 6)
    assert shown_window(widths, 0, 60) == (0, 4)  # then "…"
    assert shown_window(widths, 5, 60) == (2, 6)  # "…" first
    for current in range(6):
        for room in range(17, 80):  # a tab and a "…" each side
            first, last = shown_window(widths, current, room)
            assert first <= current < last
            used = sum(widths[first:last]) + (first > 0) + (last < 6)
            assert used <= room
