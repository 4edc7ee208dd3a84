"""Switch membership (F7 or ctrl+o, or "Switch membership" in the palette): the user's
memberships, each with its kind and the user's roles in it in words; the acting one is
marked and highlighted. Enter switches, Escape keeps the acting one.

    ╭ Switch membership ─────────────────────────────────────────────╮
    │ Act for which membership? Lydia Lam (lead@harbour.example)     │
    │ ▸ B01234  Harbour Securities Limited                           │
    │           exchange participant · maker and checker             │
    │   C01234  Harbour Securities Limited                           │
    │           clearing participant · maker                         │
    │ enter switches · esc keeps B01234                              │
    ╰────────────────────────────────────────────────────────────────╯

The list needs nothing from the portal: the memberships and roles came with the login
(`User.memberships`) and the switch itself is the app's (`PortalApp.switch_membership`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from cc_tui.domain.i18n import N_, _
from cc_tui.tui.membership import membership_line
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import SpeakingScreen
from cc_tui.tui.widgets.list_keys import ListOptions

if TYPE_CHECKING:
    from cc_tui.api.auth import User


class MembershipScreen(SpeakingScreen[str | None], ModalScreen[str | None]):
    """The user's memberships; dismisses with the participant ID chosen (None: keep)."""

    CSS_PATH = "membership.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Keep",
            id="membership.cancel",
            tooltip=N_("Close the list and keep acting for the same membership."),
        ),
    ]

    def __init__(self, user: User, acting: str | None) -> None:
        super().__init__(id="membership")
        self.user = user
        self.acting = acting

    def compose(self) -> ComposeResult:
        options = [
            Option(
                Content("\n").join(
                    safe_content(("▸ " if m.participant_id == self.acting else "  ") + line)
                    if n == 0
                    else safe_content(f"  {line}")
                    for n, line in enumerate(membership_line(m).splitlines())
                ),
                id=m.participant_id,
            )
            for m in self.user.memberships
        ]
        who = flatten(f"{self.user.name} ({self.user.user_id})")
        keep = (
            _("esc keeps {participant_id}").format(participant_id=self.acting)
            if self.acting
            else _("esc closes")
        )
        with Vertical(id="membership-box") as box:
            box.border_title = _("Switch membership")
            yield Static(
                safe_content(_("Act for which membership? {who}").format(who=who)),
                id="membership-title",
            )
            yield ListOptions(*options, id="membership-list")
            yield Static(_("enter switches · {keep}").format(keep=keep), id="membership-keys")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.acting is not None:
            try:
                options.highlighted = options.get_option_index(self.acting)
            except KeyError:
                options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected, "#membership-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
