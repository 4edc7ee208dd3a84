"""The cc-tui App: the screen stack, global keys, the command palette, the session.

How to build on it:
- A screen: subclass `PortalScreen` (screens/base.py), put its styles in a `.tcss` file
  beside it (`CSS_PATH`), and describe it in screens.md. Push it with
  `app.push_screen(...)`. The landing screen after login comes from
  `make_main_screen()`: the dashboard replaces `HomeScreen` there.
- A key: a `Binding` with an `id` ("area.verb"), a description and a tooltip, in the
  `BINDINGS` of the screen (or here, for keys that work everywhere). Users remap it by
  id in config.toml (`keymap = {"app.help" = "f2"}`), applied with `App.set_keymap`.
  Help (`?`, F1) lists the live bindings of the screen, so it needs no edit.
- A palette command: return a `PaletteCommand` from the screen's `palette_commands()`,
  or from `palette_commands()` here for one that works everywhere.
- A network call: in a worker, `@work(exclusive=True, group=..., exit_on_error=False)`,
  through `await app.client()`. Catch `PortalUnreachable` (`screen.show_unreachable`),
  `SessionExpired` (`app.session_expired`) and `PortalError` (show `error.message` in
  place). Anything else a worker raises is shown as a notification, never a traceback.

Start-up is kept light (ARCHITECTURE.md: first frame fast): nothing here imports httpx,
pydantic or the API models at import time. The first frame is the login screen; then a
worker imports the client, asks the portal for its status and, if a token for the last
user is in the keyring and still works, resumes that session (a dropped SSH connection
comes back to where it was).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events, on, work
from textual.app import App
from textual.binding import BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from cc_tui.client.errors import PortalError, PortalUnreachable, SessionExpired
from cc_tui.domain.i18n import N_, Language, _, set_default_language
from cc_tui.tui.commands import PaletteCommand, PortalCommands
from cc_tui.tui.flow import LoginFlow
from cc_tui.tui.keys import APP_KEYS
from cc_tui.tui.membership import show_membership
from cc_tui.tui.navigation import Destination, go, may_go, palette_commands
from cc_tui.tui.safe_text import flatten, shown
from cc_tui.tui.screens.login import LoginScreen
from cc_tui.tui.state import (
    known_portal_id,
    last_user_id,
    remember_portal_id,
    remember_user_id,
)
from cc_tui.tui.widgets.notice import NoticeKind

if TYPE_CHECKING:
    import httpx

    from cc_tui.api.auth import Session, User
    from cc_tui.client.portal import PortalClient
    from cc_tui.tui.config import Settings
    from cc_tui.tui.credentials import TokenStore
    from cc_tui.tui.shell import AppShell


def _import_client() -> None:
    import cc_tui.client.portal  # noqa: F401  (warm the import off the event loop)


# What F1's title calls a screen that has no title of its own (its class's name).
SCREEN_NAMES = {
    "Dashboard": N_("Dashboard"),
    "Home": N_("Home"),
    "Login": N_("Login"),
    "Otp": N_("One-time password"),
    "ForgotPassword": N_("Forgot password"),
    "TokenPassword": N_("Set your password"),
    "DeviceChoice": N_("Authenticator app"),
    "Device": N_("Authenticator app"),
    "ProfileDevice": N_("Authenticator app"),
    "Profile": N_("Profile"),
    "Accounts": N_("Accounts"),
    "NewUser": N_("New user"),
    "Rights": N_("Rights"),
    "History": N_("History"),
    "Membership": N_("Switch membership"),
    "Jump": N_("Go to request"),
    "BulkApprove": N_("Approve marked"),
    "Confirm": N_("Confirm"),
}


class PortalApp(App[int]):
    """The terminal client of one portal (`server_url`)."""

    TITLE = "Client Connect"
    # Absolute, so that subclasses (tests, snapshot apps) elsewhere find it too. The login
    # screen's styles are read with the app's: a screen that brings its own stylesheet
    # makes Textual parse every stylesheet again, which the first frame need not wait for.
    CSS_PATH: ClassVar[str | PurePath | list[str | PurePath] | None] = [
        Path(__file__).parent / "app.tcss",
        Path(__file__).parent / "screens" / "login.tcss",
    ]
    COMMANDS = App.COMMANDS | {PortalCommands}
    BINDINGS: ClassVar[list[BindingType]] = APP_KEYS

    def __init__(
        self,
        server_url: str,
        *,
        demo: bool = False,
        settings: Settings | None = None,
        token_store: TokenStore | None = None,
        state_dir: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        resume: bool = True,
        ready_file: Path | None = None,
        settings_loader: Callable[[], Settings] | None = None,
        portal_id: str | None = None,
        remember_theme: bool = False,
        demo_users: tuple[str, ...] = (),
        demo_data_dir: Path | None = None,
        in_browser: bool = False,
        language: Language = "en",
        language_forced: bool = False,
    ) -> None:
        super().__init__()
        # cc-tui web: the machine is shared with whoever opens the page, so the last user
        # ID is neither offered nor kept (launch() adds: no session in the keyring).
        self.in_browser = in_browser
        # --demo: the demo users' IDs for the login screen, and the --data-dir given (the
        # mailbox hint must name it, or it would read another portal's outbox).
        self.demo_users = demo_users
        self.demo_data_dir = demo_data_dir
        self.settings: Settings | None = None
        # The language chosen at start (--lang, config.toml, LANG: config.choose_language);
        # after login the portal's stored one replaces it unless --lang forced it.
        self.language: Language = language
        self.language_forced = language_forced
        set_default_language(language)
        self._remember_theme = remember_theme
        self.server_url = server_url.rstrip("/")
        # The portal's identity (GET /service/status): drafts, the last user ID and the
        # keyring session are kept under it, so a portal met again at another URL (the
        # demo's new port) is still the same portal. Given by --demo, else remembered per
        # URL until the portal says.
        self.portal_id = portal_id
        self._portal_confirmed = portal_id is not None
        self.demo = demo
        self.state_dir = state_dir
        self.request_timeout = settings.request_timeout if settings else 15.0
        self.user: User | None = None
        self.participant_id: str | None = None
        self._token_store = token_store
        self._transport = transport
        self._resume = resume
        self._ready_file = ready_file
        self._client: PortalClient | None = None
        self._client_lock = asyncio.Lock()
        self._session_user_id: str | None = None
        # Where an expired session left off: (user ID, the screen to reopen after login).
        self._reopen: tuple[str, Callable[[], Screen[Any]]] | None = None
        self._settings_loader = settings_loader
        if settings is not None:
            self.apply_settings(settings)

    def apply_settings(self, settings: Settings) -> None:
        """The user's keymap, theme, timeout, language and downloads folder (config.toml,
        CC_TUI_* variables)."""
        from cc_tui.tui.config import use_downloads_dir

        self.settings = settings
        if settings.keymap:
            self.set_keymap(settings.keymap)
        if settings.theme in self.available_themes:
            self.theme = settings.theme
        self.request_timeout = settings.request_timeout
        use_downloads_dir(settings.downloads)

    async def check_settings(self) -> None:
        """Say in words what config.toml names in vain, and keep a theme chosen in the
        palette (tui/keys.py)."""
        from cc_tui.tui.keys import check_settings

        if self.settings is not None:
            await check_settings(self, self.settings, remember_theme=self._remember_theme)

    # Screens

    def on_mount(self) -> None:
        # Under every screen lies Textual's blank default screen, so that replacing the
        # whole stack (login <-> main) is "pop to the base, push the new one".
        if self.portal_id is None:
            self.portal_id = known_portal_id(self.state_dir, self.server_url)
        self.push_screen(LoginScreen(user_id=self._last_user_id()))
        if not self.is_headless:
            from cc_tui.tui.hangup import leave_when_the_terminal_goes

            leave_when_the_terminal_goes(self)

    @property
    def demo_data_dir_option(self) -> str:
        """` --data-dir DIR` for commands about the demo portal, when one was given."""
        if self.demo_data_dir is None:
            return ""
        import shlex

        return f" --data-dir {shlex.quote(str(self.demo_data_dir))}"

    def _last_user_id(self) -> str:
        """The user ID last logged in with here, to offer on the login screen."""
        return "" if self.in_browser else last_user_id(self.state_dir, self.portal_key)

    @property
    def portal_key(self) -> str:
        """What local state is kept under: the portal's id, or its URL when it has none."""
        return self.portal_id or self.server_url

    def _portal_answered(self, portal_id: str | None) -> None:
        """The portal said who it is: keep state under that from now on."""
        self._portal_confirmed = True
        if not portal_id or portal_id == self.portal_id:
            return
        self.portal_id = portal_id
        if not self.demo:
            self.run_worker(
                asyncio.to_thread(remember_portal_id, self.state_dir, self.server_url, portal_id),
                group="state",
            )

    def make_main_screen(self) -> Screen[Any]:
        """The landing screen after login: the dashboard."""
        from cc_tui.tui.screens.dashboard import DashboardScreen

        return DashboardScreen()

    def show_login(
        self,
        *,
        user_id: str | None = None,
        message: str | None = None,
        message_kind: NoticeKind = "error",
    ) -> None:
        """Back to a fresh login screen (every other screen closed)."""
        if user_id is None:
            user_id = self._session_user_id or self._last_user_id()
        screen = LoginScreen(user_id=user_id, message=message, message_kind=message_kind)
        self.call_later(self._replace_screens, screen)

    def show_main(self) -> None:
        self.call_later(self._replace_screens, self.make_main_screen())

    async def _replace_screens(self, screen: Screen[Any]) -> None:
        # One update for the whole change: the screens uncovered on the way are not drawn.
        with self.batch_update():
            while len(self.screen_stack) > 1:
                await self.pop_screen()
            await self.push_screen(screen)

    def continue_login(self, flow: LoginFlow) -> None:
        """After the password: the device choice when the portal asks, else the code."""
        from cc_tui.tui.screens.device import DeviceChoiceScreen
        from cc_tui.tui.screens.otp import OtpScreen

        if flow.device_registration != "none":
            self.push_screen(DeviceChoiceScreen(flow))
            return
        if flow.channel == "email":
            flow.mark_email_sent()
        self.push_screen(OtpScreen(flow))

    # The portal

    async def client(self) -> PortalClient:
        """The one PortalClient of this app, made on first use (off the event loop)."""
        async with self._client_lock:
            if self._client is None:
                await asyncio.to_thread(_import_client)
                from cc_tui.client.portal import PortalClient

                self._client = PortalClient(
                    self.server_url,
                    timeout=self.request_timeout,
                    transport=self._transport,
                    language=self.language,
                )
            return self._client

    async def token_store(self) -> TokenStore:
        if self._token_store is None:

            def make() -> TokenStore:
                from cc_tui.tui.credentials import TokenStore

                store = TokenStore()
                _ = store.persistent  # find the keyring backend here, in a thread
                return store

            self._token_store = await asyncio.to_thread(make)
        return self._token_store

    def on_ready(self) -> None:
        if self._ready_file is not None:
            self._mark_ready()
            return
        self.start_up()

    @work(exclusive=True, group="startup", exit_on_error=False)
    async def start_up(self) -> None:
        """After the first frame: the settings (pydantic is not worth delaying the first
        frame for), then the portal's status and a stored session."""
        loader, self._settings_loader = self._settings_loader, None
        if loader is not None:
            try:
                settings = await asyncio.to_thread(loader)
            except Exception as error:
                self.notify(
                    _("{error} cc-tui goes on with its default settings.").format(error=error),
                    title=_("Settings"),
                    severity="warning",
                    timeout=15,
                )
            else:
                self.apply_settings(settings)
        self.check_portal()
        await self.check_settings()

    def _mark_ready(self) -> None:
        """For bench/startup.py: once the login screen has been drawn, write the time
        and exit."""
        assert self._ready_file is not None
        if not (isinstance(self.screen, LoginScreen) and self.screen.is_mounted):
            self.call_after_refresh(self._mark_ready)
            return
        self._ready_file.write_text(f"{time.monotonic()}\n", encoding="utf-8")
        self.exit(0)

    @work(exclusive=True, group="session", exit_on_error=False)
    async def check_portal(self) -> None:
        """Ask for the service status; resume a stored session when one still works."""
        login = self.screen if isinstance(self.screen, LoginScreen) else None
        try:
            portal = await self.client()
            status = await portal.service_status()
        except PortalUnreachable as error:
            if login is not None:
                login.show_unreachable(error, self.check_portal)
            return
        except PortalError as error:
            if login is not None:
                login.show_message(error.message)
            return
        before = self.portal_key
        self._portal_answered(status.portal_id)
        if login is not None:
            login.show_service(status)
            if self.portal_key != before:
                login.portal_changed(self._last_user_id())
        if not self._resume or login is None or not login.user_id:
            return
        user_id = login.user_id
        store = await self.token_store()
        token = await asyncio.to_thread(store.load, self.portal_key, user_id)
        if not token or self.screen is not login or self.user is not None:
            return
        portal.token = token
        try:
            user = await portal.me()
        except PortalUnreachable as error:
            portal.token = None
            login.show_unreachable(error, self.check_portal)
            return
        except PortalError:
            # Expired or revoked: forget it and log in as usual.
            portal.token = None
            await asyncio.to_thread(store.clear, self.portal_key, user_id)
            return
        if self.screen is login and self.user is None:
            await self._start_session(user, user_id, token=None)
            self.notify(
                _("Welcome back, {name}: your session was still open.").format(name=user.name)
            )

    async def use_language(self, language: Language) -> None:
        """Speak `language` from now on: screens made from now on, and the portal's
        answers (Accept-Language). The Profile's switch stores it on the portal first."""
        self.language = language
        set_default_language(language)
        (await self.client()).language = language

    def begin_session(self, session: Session, user_id: str) -> None:
        """After the code: keep the token, remember the user ID, go to the main screen."""
        self.run_worker(
            self._start_session(session.user, user_id, token=session.token),
            group="session",
            exclusive=True,
            exit_on_error=False,
        )

    async def _start_session(self, user: User, user_id: str, token: str | None) -> None:
        self.user = user
        if not self.language_forced and user.language != self.language:
            await self.use_language(user.language)
        self._session_user_id = user_id
        from cc_tui.tui.membership import first_membership
        from cc_tui.tui.state import last_membership

        remembered = await asyncio.to_thread(
            last_membership, self.state_dir, self.portal_key, user_id
        )
        self.participant_id = first_membership(user, remembered)
        portal = await self.client()
        portal.participant_id = self.participant_id
        if not self._portal_confirmed:
            # The status call at start failed: ask now, before anything is kept locally.
            with contextlib.suppress(PortalError, PortalUnreachable):
                self._portal_answered((await portal.service_status()).portal_id)
        self.show_main()
        await self._after_login(user_id)
        if not self.in_browser:
            await asyncio.to_thread(remember_user_id, self.state_dir, self.portal_key, user_id)
        if token is not None:
            store = await self.token_store()
            await asyncio.to_thread(store.save, self.portal_key, user_id, token)
            notice = store.pop_notice()
            if notice:
                self.notify(notice, title=_("Session"), severity="warning", timeout=10)

    async def _after_login(self, user_id: str) -> None:
        """Back to where an expired session left off (same user only), and a word about
        unsent drafts kept on this computer (tui/drafts.py)."""
        from cc_tui.tui.drafts import DraftStore, drafts_root, unsent_summary

        reopen, self._reopen = self._reopen, None
        if reopen is not None and reopen[0] == user_id:
            self.call_later(self.push_screen, reopen[1]())
            return
        store = DraftStore(drafts_root(self.state_dir))
        drafts = await asyncio.to_thread(store.unsent, self.portal_key, user_id)
        several = self.user is not None and len(self.user.memberships) > 1
        summary = unsent_summary(drafts, name_memberships=several)
        if summary:
            self.notify(summary, title=_("Unsent drafts"), timeout=15)

    def session_expired(
        self, error: SessionExpired, reopen: Callable[[], Screen[Any]] | None = None
    ) -> None:
        """The portal ended the session: log in again, with its words on the screen.
        `reopen` makes the screen to come back to once the same user has logged in again
        (a form restores its typed values from its draft file)."""
        user_id = self._session_user_id
        from cc_tui.tui.screens.base import heard_by_a_screen  # a form, a request: kept

        if reopen is None and self.user is not None and heard_by_a_screen(self, error):
            return
        if self.user is None:
            # Already ended: other calls in flight meet it too ("You are not logged in"),
            # and must not cover the portal's first words on the login screen.
            if user_id and reopen is not None and self._reopen is None:
                self._reopen = (user_id, reopen)
            return
        if user_id and reopen is not None:
            self._reopen = (user_id, reopen)
        self.user = None
        if self._client is not None:
            self._client.token = None
        if user_id:
            self.run_worker(self._forget_token(user_id), group="session-forget")
        self.show_login(user_id=user_id, message=error.message)

    async def _forget_token(self, user_id: str) -> None:
        store = await self.token_store()
        await asyncio.to_thread(store.clear, self.portal_key, user_id)

    @on(events.DeliveryFailed)
    def _delivery_failed(self, event: events.DeliveryFailed) -> None:
        """A file on its way to the browser (tui/downloads.py) did not get there."""
        from cc_tui.tui.downloads import DELIVERY_PREFIX

        name = event.name or ""
        if name.startswith(DELIVERY_PREFIX):
            self.notify(
                _("Your browser did not receive {name} ({reason}). Download it again.").format(
                    name=shown(flatten(name[len(DELIVERY_PREFIX) :])),
                    reason=shown(flatten(str(event.exception))),
                ),
                title=_("Not saved"),
                severity="error",
                timeout=15,
            )

    # Actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "logout":
            return self.user is not None
        if action == "go":
            return may_go(self, Destination(str(parameters[0])))
        if action == "switch_membership":
            return self.user is not None and len(self.user.memberships) > 1
        return True

    def action_go(self, where: str) -> None:
        """F2 to F6: a place from `navigation` (the binding's string made a Destination)."""
        go(self, Destination(where))

    def action_help(self) -> None:
        from cc_tui.tui.screens.help import HelpScreen, help_rows

        screen = self.screen
        if isinstance(screen, HelpScreen):
            return
        name = type(screen).__name__.removesuffix("Screen")
        title = (
            screen.title or (_(SCREEN_NAMES[name]) if name in SCREEN_NAMES else name) or "cc-tui"
        )
        self.push_screen(HelpScreen(help_rows(self, screen), title))

    # Memberships (tui/membership.py)

    def action_switch_membership(self) -> None:
        from cc_tui.tui.screens.membership import MembershipScreen

        if self.user is None or isinstance(self.screen, MembershipScreen):
            return
        self.push_screen(MembershipScreen(self.user, self.participant_id), self._membership_chosen)

    def _membership_chosen(self, participant_id: str | None) -> None:
        if participant_id is not None and participant_id != self.participant_id:
            self.switch_membership(participant_id)

    def switch_membership(self, participant_id: str, *, then_open: str | None = None) -> None:
        """Act for `participant_id` from now on, without a new login: close the screens of
        the old membership's requests (typed values stay in their drafts), have the others
        show the new one, remember it for next time. `then_open`: a request of the new
        membership to open once switched."""
        from cc_tui.tui.membership import membership_of, membership_title

        membership = membership_of(self.user, participant_id)
        if membership is None or self.user is None:
            return
        self.call_later(self._switch, participant_id, then_open)
        self.notify(
            _("Now acting for {membership}.").format(membership=membership_title(membership)),
            title=_("Membership"),
            timeout=6,
        )

    async def _switch(self, participant_id: str, then_open: str | None) -> None:
        assert self.user is not None
        user_id = self._session_user_id or self.user.user_id
        before, self.participant_id = self.participant_id, participant_id
        portal = await self.client()
        portal.participant_id = participant_id
        await show_membership(self, before, then_open)
        from cc_tui.tui.state import remember_membership

        await asyncio.to_thread(
            remember_membership, self.state_dir, self.portal_key, user_id, participant_id
        )

    @work(exclusive=True, group="session", exit_on_error=False)
    async def action_logout(self) -> None:
        if self.user is None:
            return
        user_id = self._session_user_id
        message, kind = _("You have logged out."), "success"
        portal = await self.client()
        try:
            await portal.logout()
        except PortalUnreachable:
            portal.token = None
            message, kind = (
                _(
                    "Logged out here, but the portal did not answer: the session ends by "
                    "itself after 30 minutes idle."
                ),
                "info",
            )
        except PortalError as error:
            portal.token = None
            message, kind = error.message, "error"
        self.user = None
        if user_id:
            await self._forget_token(user_id)
        self.show_login(user_id=user_id, message=message, message_kind=kind)  # type: ignore[arg-type]

    def palette_commands(self, screen: Screen[object]) -> list[PaletteCommand]:
        commands = [
            PaletteCommand(
                _("Help: keys of this screen"), _("Every key that works here."), self.action_help
            ),
        ]
        if self.user is not None:
            commands.append(
                PaletteCommand(
                    _("Log out"), _("End this session on the portal."), self.action_logout
                )
            )
            if len(self.user.memberships) > 1:
                commands.append(
                    PaletteCommand(
                        _("Switch membership"),
                        _(
                            "Act for another of your memberships (F7): its requests, forms and "
                            "users."
                        ),
                        self.action_switch_membership,
                    )
                )
            commands.append(
                PaletteCommand(
                    _("New request: find a form"),
                    _("Search the eServices you may make and open a blank form."),
                    self.open_catalogue,
                )
            )
        commands.extend(palette_commands(self))
        for below in self.screen_stack:  # the dashboard's last notice, over any screen
            notices = getattr(below, "notice_commands", None)
            if below is not screen and callable(notices):
                commands.extend(notices())
        own = getattr(screen, "palette_commands", None)
        if callable(own):
            commands.extend(own())
        return commands

    def open_catalogue(self) -> None:
        go(self, Destination.CATALOGUE)

    # Safety net

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast, from any screen or widget, goes through the sanitizer: its text is
        never markup (a title like `[/]` or `[@click=app.quit]` in a message would be
        parsed, or fail to parse, in Textual's toast) and control characters in it become
        visible marks. Toasts take plain text, so the marks are not styled apart here."""
        super().notify(
            shown(message, multiline=True),
            title=shown(flatten(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.report_worker_failure(event)

    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """A worker raised what it did not expect: say so, keep running, log the detail.
        (Worker.StateChanged does not bubble: PortalScreen forwards its own here.)"""
        if event.state is not WorkerState.ERROR:
            return
        error = event.worker.error
        self.log.error(f"worker {event.worker.name!r} failed", error)
        self.notify(
            _(
                "cc-tui hit an unexpected problem ({name}: {error}). Try again; if it happens "
                "again, please report it."
            ).format(name=type(error).__name__, error=error),
            title=_("Unexpected problem"),
            severity="error",
            timeout=15,
        )

    async def on_unmount(self) -> None:
        if self._client is not None:
            await self._client.aclose()


def _fits_the_shell(app: PortalApp) -> AppShell:
    """mypy checks here that the app is what screens are given (tui/shell.py)."""
    return app
