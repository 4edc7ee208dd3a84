"""Who may open Accounts: a CCDA of the acting membership, or the exchange. Light on
purpose: the app asks while drawing its footer (F3), so nothing here imports a screen.
The way in is `navigation.go(app, Destination.ACCOUNTS)`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cc_tui.tui.shell import AppShell


def administers(app: AppShell) -> bool:
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
