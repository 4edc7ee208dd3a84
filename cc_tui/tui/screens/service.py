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
from cc_tui.domain.calendar import to_hkt
from cc_tui.tui.commands import PaletteCommand
from cc_tui.tui.safe_text import safe_content
from cc_tui.tui.screens.base import FAILED, RefreshingScreen
from cc_tui.tui.widgets.notice import Notice, ServerBanner

if TYPE_CHECKING:
    from cc_tui.api.auth import ServiceStatus

REFRESH_SECONDS = 60.0


def _moment(moment: datetime) -> str:
    return f"{to_hkt(moment):%a %d %b %H:%M}"


def _span(delta: timedelta) -> str:
    """`4 d 22 h`, `3 h 5 min`, `12 min`, `under a minute`."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else "under a minute"


def service_rows(status: ServiceStatus) -> list[tuple[str, str, str]]:
    """(key, label, words) for each fact of the status, in the portal's time."""
    now = to_hkt(status.now)
    start, end = status.next_maintenance_start, status.next_maintenance_end
    if status.maintenance:
        maintenance = f"Yes: eServices are closed until {_moment(end)} HKT ({_span(end - now)})."
        window = f"This window: {_moment(start)} to {_moment(end)} HKT."
    else:
        maintenance = "No: eServices are open."
        window = f"{_moment(start)} to {_moment(end)} HKT (starts in {_span(start - now)})."
    business_day = (
        "Yes." if status.business_day else "No (a weekend or a Hong Kong public holiday)."
    )
    hours = "Yes" if status.business_hours else "No"
    rows = [
        ("now", "Portal time", f"{now:%a %d %b %Y %H:%M} HKT"),
        ("maintenance", "Maintenance now", maintenance),
        ("window", "Maintenance window", window),
        ("business-day", "Business day", business_day),
        ("business-hours", "Business hours", f"{hours} (Mon-Fri 09:00-18:00 HKT)."),
    ]
    if status.processing_day is not None:
        processed = f"{status.processing_day:%a %d %b %Y}"
        if status.processing_day == now.date() and status.business_hours:
            processed += " (today)"
        rows.append(("processed", "Requests made now", f"Processed on {processed}."))
    rows.append(("message", "The portal says", status.message or "—"))
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
            tooltip="Ask the portal for its service status again.",
        ),
        Binding("escape", "back", "Back", id="service.back", tooltip="Close service hours."),
    ]

    def __init__(self) -> None:
        super().__init__(id="service")
        self.title = "Service hours"
        self.status: ServiceStatus | None = None

    def compose(self) -> ComposeResult:
        yield ServerBanner(id="banner")
        yield Static("Service hours", id="service-title")
        yield Grid(id="service-grid")
        yield Static(
            "Weekly maintenance: no eService is available. Outside business hours requests "
            "are accepted and processed on the next business day.",
            id="service-note",
        )
        yield Notice(id="notice")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Notice).show("Asking the portal…", "info")
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
                "Service hours: refresh", "Ask the portal for its status.", self.refresh_status
            )
        ]
