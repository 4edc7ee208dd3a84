"""Where a key or a palette command can take the user: one module, typed destinations.

`go(app, Destination.EVENTS)` opens a place (unless it is open already, or the user may
not go there); `may_go` is the rule the app's keys are offered by; `palette_commands` are
the palette's ways to the same places. Screens are imported only when opened, so asking
`may_go` while the first frame is drawn costs nothing. Textual's binding actions are
strings (`go('events')`); `Destination(text)` is where a string becomes a destination.
"""

from __future__ import annotations

import enum
from functools import partial
from typing import TYPE_CHECKING, Any

from cc_tui.domain.i18n import N_, _
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.shell import shell_of

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen


class Destination(enum.Enum):
    PROFILE = "profile"
    ACCOUNTS = "accounts"
    EVENTS = "events"
    DOCUMENTS = "documents"
    SERVICE = "service"
    CATALOGUE = "catalogue"


def may_go(app: App[Any], destination: Destination) -> bool:
    """Service hours are open to all; the rest need a login; Accounts an administrator."""
    if destination is Destination.SERVICE:
        return True
    shell = shell_of(app)
    if shell.user is None:
        return False
    if destination is Destination.ACCOUNTS:
        from cc_tui.tui.screens.accounts.access import administers

        return administers(shell)
    return True


def _screen_for(destination: Destination, query: str) -> tuple[type[Screen[Any]], Screen[Any]]:
    """The screen class of `destination` (to tell whether it is open) and a new one."""
    if destination is Destination.PROFILE:
        from cc_tui.tui.screens.profile import ProfileScreen

        return ProfileScreen, ProfileScreen()
    if destination is Destination.ACCOUNTS:
        from cc_tui.tui.screens.accounts.screen import AccountsScreen

        return AccountsScreen, AccountsScreen()
    if destination is Destination.EVENTS:
        from cc_tui.tui.screens.events import EventsScreen

        return EventsScreen, EventsScreen()
    if destination is Destination.DOCUMENTS:
        from cc_tui.tui.screens.documents import DocumentsScreen

        return DocumentsScreen, DocumentsScreen(query)
    if destination is Destination.SERVICE:
        from cc_tui.tui.screens.service import ServiceScreen

        return ServiceScreen, ServiceScreen()
    from cc_tui.tui.screens.catalogue import CatalogueScreen

    return CatalogueScreen, CatalogueScreen()


def go(app: App[Any], destination: Destination, *, query: str = "") -> None:
    """Open `destination` over the current screen (nothing if there already or not
    allowed). `query` starts the document library's search."""
    if not may_go(app, destination):
        return
    kind, screen = _screen_for(destination, query)
    if destination is Destination.CATALOGUE or not isinstance(app.screen, kind):
        app.push_screen(screen)


def palette_commands(app: App[Any]) -> list[PaletteCommand]:
    """The palette's ways to the places the keys F2 to F6 open."""
    places = [
        (
            Destination.SERVICE,
            N_("Service hours: maintenance window and business days"),
            N_("When the portal is open, and when requests are processed (F6)."),
        ),
        (
            Destination.EVENTS,
            N_("Events: seminars, enrol and withdraw"),
            N_("Upcoming events with seats left and waiting lists (F4)."),
        ),
        (
            Destination.DOCUMENTS,
            N_("Document library: guides and paper forms"),
            N_("Search technical documents and forms; download PDFs (F5)."),
        ),
        (
            Destination.PROFILE,
            N_("Profile: password and one-time passwords"),
            N_("Your memberships and roles; change your password or OTP channel (F2)."),
        ),
        (
            Destination.ACCOUNTS,
            N_("Accounts: users, rights, unlock, reset device"),
            N_("Create users, grant rights, suspend, unlock, reset devices (F3)."),
        ),
    ]
    return [
        PaletteCommand(_(title), _(help_text), partial(go, app, where))
        for where, title, help_text in places
        if may_go(app, where)
    ]
