"""Accounts: a CCDA's users (the exchange: every firm's CCDAs), and what it may do to them.

- One table, one row a user: ID, name, status in words (Active, Suspended, Set-up: no
  password yet), locked, OTP channel, device. Under it the highlighted user's roles and
  rights. `/` narrows the table by words (ID, name, status, rights), on the rows held:
  a firm has tens of users, so the list is fetched whole and filtered here.
- Every change names the user and confirms with y/N (`ConfirmScreen`; Enter alone never
  confirms): create, rights, suspend, reactivate, unlock, reset device, set-up mail again.
  A key whose change does not apply to the highlighted user (unlock on an unlocked one)
  is shown disabled rather than refused after the fact.
- The create and rights forms are modal and make their call themselves, so a refusal
  (an ID already taken) is said in place with what was typed still there. Each change
  keeps one Idempotency-Key until it succeeds, so `r` after a dropped connection retries
  the same change and never creates a user twice or mails twice.
- What the portal answers replaces the row it is about; the portal's sentences are shown
  as they are, and it, not this screen, decides who may do what.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, SelectionList, Static
from textual.widgets.data_table import RowDoesNotExist
from textual.widgets.selection_list import Selection

from cc_tui.client.errors import PortalError, PortalUnreachable, SessionExpired
from cc_tui.domain.forms import FieldType, FormField, validate_field
from cc_tui.domain.naming import is_participant_id, normalise_participant_id
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.screens.base import RefreshingScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.admin import AccountAuditEntry, AdminUser, Right
    from cc_tui.client.portal import PortalClient
    from cc_tui.tui.app import PortalApp

USER_ID_FIELD = FormField(
    name="user_id", label="User ID", type=FieldType.EMAIL, example="kim.lee@harbour.example"
)
DELEGATED_ADMIN = "CC_DelegatedAdmin"

ACTION_WORDS = {
    "create": "Created",
    "rights": "Rights",
    "suspend": "Suspended",
    "reactivate": "Reactivated",
    "unlock": "Unlocked",
    "reset_device": "Device reset",
    "setup_mail": "Set-up mail",
}


# Words ------------------------------------------------------------------------------------


def status_word(user: AdminUser) -> str:
    if user.status == "suspended":
        return "Suspended"
    return "Active" if user.password_set else "Set-up"


def device_word(user: AdminUser) -> str:
    if user.device_registration == "required":
        return "Re-register"
    if user.device_registered:
        return "Registered"
    return "Needed" if user.otp_channel == "app" else "None"


def account_cells(user: AdminUser, *, with_firm: bool) -> tuple[str, ...]:
    cells = (
        user.user_id,
        user.name,
        status_word(user),
        "Locked" if user.locked else "No",
        "App" if user.otp_channel == "app" else "E-mail",
        device_word(user),
    )
    return ((user.participant_id or "",) if with_firm else ()) + cells


def who(user: AdminUser) -> str:
    return f"{user.name} ({user.user_id})"


def matches(user: AdminUser, words: Sequence[str]) -> bool:
    """Whether every word occurs in the user's ID, name, status, firm or rights."""
    text = " ".join(
        [user.user_id, user.name, status_word(user), user.participant_id or "", *user.rights]
        + (["locked"] if user.locked else [])
    ).lower()
    return all(word in text for word in words)


def rights_change(held: Iterable[str], wanted: Iterable[str]) -> tuple[list[str], list[str]]:
    """(granted, removed), each sorted."""
    before, after = set(held), set(wanted)
    return sorted(after - before), sorted(before - after)


def change_words(granted: Sequence[str], removed: Sequence[str]) -> str:
    parts = []
    if granted:
        parts.append("grant " + ", ".join(granted))
    if removed:
        parts.append("remove " + ", ".join(removed))
    return "; ".join(parts).capitalize() + "." if parts else "No change."


