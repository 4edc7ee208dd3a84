"""The one-time password: the second factor, by e-mail or from an authenticator app.

The screen says which channel the code comes by. For e-mail, "Send the code again" shows
its wait as a countdown: 30 s from the last send, or what the portal's 429 `Retry-After`
says. Wrong and reused codes are said in place; a lockout (423) or an expired ticket
goes back to the login screen with the user ID kept and the portal's words shown there.

`CodeEntry` holds the part shared with the device registration screen: the code field
and the call that finishes the login.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Button, Footer, Input, Label, Static

from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.flow import LoginFlow
from cc_tui.tui.safe_text import safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.widgets.code import CODE_DIGITS, CodeInput
from cc_tui.tui.widgets.notice import Notice, ServerBanner

# Codes that end this login: start again from the password.
RESTART_CODES = frozenset({"ticket_expired", "account_locked"})
RESEND_LABEL = N_("Send the code again")


def typed_code(screen: PortalScreen) -> str | None:
    """The code in the screen's `#code` field, or None after saying in its `#notice`
    what is wrong with it (and putting the cursor back in the field)."""
    field = screen.query_one("#code", CodeInput)
    problem = field.problem
    if problem is None:
        return field.code
    screen.query_one("#notice", Notice).show(problem)
    field.focus()
    return None


class CodeEntry(PortalScreen):
    """A screen that finishes the login with a code (the OTP and device screens)."""

    session_bound = False  # no session yet: a 401 is a refusal

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back to login",
            id="login.back",
            tooltip=N_("Leave this login and start again from the password."),
        ),
    ]

    def __init__(self, flow: LoginFlow, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.flow = flow

    def action_back(self) -> None:
        self.portal_app.show_login(user_id=self.flow.user_id)

    def check_code(self) -> str | None:
        """The typed code, or None after saying in place what is wrong with it."""
        return typed_code(self)

    @work(exclusive=True, group="verify", exit_on_error=False)
    async def verify(self, code: str) -> None:
        notice = self.query_one("#notice", Notice)

        def refused(error: PortalError) -> None:
            if error.code in RESTART_CODES:
                self.portal_app.show_login(user_id=self.flow.user_id, message=error.message)
                return
            notice.show(error.message)
            field = self.query_one("#code", Input)
            field.value = ""
            field.focus()

        session = await self.call_portal(
            lambda portal: portal.verify_otp(self.flow.ticket, code),
            retry=lambda: self.verify(code),
            busy=_("Checking the code…"),
            refused=refused,
        )
        if session is FAILED:
            return
        notice.show(_("Logged in."), "success")
        self.portal_app.begin_session(session, self.flow.user_id)


class OtpScreen(CodeEntry):
    """The code by e-mail or from the app. Leads to the home screen."""

    CSS_PATH = "otp.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "s",
            "resend",
            "Send again",
            id="otp.resend",
            tooltip=N_("E-mail a new code (one every 30 seconds)."),
            priority=True,
        ),
    ]

    def __init__(self, flow: LoginFlow) -> None:
        super().__init__(flow, id="otp")
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        flow = self.flow
        yield ServerBanner(id="banner")
        with Vertical(id="otp-box"):
            yield Static(_("Enter your one-time password"), id="otp-title")
            if flow.channel == "email":
                channel = _(
                    "We e-mailed a {digits}-digit code to {user_id}. "
                    "It is valid for {minutes} minutes."
                ).format(digits=CODE_DIGITS, user_id=flow.user_id, minutes=flow.code_minutes)
            else:
                channel = _(
                    "Open your authenticator app and type the {digits}-digit code it "
                    "shows for Client Connect."
                ).format(digits=CODE_DIGITS)
            yield Static(safe_content(channel, multiline=True), id="otp-channel")
            yield Label(_("One-time password"))
            yield CodeInput()
            with Horizontal(id="otp-buttons"):
                yield Button(_("Log in"), id="verify", variant="primary")
                if flow.channel == "email":
                    yield Button(_(RESEND_LABEL), id="resend")
            yield Notice(id="notice")
            if flow.channel == "email" and self.portal_app.demo:
                yield Static(
                    Content(
                        _("Demo: read the code in another terminal with")
                        + f"\ncc-tui mailbox --to {flow.user_id} --last"
                        + self.portal_app.demo_data_dir_option
                    ),
                    id="demo-hint",
                )
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#notice", Notice).clear()
        self.query_one("#code", Input).focus()
        if self.flow.channel == "email":
            self._timer = self.set_interval(1.0, self.show_resend_wait)
            self.show_resend_wait()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resend":
            if self.flow.channel != "email":
                return False
            return self.flow.resend_wait() == 0
        return super().check_action(action, parameters)

    def show_resend_wait(self) -> None:
        if self.flow.channel != "email":
            return
        button = self.query_one("#resend", Button)
        wait = self.flow.resend_wait()
        button.disabled = wait > 0
        button.label = (
            _("{label} (in {wait} s)").format(label=_(RESEND_LABEL), wait=wait)
            if wait
            else _(RESEND_LABEL)
        )
        self.refresh_bindings()

    @on(Input.Submitted, "#code")
    @on(Button.Pressed, "#verify")
    def submit(self) -> None:
        code = self.check_code()
        if code is not None:
            self.verify(code)

    @on(Button.Pressed, "#resend")
    def action_resend(self) -> None:
        if self.flow.channel == "email" and self.flow.resend_wait() == 0:
            self.resend()

    @work(exclusive=True, group="resend", exit_on_error=False)
    async def resend(self) -> None:
        notice = self.query_one("#notice", Notice)
        self.query_one("#resend", Button).disabled = True

        def refused(error: PortalError) -> None:
            if error.code in RESTART_CODES:
                self.portal_app.show_login(user_id=self.flow.user_id, message=error.message)
                return
            if error.retry_after is not None:
                self.flow.mark_email_sent(wait=error.retry_after)
            notice.show(error.message)

        try:
            sent = await self.call_portal(
                lambda portal: portal.send_email_otp(self.flow.ticket),
                retry=self.resend,
                refused=refused,
            )
        finally:
            self.show_resend_wait()
        if sent is FAILED:
            return
        self.flow.mark_email_sent()
        self.show_resend_wait()
        notice.show(
            _("A new code is on its way to {user_id}.").format(user_id=self.flow.user_id),
            "success",
        )
        self.query_one("#code", Input).focus()
