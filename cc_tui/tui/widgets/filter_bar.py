"""The filter bar: `/` and the filter text, and under it what is wrong with it, if anything.

The grammar is the domain's (`cc_tui.domain.query`), the same parser the server runs, so
a mistake is shown before anything is sent: a caret under the column where it is, the
message and the fix, e.g.

    / status: draft
      ^
    ✗ status: needs a value. Type a value right after the colon, e.g. status:draft.

The bar only reports (`FilterBar.Changed` as you type, `Submitted` on enter, `Left` on
esc); the dashboard decides when to parse and send (debounced), and keeps showing the
last good results while the text is wrong.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Static

from cc_tui.domain.i18n import N_, _
from cc_tui.domain.query import QueryError
from cc_tui.tui.safe_text import safe_content

PROMPT = "/ "
PLACEHOLDER = N_("words, status:returned eservice:CT027 maker:… ref:… from:YYYY-MM-DD !word")


class FilterBar(Vertical):
    """The filter text of the current section and its error line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "leave",
            "Back to the list",
            id="filter.leave",
            tooltip=N_("Leave the filter (the text stays) and go back to the list."),
        ),
    ]

    class Changed(Message):
        """The text changed (typing); apply after a pause."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Submitted(Message):
        """Enter: apply now and go back to the list."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Left(Message):
        """Esc: back to the list."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="filter-row"):
            yield Static(PROMPT, id="filter-prompt")
            yield Input(placeholder=_(PLACEHOLDER), id="filter-input", compact=True)
        yield Static(id="filter-error")

    def on_mount(self) -> None:
        self.query_one("#filter-error", Static).display = False

    @property
    def input(self) -> Input:
        return self.query_one("#filter-input", Input)

    @property
    def text(self) -> str:
        return self.input.value

    def set_text(self, text: str) -> None:
        """Show another section's filter (posts no `Changed`)."""
        field = self.input
        with field.prevent(Input.Changed):
            field.value = text
        field.cursor_position = len(text)

    @property
    def error(self) -> str:
        """The error shown now ("" when the filter reads fine)."""
        line = self.query_one("#filter-error", Static)
        return str(line.content) if line.display else ""

    def show_error(self, error: QueryError) -> None:
        field = self.input
        visible = field.content_region.width or field.size.width
        lines: list[str] = []
        if error.position < visible - 1:
            lines.append(" " * (len(PROMPT) + error.position) + "^")
        lines.append(f"✗ {error.message} {error.fix} (column {error.column})")
        line = self.query_one("#filter-error", Static)
        line.update(safe_content("\n".join(lines), multiline=True))
        line.display = True

    def show_problem(self, message: str) -> None:
        """The portal refused the filter (a rule this client does not know yet)."""
        line = self.query_one("#filter-error", Static)
        line.update(safe_content(f"✗ {message}", multiline=True))
        line.display = True

    def clear_error(self) -> None:
        line = self.query_one("#filter-error", Static)
        if line.display:  # hiding it changes the layout; do that only when shown
            line.update("")
            line.display = False

    @on(Input.Changed, "#filter-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(event.value))

    @on(Input.Submitted, "#filter-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.post_message(self.Submitted(event.value))

    def action_leave(self) -> None:
        self.post_message(self.Left())
