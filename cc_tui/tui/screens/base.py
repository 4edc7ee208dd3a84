"""What every portal screen shares: the one way to call the portal, the unreachable-portal
banner with `r` to retry, a typed handle on the app, and the screen's own palette
commands. A screen that shows what it fetched (`RefreshingScreen`) also lets `r` fetch it
again when nothing waits for a retry.

A screen's network calls run in workers (`@work(..., exit_on_error=False)`) and go
through `call_portal` (full screens and modal ones alike), which decides what a failure
means, so no screen catches `PortalUnreachable` or `SessionExpired` itself:

- no answer: `on_unreachable(error, retry)`: a full screen shows the banner and `r`
  repeats the call; a modal one says so in its notice (it has no banner);
- the session ended: `on_session_expired(error)`: a modal screen closes, then the app
  asks for the login again in place (`reopen_after_login` names the screen to come back
  to, for a form: itself, its values restored from the draft);
- the portal refused: `on_refused(error)`: its sentence in the screen's `Notice`.

A call that needs another reaction to one of them passes `unreachable=` or `refused=`
(the dashboard's bad filter, the request screen's 409 reload offer); a screen whose every
call differs overrides the hook. Anything unexpected is caught by the app (see
`PortalApp.on_worker_state_changed`), so the user never sees a traceback.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual.binding import ActiveBinding, Binding, BindingType
from textual.screen import ModalScreen, Screen, ScreenResultType
from textual.widget import Widget
from textual.worker import Worker

from cc_tui.client.errors import PortalError, PortalUnreachable, SessionExpired
from cc_tui.domain.i18n import DEFAULT_LANGUAGE, N_, Language, _, current_language
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.shell import AppShell, shell_of
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from textual.app import App

    from cc_tui.client.portal import PortalClient

T = TypeVar("T")


class Failed(enum.Enum):
    """What `call_portal` gives back when the call did not succeed; what went wrong has
    been shown already. `if result is FAILED: return`."""

    FAILED = "failed"


FAILED = Failed.FAILED
Retry = Callable[[], object]


def say_nothing(_: object) -> None:
    """A hook for a call whose failure another call on the screen reports already."""


@functools.cache
def _translated(binding: Binding, language: Language) -> Binding:
    """A key's description in the language (the footer, F1's list and the palette read
    it from here); Babel extracts the description, Binding's third argument (babel.cfg)."""
    del language  # a key of the cache: _() reads the current one
    if not binding.description and not binding.tooltip:
        return binding
    # A tooltip is marked with N_() where the binding is made (F1 shows it beside the key).
    return dataclasses.replace(
        binding,
        description=_(binding.description) if binding.description else "",
        tooltip=_(binding.tooltip) if binding.tooltip else "",
    )


class SpeakingScreen(Screen[ScreenResultType]):
    """A screen whose keys are described in the current language (the footer, F1 and
    the palette read `active_bindings`): every screen of cc-tui, modal ones included."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, each description in the current language (i18n.py)."""
        language = current_language()
        active = super().active_bindings
        if language == DEFAULT_LANGUAGE:
            return active
        return {
            key: found._replace(binding=_translated(found.binding, language))
            for key, found in active.items()
        }


class PortalCalls(SpeakingScreen[ScreenResultType]):
    """The one portal-call helper, shared by full and modal screens."""

    # The login steps hold no session yet: a 401 there is a refusal like any other.
    session_bound: ClassVar[bool] = True

    @property
    def portal_app(self) -> AppShell:
        """What this screen needs from the app (tui/shell.py), not the app itself."""
        return shell_of(self.app)

    async def call_portal(
        self,
        call: Callable[[PortalClient], Awaitable[T]],
        *,
        retry: Retry | None = None,
        busy: str | None = None,
        unreachable: Callable[[PortalUnreachable], object] | None = None,
        refused: Callable[[PortalError], object] | None = None,
        expired: Callable[[SessionExpired], object] | None = None,
    ) -> T | Failed:
        """`call` with the app's client; its answer, or FAILED once the failure is shown.

        `retry` is what `r` repeats when the portal did not answer (usually the worker
        that made the call); `busy` is said in the notice while the call runs ("Asking
        the portal…"; cleared when the banner takes over); `unreachable` and `refused`
        replace the screen's hooks for this one call (`refused` may be async); `expired`
        too, for calls made many at once that must log in again only once (bulk approve)."""
        if busy is not None:
            self.query_one(Notice).show(busy, "info")
        try:
            portal = await self.portal_app.client()
            return await call(portal)
        except PortalUnreachable as error:
            if busy is not None:
                self.query_one(Notice).clear()
            if unreachable is not None:
                unreachable(error)
            else:
                self.on_unreachable(error, retry)
        except SessionExpired as error:
            if self.session_bound and expired is not None:
                expired(error)
            elif self.session_bound:
                self.on_session_expired(error)
            elif refused is not None:
                refused(error)
            else:
                self.on_refused(error)
        except PortalError as error:
            if refused is not None:
                answer = refused(error)
                if inspect.isawaitable(answer):  # a hook may need the portal again
                    await answer
            else:
                self.on_refused(error)
        return FAILED

    def on_unreachable(self, error: PortalUnreachable, retry: Retry | None) -> None:
        """No answer from the portal (modal screens: said in their notice)."""
        self.query_one(Notice).show(error.message)

    def on_session_expired(self, error: SessionExpired) -> None:
        """The portal ended the session: log in again, then come back where this was."""
        self.portal_app.session_expired(error, self.reopen_after_login())

    def reopen_after_login(self) -> Callable[[], Screen[Any]] | None:
        """The screen to reopen once the same user has logged in again (None: home)."""
        return None

    def on_refused(self, error: PortalError) -> None:
        """The portal said no: its words, as they are, in the screen's notice."""
        self.query_one(Notice).show(error.message)