def rights_lines(codes: Iterable[str], catalogue: dict[str, Right]) -> list[str]:
    """Rights by what they let the user do, eServices by code: short enough for 80x24."""
    held = [catalogue[code] for code in codes if code in catalogue]
    lines = []
    for kind, verb in (("make", "Makes"), ("check", "Checks")):
        eservices = sorted({e for right in held if right.kind == kind for e in right.eservices})
        if eservices:
            lines.append(f"{verb}: " + ", ".join(eservices))
    if any(right.kind == "admin" for right in held):
        lines.append("Administers the firm's accounts (CCDA).")
    unknown = sorted(set(codes) - catalogue.keys())
    if unknown:
        lines.append("Also: " + ", ".join(unknown))
    return lines


def detail_lines(user: AdminUser, catalogue: dict[str, Right]) -> list[str]:
    roles = ", ".join(role.replace("_", " ") for role in user.roles) or "no role"
    firm = f" · {user.participant_id}" if user.participant_id else ""
    lines = [f"{who(user)} · {roles}{firm}"]
    lines.extend(rights_lines(user.rights, catalogue) or ["No rights yet: e grants them."])
    if not user.password_set and user.status == "active":
        lines.append("Has not set a password yet: m e-mails a new set-up token.")
    return lines


def right_prompt(right: Right) -> str:
    return f"{right.name}  [{right.code}]"


class RightsChecklist(SelectionList[str]):
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

    def _mark(self, ticked: bool, code: str) -> str:
        return ("✓ " if ticked else "  ") + self.prompts[code]

    def on_selection_list_selected_changed(self, event: SelectionList.SelectedChanged[str]) -> None:
        ticked = set(self.selected)
        for index, option in enumerate(self.options):
            code = str(option.value) if isinstance(option, Selection) else ""
            if code in self.prompts:
                self.replace_option_prompt_at_index(index, self._mark(code in ticked, code))


# The confirm-then-call step the screens share --------------------------------------------


@dataclass
class Change:
    """A change to send: its y/N question, the call, and its success sentence. The
    Idempotency-Key is made once, so a retry is the same change to the portal."""

    prompt: str
    detail: str
    call: Callable[[PortalClient, str], Awaitable[AdminUser]]
    done: str = ""
    key: str = ""

    def __post_init__(self) -> None:
        self.key = self.key or str(uuid.uuid4())


# Modal forms ------------------------------------------------------------------------------


