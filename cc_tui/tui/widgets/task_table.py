"""The dashboard's task table, and the sliding window of pages it shows.

`RequestWindow` is the client's whole memory of a listing: at most `max_pages` pages of
summaries (200 rows by default), the keyset cursor of every page visited so far (a few
dozen bytes each, so that scrolling back up can fetch a dropped page again), and the
total. Scrolling down appends the next page and drops the top one beyond the limit;
scrolling back up fetches the dropped page again and drops the bottom one. Memory is
bounded by the window, never by the size of the portal (ARCHITECTURE.md).

`TaskTable` is a `DataTable` in row-cursor mode with the portal's columns: the mark and
reference, eService, status as symbol and word (colour never alone), maker, updated (Hong
Kong time) and title. Column widths are computed from the table's width so that nothing
needs a horizontal scroll: the title takes what is left and ends in an ellipsis; under
100 columns the maker is its user name and the time is the date alone. Cells are
`rich.text.Text`, never markup, so a title with brackets shows as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import DataTable

from cc_tui.api.requests import RequestPage, RequestSummary
from cc_tui.domain.calendar import to_hkt

PAGE_SIZE = 50
MAX_PAGES = 4
MARK = "●"
WIDE_TABLE = 100


@dataclass
class RequestWindow:
    """The pages of one listing held in memory: a window that slides as you scroll."""

    page_size: int = PAGE_SIZE
    max_pages: int = MAX_PAGES
    pages: list[list[RequestSummary]] = field(default_factory=list)
    first_page: int = 0
    total: int = 0
    total_is_estimate: bool = False
    # cursors[p] fetches page p (None for the first; absent past the end);
    # offsets[p] is the index in the whole listing of page p's first row.
    cursors: list[str | None] = field(default_factory=lambda: [None])
    offsets: list[int] = field(default_factory=lambda: [0])

    def reset(self, page: RequestPage) -> None:
        """A new listing (another section, filter or sort): its first page."""
        self.pages = []
        self.first_page = 0
        self.cursors = [None]
        self.offsets = [0]
        self._add_at_bottom(page)

    def restart(self, first_page: int, pages: list[RequestPage]) -> None:
        """The same place refetched (a refresh): `pages` from page `first_page` on."""
        self.pages = []
        self.first_page = first_page
        for page in pages:
            self._add_at_bottom(page)

    @property
    def rows(self) -> list[RequestSummary]:
        return [summary for page in self.pages for summary in page]

    @property
    def row_count(self) -> int:
        return sum(len(page) for page in self.pages)

    @property
    def first_row(self) -> int:
        """The position in the whole listing of the first row held (0-based)."""
        return self.offsets[self.first_page] if self.pages else 0

    @property
    def last_page(self) -> int:
        return self.first_page + len(self.pages) - 1

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the page after the last one held; None at the end."""
        following = self.last_page + 1
        if not self.pages or following >= len(self.cursors):
            return None
        return self.cursors[following]

    @property
    def previous_cursor(self) -> str | None:
        """The cursor of the page before the first held (None for the very first page)."""
        return self.cursors[self.first_page - 1] if self.first_page > 0 else None

    @property
    def has_previous(self) -> bool:
        return self.first_page > 0

    def append(self, page: RequestPage) -> int:
        """Add the next page at the bottom; returns how many rows dropped off the top."""
        self._add_at_bottom(page)
        if len(self.pages) <= self.max_pages:
            return 0
        self.first_page += 1
        return len(self.pages.pop(0))

    def prepend(self, page: RequestPage) -> int:
        """Add the page before the first held; returns how many rows dropped off the bottom."""
        self.total, self.total_is_estimate = page.total, page.total_is_estimate
        self.pages.insert(0, self._unique(page.items))
        self.first_page -= 1
        if len(self.pages) <= self.max_pages:
            return 0
        return len(self.pages.pop())

    def describe(self) -> str:
        """ "Showing 50 of 12,408", or "Showing 151–350 of about 12,400" further down."""
        held = self.row_count
        total = _count(self.total, self.total_is_estimate)
        if self.first_row == 0:
            return f"Showing {held:,} of {total}"
        return f"Showing {self.first_row + 1:,}–{self.first_row + held:,} of {total}"

    def _add_at_bottom(self, page: RequestPage) -> None:
        number = self.first_page + len(self.pages)
        self.total, self.total_is_estimate = page.total, page.total_is_estimate
        rows = self._unique(page.items)
        self.pages.append(rows)
        del self.cursors[number + 1 :]
        if page.next_cursor is not None:
            self.cursors.append(page.next_cursor)
        del self.offsets[number + 1 :]
        self.offsets.append(self.offsets[number] + len(rows))

    def _unique(self, items: Iterable[RequestSummary]) -> list[RequestSummary]:
        held = {summary.ref for page in self.pages for summary in page}
        unique: list[RequestSummary] = []
        for summary in items:
            if summary.ref not in held:
                held.add(summary.ref)
                unique.append(summary)
        return unique


def _count(total: int, estimate: bool) -> str:
    if not estimate:
        return f"{total:,}"
    digits = len(str(total))
    rounded = round(total, -max(0, digits - 3))
    return f"about {rounded:,}"


