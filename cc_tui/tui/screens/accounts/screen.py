"""Accounts: the table of users and its keys (see the package's docstring)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import DataTable, Footer, Input, Static
from textual.widgets.data_table import RowDoesNotExist

from cc_tui.domain.i18n import N_, _, ngettext
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import cut_content, flatten, safe_content
from cc_tui.tui.screens.accounts.forms import HistoryScreen, NewUserScreen, RightsScreen
from cc_tui.tui.screens.accounts.words import Change, account_cells, detail_lines, matches, who
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.screens.confirm import ConfirmScreen
from cc_tui.tui.widgets.list_keys import ListTable
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.admin import AdminUser, Right
    from cc_tui.client.portal import PortalClient


COLUMNS = (
    (N_("User ID"), "user_id"),
    (N_("Name"), "name"),
    (N_("Status"), "status"),
    (N_("Locked"), "locked"),
    (N_("OTP"), "otp"),
    (N_("Device"), "device"),
)
NARROW_DROPS = frozenset({"name", "otp"})
NARROW_BELOW = 78


def _binding(key: str, action: str, description: str, tooltip: str) -> Binding:
    return Binding(key, action, description, id=f"accounts.{action}", tooltip=tooltip)


class AccountsScreen(RefreshingScreen):
    """The users this CCDA administers (the exchange: every firm's CCDAs)."""

    CSS_PATH = "accounts.tcss"
    AUTO_FOCUS = "#accounts-table"
    BINDINGS: ClassVar[list[BindingType]] = [
        _binding(
            "n", "create", N_("New user"), N_("Create a user; the portal e-mails a set-up token.")
        ),
        _binding("e", "rights", N_("Rights"), N_("Grant or remove the highlighted user's rights.")),
        _binding(
            "s",
            "status",
            N_("Suspend/reactivate"),
            N_("Suspend the user (ends its sessions) or reactivate it."),
        ),
        _binding("u", "unlock", N_("Unlock"), N_("Unlock an account locked by failed attempts.")),
        _binding(
            "d",
            "reset_device",
            N_("Reset device"),
            N_("Forget the user's authenticator app; the next login by app registers it again."),
        ),
        _binding(
            "m",
            "setup_mail",
            N_("Set-up mail"),
            N_("E-mail a new set-up token to a user who has not set a password yet."),
        ),
        _binding(
            "h", "history", N_("History"), N_("Every change made to the account, newest first.")
        ),
        _binding(
            "slash",
            "filter",
            N_("Filter"),
            N_("Narrow the list by words: ID, name, status, right."),
        ),
        _binding("r", "retry", N_("Refresh"), N_("Fetch the list from the portal again.")),
        _binding("escape", "back", N_("Back"), N_("Clear the filter, or close Accounts.")),
    ]

    def __init__(self) -> None:
        super().__init__(id="accounts")
        self.users: list[AdminUser] = []
        self.catalogue: dict[str, Right] = {}
        self.loaded = False
        self._narrow = False
        self._widths: dict[str, int] = {}

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
                yield Input(placeholder=_("/ filter"), id="accounts-filter", compact=True)
            yield ListTable(id="accounts-table", screen_keys=("find",))
            yield Static(id="account-detail")
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self._add_columns()
        self._show_title()
        self.load()

    @property
    def narrow(self) -> bool:
        """Under 78 columns the Name and OTP columns give way (the line under the table
        names the highlighted user and says both), so none is pushed off the edge."""
        return self.size.width < NARROW_BELOW

    def _add_columns(self) -> None:
        table = self.query_one("#accounts-table", DataTable)
        table.clear(columns=True)
        self._narrow = self.narrow
        # 80 columns: the widths and each column's two cells of padding fill 78.
        widths = (21, 12, 9, 6, 6, 11) if not self.exchange_view else (15, 10, 9, 6, 6, 11)
        self._widths = {"firm": 6} | {key: w for (_, key), w in zip(COLUMNS, widths, strict=True)}
        for label, key in COLUMNS:
            if key == "user_id" and self.exchange_view:
                table.add_column(_("Firm"), key="firm", width=6)
            if key in self.shown_columns:
                table.add_column(_(label), key=key, width=self._widths[key])

    @property
    def shown_columns(self) -> tuple[str, ...]:
        keys = (("firm",) if self.exchange_view else ()) + tuple(key for _, key in COLUMNS)
        return tuple(key for key in keys if not (self._narrow and key in NARROW_DROPS))

    def on_resize(self) -> None:
        if self.is_mounted and self.narrow != self._narrow:
            self._add_columns()
            self.show_users()

    def _show_title(self) -> None:
        app = self.portal_app
        where = _("CCDAs of every firm") if self.exchange_view else str(app.participant_id)
        if self.loaded:
            shown = len(self.visible_users())
            total = len(self.users)
            if shown != total:
                count = ngettext("{shown} of {total} account", "{shown} of {total} accounts", total)
            else:
                count = ngettext("{total} account", "{total} accounts", total)
            where += " · " + count.format(shown=shown, total=total)
        self.query_one("#accounts-title", Static).update(
            safe_content(flatten(_("Accounts · {where}").format(where=where)))
        )

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
            keys = (("firm",) if self.exchange_view else ()) + tuple(key for _, key in COLUMNS)
            cells = dict(zip(keys, account_cells(user, with_firm=self.exchange_view), strict=True))
            # A DataTable reads a str cell as markup: portal text goes in as Content.
            table.add_row(
                *(cut_content(cells[key], self._widths[key]) for key in self.shown_columns),
                key=user.user_id,
            )
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
                Content(_("No account matches the filter.") if self.users else _("No accounts."))
                if self.loaded
                else Content(_("Asking the portal…"))
            )
        else:
            detail.update(
                safe_content(
                    "\n".join(detail_lines(user, self.catalogue, narrow=self._narrow)),
                    multiline=True,
                )
            )
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

    def membership_switched(self) -> None:
        """Another membership acts now: its users, or, where this user is no CCDA of it,
        back to where it came from."""
        from cc_tui.tui.screens.accounts.access import administers

        if not administers(self.portal_app) and self.app.screen is self:
            self.dismiss()
            self.app.notify(
                _(
                    "You are no delegated administrator (CCDA) of {participant_id}: Accounts is "
                    "closed."
                ).format(participant_id=self.portal_app.participant_id),
                title=_("Accounts"),
                timeout=8,
            )
            return
        self.users = []
        self.loaded = False
        self.query_one("#accounts-filter", Input).value = ""
        self.show_users()
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
            _("Created {who}; the portal has e-mailed them a set-up token.").format(who=who(user)),
            "success",
        )

    def action_rights(self) -> None:
        user = self.selected
        if user is not None:
            self.app.push_screen(RightsScreen(user, list(self.catalogue.values())), self._changed)

    def _changed(self, user: AdminUser | None) -> None:
        if user is not None:
            self.replace_user(user)
            self.query_one(Notice).show(
                _("Rights of {who} changed.").format(who=who(user)), "success"
            )

    def action_status(self) -> None:
        user = self.selected
        if user is None:
            return
        user_id = user.user_id
        if user.status == "active":
            change = Change(
                prompt=_("Suspend {who}?").format(who=who(user)),
                detail=_("They are logged out at once and cannot log in until reactivated."),
                call=lambda portal, key: portal.update_user(user_id, status="suspended"),
                done=_("Suspended {who}; their sessions have ended.").format(who=who(user)),
            )
        else:
            change = Change(
                prompt=_("Reactivate {who}?").format(who=who(user)),
                detail=_("They can log in again with their password and one-time password."),
                call=lambda portal, key: portal.update_user(user_id, status="active"),
                done=_("Reactivated {who}.").format(who=who(user)),
            )
        self.confirm(change)

    def action_unlock(self) -> None:
        user = self.selected
        if user is None or not user.locked:
            return
        user_id = user.user_id
        self.confirm(
            Change(
                prompt=_("Unlock {who}?").format(who=who(user)),
                detail=_("Their failed attempts are cleared and they can log in again."),
                call=lambda portal, key: portal.unlock_user(user_id, idempotency_key=key),
                done=_("Unlocked {who}.").format(who=who(user)),
            )
        )

    def action_reset_device(self) -> None:
        user = self.selected
        if user is None:
            return
        user_id = user.user_id
        self.confirm(
            Change(
                prompt=_("Reset the OTP device of {who}?").format(who=who(user)),
                detail=_(
                    "Their authenticator app stops working here; their next login by app "
                    "registers a device again."
                ),
                call=lambda portal, key: portal.reset_device(user_id, idempotency_key=key),
                done=_("Reset the OTP device of {who}.").format(who=who(user)),
            )
        )

    def action_setup_mail(self) -> None:
        user = self.selected
        if user is None or user.password_set:
            return
        user_id = user.user_id
        self.confirm(
            Change(
                prompt=_("E-mail a new set-up token to {who}?").format(who=who(user)),
                detail=_("The token sent before stops working."),
                call=lambda portal, key: portal.resend_setup_mail(user_id, idempotency_key=key),
                done=_("A new set-up token is on its way to {user_id}.").format(user_id=user_id),
            )
        )

    def action_history(self) -> None:
        user = self.selected
        if user is not None:
            self.show_history(user)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                _("Accounts: new user"),
                _("Create a user and e-mail a set-up token."),
                self.action_create,
            ),
            PaletteCommand(_("Accounts: refresh"), _("Fetch the list again."), self.load),
        ]

    # The portal

    def confirm(self, change: Change) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.send(change)

        self.app.push_screen(ConfirmScreen(change.prompt, change.detail), answered)

    @work(exclusive=True, group="accounts", exit_on_error=False)
    async def load(self) -> None:

        async def both(portal: PortalClient) -> tuple[list[Right], list[AdminUser]]:
            return await portal.rights(), await portal.admin_users()

        found = await self.call_portal(both, retry=self.load)
        if found is FAILED:
            return
        rights, users = found
        self.catalogue = {right.code: right for right in rights}
        self.users = users
        self.loaded = True
        self.show_users()

    @work(exclusive=True, group="accounts-change", exit_on_error=False)
    async def send(self, change: Change) -> None:
        user = await self.call_portal(
            lambda portal: change.call(portal, change.key), retry=lambda: self.send(change)
        )
        if user is FAILED:
            return
        self.replace_user(user)
        self.query_one(Notice).show(change.done, "success")

    @work(exclusive=True, group="accounts-history", exit_on_error=False)
    async def show_history(self, user: AdminUser) -> None:
        entries = await self.call_portal(
            lambda portal: portal.account_audit(user.user_id),
            retry=lambda: self.show_history(user),
        )
        if entries is FAILED:
            return
        self.app.push_screen(HistoryScreen(user, entries))