class _AccountForm(ModalScreen["AdminUser | None"]):
    """What the create and rights forms share: a notice, Esc to cancel, the call."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="accounts.form.cancel", tooltip="Close; nothing sent."
        ),
    ]

    @property
    def portal_app(self) -> PortalApp:
        return cast("PortalApp", self.app)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def show(self, text: str, kind: str = "error") -> None:
        self.query_one(Notice).show(text, "success" if kind == "success" else "error")

    def confirm_and_send(self, change: Change) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.send(change)

        self.app.push_screen(ConfirmScreen(change.prompt, change.detail), answered)

    @work(exclusive=True, group="accounts-form", exit_on_error=False)
    async def send(self, change: Change) -> None:
        app = self.portal_app
        button = self.query_one(".form-send", Button)
        button.disabled = True
        try:
            portal = await app.client()
            result = await change.call(portal, change.key)
        except PortalUnreachable as error:
            self.show(error.message.replace("press r to retry", "press the button again"))
            return
        except SessionExpired as error:
            self.dismiss(None)
            app.session_expired(error)
            return
        except PortalError as error:
            self.show(error.message)
            return
        finally:
            button.disabled = False
        self.dismiss(result)


class NewUserScreen(_AccountForm):
    """E-mail, name and rights of a new user; for the exchange, the firm too."""

    CSS_PATH = "admin.tcss"
    AUTO_FOCUS = "#new-user-id"

    def __init__(self, rights: Sequence[Right], *, firm: str | None) -> None:
        super().__init__(id="new-user")
        self.catalogue = [right for right in rights if right.grantable]
        # The CCDA's acting membership; None for the exchange, which names the firm.
        self.firm = firm

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            where = f"for {self.firm}" if self.firm else "(a firm's CCDA)"
            yield Static(Content(f"New user {where}"), classes="form-title")
            with Horizontal(classes="form-row"):
                yield Label("E-mail (user ID)", classes="form-label")
                yield Input(placeholder="kim.lee@harbour.example", id="new-user-id", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("Name", classes="form-label")
                yield Input(placeholder="Kim Lee", id="new-name", compact=True)
            if self.firm is None:
                with Horizontal(classes="form-row"):
                    yield Label("Firm", classes="form-label")
                    yield Input(placeholder="B01234", id="new-firm", compact=True)
            yield Static("Rights (space to tick):", classes="form-hint")
            yield RightsChecklist(self.catalogue, [DELEGATED_ADMIN], id="new-rights")
            yield Notice(id="form-notice")
            with Horizontal(classes="form-buttons"):
                yield Button("Create and e-mail", id="create", classes="form-send", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

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
            self.show("Type the person's name.")
            self.query_one("#new-name", Input).focus()
            return
        firm = self.firm
        if firm is None:
            firm = normalise_participant_id(self.query_one("#new-firm", Input).value)
            if not is_participant_id(firm):
                self.show("Type the firm's participant ID, as B01234.")
                self.query_one("#new-firm", Input).focus()
                return
        named_firm = None if self.firm is not None else firm

        async def call(portal: PortalClient, key: str) -> AdminUser:
            return await portal.create_user(
                user_id, name, rights, participant_id=named_firm, idempotency_key=key
            )

        granted = ", ".join(rights) if rights else "no rights yet"
        self.confirm_and_send(
            Change(
                prompt=f"Create {name} ({user_id}) for {firm}?",
                detail=f"With {granted}. The portal e-mails them a one-time token to set "
                "their password.",
                call=call,
            )
        )


class RightsScreen(_AccountForm):
    """Tick the rights a user should hold; rights not this administrator's are shown."""

    CSS_PATH = "admin.tcss"
    AUTO_FOCUS = "#edit-rights"

    def __init__(self, user: AdminUser, rights: Sequence[Right]) -> None:
        super().__init__(id="edit-rights-form")
        self.user = user
        self.grantable = [right for right in rights if right.grantable]
        codes = {right.code for right in self.grantable}
        self.fixed = sorted(code for code in user.rights if code not in codes)

    def compose(self) -> ComposeResult:
        held = set(self.user.rights)
        with Vertical(id="form-box"):
            yield Static(Content(f"Rights of {who(self.user)}"), classes="form-title")
            if self.fixed:
                yield Static(
                    Content("Also holds (not yours to change): " + ", ".join(self.fixed)),
                    classes="form-hint",
                )
            yield Static("Space ticks or clears a right:", classes="form-hint")
            yield RightsChecklist(self.grantable, held, id="edit-rights")
            yield Notice(id="form-notice")
            with Horizontal(classes="form-buttons"):
                yield Button("Save rights", id="save-rights", classes="form-send", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

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
            self.show("Nothing changed: tick or clear a right first, or Esc to close.")
            return
        user_id = self.user.user_id

        async def call(portal: PortalClient, key: str) -> AdminUser:
            return await portal.update_user(user_id, rights=wanted)

        self.confirm_and_send(
            Change(
                prompt=f"Change the rights of {who(self.user)}?",
                detail=change_words(granted, removed),
                call=call,
            )
        )


class HistoryScreen(ModalScreen[None]):
    """An account's changes, newest first."""

    CSS_PATH = "admin.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="accounts.history.close", tooltip="Close."),
    ]

    def __init__(self, user: AdminUser, entries: Sequence[AccountAuditEntry]) -> None:
        super().__init__(id="account-history")
        self.user = user
        self.entries = list(entries)

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box"):
            yield Static(Content(f"History of {who(self.user)}"), classes="form-title")
            with VerticalScroll(id="history-lines"):
                if not self.entries:
                    yield Static("No change has been made to this account here yet.")
                for entry in self.entries:
                    when = entry.at.strftime("%Y-%m-%d %H:%M")
                    action = ACTION_WORDS.get(entry.action, entry.action)
                    yield Static(
                        Content(f"{when}  {action} by {entry.actor}\n  {entry.detail}"),
                        classes="history-entry",
                    )
            yield Static("Esc closes.", classes="form-hint")

    def action_close(self) -> None:
        self.dismiss(None)


