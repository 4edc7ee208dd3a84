"""Who is logged in, and the portal's service status, as small widgets.

The home screen shows them today; the dashboard can dock them as its header. The words
are built by pure functions (`service_lines`, `service_summary`, `user_lines`) so that
they are tested without a terminal, and each state says itself in words ("Open",
"Maintenance") besides any colour.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from textual.widgets import Static

from cc_tui.domain.i18n import _
from cc_tui.tui.membership import kind_words, roles_words
from cc_tui.tui.safe_text import safe_content

if TYPE_CHECKING:
    from cc_tui.api.auth import ServiceStatus, User


def _when(moment: datetime) -> str:
    """`Sat 28 Nov 08:00` in the portal's own zone (the offset it sent)."""
    return moment.strftime("%a %d %b %H:%M")


def _day(day: date) -> str:
    return day.strftime("%a %d %b")


def service_summary(status: ServiceStatus) -> str:
    """One line for the login screen."""
    if status.maintenance:
        return _("Portal: maintenance until {when} HKT").format(
            when=_when(status.next_maintenance_end)
        )
    day = _("business day") if status.business_day else _("not a business day")
    return _("Portal: open · {day}").format(day=day)


def service_lines(status: ServiceStatus) -> list[str]:
    """The service status in full, for the home screen."""
    lines: list[str] = []
    if status.maintenance:
        lines.append(
            "✗ Maintenance: eServices are unavailable until "
            f"{_when(status.next_maintenance_end)} HKT."
        )
    else:
        lines.append("✓ Open")
        if status.business_day:
            hours = "within" if status.business_hours else "outside"
            lines.append(f"Business day; now {hours} business hours (09:00-18:00 HKT).")
        else:
            lines.append("Not a business day.")
        if status.processing_day is not None and not status.business_hours:
            lines.append(f"Requests made now are processed on {_day(status.processing_day)}.")
        lines.append(
            f"Next maintenance: {_when(status.next_maintenance_start)} to "
            f"{_when(status.next_maintenance_end)} HKT."
        )
    if status.message:
        lines.append(status.message)
    return lines


def user_lines(user: User, acting_for: str | None = None) -> list[str]:
    """Name, roles (of the acting membership) and every membership with its kind and
    roles, in words ("maker and checker", "delegated administrator (CCDA)")."""
    lines = [f"{user.name} ({user.user_id})"]
    if user.roles:
        lines.append(f"Roles: {roles_words(user.roles)}")
    if user.memberships:
        lines.append("Memberships:")
        for membership in user.memberships:
            marker = "▸" if membership.participant_id == acting_for else " "
            roles = f" · {roles_words(membership.roles)}" if membership.roles else ""
            lines.append(
                f" {marker} {membership.participant_id}  {membership.name}"
                f" ({kind_words(membership.kind)}){roles}"
            )
    channel = "authenticator app" if user.otp_channel == "app" else "e-mail"
    lines.append(f"One-time passwords by {channel}.")
    return lines


class UserSummary(Static):
    """The logged-in user, its roles and memberships (▸ marks the acting one)."""

    def show_user(self, user: User, acting_for: str | None = None) -> None:
        self.update(safe_content("\n".join(user_lines(user, acting_for)), multiline=True))


class ServiceStatusView(Static):
    """The portal's service status: open or in maintenance, business day, next window."""

    def show_status(self, status: ServiceStatus) -> None:
        self.set_class(status.maintenance, "-maintenance")
        self.update(safe_content("\n".join(service_lines(status)), multiline=True))

    def show_unknown(self, reason: str) -> None:
        self.set_class(False, "-maintenance")
        self.update(safe_content(f"Service status unknown: {reason}", multiline=True))
