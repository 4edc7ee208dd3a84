"""The comment editor for return and reject: the maker reads this, so it is required.
With `required=False` (a maker's reply when submitting a returned request again) an empty
comment is allowed and comes back as "".

A `SafeTextArea` (Enter makes a new line), `ctrl+g` to go on, Escape to cancel. An empty
comment, one over the contract's 2,000 characters, or one holding a control character or
a bidi override (domain/text.py: pasted text may carry them; they show as marks in the
editor) is refused here, in place, before anything is sent (the server refuses them too).
Returns the comment, stripped, or None.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from cc_tui.domain.i18n import N_, _
from cc_tui.domain.text import problem
from cc_tui.tui.safe_text import SafeTextArea, flatten, safe_content
from cc_tui.tui.screens.base import SpeakingScreen
from cc_tui.tui.widgets.notice import Notice

MAX_COMMENT = 2000


class CommentScreen(SpeakingScreen[str | None], ModalScreen[str | None]):
    """Ask for the comment that goes with an action on `ref`."""

    CSS_PATH = "comment.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+g",
            "send",
            "Continue",
            id="comment.send",
            tooltip=N_("Use this comment (you confirm the action next)."),
            priority=True,
        ),
        Binding("escape", "cancel", "Cancel", id="comment.cancel", tooltip=N_("Do nothing.")),
    ]

    def __init__(self, title: str, hint: str, text: str = "", *, required: bool = True) -> None:
        super().__init__()
        self.heading = title
        self.hint = hint
        self.initial_text = text
        self.required = required

    def compose(self) -> ComposeResult:
        with Vertical(id="comment-box"):
            yield Static(safe_content(flatten(self.heading)), id="comment-title")
            yield Static(safe_content(self.hint, multiline=True), id="comment-hint")
            yield SafeTextArea(self.initial_text, id="comment-text", soft_wrap=True)
            yield Notice(id="notice")
            yield Static(_("ctrl+g  continue    Esc  cancel"), id="comment-keys")

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self.query_one(TextArea).focus()

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    def action_send(self) -> None:
        comment = self.text.strip()
        notice = self.query_one(Notice)
        if not comment and self.required:
            notice.show(_("A comment is required: tell the maker what to change or why."))
            return
        unsafe = problem(comment, multiline=True)
        if unsafe is not None:
            notice.show(unsafe)
            return
        if len(comment) > MAX_COMMENT:
            notice.show(
                _(
                    "The comment is {length:,} characters long; the limit is {limit:,}. Shorten it."
                ).format(length=len(comment), limit=MAX_COMMENT)
            )
            return
        self.dismiss(comment)

    def action_cancel(self) -> None:
        self.dismiss(None)


def reply_editor(ref: str, text: str = "") -> CommentScreen:
    """The maker's optional reply when submitting a returned request again (the comment
    of the submit action): from the request screen's `s` and the form's ctrl+g."""
    return CommentScreen(
        _("Submit {ref} again").format(ref=ref),
        _(
            "Optional: a reply the checker reads first, with what you changed (leave it empty "
            "to send none)."
        ),
        text,
        required=False,
    )