@dataclass(frozen=True)
class ColumnLayout:
    """Widths of the columns (each after the first starts with its one-space gap)."""

    ref: int
    eservice: int
    status: int
    maker: int
    updated: int
    title: int
    wide: bool


COLUMN_KEYS = ("ref", "eservice", "status", "maker", "updated", "title")
HEADERS = ("  Reference", "eService", "Status", "Maker", "Updated", "Title")
MIN_TITLE = 12


def layout_for(width: int) -> ColumnLayout:
    """Columns that fit `width` cells: the title takes what the others leave."""
    wide = width >= WIDE_TABLE
    ref = len(MARK) + 1 + 11
    eservice, status = 1 + 8, 1 + 17
    maker = 1 + (22 if wide else 8)
    updated = 1 + (16 if wide else 10)
    title = max(MIN_TITLE, width - (ref + eservice + status + maker + updated))
    return ColumnLayout(ref, eservice, status, maker, updated, title, wide)


def _cell(text: str) -> Text:
    return Text(" " + text, no_wrap=True, overflow="ellipsis")


def row_cells(summary: RequestSummary, marked: bool, layout: ColumnLayout) -> list[Text]:
    """The cells of one request, as plain text (never markup)."""
    updated = to_hkt(summary.updated_at)
    maker = summary.maker if layout.wide else summary.maker.partition("@")[0]
    return [
        mark_text(summary.ref, marked),
        _cell(summary.eservice),
        _cell(f"{summary.status.symbol} {summary.status.label}"),
        _cell(maker),
        _cell(f"{updated:%Y-%m-%d %H:%M}" if layout.wide else f"{updated:%Y-%m-%d}"),
        _cell(summary.title),
    ]


def mark_text(ref: str, marked: bool) -> Text:
    if marked:
        return Text.assemble((MARK, "bold"), " ", (ref, "bold"), no_wrap=True)
    return Text(f"  {ref}", no_wrap=True)


class TaskTable(DataTable[Text]):
    """Requests, one per row, keyed by reference. The screen feeds it rows; it keeps a
    reference to them (not a copy) so that it can lay them out again when resized."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "j",
            "cursor_down",
            "Down",
            id="table.down",
            tooltip="Move to the next request (or the down arrow).",
            show=False,
        ),
        Binding(
            "k",
            "cursor_up",
            "Up",
            id="table.up",
            tooltip="Move to the previous request (or the up arrow).",
            show=False,
        ),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, cell_padding=0)
        self.column_layout = layout_for(80)
        self._rows: list[RequestSummary] = []
        self._refs: list[str] = []
        self._marks: set[str] = set()

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        layout = self.column_layout
        widths = (layout.ref, layout.eservice, layout.status, layout.maker, layout.updated)
        for key, header, width in zip(COLUMN_KEYS, HEADERS, (*widths, layout.title), strict=True):
            label = Text(header if key == "ref" else " " + header, no_wrap=True)
            self.add_column(label, width=width, key=key)

    @property
    def refs(self) -> list[str]:
        """The references shown, top to bottom."""
        return list(self._refs)

    @property
    def current_ref(self) -> str | None:
        if not self._refs or not 0 <= self.cursor_row < len(self._refs):
            return None
        return self._refs[self.cursor_row]

    def on_resize(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        layout = layout_for(width)
        if layout == self.column_layout:
            return
        self.column_layout = layout
        ref, row, scroll_y = self.current_ref, self.cursor_row, self.scroll_y
        self.clear(columns=True)
        self._add_columns()
        self.show_rows(self._rows, self._marks, cursor_ref=ref, cursor_row=row, scroll_y=scroll_y)

    def show_rows(
        self,
        rows: Sequence[RequestSummary],
        marks: set[str],
        *,
        cursor_ref: str | None = None,
        cursor_row: int | None = None,
        scroll_y: float | None = None,
    ) -> None:
        """Replace every row; put the cursor on `cursor_ref` if shown, else `cursor_row`."""
        self.clear()
        self._rows, self._refs, self._marks = [], [], marks
        self.add_more(rows, marks)
        target = 0
        if cursor_ref is not None and cursor_ref in self._refs:
            target = self._refs.index(cursor_ref)
        elif cursor_row is not None:
            target = max(0, min(cursor_row, len(self._refs) - 1))
        if scroll_y is not None:
            self.scroll_to(y=max(0.0, scroll_y), animate=False, immediate=True)
        if self._refs:
            self.move_cursor(row=target, animate=False, scroll=True)

    def add_more(self, rows: Iterable[RequestSummary], marks: set[str]) -> None:
        """Append rows at the bottom (the next page)."""
        self._marks = marks
        for summary in rows:
            self.add_row(
                *row_cells(summary, summary.ref in marks, self.column_layout), key=summary.ref
            )
            self._rows.append(summary)
            self._refs.append(summary.ref)

    def show_mark(self, ref: str, marked: bool) -> None:
        if ref in self._refs:
            self.update_cell(ref, "ref", mark_text(ref, marked))