class PortalModal(PortalCalls[ScreenResultType], ModalScreen[ScreenResultType]):
    """A dialog over a portal screen that makes its own calls: a failure is said in its
    notice, and a session that ended closes it before the login is asked for."""

    def on_session_expired(self, error: SessionExpired) -> None:
        self.dismiss(None)
        super().on_session_expired(error)


def heard_by_a_screen(app: App[Any], error: SessionExpired) -> bool:
    """A call that is no screen's (the notice stream, a refresh in the background) met
    the ended session first: the top-most screen that would come back after a new login
    (a form, a request) hears of it as if its own call had, so that it keeps what was
    typed and comes back, instead of going with the screen stack. False: none would."""
    for screen in reversed(app.screen_stack):
        if isinstance(screen, PortalCalls) and screen.reopen_after_login() is not None:
            screen.on_session_expired(error)
            return True
    return False


class PortalScreen(PortalCalls[None]):
    """A full screen of cc-tui. Subclasses yield `ServerBanner(id="banner")` first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "retry",
            "Retry",
            id="screen.retry",
            tooltip=N_("Try the last call to the portal again."),
        ),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._retry: Callable[[], object] | None = None
        self._focus_after_retry: Widget | None = None

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands this screen adds to the command palette (ctrl+p)."""
        return []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self._retry is not None
        return True

    def on_unreachable(self, error: PortalUnreachable, retry: Retry | None) -> None:
        if retry is None:
            super().on_unreachable(error, retry)
        else:
            self.show_unreachable(error, retry)

    def show_unreachable(self, error: PortalUnreachable, retry: Retry) -> None:
        """Show the banner; `r` (or its button) calls `retry`."""
        self._retry = retry
        self._focus_after_retry = self.focused
        self.query_one("#banner", ServerBanner).show(error.message)
        self.refresh_bindings()

    def hide_banner(self) -> None:
        self._retry = None
        self.query_one("#banner", ServerBanner).hide()
        self.refresh_bindings()

    def action_retry(self) -> None:
        retry = self._retry
        if retry is None:
            return
        focus = self._focus_after_retry
        self.hide_banner()
        if focus is not None and focus.is_attached:
            focus.focus()
        retry()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.portal_app.report_worker_failure(event)

    def on_server_banner_retry(self, event: ServerBanner.Retry) -> None:
        event.stop()
        self.action_retry()

    def _focus_first(self, *widgets: Any) -> None:
        for widget in widgets:
            if widget.display and not widget.disabled:
                widget.focus()
                return


class RefreshingScreen(PortalScreen):
    """A screen showing what it fetched from the portal: `r` retries the call that failed
    when the banner is up, and otherwise fetches the screen's data again (`reload`).
    Subclasses bind `r` to `retry` with their own id and words ("Refresh")."""

    def reload(self) -> None:
        """Fetch what the screen shows again."""
        raise NotImplementedError

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return True
        return super().check_action(action, parameters)

    def action_retry(self) -> None:
        if self._retry is not None:
            super().action_retry()
        else:
            # A problem said about what is shown no longer stands once it is fetched
            # again (a new refusal, if any, says itself).
            self.query_one(Notice).clear_problem()
            self.reload()
