"""The way into Accounts: whether the user administers accounts (F3 and the palette offer
it only then) and the opener the app's key and the palette call. Light on purpose: the
app asks `administers` while drawing its footer, so the screen is imported only to open it."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cc_tui.tui.app import PortalApp


def administers(app: PortalApp) -> bool:
    """Whether the logged-in user manages accounts: a CCDA of the acting membership, or
    the exchange. (The portal decides; this only spares a key that would be refused.)"""
    user = app.user
    if user is None:
        return False
    if "exchange_officer" in user.roles:
        return True
    return any(
        m.participant_id == app.participant_id and "ccda" in m.roles for m in user.memberships
    )


def open_accounts(app: PortalApp) -> None:
    from cc_tui.tui.screens.accounts.screen import AccountsScreen

    if administers(app) and not isinstance(app.screen, AccountsScreen):
        app.push_screen(AccountsScreen())
