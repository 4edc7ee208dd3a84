"""Authenticator (re-)registration: the choice, then the QR code and the first code.

`DeviceChoiceScreen`: *Register device* / *Skip this step* (skip only where the portal
offers it; "required" shows no skip). `DeviceScreen`: the otpauth:// URI as a QR code
drawn in the terminal (black on white, `QrCode`) beside short instructions; `m` shows the
key and the URI as text for someone on the same device ("On a mobile device?"), `c`
copies the key (OSC 52: works over SSH). The first code from the app finishes the login
and, on the portal, replaces the old secret.

`ProfileDeviceScreen` (from the Profile, `a`): the way a logged-in user registers or
replaces an authenticator, since the portal offers registration at login only where it
marked the login "offered" or "required". It asks for the current password, then shows
the same `AuthenticatorPanel`; the first code from the new entry replaces the old device
on the portal and makes the app the OTP channel. Esc goes back to the Profile at any
point and changes nothing.
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

from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.flow import LoginFlow
from cc_tui.tui.safe_text import flatten, safe_content
from cc_tui.tui.screens.base import FAILED, PortalScreen
from cc_tui.tui.screens.otp import RESTART_CODES, CodeEntry, OtpScreen, typed_code
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

    session_bound = False  # no session yet: a 401 is a refusal

    CSS_PATH = "device.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back to login",
            id="login.back",
            tooltip=N_("Leave this login and start again from the password."),
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
                title = _("Register your authenticator app again")
                text = _(
                    "Your authenticator app must be registered again before you can log "
                    "in. It takes a minute: scan a QR code with the app, then type the "
                    "code it shows."
                )
            else:
                title = _("Register an authenticator app?")
                text = _(
                    "You can register an authenticator app now: the portal recommends it, "
                    "as codes by e-mail are the weaker choice. Or skip this step and log "
                    "in as before."
                )
            yield Static(title, id="choice-title")
            yield Static(Content(text), id="choice-text")
            with Horizontal(id="choice-buttons"):
                yield Button(_("Register device"), id="register", variant="primary")
                if self.may_skip:
                    yield Button(_("Skip this step"), id="skip")
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
        registration = await self.call_portal(
            lambda portal: portal.register_device(self.flow.ticket), retry=self.register
        )
        if registration is FAILED:
            return
        self.app.push_screen(DeviceScreen(self.flow, registration))

    @work(exclusive=True, group="device", exit_on_error=False)
    async def skip(self) -> None:
        skipped = await self.call_portal(
            lambda portal: portal.skip_device(self.flow.ticket), retry=self.skip
        )
        if skipped is FAILED:
            return
        self.flow.channel = self.flow.channel_after_skip()
        if self.flow.channel == "email":
            self.flow.mark_email_sent()
        self.app.switch_screen(OtpScreen(self.flow))

    def on_refused(self, error: PortalError) -> None:
        if error.code in RESTART_CODES:
            self.portal_app.show_login(user_id=self.flow.user_id, message=error.message)
        else:
            self.query_one("#notice", Notice).show(error.message)


# Kept to 30 columns a line (the pane beside the QR code); `_()` where it is shown.
STEPS_TEXT = N_(
    "1. Open your authenticator app\n   and add an account.\n"
    "2. Scan the QR code.\n"
    "3. Type the 6-digit code it\n   shows, then press Enter."
)


class AuthenticatorPanel(Horizontal):
    """The QR code beside the steps, the key as text (m), the key to the clipboard (c)
    and the field for the first code: what the login's device screen and the Profile's
    registration share. The screen around it reads `#code` on Enter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "m",
            "toggle_text",
            "Key as text",
            id="device.as_text",
            tooltip=N_("On a mobile device? Show the key and the link as text."),
            priority=True,
        ),
        Binding(
            "c",
            "copy_key",
            "Copy key",
            id="device.copy_key",
            tooltip=N_("Copy the key to the clipboard (works over SSH)."),
            priority=True,
        ),
    ]

    def __init__(self, registration: DeviceRegistration, title: str) -> None:
        super().__init__(id="device-body")
        self.registration = registration
        self.title = title

    def compose(self) -> ComposeResult:
        registration = self.registration
        with Center(id="qr-pane"):
            yield QrCode(registration.otpauth_uri, id="qr")
            yield Static(
                Content(_("The terminal is too small for the QR code: press m for the key.")),
                id="qr-too-small",
            )
        with VerticalScroll(id="device-pane"):
            yield Static(Content(self.title), id="device-title")
            yield Static(Content(_(STEPS_TEXT)), id="device-steps")
            yield Static(
                safe_content(
                    _(
                        "On a mobile device? Add this key in your app:\n{key}\nAccount: "
                        "{account}\nIssuer: {issuer}\nOr open this link on the device:\n{link}"
                    ).format(
                        key=flatten(grouped_secret(registration.secret)),
                        account=flatten(registration.account),
                        issuer=flatten(registration.issuer),
                        link=flatten(registration.otpauth_uri),
                    ),
                    multiline=True,
                ),
                id="device-text",
            )
            yield Label(_("Code from the app"))
            yield CodeInput()
            yield Notice(id="notice")
            yield Static(Content(_("m  On a mobile device?")), id="device-hint")

    def on_mount(self) -> None:
        self.query_one("#notice", Notice).clear()
        self.query_one("#device-text").display = False
        self.query_one("#code", Input).focus()
        self.fit_qr()

    def fit_qr(self) -> None:
        """Show the QR code when it fits the screen, else the line that offers the key."""
        qr = self.query_one(QrCode)
        size = self.screen.size
        # The QR pane has the screen's height less the footer; the text pane keeps at least
        # 30 columns.
        rows = max(0, size.height - 1)
        columns = max(0, size.width - 30)
        fits = qr.fit(rows, columns)
        qr.display = fits
        self.query_one("#qr-too-small").display = not fits

    def action_toggle_text(self) -> None:
        text = self.query_one("#device-text")
        text.display = not text.display
        self.query_one("#device-steps").display = not text.display
        hint = _("m  Back to the steps") if text.display else _("m  On a mobile device?")
        self.query_one("#device-hint", Static).update(Content(hint))

    def action_copy_key(self) -> None:
        self.app.copy_to_clipboard(self.registration.secret)
        self.query_one("#notice", Notice).show(_("The key is on the clipboard."), "success")


