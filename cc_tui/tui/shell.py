"""What a screen needs from the app, as a small typed interface (a Protocol).

Screens and widgets depend on `AppShell`, never on `tui/app.py`, so the app may import
every screen without a circle (import-linter keeps it so: "Screens and widgets never
import the app"). `PortalApp` is the one implementation; `app.py` checks that it fits.
Textual's own `App` (screens, bindings, notify) is reached as `screen.app` as usual;
`shell_of(app)` adds the portal's part.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen
    from textual.worker import Worker

    from cc_tui.api.auth import Session, User
    from cc_tui.client.errors import SessionExpired
    from cc_tui.client.portal import PortalClient
    from cc_tui.domain.i18n import Language
    from cc_tui.tui.flow import LoginFlow
    from cc_tui.tui.widgets.notice import NoticeKind


class AppShell(Protocol):
    """The portal side of the app: who is logged in, the client, and the session's turns."""

    server_url: str
    demo: bool
    demo_users: tuple[str, ...]
    state_dir: Path | None
    user: User | None
    participant_id: str | None

    @property
    def portal_key(self) -> str:
        """What local state (drafts, last user ID, keyring) is kept under: the portal's
        id from /service/status, or its URL when it reports none."""
        ...

    @property
    def demo_data_dir_option(self) -> str:
        """` --data-dir DIR` for commands about the demo portal, when one was given."""
        ...

    async def use_language(self, language: Language) -> None:
        """Speak `language` from now on (the Profile's switch, after storing it)."""
        ...

    async def client(self) -> PortalClient:
        """The one PortalClient of this app."""
        ...

    def show_login(
        self,
        *,
        user_id: str | None = None,
        message: str | None = None,
        message_kind: NoticeKind = "error",
    ) -> None:
        """Back to a fresh login screen (every other screen closed)."""
        ...

    def continue_login(self, flow: LoginFlow) -> None:
        """After the password: the device choice or the code."""
        ...

    def begin_session(self, session: Session, user_id: str) -> None:
        """After the code: keep the token and go to the main screen."""
        ...

    def session_expired(
        self, error: SessionExpired, reopen: Callable[[], Screen[Any]] | None = None
    ) -> None:
        """Log in again in place; `reopen` makes the screen to come back to."""
        ...

    def switch_membership(self, participant_id: str, *, then_open: str | None = None) -> None:
        """Act for another of the user's memberships (tui/membership.py); `then_open`: a
        request of it to open once switched."""
        ...

    def open_catalogue(self) -> None:
        """The eService catalogue, to start a new request."""
        ...

    def report_worker_failure(self, event: Worker.StateChanged) -> None:
        """Say what a worker did not expect, keep running."""
        ...


def shell_of(app: App[Any]) -> AppShell:
    """The portal side of `app` (a PortalApp, or a test's app made like one)."""
    return cast("AppShell", app)
