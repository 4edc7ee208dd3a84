"""Profile: who I am (name, memberships, roles), my OTP channel, my password; and the
way in to the account screens (F2 Profile, F3 Accounts, and their palette commands).

- The summary is the home screen's `UserSummary`, fetched again on open (`r` repeats).
- The password rule is the domain's (`password_problems`), the same code the portal runs,
  so every reason a new password fails is shown as it is typed and again on Change,
  before anything is sent; the portal's own refusals (a wrong current password) are
  shown in place as it words them. The fields are emptied after a change, and say that
  the portal ended the user's other sessions.
- The channel switch sends what the user asks for and shows the portal's answer: to the
  app without a registered authenticator is the portal's 409 `device_not_registered`,
  whose sentence says how to register one. The TUI does not guess ahead of the portal.
- `a` (or *Register app* / *Replace app*) registers or replaces the authenticator app:
  the current password again, then the QR code (`ProfileDeviceScreen`); the first code
  from the new entry replaces the old device and makes the app the channel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Input, Label, Static

from cc_tui.client.errors import PortalError
from cc_tui.domain.i18n import LANGUAGE_NAMES, N_, Language, _, current_language
from cc_tui.domain.password import PASSWORD_RULE, password_problems
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import safe_content
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner
from cc_tui.tui.widgets.session import UserSummary

if TYPE_CHECKING:
    from cc_tui.api.auth import OtpChannel, User
    from cc_tui.client.portal import PortalClient

CHANNEL_WORDS = {"email": N_("e-mail"), "app": N_("the authenticator app")}


def password_form_problems(user_id: str, current: str, new: str, repeat: str) -> list[str]:
    """Every reason the change-password form cannot be sent yet, in words."""
    problems: list[str] = []
    if not current:
        problems.append(_("Type your current password."))
    if not new:
        problems.append(_("Type a new password."))
    else:
        problems.extend(password_problems(new, user_id))
        if new == current:
            problems.append(_("The new password must differ from the current one."))
        if repeat != new:
            problems.append(_("The repeated password differs; type the new one twice."))
    return problems


def new_password_lines(user_id: str, new: str, repeat: str) -> list[str]:
    """The live verdict under the new password: the rule, or each reason it fails."""
    if not new:
        return [_(PASSWORD_RULE)]
    problems = password_problems(new, user_id)
    if repeat and repeat != new:
        problems.append(_("The repeated password differs."))
    if problems:
        return [f"✗ {problem}" for problem in problems]
    if repeat:
        return ["✓ " + _("The new password meets the rule.")]
    return ["✓ " + _("The new password meets the rule. Now repeat it.")]


def otp_line(user: User) -> str:
    """The authenticator's state (the summary above already names the channel)."""
    if user.device_registered:
        return _("Authenticator app: registered.")
    return _("Authenticator app: none registered yet.")


def _other(language: Language) -> Language:
    return "en" if language == "zh-Hant" else "zh-Hant"