class DeviceScreen(CodeEntry):
    """The QR code and the first code from the app. Leads to the home screen."""

    CSS_PATH = "device.tcss"

    def __init__(self, flow: LoginFlow, registration: DeviceRegistration) -> None:
        super().__init__(flow, id="device")
        self.registration = registration

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield AuthenticatorPanel(self.registration, _("Register your authenticator app"))
        yield Footer()

    def on_resize(self, _: Resize) -> None:
        self.query_one(AuthenticatorPanel).fit_qr()

    @on(Input.Submitted, "#code")
    def submit(self) -> None:
        code = self.check_code()
        if code is not None:
            self.verify(code)


class ProfileDeviceScreen(PortalScreen):
    """The current password, then the QR code and the first code from the new entry.
    Back to the Profile when the portal has the new device (or on Esc)."""

    CSS_PATH = "device.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back",
            id="profile_device.back",
            tooltip=N_("Back to the profile; your authenticator stays as it was."),
        ),
    ]

    def __init__(self, replacing: bool) -> None:
        super().__init__(id="profile-device")
        self.replacing = replacing
        self.registration: DeviceRegistration | None = None
        self.done = False

    @property
    def title_words(self) -> str:
        if self.replacing:
            return _("Replace your authenticator app")
        return _("Register an authenticator app")

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Vertical(id="enrol-box"):
            yield Static(Content(self.title_words), id="choice-title")
            old = (
                " "
                + _(
                    "The device registered now stops working here once the new one's first "
                    "code is accepted."
                )
                if self.replacing
                else ""
            )
            yield Static(
                Content(
                    _(
                        "Type your password to begin: a new QR code follows, to scan with the "
                        "app. One-time passwords then come from the app."
                    )
                    + old
                ),
                id="choice-text",
            )
            yield Label(_("Current password"))
            yield Input(password=True, id="enrol-password")
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#notice", Notice).clear()
        self.query_one("#enrol-password", Input).focus()

    def on_resize(self, _: Resize) -> None:
        for panel in self.query(AuthenticatorPanel):
            panel.fit_qr()

    def action_back(self) -> None:
        self.dismiss()

    @on(Input.Submitted, "#enrol-password")
    def _password_entered(self) -> None:
        field = self.query_one("#enrol-password", Input)
        if not field.value:
            self.query_one("#notice", Notice).show(_("Type your current password."))
            return
        self.start(field.value)

    @work(exclusive=True, group="profile-device", exit_on_error=False)
    async def start(self, password: str) -> None:
        registration = await self.call_portal(
            lambda portal: portal.start_device_enrolment(password),
            retry=lambda: self.start(password),
            busy=_("Checking your password…"),
            refused=lambda error: self._refused(error, "#enrol-password"),
        )
        if registration is FAILED:
            return
        self.registration = registration
        await self.query_one("#enrol-box").remove()
        await self.mount(
            AuthenticatorPanel(registration, self.title_words), before=self.query_one(Footer)
        )

    @on(Input.Submitted, "#code")
    def _code_entered(self) -> None:
        code = typed_code(self)
        if code is not None:
            self.confirm(code)

    @work(exclusive=True, group="profile-device", exit_on_error=False)
    async def confirm(self, code: str) -> None:
        confirmed = await self.call_portal(
            lambda portal: portal.confirm_device(code),
            retry=lambda: self.confirm(code),
            busy=_("Checking the code…"),
            refused=lambda error: self._refused(error, "#code"),
        )
        if confirmed is FAILED:
            return
        self.done = True
        self.dismiss()

    def _refused(self, error: PortalError, field_id: str) -> None:
        """The portal's words; the field emptied for another try."""
        self.query_one("#notice", Notice).show(error.message)
        field = self.query_one(field_id, Input)
        field.value = ""
        field.focus()
