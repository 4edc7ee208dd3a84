"""A field's whole value, to read, scroll and select (`enter` on a field of the request
screen). Read-only: a `TextArea` that wraps, so a 4,000-character remark or a table of
many rows reads to its last word at any width. Esc, q or enter closes it."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from cc_tui.domain.i18n import N_, _
from cc_tui.tui.safe_text import SafeTextArea
from cc_tui.tui.screens.base import SpeakingScreen


class ValueScreen(SpeakingScreen[None], ModalScreen[None]):
    """Read `text`, the value of the field `label`."""

    CSS_PATH = "value.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,enter", "close", "Close", id="value.close", tooltip=N_("Back.")),
    ]

    def __init__(self, label: str, text: str) -> None:
        super().__init__()
        self.label = label
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(id="value-box"):
            yield Static(Content(self.label), id="value-title")
            yield SafeTextArea(self.text, id="value-text", read_only=True, soft_wrap=True)
            yield Static(_("Esc, q or enter  close"), id="value-keys")

    def on_mount(self) -> None:
        self.query_one(SafeTextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
