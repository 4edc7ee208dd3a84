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

from cc_tui.api.problem import ProblemCode
from cc_tui.domain import calendar
from cc_tui.domain.forms import EService
from cc_tui.server.context import ServerContext
from cc_tui.server.errors import ApiError


def refuse_during_maintenance(context: ServerContext) -> None:
    """Raise 503 `maintenance` with Retry-After while the maintenance window is open."""
    now = context.now()
    window = context.settings.maintenance_window
    start, end = calendar.next_maintenance(now, window)
    if not start <= now:
        return
    seconds = max(1, math.ceil((end - now).total_seconds()))
    raise ApiError(
        503,
        ProblemCode.MAINTENANCE,
        f"eServices are closed for weekly maintenance ({window.describe()}) until "
        f"{calendar.format_moment(end)}.",
        f"Nothing was changed; try again after {calendar.format_moment(end)}. "
        "You can still read your requests now.",
        headers={"Retry-After": str(seconds)},
    )


def refuse_outside_business_day(context: ServerContext, eservice: EService) -> None:
    """Raise 409 `business_day_only` when `eservice` is business-day only and today is not."""
    if not eservice.business_day_only:
        return
    today = calendar.to_hkt(context.now()).date()
    if calendar.is_business_day(today):
        return
    holiday = calendar.public_holiday_name(today)
    reason = f"a Hong Kong public holiday ({holiday})" if holiday else today.strftime("a %A")
    opens = calendar.next_business_day(today)
    raise ApiError(
        409,
        ProblemCode.BUSINESS_DAY_ONLY,
        f"{eservice.code} {eservice.name} is available on business days only, and today is "
        f"{reason}.",
        f"Try again on {calendar.format_day(opens, today)} ({opens.isoformat()}); "
        "anything you saved is kept.",
    )
