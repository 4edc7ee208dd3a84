"""Messages in place, and the banner for a portal that does not answer.

A `Notice` says what happened where it happened (under the field or button), with a
symbol and words as well as colour, so that it reads the same under NO_COLOR and on
every theme. Its text goes through the sanitizer (tui/safe_text.py), never markup: the
portal's `detail` and `fix` are shown as sent, control characters as visible marks.

`ServerBanner` sits at the top of a screen when the portal cannot be reached. It takes
the focus (so `r` reaches the screen's retry rather than a text field) and posts
`ServerBanner.Retry` when its button is pressed.
"""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Button, Static

from cc_tui.domain.i18n import _
from cc_tui.tui.safe_text import safe_content

NoticeKind = Literal["error", "success", "info"]
SYMBOLS: dict[NoticeKind, str] = {"error": "✗ ", "success": "✓ ", "info": ""}


class Notice(Static):
    """One sentence in place: an error, a success or a hint."""

    def show(self, text: str, kind: NoticeKind = "error") -> None:
        self.update(safe_content(SYMBOLS[kind] + text, multiline=True))
        for other in SYMBOLS:
            self.set_class(other == kind, f"-{other}")
        self.display = True
        # In a box taller than the terminal (60x20), the box scrolls to the sentence, so
        # what went wrong is never said below the last line.
        self.call_after_refresh(self._into_view)

    def _into_view(self) -> None:
        # Once more after the next refresh: the first layout may not have its height yet.
        if self.display and self.is_mounted:
            self.scroll_visible(animate=False)
            self.call_after_refresh(self.scroll_visible, animate=False)

    def clear(self) -> None:
        self.update("")
        self.display = False

    def clear_problem(self) -> None:
        """Clear the notice if it says a problem (✗): what it described is being
        fetched again, so it no longer stands; a ✓ or a hint stays."""
        if self.has_class("-error"):
            self.clear()

    @property
    def text(self) -> str:
        """What the notice says now (empty when hidden)."""
        return str(self.content) if self.display else ""


class ServerBanner(Horizontal):
    """`Cannot reach the portal ...` with a Retry button; hidden until needed."""

    class Retry(Message):
        """The user asked to try again."""

    def compose(self) -> ComposeResult:
        yield Static(id="banner-text")
        yield Button(_("Retry (r)"), id="banner-retry", compact=True)

    def on_mount(self) -> None:
        self.display = False

    def show(self, text: str) -> None:
        self.query_one("#banner-text", Static).update(safe_content("✗ " + text, multiline=True))
        self.display = True
        self.query_one("#banner-retry", Button).focus()

    def hide(self) -> None:
        self.display = False

    @property
    def text(self) -> str:
        return str(self.query_one("#banner-text", Static).content) if self.display else ""

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.Retry())
