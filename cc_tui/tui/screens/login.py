"""The login screen: user ID and password, the first of the two factors.

Empty and over-long fields are refused here, in place, without a request (the limits are
the contract's, `cc_tui.api.auth`). The user ID is remembered between runs (the app
saves it after a login) and kept when a later step sends the user back here (an expired
ticket, a lockout). The portal's answers are shown as they are: `detail` then `fix`.

The service line under the form comes from the app's start-up check; it says whether the
portal is open or in maintenance before anyone types a password.

"Forgot password or first login" (ctrl+f, its button, or the palette) leads to the
token screens (screens/password_reset.py). A set-up or reset token typed into the
password field is recognised by its shape and never sent as a password: the token
screen opens with it, so it never counts toward a lockout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Label, Static

from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.password import FORGOT_TITLE, looks_like_token
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.flow import LoginFlow
from cc_tui.tui.safe_text import safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.widgets.notice import Notice, NoticeKind, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.auth import ServiceStatus


def demo_users_line(user_ids: tuple[str, ...]) -> str:
    """The demo users' IDs, grouped by domain: what to type on the demo portal."""
    by_domain: dict[str, list[str]] = {}
    for user_id in user_ids:
        name, _at, domain = user_id.partition("@")
        by_domain.setdefault(domain, []).append(name)
    groups = [
        f"{names[0]}@{domain}" if len(names) == 1 else f"{'/'.join(names)}@{domain}"
        for domain, names in by_domain.items()
    ]
    return _("Demo users: {users}").format(users=", ".join(groups))


