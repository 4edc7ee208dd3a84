"""Authenticator (re-)registration: the choice, then the QR code and the first code.

`DeviceChoiceScreen`: *Register device* / *Skip this step* (skip only where the portal
offers it; "required" shows no skip). `DeviceScreen`: the otpauth:// URI as a QR code
drawn in the terminal (black on white, `QrCode`) beside short instructions; `m` shows the
key and the URI as text for someone on the same device ("On a mobile device?"), `c`
copies the key (OSC 52: works over SSH). The first code from the app finishes the login
and, on the portal, replaces the old secret.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.events import Resize
from textual.widgets import Button, Footer, Input, Label, Static

from cc_tui.client.errors import PortalError, PortalUnreachable
from cc_tui.tui.flow import LoginFlow
from cc_tui.tui.screens.base import PortalScreen
from cc_tui.tui.screens.otp import RESTART_CODES, CodeEntry, OtpScreen
from cc_tui.tui.widgets.code import CodeInput
from cc_tui.tui.widgets.notice import Notice, ServerBanner
from cc_tui.tui.widgets.qr import QrCode

if TYPE_CHECKING:
    from cc_tui.api.auth import DeviceRegistration


def grouped_secret(secret: str) -> str:
    """`ABCD EFGH IJKL ...`: easier to type from a screen."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class DeviceChoiceScreen(PortalScreen):
    """Register device / Skip this step. Leads to the device screen or the OTP screen."""

    CSS_PATH = "device.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back to login",
            id="login.back",
            tooltip="Leave this login and start again from the password.",
        ),
    ]

    def __init__(self, flow: LoginFlow) -> None:
        super().__init__(id="device-choice")
        self.flow = flow

    @property
    def may_skip(self) -> bool:
        return self.flow.device_registration == "offered"

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Vertical(id="choice-box"):
            if self.flow.device_registration == "required":
                title = "Register your authenticator app again"
                text = (
                    "Your authenticator app must be registered again before you can log "
                    "in. It takes a minute: scan a QR code with the app, then type the "
                    "code it shows."
                )
            else:
                title = "Register an authenticator app?"
                text = (
                    "You can register an authenticator app now: the portal recommends it, "
                    "as codes by e-mail are the weaker choice. Or skip this step and log "
                    "in as before."
                )
            yield Static(title, id="choice-title")
            yield Static(Content(text), id="choice-text")
            with Horizontal(id="choice-buttons"):
                yield Button("Register device", id="register", variant="primary")
                if self.may_skip:
                    yield Button("Skip this step", id="skip")
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#notice", Notice).clear()
        self.query_one("#register", Button).focus()

    def action_back(self) -> None:
        self.portal_app.show_login(user_id=self.flow.user_id)

    @on(Button.Pressed, "#register")
    def _register_pressed(self) -> None:
        self.register()

    @on(Button.Pressed, "#skip")
    def _skip_pressed(self) -> None:
        self.skip()

    @work(exclusive=True, group="device", exit_on_error=False)
    async def register(self) -> None:
        try:
            portal = await self.portal_app.client()
            registration = await portal.register_device(self.flow.ticket)
        except PortalUnreachable as error:
            self.show_unreachable(error, self.register)
            return
        except PortalError as error:
            self._refused(error)
            return
        self.app.push_screen(DeviceScreen(self.flow, registration))

    @work(exclusive=True, group="device", exit_on_error=False)
    async def skip(self) -> None:
        try:
            portal = await self.portal_app.client()
            await portal.skip_device(self.flow.ticket)
        except PortalUnreachable as error:
            self.show_unreachable(error, self.skip)
            return
        except PortalError as error:
            self._refused(error)
            return
        self.flow.channel = self.flow.channel_after_skip()
        if self.flow.channel == "email":
            self.flow.mark_email_sent()
        self.app.switch_screen(OtpScreen(self.flow))

    def _refused(self, error: PortalError) -> None:
        if error.code in RESTART_CODES:
            self.portal_app.show_login(user_id=self.flow.user_id, message=error.message)
        else:
            self.query_one("#notice", Notice).show(error.message)


class DeviceScreen(CodeEntry):
    """The QR code and the first code from the app. Leads to the home screen."""

    CSS_PATH = "device.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "m",
            "toggle_text",
            "Key as text",
            id="device.as_text",
            tooltip="On a mobile device? Show the key and the link as text.",
            priority=True,
        ),
        Binding(
            "c",
            "copy_key",
            "Copy key",
            id="device.copy_key",
            tooltip="Copy the key to the clipboard (works over SSH).",
            priority=True,
        ),
    ]

    def __init__(self, flow: LoginFlow, registration: DeviceRegistration) -> None:
        super().__init__(flow, id="device")
        self.registration = registration

    def compose(self) -> ComposeResult:
        registration = self.registration
        yield ServerBanner(id="banner")
        with Horizontal(id="device-body"):
            with Center(id="qr-pane"):
                yield QrCode(registration.otpauth_uri, id="qr")
                yield Static(
                    Content("The terminal is too small for the QR code: press m for the key."),
                    id="qr-too-small",
                )
            with VerticalScroll(id="device-pane"):
                yield Static("Register your authenticator app", id="device-title")
                yield Static(
                    Content(
                        "1. Open your authenticator app\n   and add an account.\n"
                        "2. Scan the QR code.\n"
                        "3. Type the 6-digit code it\n   shows, then press Enter."
                    ),
                    id="device-steps",
                )
                yield Static(
                    Content(
                        "On a mobile device? Add this key in your app:\n"
                        f"{grouped_secret(registration.secret)}\n"
                        f"Account: {registration.account}\n"
                        f"Issuer: {registration.issuer}\n"
                        "Or open this link on the device:\n"
                        f"{registration.otpauth_uri}"
                    ),
                    id="device-text",
                )
                yield Label("Code from the app")
                yield CodeInput()
                yield Notice(id="notice")
                yield Static(Content("m  On a mobile device?"), id="device-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#notice", Notice).clear()
        self.query_one("#device-text").display = False
        self.query_one("#code", Input).focus()
        self._fit_qr()

    def on_resize(self, _: Resize) -> None:
        self._fit_qr()

    def _fit_qr(self) -> None:
        qr = self.query_one(QrCode)
        # The QR pane has the screen's height less the footer; the text pane keeps at least
        # 30 columns.
        rows = max(0, self.size.height - 1)
        columns = max(0, self.size.width - 30)
        fits = qr.fit(rows, columns)
        qr.display = fits
        self.query_one("#qr-too-small").display = not fits

    def action_toggle_text(self) -> None:
        text = self.query_one("#device-text")
        text.display = not text.display
        self.query_one("#device-steps").display = not text.display
        hint = "m  Back to the steps" if text.display else "m  On a mobile device?"
        self.query_one("#device-hint", Static).update(Content(hint))

    def action_copy_key(self) -> None:
        self.app.copy_to_clipboard(self.registration.secret)
        self.query_one("#notice", Notice).show("The key is on the clipboard.", "success")

    @on(Input.Submitted, "#code")
    def submit(self) -> None:
        code = self.check_code()
        if code is not None:
            self.verify(code)
