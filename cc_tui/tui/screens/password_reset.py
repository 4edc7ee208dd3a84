"""Forgot password or first login: a set-up or reset token, then a password of one's own.

Two steps, each a screen reached from the login screen (ctrl+f, its button, or the
palette), in the words the mails use (`cc_tui.domain.password`):

- `ForgotPasswordScreen`: the user ID, then "Mail me a token" (POST
  /auth/password/forgot; the portal answers alike for every user ID, so the screen says
  "if ... is a user of this portal") or "I have a token" (a new user's set-up mail
  already carries one).
- `TokenPasswordScreen`: the token from the mail and the new password twice. The
  password rule is the domain's, the same code the portal runs, so each reason is shown
  as it is typed (the profile's `new_password_lines`); the portal's own refusals (an
  expired or used token) are shown in place. Success goes back to the login screen with
  the user ID filled and the password field focused.

A token typed into the login screen's password field is recognised by its shape
(`looks_like_token`) and opens `TokenPasswordScreen` with it, instead of being sent as a
password (the portal would refuse it too, without counting a failure).
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Button, Footer, Input, Label, Static

from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import N_, _
from cc_tui.domain.password import (
    FORGOT_TITLE,
    TOKEN_PREFIX,
    TOKEN_SCREEN_TITLE,
    password_problems,
)
from cc_tui.tui.safe_text import safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner

USER_ID_MAX = 254  # api.auth.USER_ID_MAX, without importing pydantic for it
TOKEN_MAX = 200  # api.auth.ResetPasswordRequest.token
PASSWORD_SET = N_("Your password is set. Log in with it now.")

BACK = Binding(
    "escape",
    "back",
    "Back to login",
    id="password_reset.back",
    tooltip=N_("Leave without changing anything and go back to the login screen."),
)


def user_id_problem(user_id: str) -> str | None:
    if not user_id:
        return _("Type your user ID: the e-mail address you log in with.")
    if len(user_id) > USER_ID_MAX:
        return _(
            "That user ID is {length} characters long; a user ID has at most "
            "{most}. Check it and type it again."
        ).format(length=len(user_id), most=USER_ID_MAX)
    return None


class ForgotPasswordScreen(PortalScreen):
    """The user ID, then a token by e-mail or the one a set-up mail brought."""

    session_bound = False  # no session yet: a 401 is a refusal

    CSS_PATH = "password_reset.tcss"
    AUTO_FOCUS = "#forgot-user-id"
    BINDINGS: ClassVar[list[BindingType]] = [BACK]

    def __init__(self, user_id: str = "") -> None:
        super().__init__(id="forgot-password")
        self.initial_user_id = user_id

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Vertical(id="reset-box"):
            yield Static(_(FORGOT_TITLE), classes="reset-title")
            yield Static(
                _(
                    "Type your user ID and choose Mail me a token: the portal e-mails you a "
                    "token that sets a new password. A new user's set-up mail already holds "
                    "one: choose I have a token."
                ),
                classes="reset-help",
            )
            yield Label(_("User ID (your e-mail address)"))
            yield Input(
                value=self.initial_user_id, placeholder="name@firm.example", id="forgot-user-id"
            )
            with Horizontal(classes="reset-buttons"):
                yield Button(_("Mail me a token"), id="send-token", variant="primary")
                yield Button(_("I have a token"), id="have-token")
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()

    @property
    def user_id(self) -> str:
        return self.query_one("#forgot-user-id", Input).value.strip()

    def action_back(self) -> None:
        self.portal_app.show_login(user_id=self.user_id or None)

    @on(Button.Pressed, "#have-token")
    def have_token(self) -> None:
        self.app.push_screen(TokenPasswordScreen(self.user_id))

    @on(Input.Submitted, "#forgot-user-id")
    @on(Button.Pressed, "#send-token")
    def send_token(self) -> None:
        problem = user_id_problem(self.user_id)
        if problem:
            self.query_one(Notice).show(problem)
            self.query_one("#forgot-user-id", Input).focus()
            return
        self.mail_token(self.user_id)

    @work(exclusive=True, group="forgot", exit_on_error=False)
    async def mail_token(self, user_id: str) -> None:
        mailed = await self.call_portal(
            lambda portal: portal.forgot_password(user_id),
            retry=lambda: self.mail_token(user_id),
            busy=_("Asking the portal to mail a token to {user_id}…").format(user_id=user_id),
        )
        if mailed is FAILED:
            return
        self.query_one(Notice).clear()
        self.app.push_screen(TokenPasswordScreen(user_id, mailed=True))


class TokenPasswordScreen(PortalScreen):
    """The token from the mail and the new password, twice. Leads back to login."""

    session_bound = False  # no session yet: a 401 is a refusal

    CSS_PATH = "password_reset.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [BACK]

    def __init__(
        self, user_id: str = "", *, mailed: bool = False, token: str = "", note: str = ""
    ) -> None:
        super().__init__(id="token-password")
        self.initial_user_id = user_id
        self.mailed = mailed
        self.initial_token = token.strip()
        self.note = note

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Vertical(id="reset-box"):
            yield Static(_(TOKEN_SCREEN_TITLE), classes="reset-title")
            yield Static(
                safe_content(self._intro(), multiline=True), id="token-intro", classes="reset-help"
            )
            rows = (
                ("token-user-id", _("User ID"), self.initial_user_id, "name@firm.example"),
                ("token", _("Token"), self.initial_token, f"{TOKEN_PREFIX}…"),
                ("new-password", _("New password"), "", ""),
                ("repeat-password", _("New password again"), "", ""),
            )
            for field, label, value, placeholder in rows:
                secret = field.endswith("password")
                with Horizontal(classes="reset-row"):
                    yield Label(label, classes="reset-label")
                    yield Input(
                        value=value,
                        placeholder=placeholder,
                        password=secret,
                        id=field,
                        compact=True,
                    )
            yield Static(id="rule-lines")
            with Horizontal(classes="reset-buttons"):
                yield Button(_("Set password"), id="set-password", variant="primary")
            yield Notice(id="notice")
            if self.portal_app.demo:
                # As the code screen says where a demo's login code is: the mail is in
                # the demo portal's outbox, not in anyone's inbox.
                yield Static(
                    Content(
                        _("Demo: read the token in another terminal with")
                        + f"\ncc-tui mailbox --to {self.initial_user_id or 'USER'} --last"
                        + self.portal_app.demo_data_dir_option
                    ),
                    id="demo-hint",
                    classes="reset-help",
                )
        yield Footer()

    def _intro(self) -> str:
        if self.note:
            return self.note
        if self.mailed:
            return _(
                "If {user_id} is a user of this portal, a token is on its way "
                "there by e-mail. It works once, within 30 minutes. Paste it here with your "
                "new password, twice."
            ).format(user_id=self.initial_user_id)
        return _(
            "Paste the token from your set-up or reset e-mail, and type your new password twice."
        )

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self._show_rule()
        first_empty = next(
            (
                field
                for field in self.query(Input).results(Input)
                if not field.value and field.id != "repeat-password"
            ),
            None,
        )
        (first_empty or self.query_one("#new-password", Input)).focus()

    def _values(self) -> tuple[str, str, str, str]:
        return (
            self.query_one("#token-user-id", Input).value.strip(),
            self.query_one("#token", Input).value.strip(),
            self.query_one("#new-password", Input).value,
            self.query_one("#repeat-password", Input).value,
        )

    @on(Input.Changed)
    def _show_rule(self) -> None:
        from cc_tui.tui.screens.profile import new_password_lines

        user_id, _token, new, repeat = self._values()
        lines = new_password_lines(user_id, new, repeat)
        rule = self.query_one("#rule-lines", Static)
        rule.update(safe_content("\n".join(lines), multiline=True))
        rule.set_class(any(line.startswith("✗") for line in lines), "-problem")
        # What was said wrong on sending stands no longer once a field changes (the rule
        # lines above say what is still wrong as you type): not left under them, stale.
        self.query_one(Notice).clear_problem()

    def action_back(self) -> None:
        self.portal_app.show_login(user_id=self._values()[0] or None)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "repeat-password":
            self.submit()
        else:
            self.focus_next()

    def _problem(self) -> tuple[str, str] | None:
        """What stops the form from being sent, and the field to fix (its id)."""
        user_id, token, new, repeat = self._values()
        problem = user_id_problem(user_id)
        if problem:
            return problem, "token-user-id"
        if not token:
            return _("Paste the token from the e-mail."), "token"
        if len(token) > TOKEN_MAX:
            return (
                _(
                    "That token is {length} characters long; the portal's tokens start "
                    "with {prefix} and are {expected} long. Paste it again."
                ).format(length=len(token), prefix=TOKEN_PREFIX, expected=len(TOKEN_PREFIX) + 43),
                "token",
            )
        if not new:
            return _("Type your new password."), "new-password"
        problems = password_problems(new, user_id)
        if problems:
            return " ".join(problems), "new-password"
        if repeat != new:
            return _("The repeated password differs; type the new one twice."), "repeat-password"
        return None

    @on(Button.Pressed, "#set-password")
    def submit(self) -> None:
        found = self._problem()
        if found is not None:
            message, field = found
            self.query_one(Notice).show(message)
            self.query_one(f"#{field}", Input).focus()
            return
        user_id, token, new, _repeat = self._values()
        self.set_password(user_id, token, new)

    @work(exclusive=True, group="reset", exit_on_error=False)
    async def set_password(self, user_id: str, token: str, new: str) -> None:
        notice = self.query_one(Notice)
        button = self.query_one("#set-password", Button)
        button.disabled = True

        def refused(error: PortalError) -> None:
            notice.show(error.message)
            fields = {problem.field for problem in error.errors}
            target = "token" if "token" in fields else "new-password"
            self.query_one(f"#{target}", Input).focus()

        try:
            done = await self.call_portal(
                lambda portal: portal.reset_password(token, new),
                retry=lambda: self.set_password(user_id, token, new),
                busy=_("Setting your password…"),
                refused=refused,
            )
        finally:
            button.disabled = False
        if done is FAILED:
            return
        self.portal_app.show_login(user_id=user_id, message=_(PASSWORD_SET), message_kind="success")
