"""The dashboard's list, page by page: what to fetch and how the table follows.

`RequestWindow` (widgets/task_table.py) holds at most four pages of 50; moving within
`READ_AHEAD` rows of the bottom fetches the next page, within as many of the top of a slid
window the one before. "refresh" fetches the pages held again (keeping your place); a new
filter, sort or section ("reset") starts again from the top. The screen's workers call
these; nothing here waits for anything but the portal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from cc_tui.tui.widgets.task_table import PAGE_SIZE, RequestWindow, TaskTable

if TYPE_CHECKING:
    from cc_tui.api.requests import RequestPage
    from cc_tui.client.portal import PortalClient
    from cc_tui.domain.sections import Section, Sort

READ_AHEAD = 25
LoadMode = Literal["reset", "refresh"]
Direction = Literal["next", "previous"]


async def fetch_pages(
    portal: PortalClient,
    window: RequestWindow,
    section: Section,
    text: str,
    sort: Sort,
    mode: LoadMode,
) -> list[RequestPage]:
    """The first page ("reset", or nothing held yet), or the pages `window` holds again."""
    if mode == "reset" or not window.pages:
        return [await portal.list_requests(section.value, text, sort.value, None, PAGE_SIZE)]
    cursor = window.cursors[window.first_page]
    pages: list[RequestPage] = []
    for _ in window.pages:
        page = await portal.list_requests(section.value, text, sort.value, cursor, PAGE_SIZE)
        pages.append(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    return pages


def show_listing(
    table: TaskTable,
    window: RequestWindow,
    pages: list[RequestPage],
    marks: set[str],
    mode: LoadMode,
    cursor_ref: str | None,
) -> None:
    """Fetched `pages` into `window` and on `table`: a refresh keeps the place, a reset
    starts at the top (on `cursor_ref` when it is listed)."""
    if mode == "refresh" and window.pages:
        window.restart(window.first_page, pages)
        table.show_rows(
            window.rows,
            marks,
            cursor_ref=table.current_ref,
            cursor_row=table.cursor_row,
            scroll_y=table.scroll_y,
        )
    else:
        window.reset(pages[0])
        table.show_rows(window.rows, marks, cursor_ref=cursor_ref)


def wanted_page(window: RequestWindow, row: int, row_count: int) -> Direction | None:
    """The page to fetch now the cursor is on `row`: near the bottom the next one, near
    the top of a slid window the one before; None when neither."""
    if row >= row_count - READ_AHEAD and window.next_cursor is not None:
        return "next"
    if row < READ_AHEAD and window.has_previous:
        return "previous"
    return None


def more_cursor(window: RequestWindow, direction: Direction) -> tuple[bool, str | None]:
    """Whether there is a page that way, and the cursor that fetches it."""
    if direction == "next":
        return window.next_cursor is not None, window.next_cursor
    return window.has_previous, window.previous_cursor


def show_more(
    table: TaskTable,
    window: RequestWindow,
    page: RequestPage,
    direction: Direction,
    marks: set[str],
) -> None:
    """One more page into `window` (which slides) and on `table`, the cursor staying on
    the row it was on."""
    if direction == "next":
        dropped = window.append(page)
        if dropped:
            table.show_rows(
                window.rows,
                marks,
                cursor_row=table.cursor_row - dropped,
                scroll_y=table.scroll_y - dropped,
            )
        else:
            table.add_more(window.pages[-1], marks)
    else:
        window.prepend(page)
        added = len(window.pages[0])
        table.show_rows(
            window.rows,
            marks,
            cursor_row=table.cursor_row + added,
            scroll_y=table.scroll_y + added,
        )
