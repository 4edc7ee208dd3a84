"""Accounts: the create, rights and history dialogs (modal; each makes its call itself)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from cc_tui.client.errors import PortalUnreachable
from cc_tui.domain.forms import validate_field
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.naming import is_participant_id, normalise_participant_id
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.accounts.words import (
    ACTION_WORDS,
    DELEGATED_ADMIN,
    USER_ID_FIELD,
    Change,
    change_words,
    right_names,
    right_prompt,
    rights_change,
    who,
)
from cc_tui.tui.screens.base import FAILED, PortalModal, Retry, SpeakingScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.widgets.list_keys import ListSelection, TextScroll
from cc_tui.tui.widgets.notice import Notice

if TYPE_CHECKING:
    from cc_tui.api.admin import AccountAuditEntry, AdminUser, Right
    from cc_tui.client.portal import PortalClient


class RightsChecklist(ListSelection):
    """The rights as a checklist whose ticks are words too ("✓"), not only colour."""

    def __init__(self, rights: Sequence[Right], held: Iterable[str], *, id: str) -> None:
        ticked = set(held)
        self.prompts = {right.code: right_prompt(right) for right in rights}
        super().__init__(
            *(
                Selection(self._mark(r.code in ticked, r.code), r.code, r.code in ticked)
                for r in rights
            ),
            id=id,
        )

    def _mark(self, ticked: bool, code: str) -> Content:
        return Content("✓ " if ticked else "  ") + safe_content(flatten(self.prompts[code]))

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        ticked = set(self.selected)
        for index, option in enumerate(self.options):
            code = str(option.value) if isinstance(option, Selection) else ""
            if code in self.prompts:
                self.replace_option_prompt_at_index(index, self._mark(code in ticked, code))


# Modal forms ------------------------------------------------------------------------------


class _AccountForm(PortalModal["AdminUser | None"]):
    """What the create and rights forms share: a notice, Esc to cancel, the call."""

    # For one membership's users: closed when the user switches (tui/membership.py).
    MEMBERSHIP_BOUND = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "cancel",
            "Cancel",
            id="accounts.form.cancel",
            tooltip=N_("Close; nothing sent."),
        ),
    ]

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_resize(self) -> None:
        # Under 24 lines (60x20) the rights list gives up lines, so that the buttons and a
        # notice under it stay in view with the fields above it (12 from 24 lines up).
        for checklist in self.query(RightsChecklist):
            checklist.styles.max_height = max(4, min(12, self.size.height - 12))

    def on_unreachable(self, error: PortalUnreachable, retry: Retry | None) -> None:
        self.show(error.message.replace(_("press r to retry"), _("press the button again")))

    def show(self, text: str, kind: str = "error") -> None:
        self.query_one(Notice).show(text, "success" if kind == "success" else "error")

    def confirm_and_send(self, change: Change) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.send(change)

        self.app.push_screen(ConfirmScreen(change.prompt, change.detail), answered)

    @work(exclusive=True, group="accounts-form", exit_on_error=False)
    async def send(self, change: Change) -> None:
        button = self.query_one(".form-send", Button)
        button.disabled = True
        try:
            result = await self.call_portal(lambda portal: change.call(portal, change.key))
        finally:
            button.disabled = False
        if result is not FAILED:
            self.dismiss(result)


class NewUserScreen(_AccountForm):
    """E-mail, name and rights of a new user; for the exchange, the firm too."""

    CSS_PATH = "accounts.tcss"
    AUTO_FOCUS = "#new-user-id"

    def __init__(self, rights: Sequence[Right], *, firm: str | None) -> None:
        super().__init__(id="new-user")
        self.grantable = [right for right in rights if right.grantable]
        self.catalogue = {right.code: right for right in rights}
        # The CCDA's acting membership; None for the exchange, which names the firm.
        self.firm = firm

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            title = (
                _("New user for {firm}").format(firm=self.firm)
                if self.firm
                else _("New user (a firm's CCDA)")
            )
            yield Static(safe_content(flatten(title)), classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label(_("E-mail (user ID)"), classes="form-label")
                yield Input(placeholder="kim.lee@harbour.example", id="new-user-id", compact=True)
            with Horizontal(classes="form-row"):
                yield Label(_("Name"), classes="form-label")
                yield Input(placeholder=_("Kim Lee"), id="new-name", compact=True)
            if self.firm is None:
                with Horizontal(classes="form-row"):
                    yield Label(_("Firm"), classes="form-label")
                    yield Input(placeholder="B01234", id="new-firm", compact=True)
            yield Static(_("Rights (space to tick):"), classes="form-hint")
            yield RightsChecklist(self.grantable, [DELEGATED_ADMIN], id="new-rights")
            yield Notice(id="form-notice")
            with Horizontal(classes="form-buttons"):
                yield Button(_("Create and e-mail"), id="create", classes="form-send", compact=True)
                yield Button(_("Cancel (Esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(Notice).clear()

    @on(Input.Submitted)
    def _next_field(self) -> None:
        self.focus_next()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#create")
    def submit(self) -> None:
        user_id = self.query_one("#new-user-id", Input).value.strip().lower()
        name = " ".join(self.query_one("#new-name", Input).value.split())
        rights = sorted(self.query_one("#new-rights", SelectionList).selected)
        issues = validate_field(USER_ID_FIELD, user_id)
        if issues:
            self.show(f"{issues[0].message} {issues[0].fix}")
            self.query_one("#new-user-id", Input).focus()
            return
        if not name:
            self.show(_("Type the person's name."))
            self.query_one("#new-name", Input).focus()
            return
        firm = self.firm
        if firm is None:
            firm = normalise_participant_id(self.query_one("#new-firm", Input).value)
            if not is_participant_id(firm):
                self.show(_("Type the firm's participant ID, as B01234."))
                self.query_one("#new-firm", Input).focus()
                return
        named_firm = None if self.firm is not None else firm

        async def call(portal: PortalClient, key: str) -> AdminUser:
            return await portal.create_user(
                user_id, name, rights, participant_id=named_firm, idempotency_key=key
            )

        granted = right_names(rights, self.catalogue) if rights else _("no rights yet")
        self.confirm_and_send(
            Change(
                prompt=_("Create {name} ({user_id}) for {firm}?").format(
                    name=name, user_id=user_id, firm=firm
                ),
                detail=_(
                    "With {granted}. The portal e-mails them a one-time token to set their "
                    "password."
                ).format(granted=granted),
                call=call,
            )
        )


class RightsScreen(_AccountForm):
    """Tick the rights a user should hold; rights not this administrator's are shown."""

    CSS_PATH = "accounts.tcss"
    AUTO_FOCUS = "#edit-rights"

    def __init__(self, user: AdminUser, rights: Sequence[Right]) -> None:
        super().__init__(id="edit-rights-form")
        self.user = user
        self.catalogue = {right.code: right for right in rights}
        self.grantable = [right for right in rights if right.grantable]
        codes = {right.code for right in self.grantable}
        self.fixed = sorted(code for code in user.rights if code not in codes)

    def compose(self) -> ComposeResult:
        held = set(self.user.rights)
        with Vertical(id="form-box"):
            yield Static(
                safe_content(flatten(_("Rights of {who}").format(who=who(self.user)))),
                classes="form-title",
            )
            if self.fixed:
                yield Static(
                    safe_content(
                        flatten(
                            _("Also holds (not yours to change): {rights}").format(
                                rights=right_names(self.fixed, self.catalogue)
                            )
                        )
                    ),
                    classes="form-hint",
                )
            yield Static(_("Space ticks or clears a right:"), classes="form-hint")
            yield RightsChecklist(self.grantable, held, id="edit-rights")
            yield Notice(id="form-notice")
            with Horizontal(classes="form-buttons"):
                yield Button(_("Save rights"), id="save-rights", classes="form-send", compact=True)
                yield Button(_("Cancel (Esc)"), id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(Notice).clear()

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#save-rights")
    def submit(self) -> None:
        wanted = sorted(
            set(self.query_one("#edit-rights", SelectionList).selected) | set(self.fixed)
        )
        granted, removed = rights_change(self.user.rights, wanted)
        if not granted and not removed:
            self.show(_("Nothing changed: tick or clear a right first, or Esc to close."))
            return
        user_id = self.user.user_id

        async def call(portal: PortalClient, key: str) -> AdminUser:
            return await portal.update_user(user_id, rights=wanted)

        self.confirm_and_send(
            Change(
                prompt=_("Change the rights of {who}?").format(who=who(self.user)),
                detail=change_words(granted, removed, self.catalogue),
                call=call,
            )
        )


class HistoryScreen(SpeakingScreen[None], ModalScreen[None]):
    """An account's changes, newest first."""

    MEMBERSHIP_BOUND = True

    CSS_PATH = "accounts.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="accounts.history.close", tooltip=N_("Close.")),
    ]

    def __init__(self, user: AdminUser, entries: Sequence[AccountAuditEntry]) -> None:
        super().__init__(id="account-history")
        self.user = user
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(
                safe_content(flatten(_("History of {who}").format(who=who(self.user)))),
                classes="form-title",
            )
            with TextScroll(id="history-lines"):
                if not self.entries:
                    yield Static(_("No change has been made to this account here yet."))
                for entry in self.entries:
                    when = entry.at.strftime("%Y-%m-%d %H:%M")
                    action = (
                        _(ACTION_WORDS[entry.action])
                        if entry.action in ACTION_WORDS
                        else entry.action
                    )
                    yield Static(
                        safe_content(
                            _("{when}  {action} by {actor}").format(
                                when=when, action=flatten(action), actor=flatten(entry.actor)
                            )
                            + f"\n  {entry.detail}",
                            multiline=True,
                        ),
                        classes="history-entry",
                    )
            yield Static(_("Esc closes."), classes="form-hint")

    def action_close(self) -> None:
        self.dismiss(None)
