"""A y/N question that names the record: "Approve ECS00012345? y/N".

STYLE.md: destructive or binding decisions confirm with `y/N`, naming the record in the
prompt; Enter alone does not confirm. So only `y` answers yes; `n`, Escape and Enter all
answer no. The screen returns its answer through `dismiss` (push it with a callback or
`push_screen_wait`). Reusable for anything: the prompt and an optional detail line.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from cc_tui.domain.i18n import N_, _
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import SpeakingScreen


class ConfirmScreen(SpeakingScreen[bool], ModalScreen[bool]):
    """`prompt` with y/N; `detail` (optional) says what will happen."""

    CSS_PATH = "confirm.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes", tooltip=N_("Yes, do it.")),
        Binding(
            "n,escape,enter",
            "answer(False)",
            "No",
            id="confirm.no",
            tooltip=N_("No: nothing happens (Enter alone never confirms)."),
        ),
    ]

    def __init__(self, prompt: str, detail: str = "") -> None:
        super().__init__()
        self.prompt = prompt
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(safe_content(flatten(f"{self.prompt} y/N")), id="confirm-prompt")
            if self.detail:
                yield Static(safe_content(self.detail, multiline=True), id="confirm-detail")
            yield Static(_("y  yes    n / Enter / Esc  no"), id="confirm-keys")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)
