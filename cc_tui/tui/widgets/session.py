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

from cc_tui.domain.calendar import format_day
from cc_tui.domain.i18n import _
from cc_tui.tui.membership import kind_words, roles_words
from cc_tui.tui.safe_text import safe_content

if TYPE_CHECKING:
    from cc_tui.api.auth import ServiceStatus, User


def _when(moment: datetime) -> str:
    """`Sat 28 Nov 08:00` in the portal's own zone (the offset it sent)."""
    return f"{_day(moment.date())} {moment:%H:%M}"


def _day(day: date) -> str:
    """`Sat 05 Dec`, in the current language."""
    return format_day(day, padded=True)


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
            _("✗ Maintenance: eServices are unavailable until {when} HKT.").format(
                when=_when(status.next_maintenance_end)
            )
        )
    else:
        lines.append(_("✓ Open"))
        if status.business_day:
            lines.append(
                _("Business day; now within business hours (09:00-18:00 HKT).")
                if status.business_hours
                else _("Business day; now outside business hours (09:00-18:00 HKT).")
            )
        else:
            lines.append(_("Not a business day."))
        if status.processing_day is not None and not status.business_hours:
            lines.append(
                _("Requests made now are processed on {day}.").format(
                    day=_day(status.processing_day)
                )
            )
        lines.append(
            _("Next maintenance: {start} to {end} HKT.").format(
                start=_when(status.next_maintenance_start), end=_when(status.next_maintenance_end)
            )
        )
    if status.message:
        lines.append(status.message)
    return lines


def user_lines(user: User, acting_for: str | None = None) -> list[str]:
    """Name, roles (of the acting membership) and every membership with its kind and
    roles, in words ("maker and checker", "delegated administrator (CCDA)")."""
    lines = [f"{user.name} ({user.user_id})"]
    if user.roles:
        lines.append(_("Roles: {roles}").format(roles=roles_words(user.roles)))
    if user.memberships:
        lines.append(_("Memberships:"))
        for membership in user.memberships:
            marker = "▸" if membership.participant_id == acting_for else " "
            roles = f" · {roles_words(membership.roles)}" if membership.roles else ""
            lines.append(
                f" {marker} {membership.participant_id}  {membership.name}"
                f" ({kind_words(membership.kind)}){roles}"
            )
    lines.append(
        _("One-time passwords from the authenticator app.")
        if user.otp_channel == "app"
        else _("One-time passwords by e-mail.")
    )
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
        self.update(
            safe_content(
                _("Service status unknown: {reason}").format(reason=reason), multiline=True
            )
        )