# The screen -------------------------------------------------------------------------------


def _binding(key: str, action: str, description: str, tooltip: str) -> Binding:
    return Binding(key, action, description, id=f"accounts.{action}", tooltip=tooltip)


class AccountsScreen(RefreshingScreen):
    """The users this CCDA administers (the exchange: every firm's CCDAs)."""

    CSS_PATH = "admin.tcss"
    AUTO_FOCUS = "#accounts-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding("n", "create", "New user", "Create a user; the portal e-mails a set-up token."),
        _binding("e", "rights", "Rights", "Grant or remove the highlighted user's rights."),
        _binding(
            "s",
            "status",
            "Suspend/reactivate",
            "Suspend the user (ends its sessions) or reactivate it.",
        ),
        _binding("u", "unlock", "Unlock", "Unlock an account locked by failed attempts."),
        _binding(
            "d",
            "reset_device",
            "Reset device",
            "Forget the user's authenticator app; the next login by app registers it again.",
        ),
        _binding(
            "m",
            "setup_mail",
            "Set-up mail",
            "E-mail a new set-up token to a user who has not set a password yet.",
        ),
        _binding("h", "history", "History", "Every change made to the account, newest first."),
        _binding("slash", "filter", "Filter", "Narrow the list by words: ID, name, status, right."),
        _binding("r", "retry", "Refresh", "Fetch the list from the portal again."),
        _binding("escape", "back", "Back", "Clear the filter, or close Accounts."),
    ]

    def __init__(self) -> None:
        super().__init__(id="accounts")
        self.users: list[AdminUser] = []
        self.catalogue: dict[str, Right] = {}
        self.loaded = False

    # Layout

    @property
    def exchange_view(self) -> bool:
        """The exchange's list: CCDAs of every firm, with a Firm column."""
        return self.portal_app.participant_id is None

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Vertical(id="accounts-box"):
            with Horizontal(id="accounts-head"):
                yield Static(id="accounts-title")
                yield Input(placeholder="/ filter", id="accounts-filter", compact=True)
            yield DataTable(id="accounts-table", cursor_type="row", zebra_stripes=True)
            yield Static(id="account-detail")
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        table = self.query_one("#accounts-table", DataTable)
        if self.exchange_view:
            table.add_column("Firm", key="firm", width=6)
        # 80 columns: the widths and each column's two cells of padding fill 78.
        widths = (21, 12, 9, 6, 6, 11) if not self.exchange_view else (15, 10, 9, 6, 6, 11)
        for (label, key), width in zip(
            (
                ("User ID", "user_id"),
                ("Name", "name"),
                ("Status", "status"),
                ("Locked", "locked"),
                ("OTP", "otp"),
                ("Device", "device"),
            ),
            widths,
            strict=True,
        ):
            table.add_column(label, key=key, width=width)
        self._show_title()
        self.load()

    def _show_title(self) -> None:
        app = self.portal_app
        where = "CCDAs of every firm" if self.exchange_view else str(app.participant_id)
        if self.loaded:
            shown = len(self.visible_users())
            total = len(self.users)
            count = f"{shown} of {total}" if shown != total else str(total)
            where += f" · {count} {'account' if total == 1 else 'accounts'}"
        self.query_one("#accounts-title", Static).update(Content(f"Accounts · {where}"))

    # What it shows

    def visible_users(self) -> list[AdminUser]:
        words = self.query_one("#accounts-filter", Input).value.lower().split()
        return [user for user in self.users if matches(user, words)]

    @property
    def selected(self) -> AdminUser | None:
        table = self.query_one("#accounts-table", DataTable)
        if not self.users or table.row_count == 0:
            return None
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        return next((u for u in self.users if u.user_id == row_key.value), None)

    def show_users(self, keep: str | None = None) -> None:
        table = self.query_one("#accounts-table", DataTable)
        keep = keep or (self.selected.user_id if self.selected else None)
        table.clear()
        for user in self.visible_users():
            table.add_row(*account_cells(user, with_firm=self.exchange_view), key=user.user_id)
        if keep is not None:
            try:
                table.move_cursor(row=table.get_row_index(keep))
            except RowDoesNotExist:  # filtered out: stay at the top
                table.move_cursor(row=0)
        self._show_title()
        self._show_detail()

    def _show_detail(self) -> None:
        detail = self.query_one("#account-detail", Static)
        user = self.selected
        if user is None:
            detail.update(
                Content("No account matches the filter." if self.users else "No accounts.")
                if self.loaded
                else Content("Asking the portal…")
            )
        else:
            detail.update(Content("\n".join(detail_lines(user, self.catalogue))))
        self.refresh_bindings()

    def replace_user(self, user: AdminUser) -> None:
        for index, known in enumerate(self.users):
            if known.user_id == user.user_id and known.participant_id == user.participant_id:
                self.users[index] = user
                break
        else:
            self.users.append(user)
            self.users.sort(key=lambda u: (u.participant_id or "", u.user_id))
        self.show_users(keep=user.user_id)

    @on(DataTable.RowHighlighted, "#accounts-table")
    def _highlighted(self) -> None:
        self._show_detail()

    @on(Input.Changed, "#accounts-filter")
    def _filter_changed(self) -> None:
        self.show_users()

    @on(Input.Submitted, "#accounts-filter")
    def _filter_done(self) -> None:
        self.query_one("#accounts-table", DataTable).focus()

    # Keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("retry", "back", "filter"):
            return True
        if action == "create":
            return self.loaded or None
        user = self.selected
        if action in ("rights", "status", "reset_device", "history"):
            return user is not None or None
        if action == "unlock":
            return (user is not None and user.locked) or None
        if action == "setup_mail":
            return (user is not None and not user.password_set) or None
        return super().check_action(action, parameters)

    def reload(self) -> None:
        self.load()

    def action_back(self) -> None:
        field = self.query_one("#accounts-filter", Input)
        if field.value or field.has_focus:
            field.value = ""
            self.query_one("#accounts-table", DataTable).focus()
            return
        self.dismiss()

    def action_filter(self) -> None:
        self.query_one("#accounts-filter", Input).focus()

    def action_create(self) -> None:
        firm = None if self.exchange_view else self.portal_app.participant_id
        self.app.push_screen(NewUserScreen(list(self.catalogue.values()), firm=firm), self._made)

    def _made(self, user: AdminUser | None) -> None:
        if user is None:
            return
        self.query_one("#accounts-filter", Input).value = ""
        self.replace_user(user)
        self.query_one(Notice).show(
            f"Created {who(user)}; the portal has e-mailed them a set-up token.", "success"
        )

    def action_rights(self) -> None:
        user = self.selected
        if user is not None:
            self.app.push_screen(RightsScreen(user, list(self.catalogue.values())), self._changed)

    def _changed(self, user: AdminUser | None) -> None:
        if user is not None:
            self.replace_user(user)
            self.query_one(Notice).show(f"Rights of {who(user)} changed.", "success")

    def action_status(self) -> None:
        user = self.selected
        if user is None:
            return
        user_id = user.user_id
        if user.status == "active":
            change = Change(
                prompt=f"Suspend {who(user)}?",
                detail="They are logged out at once and cannot log in until reactivated.",
                call=lambda portal, key: portal.update_user(user_id, status="suspended"),
                done=f"Suspended {who(user)}; their sessions have ended.",
            )
        else:
            change = Change(
                prompt=f"Reactivate {who(user)}?",
                detail="They can log in again with their password and one-time password.",
                call=lambda portal, key: portal.update_user(user_id, status="active"),
                done=f"Reactivated {who(user)}.",
            )
        self.confirm(change)

    def action_unlock(self) -> None:
        user = self.selected
        if user is None or not user.locked:
            return
        user_id = user.user_id
        self.confirm(
            Change(
                prompt=f"Unlock {who(user)}?",
                detail="Their failed attempts are cleared and they can log in again.",
                call=lambda portal, key: portal.unlock_user(user_id, idempotency_key=key),
                done=f"Unlocked {who(user)}.",
            )
        )

    def action_reset_device(self) -> None:
        user = self.selected
        if user is None:
            return
        user_id = user.user_id
        self.confirm(
            Change(
                prompt=f"Reset the OTP device of {who(user)}?",
                detail="Their authenticator app stops working here; their next login by app "
                "registers a device again.",
                call=lambda portal, key: portal.reset_device(user_id, idempotency_key=key),
                done=f"Reset the OTP device of {who(user)}.",
            )
        )

    def action_setup_mail(self) -> None:
        user = self.selected
        if user is None or user.password_set:
            return
        user_id = user.user_id
        self.confirm(
            Change(
                prompt=f"E-mail a new set-up token to {who(user)}?",
                detail="The token sent before stops working.",
                call=lambda portal, key: portal.resend_setup_mail(user_id, idempotency_key=key),
                done=f"A new set-up token is on its way to {user_id}.",
            )
        )

    def action_history(self) -> None:
        user = self.selected
        if user is not None:
            self.show_history(user)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                "Accounts: new user", "Create a user and e-mail a set-up token.", self.action_create
            ),
            PaletteCommand("Accounts: refresh", "Fetch the list again.", self.load),
        ]

    # The portal

    def confirm(self, change: Change) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.send(change)

        self.app.push_screen(ConfirmScreen(change.prompt, change.detail), answered)

    @work(exclusive=True, group="accounts", exit_on_error=False)
    async def load(self) -> None:
        app = self.portal_app
        try:
            portal = await app.client()
            rights = await portal.rights()
            users = await portal.admin_users()
        except PortalUnreachable as error:
            self.show_unreachable(error, self.load)
            return
        except SessionExpired as error:
            app.session_expired(error)
            return
        except PortalError as error:
            self.query_one(Notice).show(error.message)
            return
        self.catalogue = {right.code: right for right in rights}
        self.users = users
        self.loaded = True
        self.show_users()

    @work(exclusive=True, group="accounts-change", exit_on_error=False)
    async def send(self, change: Change) -> None:
        app = self.portal_app
        try:
            portal = await app.client()
            user = await change.call(portal, change.key)
        except PortalUnreachable as error:
            self.show_unreachable(error, lambda: self.send(change))
            return
        except SessionExpired as error:
            app.session_expired(error)
            return
        except PortalError as error:
            self.query_one(Notice).show(error.message)
            return
        self.replace_user(user)
        self.query_one(Notice).show(change.done, "success")

    @work(exclusive=True, group="accounts-history", exit_on_error=False)
    async def show_history(self, user: AdminUser) -> None:
        app = self.portal_app
        try:
            portal = await app.client()
            entries = await portal.account_audit(user.user_id)
        except PortalUnreachable as error:
            self.show_unreachable(error, lambda: self.show_history(user))
            return
        except SessionExpired as error:
            app.session_expired(error)
            return
        except PortalError as error:
            self.query_one(Notice).show(error.message)
            return
        self.app.push_screen(HistoryScreen(user, entries))
