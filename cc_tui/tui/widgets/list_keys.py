"""The keys every list of cc-tui shares: j/k (and the arrows) move, g/G and Home/End go
to the first and the last row, `/` finds.

Design decisions:
- One binding set, `LIST_BINDINGS`, with one id per key (`list.down` ... `list.find`),
  so a keymap line in config.toml changes the key in every list at once. Each list
  widget (`ListTable`, the dashboard's `TaskTable`, `ListTree`, `ListSelection`, the
  request's field list) puts it first in its `BINDINGS` and answers the same five
  actions: `cursor_down`, `cursor_up`, `first`, `last`, `find`.
- Where the screen does one of these itself (the dashboard's `/` filter and its `g`
  that goes back to the first page; the search fields of the catalogue and the
  library; the accounts filter), the list is made with `screen_keys` naming those
  actions: its binding steps aside (`check_action` False), so the key reaches the
  screen's binding and the footer and help show the screen's words for it.
- Elsewhere `/` opens a `FindBar` under the list: typing puts the cursor on the first
  row from the cursor on whose text holds every word typed (case-blind), down/up go to
  the next/previous such row, enter closes the bar where the cursor is, esc closes it
  and puts the cursor back where it was. Rows are found by the text they show, so a
  find matches what the user reads. Textual's widgets have no find of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import DataTable, DirectoryTree, Input, OptionList, SelectionList, Static

from cc_tui.domain.i18n import N_, _, ngettext


def list_bindings(*, show_find: bool = True) -> list[BindingType]:
    """The shared list keys; `show_find=False` leaves `/` to help (F1) alone, for lists
    on screens whose footer is full (the request's tabs)."""
    return [
        Binding(
            "down,j", "cursor_down", "Down", id="list.down", show=False, tooltip=N_("The next row.")
        ),
        Binding(
            "up,k", "cursor_up", "Up", id="list.up", show=False, tooltip=N_("The previous row.")
        ),
        Binding(
            "g,home", "first", "First", id="list.top", show=False, tooltip=N_("The first row.")
        ),
        Binding("G,end", "last", "Last", id="list.bottom", show=False, tooltip=N_("The last row.")),
        Binding(
            "slash",
            "find",
            "Find",
            id="list.find",
            show=show_find,
            tooltip=N_("Type words to go to the row that holds them (down/up: next/previous)."),
        ),
    ]


LIST_BINDINGS = list_bindings()


@runtime_checkable
class Findable(Protocol):
    """A list the find bar can search: the text of each row and a cursor to move."""

    def find_texts(self) -> Sequence[str]:
        """Each row's text as shown, top to bottom."""
        ...

    @property
    def find_cursor(self) -> int:
        """The row under the cursor."""
        ...

    def find_go(self, row: int) -> None:
        """Put the cursor on `row` (and scroll it into view)."""
        ...

    def find_focus(self) -> None:
        """Take the focus back when the find bar closes."""
        ...


def plain(cell: object) -> str:
    """A cell's text without styles (a `Content`, a Rich `Text` or a plain value)."""
    if isinstance(cell, Content):
        return cell.plain
    if isinstance(cell, Text):
        return cell.plain
    return str(cell)


def matching_row(texts: Sequence[str], words: Iterable[str], start: int, step: int) -> int | None:
    """The first row from `start` (itself included), going by `step` and wrapping round,
    whose text holds every word (case-blind); None when no row does."""
    wanted = [word.casefold() for word in words]
    if not texts or not wanted:
        return None
    count = len(texts)
    for offset in range(count):
        row = (start + step * offset) % count
        text = texts[row].casefold()
        if all(word in text for word in wanted):
            return row
    return None


class FindBar(Horizontal):
    """`/` under a list: an input, and how many rows match."""

    DEFAULT_CSS = """
    FindBar {
        height: 1;
        width: 1fr;
        background: $panel;
        & > .find-label { width: auto; padding: 0 1 0 0; }
        & > Input { width: 1fr; }
        & > .find-count { width: auto; max-width: 24; padding: 0 0 0 1; color: $text-muted; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "step(1)", "Next match", id="find.next", tooltip=N_("The next row found.")),
        Binding(
            "up",
            "step(-1)",
            "Previous match",
            id="find.previous",
            tooltip=N_("The row found before."),
        ),
        Binding(
            "escape",
            "cancel",
            "Close find",
            id="find.cancel",
            tooltip=N_("Close the find and go back to the row you were on."),
        ),
    ]

    def __init__(self, target: Widget) -> None:
        super().__init__(classes="find-bar")
        self.target = target
        self.started_at = self._findable.find_cursor

    @property
    def _findable(self) -> Findable:
        assert isinstance(self.target, Findable)
        return self.target

    def compose(self) -> ComposeResult:
        yield Static(_("Find:"), classes="find-label")
        yield Input(placeholder=_("words · enter to stay · esc back"), compact=True)
        yield Static(classes="find-count")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def words(self) -> list[str]:
        return self.query_one(Input).value.split()

    def _go(self, start: int, step: int) -> None:
        texts = self._findable.find_texts()
        words = self.words
        row = matching_row(texts, words, start, step)
        count = self.query_one(".find-count", Static)
        if not words:
            count.update("")
            return
        if row is None:
            count.update(Content(_("✗ no row holds that")))
            return
        self._findable.find_go(row)
        wanted = [word.casefold() for word in words]
        found = sum(1 for text in texts if all(word in text.casefold() for word in wanted))
        count.update(Content(ngettext("{count} row", "{count} rows", found).format(count=found)))

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        self._go(self.started_at, 1)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close()

    def action_step(self, step: int) -> None:
        self._go(self._findable.find_cursor + step, step)

    def action_cancel(self) -> None:
        self._findable.find_go(self.started_at)
        self._close()

    def _close(self) -> None:
        self._findable.find_focus()
        self.remove()


def open_find(target: Widget) -> None:
    """Open the find bar under `target` (or focus the one already open)."""
    parent = target.parent
    if not isinstance(parent, Widget):
        return
    for bar in parent.query_children(FindBar):
        if bar.target is target:
            bar.query_one(Input).focus()
            return
    parent.mount(FindBar(target), after=target)


class ListTable(DataTable[Any]):
    """A DataTable of rows with the shared list keys and `/` find."""

    BINDINGS: ClassVar[list[BindingType]] = [*LIST_BINDINGS]

    def __init__(
        self,
        *,
        screen_keys: Iterable[str] = (),
        id: str | None = None,
        classes: str | None = None,
        zebra_stripes: bool = True,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=zebra_stripes)
        self.screen_keys = frozenset(screen_keys)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.screen_keys:
            return False
        return super().check_action(action, parameters)

    def action_first(self) -> None:
        self.action_scroll_top()

    def action_last(self) -> None:
        self.action_scroll_bottom()

    def action_find(self) -> None:
        open_find(self)

    def find_texts(self) -> list[str]:
        return [
            " ".join(plain(cell) for cell in self.get_row_at(row)) for row in range(self.row_count)
        ]

    @property
    def find_cursor(self) -> int:
        return self.cursor_row

    def find_go(self, row: int) -> None:
        if 0 <= row < self.row_count:
            self.move_cursor(row=row, column=0, animate=False, scroll=True)

    def find_focus(self) -> None:
        self.focus()


class ListTree(DirectoryTree):
    """A DirectoryTree with the shared list keys and `/` find (over the rows shown)."""

    BINDINGS: ClassVar[list[BindingType]] = [*LIST_BINDINGS]

    def action_first(self) -> None:
        self.cursor_line = 0

    def action_last(self) -> None:
        self.cursor_line = self.last_line

    def action_find(self) -> None:
        open_find(self)

    def find_texts(self) -> list[str]:
        texts = []
        for line in range(self.last_line + 1):
            node = self.get_node_at_line(line)
            texts.append(plain(node.label) if node is not None else "")
        return texts

    @property
    def find_cursor(self) -> int:
        return max(0, self.cursor_line)

    def find_go(self, row: int) -> None:
        self.cursor_line = row
        self.scroll_to_line(row, animate=False)

    def find_focus(self) -> None:
        self.focus()


class ListOptions(OptionList):
    """An OptionList (a picker) with the shared list keys and `/` find."""

    BINDINGS: ClassVar[list[BindingType]] = [*LIST_BINDINGS]

    def action_find(self) -> None:
        open_find(self)

    def find_texts(self) -> list[str]:
        return [plain(option.prompt) for option in self.options]

    @property
    def find_cursor(self) -> int:
        return self.highlighted or 0

    def find_go(self, row: int) -> None:
        self.highlighted = row

    def find_focus(self) -> None:
        self.focus()


class ListSelection(SelectionList[str], ListOptions):
    """A SelectionList (a checklist) with the shared list keys and `/` find (ListOptions')."""


FOUND_STYLE = "reverse"


class TextScroll(VerticalScroll):
    """Text read top to bottom (comments, the audit trail, an account's history, help):
    the same keys scroll it a line at a time and to either end, and `/` finds, as in a
    pager: the rows are the text's lines (as written, before wrapping), a line found is
    scrolled into view and drawn in reverse video until the find line closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "down,j", "scroll_down", "Down", id="list.down", show=False, tooltip=N_("Scroll down.")
        ),
        Binding("up,k", "scroll_up", "Up", id="list.up", show=False, tooltip=N_("Scroll up.")),
        Binding(
            "g,home", "scroll_home", "First", id="list.top", show=False, tooltip=N_("The top.")
        ),
        Binding(
            "G,end", "scroll_end", "Last", id="list.bottom", show=False, tooltip=N_("The end.")
        ),
        Binding(
            "slash",
            "find",
            "Find",
            id="list.find",
            show=False,
            tooltip=N_("Type words to go to the line that holds them (down/up: next/previous)."),
        ),
    ]

    _found: tuple[Static, Content, Content] | None = None  # where, as it was, as shown
    _cursor: int | None = None

    def _text_of(self, static: Static) -> Content:
        found = self._found
        if found is not None and found[0] is static and static.content is found[2]:
            return found[1]
        content = static.content
        return content if isinstance(content, Content) else Content(str(content))

    def _lines(self) -> list[tuple[Static, int, int, int]]:
        """Each line of the text: its Static, where it starts and ends in that Static's
        text, and the row it is drawn on (in the scrolled area)."""
        lines: list[tuple[Static, int, int, int]] = []
        for static in self.query(Static):
            if not static.display:
                continue
            width = max(1, static.content_region.width)
            row = static.virtual_region.y + (static.content_region.y - static.region.y)
            start = 0
            for text in self._text_of(static).plain.split("\n"):
                lines.append((static, start, start + len(text), row))
                row += max(1, len(Content(text).wrap(width))) if text else 1
                start += len(text) + 1
        return lines

    def find_texts(self) -> list[str]:
        return [self._text_of(static).plain[start:end] for static, start, end, _ in self._lines()]

    @property
    def find_cursor(self) -> int:
        if self._cursor is not None:
            return self._cursor
        # Not finding yet: the first line in view.
        top = round(self.scroll_y)
        rows = [row for _, _, _, row in self._lines()]
        return next((index for index, row in enumerate(rows) if row >= top), 0)

    def find_go(self, row: int) -> None:
        lines = self._lines()
        if not 0 <= row < len(lines):
            return
        self._unmark()
        static, start, end, y = lines[row]
        original = self._text_of(static)
        if isinstance(static.content, Content) and end > start:
            shown = original.stylize(FOUND_STYLE, start, end)
            static.update(shown)
            self._found = (static, original, shown)
        self._cursor = row
        self.scroll_to(y=max(0, y - self.size.height // 3), animate=False)

    def find_focus(self) -> None:
        self._unmark()
        self._cursor = None
        self.focus()

    def _unmark(self) -> None:
        found, self._found = self._found, None
        if found is not None and found[0].content is found[2]:
            found[0].update(found[1])

    def action_find(self) -> None:
        open_find(self)
