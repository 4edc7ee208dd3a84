"""Service hours: the portal's time, the maintenance window, business days and hours.

- Everything shown is the portal's own answer (`GET /service/status`), read on the
  portal's clock in Hong Kong time, never this computer's: a user abroad sees when the
  portal closes, in the portal's time, and how long until then.
- Each fact is a row of words ("Yes: eServices are closed until Sun 29 Nov 00:00 HKT"),
  built by `service_rows`, a pure function tested without a terminal.
- `r` asks again, and the screen asks by itself every minute while it is open. It needs
  no login (the status is public), so the palette offers it on the login screen too.
- F6 and the palette open it through `tui/navigation.py` (`Destination.SERVICE`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid
from textual.widgets import Footer, Static

from cc_tui.client.errors import PortalUnreachable
from cc_tui.domain.calendar import format_day, to_hkt
from cc_tui.domain.i18n import N_, _
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import safe_content
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.auth import ServiceStatus

REFRESH_SECONDS = 60.0


def _moment(moment: datetime) -> str:
    here = to_hkt(moment)
    return f"{format_day(here.date(), padded=True)} {here:%H:%M}"


def _span(delta: timedelta) -> str:
    """`4 d 22 h`, `3 h 5 min`, `12 min`, `under a minute`."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("{days} d {hours} h").format(days=days, hours=hours)
    if hours:
        return _("{hours} h {minutes} min").format(hours=hours, minutes=minutes)
    return _("{minutes} min").format(minutes=minutes) if minutes else _("under a minute")


def service_rows(status: ServiceStatus) -> list[tuple[str, str, str]]:
    """(key, label, words) for each fact of the status, in the portal's time."""
    now = to_hkt(status.now)
    start, end = status.next_maintenance_start, status.next_maintenance_end
    if status.maintenance:
        maintenance = _("Yes: eServices are closed until {end} HKT ({left}).").format(
            end=_moment(end), left=_span(end - now)
        )
        window = _("This window: {start} to {end} HKT.").format(
            start=_moment(start), end=_moment(end)
        )
    else:
        maintenance = _("No: eServices are open.")
        window = _("{start} to {end} HKT (starts in {left}).").format(
            start=_moment(start), end=_moment(end), left=_span(start - now)
        )
    business_day = (
        _("Yes.") if status.business_day else _("No (a weekend or a Hong Kong public holiday).")
    )
    hours = (
        _("Yes (Mon-Fri 09:00-18:00 HKT).")
        if status.business_hours
        else _("No (Mon-Fri 09:00-18:00 HKT).")
    )
    rows = [
        (
            "now",
            _("Portal time"),
            _("{day} {time} HKT").format(
                day=format_day(now.date(), padded=True, year=True), time=f"{now:%H:%M}"
            ),
        ),
        ("maintenance", _("Maintenance now"), maintenance),
        ("window", _("Maintenance window"), window),
        ("business-day", _("Business day"), business_day),
        ("business-hours", _("Business hours"), hours),
    ]
    if status.processing_day is not None:
        processed = format_day(status.processing_day, padded=True, year=True)
        if status.processing_day == now.date() and status.business_hours:
            processed = _("{day} (today)").format(day=processed)
        rows.append(
            ("processed", _("Requests made now"), _("Processed on {day}.").format(day=processed))
        )
    rows.append(("message", _("The portal says"), status.message or "—"))
    return rows


class ServiceScreen(RefreshingScreen):
    """The portal's service hours now; `r` asks again."""

    CSS_PATH = "service.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "r",
            "retry",
            "Refresh",
            id="service.refresh",
            tooltip=N_("Ask the portal for its service status again."),
        ),
        Binding("escape", "back", "Back", id="service.back", tooltip=N_("Close service hours.")),
    ]

    def __init__(self) -> None:
        super().__init__(id="service")
        self.title = _("Service hours")
        self.status: ServiceStatus | None = None

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static(_("Service hours"), id="service-title")
        yield Grid(id="service-grid")
        yield Static(
            _(
                "Weekly maintenance: no eService is available. Outside business hours requests "
                "are accepted and processed on the next business day."
            ),
            id="service-note",
        )
        yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).show(_("Asking the portal…"), "info")
        self.refresh_status()
        self.set_interval(REFRESH_SECONDS, self.refresh_status)

    def reload(self) -> None:
        self.refresh_status()

    @work(exclusive=True, group="service", exit_on_error=False)
    async def refresh_status(self) -> None:
        notice = self.query_one(Notice)

        def unreachable(error: PortalUnreachable) -> None:
            notice.clear()
            self.show_unreachable(error, self.refresh_status)

        status = await self.call_portal(
            lambda portal: portal.service_status(), unreachable=unreachable
        )
        if status is FAILED:
            return
        self.status = status
        notice.clear()
        await self._show(status)

    async def _show(self, status: ServiceStatus) -> None:
        grid = self.query_one("#service-grid", Grid)
        await grid.remove_children()
        cells: list[Static] = []
        for key, label, words in service_rows(status):
            cells.append(Static(label, classes="service-label"))
            value = Static(
                safe_content(words, multiline=True), id=f"service-{key}", classes="service-value"
            )
            value.set_class(key == "maintenance" and status.maintenance, "-maintenance")
            cells.append(value)
        await grid.mount_all(cells)

    def value(self, key: str) -> str:
        """What the row `key` says now (for tests and screen readers' scripts)."""
        return str(self.query_one(f"#service-{key}", Static).content)

    def action_back(self) -> None:
        self.dismiss()

    def palette_commands(self) -> list[PaletteCommand]:
        return [
            PaletteCommand(
                _("Service hours: refresh"),
                _("Ask the portal for its status."),
                self.refresh_status,
            )
        ]
