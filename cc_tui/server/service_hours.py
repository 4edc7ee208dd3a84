"""Service hours as the server enforces them: the maintenance window and business days.

During the weekly maintenance window no eService is available: every write and every
action on a request is refused with 503 `maintenance` and a `Retry-After` of the seconds
left in the window (reads still work, so a user can look at what is there). An eService
marked business-day only refuses new requests and actions outside business days (409
`business_day_only`, naming the day it opens again); Saturdays are then refused as
maintenance first, which is the more useful answer. Both read the server's clock and the
window in the server's settings.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from cc_tui.api.problem import ProblemCode
from cc_tui.domain import calendar
from cc_tui.domain.forms import EService
from cc_tui.domain.i18n import N_, _
from cc_tui.server.clock import HKT
from cc_tui.server.context import ServerContext
from cc_tui.server.errors import ApiError

# What today is, when it is no business day and no holiday.
_DAY_NAMES = (
    N_("a Monday"),
    N_("a Tuesday"),
    N_("a Wednesday"),
    N_("a Thursday"),
    N_("a Friday"),
    N_("a Saturday"),
    N_("a Sunday"),
)


@dataclass(frozen=True)
class Closure:
    """Why the portal takes no action now, and until when: one refusal, raised as an
    error by a write and listed in `unavailable_actions` by a read."""

    status: int
    code: ProblemCode
    message: str
    fix: str
    until: datetime
    retry_after: int | None = None

    def error(self) -> ApiError:
        headers = None if self.retry_after is None else {"Retry-After": str(self.retry_after)}
        return ApiError(self.status, self.code, self.message, self.fix, headers=headers)


@dataclass(frozen=True)
class ServiceHours:
    """The server's clock and maintenance window at one moment."""

    now: datetime
    window: calendar.MaintenanceWindow

    @classmethod
    def of(cls, context: ServerContext) -> ServiceHours:
        return cls(context.now(), context.settings.maintenance_window)

    def maintenance(self) -> Closure | None:
        """The weekly maintenance window, while it is open."""
        start, end = calendar.next_maintenance(self.now, self.window)
        if not start <= self.now:
            return None
        seconds = max(1, math.ceil((end - self.now).total_seconds()))
        return Closure(
            503,
            ProblemCode.MAINTENANCE,
            _("eServices are closed for weekly maintenance ({window}) until {moment}.").format(
                window=self.window.describe(), moment=calendar.format_moment(end)
            ),
            _(
                "Nothing was changed; try again after {moment}. You can still read your "
                "requests now."
            ).format(moment=calendar.format_moment(end)),
            end,
            seconds,
        )

    def business_day(self, eservice: EService) -> Closure | None:
        """A business-day-only eService outside business days."""
        if not eservice.business_day_only:
            return None
        today = calendar.to_hkt(self.now).date()
        if calendar.is_business_day(today):
            return None
        holiday = calendar.public_holiday_name(today)
        reason = (
            _("a Hong Kong public holiday ({holiday})").format(holiday=holiday)
            if holiday
            else _(_DAY_NAMES[today.weekday()])
        )
        opens = calendar.next_business_day(today)
        return Closure(
            409,
            ProblemCode.BUSINESS_DAY_ONLY,
            _("{code} {name} is available on business days only, and today is {reason}.").format(
                code=eservice.code, name=eservice.name, reason=reason
            ),
            _("Try again on {day} ({date}); anything you saved is kept.").format(
                day=calendar.format_day(opens, today), date=opens.isoformat()
            ),
            datetime.combine(opens, time(0), HKT),
        )

    def closure(self, eservice: EService | None) -> Closure | None:
        """The first reason an action on a request of `eservice` is refused now, if any:
        maintenance first (it says when everything opens again), then business days."""
        found = self.maintenance()
        if found is None and eservice is not None:
            found = self.business_day(eservice)
        return found


@dataclass(frozen=True)
class _Moment:
    """A stretch of time in which `ServiceHours` says the same: in the one maintenance
    window or out of any, on one day in Hong Kong."""

    since: datetime
    until: datetime
    key: Hashable


# By the settings' window, as (start weekday, start, end weekday, end).
_moments: dict[tuple[int, time, int, time], _Moment] = {}


def moment_key(context: ServerContext) -> Hashable:
    """All that an answer's `allowed_actions` and `unavailable_actions` read of the clock:
    the maintenance window it is in (its end; None out of one) and the day in Hong Kong
    (business day or not, and which opens next). Two moments with the same key get the
    same closures, word for word, so an answer kept by it (fast_route.py) changes the
    moment either does. Worked out once per stretch (a few microseconds to check)."""
    now = context.now()
    settings = context.settings
    window = (
        settings.maintenance_start_weekday,
        settings.maintenance_start,
        settings.maintenance_end_weekday,
        settings.maintenance_end,
    )
    found = _moments.get(window)
    if found is None or not found.since <= now < found.until:
        found = _moments[window] = _moment_of(now, settings.maintenance_window)
    return found.key


def _moment_of(now: datetime, window: calendar.MaintenanceWindow) -> _Moment:
    here = calendar.to_hkt(now)
    day_start = datetime.combine(here.date(), time(0), HKT)
    day_end = datetime.combine(here.date() + timedelta(days=1), time(0), HKT)
    start, end = calendar.next_maintenance(now, window)
    if start <= here:
        since, until, inside = max(day_start, start), min(day_end, end), end
    else:
        previous_end = start - timedelta(days=7) + window.duration
        since, until, inside = max(day_start, previous_end), min(day_end, start), None
    # In HKT, as the clock says the time: comparing two of one zone is quick.
    return _Moment(since, until, (inside, here.date()))


def refuse_during_maintenance(context: ServerContext) -> None:
    """Raise 503 `maintenance` with Retry-After while the maintenance window is open."""
    closed = ServiceHours.of(context).maintenance()
    if closed is not None:
        raise closed.error()


def refuse_outside_business_day(context: ServerContext, eservice: EService) -> None:
    """Raise 409 `business_day_only` when `eservice` is business-day only and today is not."""
    closed = ServiceHours.of(context).business_day(eservice)
    if closed is not None:
        raise closed.error()


def refuse_when_closed(context: ServerContext, eservice: EService) -> None:
    """Raise the first of maintenance and business-day refusals that applies now."""
    closed = ServiceHours.of(context).closure(eservice)
    if closed is not None:
        raise closed.error()
