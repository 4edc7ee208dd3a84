"""What every portal screen shares: the unreachable-portal banner with `r` to retry, a
typed handle on the app, and the screen's own palette commands. A screen that shows what
it fetched (`RefreshingScreen`) also lets `r` fetch it again when nothing waits for a
retry.

A screen's network calls run in workers (`@work(..., exit_on_error=False)`); a worker
that meets `PortalUnreachable` calls `show_unreachable(error, retry)` with the call to
repeat, and `SessionExpired` goes to `self.portal_app.session_expired(error)`. Anything
unexpected is caught by the app (see `PortalApp.on_worker_state_changed`), so the user
never sees a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, cast

from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker

from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.widgets.notice import ServerBanner

if TYPE_CHECKING:
    from cc_tui.client.errors import PortalUnreachable
    from cc_tui.tui.app import PortalApp


class PortalScreen(Screen[None]):
    """A full screen of cc-tui. Subclasses yield `ServerBanner(id="banner")` first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "retry",
            "Retry",
            id="screen.retry",
            tooltip="Try the last call to the portal again.",
        ),
    ]

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self._retry: Callable[[], object] | None = None
        self._focus_after_retry: Widget | None = None

    @property
    def portal_app(self) -> PortalApp:
        return cast("PortalApp", self.app)

    def palette_commands(self) -> list[PaletteCommand]:
        """Commands this screen adds to the command palette (ctrl+p)."""
        return []

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "retry":
            return self._retry is not None
        return True

    def show_unreachable(self, error: PortalUnreachable, retry: Callable[[], object]) -> None:
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
            self.reload()