class LoginScreen(PortalScreen):
    """User ID and password. Leads to the OTP screen, or first to the device choice."""

    session_bound = False  # no session yet: a 401 is a refusal

    CSS_PATH = "login.tcss"
    AUTO_FOCUS = None
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+f",
            "forgot",
            "Forgot password",
            id="login.forgot",
            tooltip=N_(
                "Forgot password or first login: get a token by e-mail, or use the one from "
                "your set-up mail, and set your password."
            ),
        ),
        # A priority binding, so the focus moves while the app reads the keys, not later
        # in the field's own queue: keys typed right after enter (a fast typist, a burst
        # over ssh) then land in the password field, never in the visible user ID.
        Binding("enter", "user_id_entered", show=False, priority=True),
    ]

    def __init__(
        self, user_id: str = "", message: str | None = None, message_kind: NoticeKind = "error"
    ) -> None:
        super().__init__(id="login")
        self.initial_user_id = user_id
        self.initial_message = message
        self.initial_message_kind: NoticeKind = message_kind

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Center(id="login-middle"), Vertical(id="login-box"):
            yield Static("Client Connect", id="login-title")
            app = self.portal_app
            # On the demo portal its random URL tells nothing; who to log in as does.
            where = (
                demo_users_line(app.demo_users)
                if app.demo_users
                else _("Log in to {url}").format(url=app.server_url)
            )
            yield Static(Content(where), id="login-server")
            yield Label(_("User ID (your e-mail address)"), id="user-id-label")
            yield Input(
                value=self.initial_user_id,
                placeholder="name@firm.example",
                id="user-id",
            )
            yield Label(_("Password"), id="password-label")
            yield Input(password=True, id="password")
            with Horizontal(id="login-buttons"):
                yield Button(_("Log in"), id="log-in", variant="primary")
                yield Button(_(FORGOT_TITLE), id="forgot")
            yield Notice(id="notice")
        yield Static(id="service-line")
        yield Footer()

    def on_mount(self) -> None:
        notice = self.query_one(Notice)
        if self.initial_message:
            notice.show(self.initial_message, self.initial_message_kind)
        else:
            notice.clear()
        self.query_one("#service-line", Static).display = False
        self.focus_form()

    def focus_form(self) -> None:
        user_id = self.query_one("#user-id", Input)
        (self.query_one("#password", Input) if user_id.value else user_id).focus()

    @property
    def user_id(self) -> str:
        return self.query_one("#user-id", Input).value.strip()

    def show_service(self, status: ServiceStatus) -> None:
        from cc_tui.tui.widgets.session import service_summary

        line = self.query_one("#service-line", Static)
        line.update(safe_content(service_summary(status), multiline=True))
        line.set_class(status.maintenance, "-maintenance")
        line.display = True

    def portal_changed(self, user_id: str) -> None:
        """The portal turned out to be another than the one remembered at this URL (or
        the first frame did not know it): its own last user ID, unless one was typed."""
        field = self.query_one("#user-id", Input)
        if field.value.strip() != self.initial_user_id.strip() or field.value == user_id:
            return
        self.initial_user_id = user_id
        field.value = user_id
        if self.focused is None or self.focused in (field, self.query_one("#password")):
            self.focus_form()

    def show_message(self, text: str, kind: NoticeKind = "error") -> None:
        self.query_one(Notice).show(text, kind)

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                _(FORGOT_TITLE),
                _(
                    "Get a token by e-mail, or use the one from your set-up mail, and set "
                    "your password."
                ),
                self.action_forgot,
            )
        ]

    @on(Button.Pressed, "#forgot")
    def action_forgot(self) -> None:
        from cc_tui.tui.screens.password_reset import ForgotPasswordScreen

        self.app.push_screen(ForgotPasswordScreen(self.user_id))

    def open_token_screen(self, token: str) -> None:
        """A token was typed as the password: take it where it belongs."""
        from cc_tui.tui.screens.password_reset import TokenPasswordScreen

        self.query_one("#password", Input).value = ""
        self.app.push_screen(
            TokenPasswordScreen(
                self.user_id,
                token=token,
                note=_(
                    "That was a set-up or reset token, not a password, so it was not sent "
                    "as one (and counts toward no lockout). It goes here: type your new "
                    "password twice and choose Set password."
                ),
            )
        )

    def action_user_id_entered(self) -> None:
        """Enter in the user ID moves on to the password (or, with no user ID typed,
        says so). Keys already on their way to the user ID field are typed there first:
        whether it is empty is asked in that field's own queue, after them."""
        user_input = self.query_one("#user-id", Input)
        if self.focused is not user_input:
            raise SkipAction
        self.set_focus(self.query_one("#password", Input))
        user_input.call_later(self._after_user_id_entered)

    def _after_user_id_entered(self) -> None:
        if not self.user_id:
            self.submit()

    @on(Input.Submitted, "#password")
    @on(Button.Pressed, "#log-in")
    def submit(self) -> None:
        from cc_tui.api.auth import PASSWORD_MAX, USER_ID_MAX

        user_input = self.query_one("#user-id", Input)
        password_input = self.query_one("#password", Input)
        user_id, password = self.user_id, password_input.value
        problem = None
        if not user_id:
            problem = _("Type your user ID: the e-mail address you log in with.")
            field = user_input
        elif len(user_id) > USER_ID_MAX:
            problem = _(
                "That user ID is {length} characters long; a user ID has at most "
                "{most}. Check it and type it again."
            ).format(length=len(user_id), most=USER_ID_MAX)
            field = user_input
        elif not password:
            problem, field = _("Type your password."), password_input
        elif len(password) > PASSWORD_MAX:
            problem = _(
                "That password is {length} characters long; a password has at most "
                "{most}. Check it and type it again."
            ).format(length=len(password), most=PASSWORD_MAX)
            field = password_input
        if problem:
            self.show_message(problem)
            field.focus()
            return
        self.query_one(Notice).clear()
        if looks_like_token(password):
            self.open_token_screen(password)
            return
        self.log_in(user_id, password)

    @work(exclusive=True, group="login", exit_on_error=False)
    async def log_in(self, user_id: str, password: str) -> None:
        button = self.query_one("#log-in", Button)
        button.disabled = True
        button.label = _("Logging in…")

        def refused(error: PortalError) -> None:
            if error.code == "token_not_password":
                self.open_token_screen(password)
                return
            self.show_message(error.message)
            password_input = self.query_one("#password", Input)
            if error.code != "mail_failed":  # the password was right: keep it for a retry
                password_input.value = ""
            password_input.focus()

        try:
            answer = await self.call_portal(
                lambda portal: portal.login(user_id, password),
                retry=lambda: self.log_in(user_id, password),
                refused=refused,
            )
        finally:
            button.disabled = False
            button.label = _("Log in")
        if answer is FAILED:
            return
        self.query_one("#password", Input).value = ""
        flow = LoginFlow(
            user_id=user_id,
            ticket=answer.ticket,
            channel=answer.otp_channel,
            device_registration=answer.device_registration,
            device_registered=answer.device_registered,
            code_ttl_seconds=answer.code_ttl_seconds,
        )
        self.portal_app.continue_login(flow)
