"""Home: who is logged in, for which memberships, and the portal's service status.

The landing screen after login until the dashboard takes its place; its two parts are
widgets (`UserSummary`, `ServiceStatusView`) that the dashboard can keep as a header.
`r` fetches the user and the status again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Static

from cc_tui.client.errors import PortalUnreachable
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner
from cc_tui.tui.widgets.session import ServiceStatusView, UserSummary

if TYPE_CHECKING:
    from cc_tui.api.auth import User
    from cc_tui.client.portal import PortalClient


class HomeScreen(RefreshingScreen):
    """The logged-in user and the service status. ctrl+l logs out."""

    CSS_PATH = "home.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "retry",
            "Refresh",
            id="home.refresh",
            tooltip=N_("Fetch your details and the service status again."),
        ),
    ]

    def __init__(self) -> None:
        super().__init__(id="home")

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        with Vertical(id="home-box"):
            yield Static("Client Connect", id="home-title")
            yield Static(_("Logged in"), classes="home-heading")
            yield UserSummary(id="user")
            yield Static(_("Service"), classes="home-heading")
            yield ServiceStatusView(_("Asking the portal…"), id="service")
            yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).clear()
        self._show_user()
        self.refresh_home()

    def _show_user(self) -> None:
        app = self.portal_app
        if app.user is not None:
            self.query_one(UserSummary).show_user(app.user, app.participant_id)

    def reload(self) -> None:
        self.refresh_home()

    def membership_switched(self) -> None:
        """Another membership acts now: ▸ marks it."""
        self.reload()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                _("Refresh the service status"),
                _("Ask the portal for its status and your details again."),
                self.refresh_home,
            )
        ]

    @work(exclusive=True, group="home", exit_on_error=False)
    async def refresh_home(self) -> None:
        app = self.portal_app

        async def refresh(portal: PortalClient) -> User:
            status = await portal.service_status()
            self.query_one(ServiceStatusView).show_status(status)
            return await portal.me()

        def unreachable(error: PortalUnreachable) -> None:
            self.query_one(ServiceStatusView).show_unknown(_("the portal did not answer."))
            self.show_unreachable(error, self.refresh_home)

        user = await self.call_portal(refresh, unreachable=unreachable)
        if user is FAILED:
            return
        app.user = user
        self._show_user()
