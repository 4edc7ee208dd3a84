"""The dashboard's task table, and the sliding window of pages it shows.

`RequestWindow` is the client's whole memory of a listing: at most `max_pages` pages of
summaries (200 rows by default), the keyset cursor of every page visited so far (a few
dozen bytes each, so that scrolling back up can fetch a dropped page again), and the
total. Scrolling down appends the next page and drops the top one beyond the limit;
scrolling back up fetches the dropped page again and drops the bottom one. Memory is
bounded by the window, never by the size of the portal (ARCHITECTURE.md).

`TaskTable` is a lean Line-API widget with the portal's columns: the mark and reference,
the firm (participant ID) where the list spans firms (an exchange officer's), eService,
status as symbol and word (colour never alone; ◷ instead of the symbol where this
user's actions wait for a business day or the end of maintenance), maker, updated (Hong
Kong time) and title. Column widths come from the table's width so that nothing needs a
horizontal scroll: the title takes what is left and ends in an ellipsis; under 100
columns the maker is its user name and the time is the date alone. Text is drawn as
plain strings, never markup, so a title with brackets shows as typed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from cc_tui.api.requests import RequestPage, RequestSummary
from cc_tui.domain.calendar import to_hkt
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.safe_text import MARK_STYLE, Piece, fit_pieces, flatten, pieces
from cc_tui.tui.widgets.list_keys import LIST_BINDINGS, open_find

PAGE_SIZE = 50
MAX_PAGES = 4
MARK = "●"
WAITING = "◷"
_MARK = Style.parse(MARK_STYLE)
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
            return _("Showing {held} of {total}").format(held=f"{held:,}", total=total)
        return _("Showing {first}–{last} of {total}").format(
            first=f"{self.first_row + 1:,}", last=f"{self.first_row + held:,}", total=total
        )

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
    return _("about {count}").format(count=f"{rounded:,}")


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
    firm: int = 0  # 0: no Firm column (the list holds one firm's requests)


COLUMN_KEYS = ("ref", "firm", "eservice", "status", "maker", "updated", "title")
HEADERS = (
    N_("Reference"),
    N_("Firm"),
    N_("eService"),
    N_("Status"),
    N_("Maker"),
    N_("Updated"),
    N_("Title"),
)
MIN_TITLE = 12  # narrower, columns give way to the title
FIRM_WIDTH = 1 + 6  # a participant ID: B01234


def layout_for(width: int, *, firms: bool = False) -> ColumnLayout:
    """Columns that fit `width` cells: the title takes what the others leave. `firms`:
    the list spans firms (an exchange officer's), so each row names its firm."""
    wide = width >= WIDE_TABLE
    ref = len(MARK) + 1 + 11
    firm = FIRM_WIDTH if firms else 0
    eservice, status = 1 + 8, 1 + 17
    maker = 1 + (22 if wide else 8)
    updated = 1 + (16 if wide else 10)
    # Narrow (60 columns): the Maker column gives way, then the eService code (the title
    # names the form), then the date, so the title keeps room to be read; the request
    # screen shows all of them.
    if width - (ref + firm + eservice + status + maker + updated) < MIN_TITLE:
        maker = 0
    if width - (ref + firm + eservice + status + updated) < MIN_TITLE:
        eservice = 0
    if width - (ref + firm + status + updated) < MIN_TITLE:
        updated = 0
    title = max(MIN_TITLE, width - (ref + firm + eservice + status + maker + updated))
    return ColumnLayout(ref, eservice, status, maker, updated, title, wide, firm)


def fit(text: str, width: int) -> str:
    """`text` in exactly `width` cells: padded, or cut with an ellipsis (wide characters
    such as Chinese names count as two)."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


def row_pieces(summary: RequestSummary, marked: bool, layout: ColumnLayout) -> list[Piece]:
    """One request as a line of the table: plain text and the sanitizer's marks (portal
    text is never markup, and an escape or a bidi override in it is drawn as a mark)."""
    updated = to_hkt(summary.updated_at)
    maker = summary.maker if layout.wide else summary.maker.partition("@")[0]
    cells: tuple[tuple[list[Piece], int], ...] = (
        ([(f"{MARK if marked else ' '} ", False), *pieces(flatten(summary.ref))], layout.ref),
        (_cell(summary.participant_id), layout.firm),
        (_cell(summary.eservice), layout.eservice),
        ([(f" {status_symbol(summary)} {_(summary.status.label)}", False)], layout.status),
        (_cell(maker), layout.maker),
        (
            [
                (
                    " " + (f"{updated:%Y-%m-%d %H:%M}" if layout.wide else f"{updated:%Y-%m-%d}"),
                    False,
                )
            ],
            layout.updated,
        ),
        (_cell(summary.title), layout.title),
    )
    return [part for parts, width in cells if width for part in fit_pieces(parts, width)]


def status_symbol(summary: RequestSummary) -> str:
    """The status's symbol, or ◷ where this user's actions on the request wait (the
    maintenance window, a business-day-only eService on another day): the preview and
    the request screen say until when, and bulk approval leaves the row out."""
    return WAITING if summary.unavailable_actions else summary.status.symbol


def _cell(value: str) -> list[Piece]:
    return [(" ", False), *pieces(" ".join(filter(None, flatten(value).split(" "))))]


def row_text(summary: RequestSummary, marked: bool, layout: ColumnLayout) -> str:
    """One request as a line of the table, as plain text (marks included)."""
    return "".join(text for text, _ in row_pieces(summary, marked, layout))


def header_text(layout: ColumnLayout) -> str:
    widths = (
        layout.ref,
        layout.firm,
        layout.eservice,
        layout.status,
        layout.maker,
        layout.updated,
        layout.title,
    )
    return "".join(
        fit(("  " if key == "ref" else " ") + _(header), width)
        for key, header, width in zip(COLUMN_KEYS, HEADERS, widths, strict=True)
    )


class TaskTable(ScrollView, can_focus=True):
    """Requests, one line each under a fixed header, with a row cursor.

    A lean Line-API widget rather than a `DataTable` (which measures and renders every
    cell through Rich, 60 ms for a page): it keeps the summaries it is given (the
    window's own objects), draws each visible line from one string when it is painted,
    so replacing 50 or 200 rows costs next to nothing and a filter's answer is on screen
    in the next frame. It posts `Highlighted` when the cursor moves
    and `Selected` on enter (or a click on the highlighted row)."""

    DEFAULT_CSS = """
    TaskTable {
        background: $surface;
        color: $foreground;
        & > .task-table--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        & > .task-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .task-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .task-table--marked {
            text-style: bold;
        }
        & > .task-table--empty {
            color: $text-muted;
        }
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "task-table--header",
        "task-table--cursor",
        "task-table--marked",
        "task-table--empty",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        *LIST_BINDINGS,
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            id="table.page_down",
            show=False,
            tooltip=N_("Move down a screenful."),
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            id="table.page_up",
            show=False,
            tooltip=N_("Move up a screenful."),
        ),
        Binding(
            "enter",
            "select",
            "Open",
            id="table.open",
            show=False,
            tooltip=N_("Open the highlighted request."),
        ),
    ]

    class Highlighted(Message):
        """The cursor is on another request."""

        def __init__(self, table: TaskTable, ref: str | None, row: int) -> None:
            super().__init__()
            self.table = table
            self.ref = ref
            self.row = row

        @property
        def control(self) -> TaskTable:
            return self.table

    class Selected(Message):
        """Enter on a request: open it."""

        def __init__(self, table: TaskTable, ref: str) -> None:
            super().__init__()
            self.table = table
            self.ref = ref

        @property
        def control(self) -> TaskTable:
            return self.table

    def __init__(
        self,
        *,
        empty: str = "",
        screen_keys: Iterable[str] = (),
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.screen_keys = frozenset(screen_keys)
        self.spans_firms = False
        self.column_layout = layout_for(80)
        self.empty = empty or _("Nothing here.")
        self.cursor_row = 0
        self._rows: list[RequestSummary] = []
        self._index: dict[str, int] = {}
        self._lines: dict[int, list[Piece]] = {}
        self._marks: set[str] = set()

    # What it shows

    @property
    def refs(self) -> list[str]:
        """The references shown, top to bottom."""
        return [summary.ref for summary in self._rows]

    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def current_ref(self) -> str | None:
        if not 0 <= self.cursor_row < len(self._rows):
            return None
        return self._rows[self.cursor_row].ref

    def line_of(self, ref: str) -> str:
        """The line of one request, as drawn (without the trailing blanks)."""
        return "".join(text for text, _ in self._line(self._index[ref])).rstrip()

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
        self._rows = list(rows)
        self._index = {summary.ref: row for row, summary in enumerate(self._rows)}
        self._lines.clear()
        self._marks = marks
        target = 0
        if cursor_ref is not None and cursor_ref in self._index:
            target = self._index[cursor_ref]
        elif cursor_row is not None:
            target = max(0, min(cursor_row, len(self._rows) - 1))
        self._resize_virtual()
        if scroll_y is not None:
            self.scroll_to(y=max(0.0, scroll_y), animate=False, immediate=True)
        self.move_cursor(target, force=True)
        self.refresh()

    def add_more(self, rows: Iterable[RequestSummary], marks: set[str]) -> None:
        """Append rows at the bottom (the next page)."""
        self._marks = marks
        for summary in rows:
            self._index[summary.ref] = len(self._rows)
            self._rows.append(summary)
        self._resize_virtual()
        self.refresh()

    def show_mark(self, ref: str, marked: bool) -> None:
        row = self._index.get(ref)
        if row is not None:
            self._lines.pop(row, None)
            self.refresh()

    # The cursor

    def move_cursor(self, row: int, *, force: bool = False) -> None:
        """Put the cursor on `row` (clamped), scroll it into view, post `Highlighted`."""
        row = max(0, min(row, len(self._rows) - 1)) if self._rows else 0
        if row == self.cursor_row and not force:
            return
        self.cursor_row = row
        visible = max(1, self.scrollable_content_region.height - 1)
        top = int(self.scroll_y)
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self, self.current_ref, row))

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(1, self.scrollable_content_region.height - 2))

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(1, self.scrollable_content_region.height - 2))

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_find(self) -> None:
        open_find(self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.screen_keys:
            return False
        return super().check_action(action, parameters)

    # Find (`widgets/list_keys.py`)

    def find_texts(self) -> list[str]:
        return [row_text(summary, False, self.column_layout) for summary in self._rows]

    @property
    def find_cursor(self) -> int:
        return self.cursor_row

    def find_go(self, row: int) -> None:
        self.move_cursor(row)

    def find_focus(self) -> None:
        self.focus()

    def action_select(self) -> None:
        ref = self.current_ref
        if ref is not None:
            self.post_message(self.Selected(self, ref))

    def on_click(self, event: events.Click) -> None:
        if event.y == 0:
            return
        row = int(self.scroll_y) + event.y - 1
        if not 0 <= row < len(self._rows):
            return
        event.stop()
        if row == self.cursor_row:
            self.action_select()
        else:
            self.move_cursor(row)

    # Drawing

    def show_firms(self, shown: bool) -> None:
        """Name each row's firm (a list that spans firms) or not."""
        if shown != self.spans_firms:
            self.spans_firms = shown
            self._relayout()
            self.refresh()

    def _relayout(self) -> None:
        layout = layout_for(self.scrollable_content_region.width, firms=self.spans_firms)
        if layout != self.column_layout:
            self.column_layout = layout
            self._lines.clear()

    def on_resize(self) -> None:
        self._relayout()
        self._resize_virtual()
        self.move_cursor(self.cursor_row, force=False)

    def _resize_virtual(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, len(self._rows) + 1)

    def _line(self, row: int) -> list[Piece]:
        line = self._lines.get(row)
        if line is None:
            summary = self._rows[row]
            line = row_pieces(summary, summary.ref in self._marks, self.column_layout)
            self._lines[row] = line
        return line

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("task-table--header")
            return Strip([Segment(fit(header_text(self.column_layout), width), style)], width)
        row = int(self.scroll_y) + y - 1
        if not self._rows and y == 1:
            style = base + self.get_component_rich_style("task-table--empty")
            return Strip([Segment(fit(" " + self.empty, width), style)], width)
        if not 0 <= row < len(self._rows):
            return Strip([Segment(" " * width, base)], width)
        style = base
        if self._rows[row].ref in self._marks:
            style += self.get_component_rich_style("task-table--marked")
        if row == self.cursor_row:
            style += self.get_component_rich_style("task-table--cursor")
        marked = style + _MARK
        segments = [Segment(text, marked if mark else style) for text, mark in self._line(row)]
        used = sum(segment.cell_length for segment in segments)
        if used > width:
            # Narrower than the columns (60 columns): the line ends with an ellipsis at
            # the edge, so a cut cell never looks whole.
            cut = Strip(segments, used).crop(0, max(0, width - 1))
            return Strip([*cut, Segment("…", style)], width)
        if used != width:  # the layout is for a width the table has not been resized to yet
            return Strip(segments, used).adjust_cell_length(width, style)
        return Strip(segments, width)