class ProfileScreen(RefreshingScreen):
    """My details, OTP channel and password. Esc goes back."""

    CSS_PATH = "profile.tcss"
    AUTO_FOCUS = "#current-password"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape",
            "back",
            "Back",
            id="profile.back",
            tooltip=N_("Close the profile and go back."),
        ),
        Binding(
            "r",
            "retry",
            "Refresh",
            id="profile.refresh",
            tooltip=N_("Fetch your details from the portal again."),
        ),
        Binding(
            "a",
            "register_app",
            "Register app",
            id="profile.register_app",
            tooltip=N_(
                "Register or replace your authenticator app (your password, then a QR code)."
            ),
        ),
        Binding(
            "l",
            "switch_language",
            "中文/English",
            id="profile.language",
            tooltip=N_(
                "Switch cc-tui and the portal's mails between English and 繁體中文; "
                "the portal keeps the choice for your next login."
            ),
        ),
        Binding(
            "o",
            "switch_channel",
            "Switch OTP",
            id="profile.otp_channel",
            tooltip=N_("Switch one-time passwords between e-mail and the authenticator app."),
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="profile")

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with VerticalScroll(id="profile-box"):
            yield Static(_("Profile"), id="profile-title")
            yield UserSummary(id="user")
            yield Static(_("One-time passwords"), classes="profile-heading")
            yield Static(id="otp-state")
            with Horizontal(id="otp-buttons"):
                yield Button(_("Use e-mail"), id="use-email", compact=True)
                yield Button(_("Use authenticator app"), id="use-app", compact=True)
                yield Button(_("Register app"), id="register-app", compact=True)
            yield Static(_("Language"), classes="profile-heading")
            with Horizontal(id="language-row"):
                yield Static(self._language_line(), id="language-state")
                yield Button(self._other_language_label(), id="switch-language", compact=True)
            yield Static(_("Change password"), classes="profile-heading")
            for field, label in (
                ("current-password", N_("Current password")),
                ("new-password", N_("New password")),
                ("repeat-password", N_("Repeat new")),
            ):
                with Horizontal(classes="password-row"):
                    yield Label(_(label), classes="password-label")
                    yield Input(password=True, id=field, compact=True)
            yield Static(id="password-rule")
            yield Button(_("Change password"), id="change-password", compact=True)
            yield Notice(id="notice")
        yield Footer()

    def _language_line(self) -> str:
        return _("cc-tui and your mails: {language}").format(
            language=LANGUAGE_NAMES[current_language()]
        )

    def _other_language_label(self) -> str:
        return LANGUAGE_NAMES[_other(current_language())]

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self._show_user()
        self._show_rule()
        self.refresh_profile()

    # What it shows

    @property
    def user_id(self) -> str:
        user = self.portal_app.user
        return user.user_id if user is not None else ""

    def _show_user(self) -> None:
        app = self.portal_app
        user = app.user
        if user is None:
            return
        self.query_one(UserSummary).show_user(user, app.participant_id)
        self.query_one("#otp-state", Static).update(safe_content(otp_line(user), multiline=True))
        self.query_one("#use-email", Button).display = user.otp_channel != "email"
        self.query_one("#use-app", Button).display = user.otp_channel != "app"
        self.query_one("#register-app", Button).label = (
            _("Replace app") if user.device_registered else _("Register app")
        )

    def _show_rule(self) -> None:
        new = self.query_one("#new-password", Input).value
        repeat = self.query_one("#repeat-password", Input).value
        rule = self.query_one("#password-rule", Static)
        lines = new_password_lines(self.user_id, new, repeat)
        rule.update(safe_content("\n".join(lines), multiline=True))
        rule.set_class(any(line.startswith("✗") for line in lines), "-problem")

    @on(Input.Changed, "#new-password, #repeat-password")
    def _password_typed(self) -> None:
        self._show_rule()

    # Keys

    def action_back(self) -> None:
        self.dismiss()

    def reload(self) -> None:
        self.refresh_profile()

    def membership_switched(self) -> None:
        """Another membership acts now: ▸ marks it."""
        self.reload()

    @on(Button.Pressed, "#switch-language")
    def action_switch_language(self) -> None:
        self.switch_language(_other(current_language()))

    @work(exclusive=True, group="profile-language", exit_on_error=False)
    async def switch_language(self, language: Language) -> None:
        """Store the language on the portal (mails, the next login), then speak it: this
        screen is drawn again in it, every footer at once, other screens as they open."""
        user = await self.call_portal(
            lambda portal: portal.set_language(language),
            retry=lambda: self.switch_language(language),
        )
        if user is FAILED:
            return
        self.portal_app.user = user
        await self.portal_app.use_language(language)
        await self.recompose()
        self.on_mount()
        self.query_one(Notice).show(
            _("cc-tui now speaks {language}; the portal keeps it for your next login.").format(
                language=LANGUAGE_NAMES[language]
            ),
            "success",
        )

    def action_switch_channel(self) -> None:
        user = self.portal_app.user
        if user is not None:
            self.switch_channel("email" if user.otp_channel == "app" else "app")

    def action_register_app(self) -> None:
        from cc_tui.tui.screens.device import ProfileDeviceScreen

        user = self.portal_app.user
        if user is None:
            return
        screen = ProfileDeviceScreen(replacing=user.device_registered)

        def back(_result: None) -> None:
            self.refresh_profile()
            if screen.done:
                self.query_one(Notice).show(
                    _(
                        "Your new authenticator app is registered: one-time passwords now come "
                        "from it, and any older registration no longer works."
                    ),
                    "success",
                )

        self.app.push_screen(screen, back)

    @on(Button.Pressed, "#register-app")
    def _register_app(self) -> None:
        self.action_register_app()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                _("Profile: register or replace the authenticator app"),
                _("Your password, then a QR code to scan; codes then come from the app (a)."),
                self.action_register_app,
            ),
            PaletteCommand(
                _("Profile: use e-mail for one-time passwords"),
                _("Codes come by e-mail from the next login."),
                lambda: self.switch_channel("email"),
            ),
            PaletteCommand(
                _("Profile: use the authenticator app for one-time passwords"),
                _("Needs a registered device: register one first (a)."),
                lambda: self.switch_channel("app"),
            ),
        ]

    @on(Button.Pressed, "#use-email")
    def _use_email(self) -> None:
        self.switch_channel("email")

    @on(Button.Pressed, "#use-app")
    def _use_app(self) -> None:
        self.switch_channel("app")

    @on(Input.Submitted, "#current-password")
    def _next_after_current(self) -> None:
        self.query_one("#new-password", Input).focus()

    @on(Input.Submitted, "#new-password")
    def _next_after_new(self) -> None:
        self.query_one("#repeat-password", Input).focus()

    @on(Input.Submitted, "#repeat-password")
    @on(Button.Pressed, "#change-password")
    def submit_password(self) -> None:
        current = self.query_one("#current-password", Input).value
        new = self.query_one("#new-password", Input).value
        repeat = self.query_one("#repeat-password", Input).value
        problems = password_form_problems(self.user_id, current, new, repeat)
        if problems:
            self.query_one(Notice).show(" ".join(problems))
            self._show_rule()
            self.query_one(self._first_to_fix(current, new), Input).focus()
            return
        self.query_one(Notice).clear()
        self.change_password(current, new)

    def _first_to_fix(self, current: str, new: str) -> str:
        if not current:
            return "#current-password"
        if not new or new == current or password_problems(new, self.user_id):
            return "#new-password"
        return "#repeat-password"

    # The portal

    @work(exclusive=True, group="profile", exit_on_error=False)
    async def refresh_profile(self) -> None:
        user = await self.call_portal(lambda portal: portal.me(), retry=self.refresh_profile)
        if user is FAILED:
            return
        self.portal_app.user = user
        self._show_user()

    @work(exclusive=True, group="profile-password", exit_on_error=False)
    async def change_password(self, current: str, new: str) -> None:
        button = self.query_one("#change-password", Button)
        button.disabled = True

        def refused(error: PortalError) -> None:
            self.query_one(Notice).show(error.message)
            wrong_current = any(p.field == "current_password" for p in error.errors)
            field = "#current-password" if wrong_current else "#new-password"
            self.query_one(field, Input).value = ""
            self.query_one(field, Input).focus()

        try:
            changed = await self.call_portal(
                lambda portal: portal.change_password(current, new),
                retry=lambda: self.change_password(current, new),
                refused=refused,
            )
        finally:
            button.disabled = False
        if changed is FAILED:
            return
        for field in ("#current-password", "#new-password", "#repeat-password"):
            self.query_one(field, Input).value = ""
        self.query_one(Notice).show(
            _("Password changed. Your other sessions have ended; this one goes on."), "success"
        )
        self.query_one("#current-password", Input).focus()

    @work(exclusive=True, group="profile-channel", exit_on_error=False)
    async def switch_channel(self, channel: OtpChannel) -> None:

        async def switch(portal: PortalClient) -> User:
            updated = await portal.set_otp_channel(channel)
            return updated if updated is not None else await portal.me()

        user = await self.call_portal(switch, retry=lambda: self.switch_channel(channel))
        if user is FAILED:
            return
        self.portal_app.user = user
        self._show_user()
        self.query_one(Notice).show(
            _("One-time passwords now come by {channel_words}.").format(
                channel_words=_(CHANNEL_WORDS[channel])
            ),
            "success",
        )
