"""The request's fields as a checker reads them: each field a row of its own, label and
whole value wrapped to the width of the terminal (from 60 columns), table fields as
tables whose cells wrap, and what changed since a return at the top.

Design decisions:
- A row is focusable: up/down (j/k) move between fields and `enter` opens the value
  whole in a reader (`ValueScreen`), where it can be scrolled and selected. Values are
  drawn whole up to `MAX_SHOWN` characters; a longer one is cut with an ellipsis that
  says how long it is and that `enter` reads it all, so no value ends silently.
- Tables are Rich tables with folding cells (never cut), a heading per column label.
- Portal text is drawn through the sanitizer (`safe_content`, `safe_text`): marks for
  unsafe characters, never markup; the reader is a `SafeTextArea`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich import box
from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static, TabbedContent

from cc_tui.domain.i18n import N_, _, ngettext
from cc_tui.tui.review import FieldView, TableView
from cc_tui.tui.safe_text import safe_content, safe_text
from cc_tui.tui.widgets.list_keys import list_bindings, open_find

if TYPE_CHECKING:
    from textual.visual import VisualType

MAX_SHOWN = 1000


def shown_value(view: FieldView) -> str:
    """The value as drawn in the list: whole, or cut with a way to read the rest."""
    text = view.text
    if len(text) <= MAX_SHOWN:
        return text
    return f"{text[:MAX_SHOWN]}… " + _("({count:,} characters: enter reads it all)").format(
        count=len(text)
    )


def table_renderable(table: TableView) -> Table:
    grid = Table(box=box.SIMPLE_HEAD, expand=True, show_edge=False, pad_edge=False)
    for heading in table.headings:
        grid.add_column(Text(heading, style="bold"), overflow="fold")
    for row in table.rows:
        grid.add_row(*(safe_text(cell, multiline=True) for cell in row))
    return grid


def whole_text(view: FieldView) -> str:
    """The whole value for the reader: a table as one block per row."""
    if view.table is None:
        return view.text
    if not view.table.rows:
        return _("No rows.")
    blocks = []
    for number, row in enumerate(view.table.rows, start=1):
        cells = [f"  {h}: {c}" for h, c in zip(view.table.headings, row, strict=True)]
        blocks.append(_("Row {row}").format(row=number) + "\n" + "\n".join(cells))
    return "\n\n".join(blocks)


class FieldRow(Widget, can_focus=True):
    """One field: label and value; `enter` reads it whole."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "read",
            "Read whole",
            id="request.read_field",
            tooltip=N_("Open this field's whole value in a reader."),
        ),
    ]

    def __init__(self, view: FieldView) -> None:
        super().__init__(classes="field-row -table" if view.table else "field-row")
        self.view = view

    def compose(self) -> ComposeResult:
        view = self.view
        if view.table is not None:
            count = len(view.table.rows)
            yield Static(
                Content(
                    f"{view.label} ("
                    + ngettext("{count} row", "{count} rows", count).format(count=count)
                    + ")"
                ),
                classes="field-label",
            )
            body: VisualType = table_renderable(view.table) if view.table.rows else Content("—")
            yield Static(body, classes="field-table")
        else:
            yield Static(Content(view.label), classes="field-label")
            yield Static(safe_content(shown_value(view), multiline=True), classes="field-value")

    def action_read(self) -> None:
        from cc_tui.tui.screens.value import ValueScreen

        self.app.push_screen(ValueScreen(self.view.label, whole_text(self.view)))


class FieldList(VerticalScroll):
    """Every field of the request, the changes since a return first."""

    BINDINGS: ClassVar[list[BindingType]] = list_bindings(show_find=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.at = 0

    def compose(self) -> ComposeResult:
        yield Static(id="changes-panel")

    def show(self, views: list[FieldView], since: str | None, *, focus: bool = False) -> None:
        """Show `views` (and `since`, the changes panel, if any); the field that had the
        focus keeps it, and with `focus` the first field takes it once mounted."""
        panel = self.query_one("#changes-panel", Static)
        panel.update(safe_content(since or "", multiline=True))
        panel.display = since is not None
        focused = self.app.focused
        rows = self.rows
        index = rows.index(focused) if isinstance(focused, FieldRow) and focused in rows else None
        if index is None and focus:
            index = 0
        self.remove_children(FieldRow)
        new_rows = [FieldRow(view) for view in views]
        mounted = self.mount_all(new_rows)

        async def refocus() -> None:
            await mounted
            if index is not None and new_rows:
                new_rows[min(index, len(new_rows) - 1)].focus(scroll_visible=index > 0)

        self.call_later(refocus)

    def on_focus(self) -> None:
        # The list hands the focus to its first field, so keys work on a field at once;
        # not while its tab is being hidden (that would bring the tab back).
        rows = self.rows
        tabs = self.screen.query(TabbedContent)
        if rows and (not tabs or tabs.first().active == "tab-fields"):
            rows[0].focus(scroll_visible=False)

    @property
    def rows(self) -> list[FieldRow]:
        return list(self.query(FieldRow))

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        rows = self.rows
        if isinstance(event.widget, FieldRow) and event.widget in rows:
            self.at = rows.index(event.widget)

    # The shared list keys (`widgets/list_keys.py`): a field is a row.

    def action_cursor_down(self) -> None:
        self.action_move(1)

    def action_cursor_up(self) -> None:
        self.action_move(-1)

    def action_first(self) -> None:
        self.action_move(-len(self.rows) - 1)

    def action_last(self) -> None:
        self.action_move(len(self.rows))

    def action_find(self) -> None:
        open_find(self)

    def find_texts(self) -> list[str]:
        return [f"{row.view.label} {row.view.text}" for row in self.rows]

    @property
    def find_cursor(self) -> int:
        return self.at

    def find_go(self, row: int) -> None:
        rows = self.rows
        if not 0 <= row < len(rows):
            return
        self.at = row
        for index, field_row in enumerate(rows):
            field_row.set_class(index == row, "-found")
        self.scroll_to_widget(rows[row], animate=False)

    def find_focus(self) -> None:
        rows = self.rows
        for field_row in rows:
            field_row.remove_class("-found")
        if rows:
            rows[min(self.at, len(rows) - 1)].focus()

    def action_move(self, step: int) -> None:
        rows = self.rows
        if not rows:
            return
        focused = self.app.focused
        index = rows.index(focused) if isinstance(focused, FieldRow) and focused in rows else -1
        target = rows[max(0, min(len(rows) - 1, index + step))]
        target.focus()
        if index + step < 0:
            self.scroll_home(animate=False)

    def focus_first(self) -> None:
        rows = self.rows
        if rows:
            rows[0].focus(scroll_visible=False)
