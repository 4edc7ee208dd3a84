"""The service calendar in Hong Kong time: maintenance window, business days and hours.

Every moment handed in must be timezone-aware (a naive datetime raises ValueError):
the server's clock zone is Asia/Hong_Kong, clients may run anywhere, and a naive time
would silently mean the host's zone. Days are plain `date`s in Hong Kong.

Hong Kong public holidays come from the `holidays` package, both of its categories:
the statutory holidays ("public") and the rest of the general holidays ("optional",
such as Good Friday), because banks and the exchange close on every general holiday.
The weekly maintenance window is a setting (`MaintenanceWindow`), since the FAQ's
"12:00am on Sunday" is read by some as noon.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from cc_tui.domain.i18n import N_, _, current_language

HKT = ZoneInfo("Asia/Hong_Kong")

BUSINESS_OPEN = time(9)
BUSINESS_CLOSE = time(18)

# English, marked: `_()` gives each in the current language where a day is written.
_WEEKDAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))
_MONTHS = (
    N_("Jan"),
    N_("Feb"),
    N_("Mar"),
    N_("Apr"),
    N_("May"),
    N_("Jun"),
    N_("Jul"),
    N_("Aug"),
    N_("Sep"),
    N_("Oct"),
    N_("Nov"),
    N_("Dec"),
)
# The holidays library names Hong Kong's holidays in either language.
_HOLIDAY_LANGUAGE = {"en": "en_US", "zh-Hant": "zh_HK"}
_WEEK = timedelta(days=7)


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )


@dataclass(frozen=True)
class MaintenanceWindow:
    """A weekly window, in Hong Kong wall-clock time, when no eService is available.

    It starts on `start_weekday` (Monday is 0) at `start` and ends at the first
    `end_weekday` `end` after that; so the default runs Saturday 08:00 to the midnight
    that starts Sunday, and `end=time(12)` makes it run to Sunday noon.
    """

    start_weekday: int = 5
    start: time = time(8, 0)
    end_weekday: int = 6
    end: time = time(0, 0)

    def __post_init__(self) -> None:
        for weekday in (self.start_weekday, self.end_weekday):
            if not 0 <= weekday <= 6:
                raise ValueError(f"A weekday is 0 (Monday) to 6 (Sunday), not {weekday}.")
        for moment in (self.start, self.end):
            if moment.tzinfo is not None:
                raise ValueError("Window times are Hong Kong wall-clock times, without a zone.")
        if self.duration >= _WEEK:
            raise ValueError(
                "A maintenance window must end before it starts again: "
                "give a different end day or time."
            )

    @property
    def duration(self) -> timedelta:
        """From start to end, more than nothing and at most a week."""
        days = (self.end_weekday - self.start_weekday) % 7
        length = timedelta(days=days) + _since_midnight(self.end) - _since_midnight(self.start)
        return length if length > timedelta(0) else length + _WEEK

    def describe(self) -> str:
        """The window in words, e.g. "Sat 08:00 to Sun 00:00 HKT"."""
        return _("{start} to {end} HKT").format(
            start=f"{_(_WEEKDAYS[self.start_weekday])} {self.start:%H:%M}",
            end=f"{_(_WEEKDAYS[self.end_weekday])} {self.end:%H:%M}",
        )


DEFAULT_WINDOW = MaintenanceWindow()


def to_hkt(moment: datetime) -> datetime:
    """`moment` in Hong Kong time; ValueError if it is naive."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"{moment.isoformat()} has no time zone; pass an aware datetime "
            "(for example datetime.now(HKT))."
        )
    return moment.astimezone(HKT)


def _last_start(now: datetime, window: MaintenanceWindow) -> datetime:
    """The latest start of the window at or before `now` (which is in HKT)."""
    day = now.date() - timedelta(days=(now.weekday() - window.start_weekday) % 7)
    start = datetime.combine(day, window.start, tzinfo=HKT)
    return start if start <= now else start - _WEEK


def next_maintenance(
    now: datetime, window: MaintenanceWindow = DEFAULT_WINDOW
) -> tuple[datetime, datetime]:
    """(start, end) of the window `now` is in, else of the next one; both in HKT."""
    here = to_hkt(now)
    start = _last_start(here, window)
    if here >= start + window.duration:
        start += _WEEK
    return start, start + window.duration


def in_maintenance(now: datetime, window: MaintenanceWindow = DEFAULT_WINDOW) -> bool:
    start, _ = next_maintenance(now, window)
    return start <= to_hkt(now)


# Business days ------------------------------------------------------------------------


def _holidays_of(year: int) -> dict[date, str]:
    return _holidays_in(year, _HOLIDAY_LANGUAGE[current_language()])


@lru_cache(maxsize=64)
def _holidays_in(year: int, language: str) -> dict[date, str]:
    calendar = holidays.country_holidays(
        "HK", years=year, categories=("public", "optional"), language=language
    )
    return dict(calendar.items())


def _require_date(day: date) -> None:
    if isinstance(day, datetime):
        raise TypeError(
            "Pass a date, not a datetime; for a moment use to_hkt(moment).date() first."
        )


def public_holiday_name(day: date) -> str | None:
    """The name of the Hong Kong public holiday on `day`, or None."""
    _require_date(day)
    return _holidays_of(day.year).get(day)


def is_public_holiday(day: date) -> bool:
    return public_holiday_name(day) is not None


def is_business_day(day: date) -> bool:
    """Monday to Friday, and not a Hong Kong public holiday."""
    return day.weekday() < 5 and not is_public_holiday(day)


def is_business_hours(now: datetime) -> bool:
    """A business day, from 09:00 to before 18:00 HKT."""
    here = to_hkt(now)
    return is_business_day(here.date()) and BUSINESS_OPEN <= here.time() < BUSINESS_CLOSE


def next_business_day(day: date) -> date:
    """The first business day strictly after `day`."""
    _require_date(day)
    day += timedelta(days=1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def previous_business_day(day: date) -> date:
    """The last business day strictly before `day`."""
    _require_date(day)
    day -= timedelta(days=1)
    while not is_business_day(day):
        day -= timedelta(days=1)
    return day


def add_working_days(day: date, n: int) -> date:
    """The `n`th business day after `day` (`day` itself when n is 0); n must be >= 0.

    "At least three working days after submission" is `add_working_days(day, 3)`.
    """
    _require_date(day)
    if n < 0:
        raise ValueError(f"Count working days forward only: n must be 0 or more, not {n}.")
    for _step in range(n):
        day = next_business_day(day)
    return day


def working_days_between(start: date, end: date) -> int:
    """How many business days fall in (start, end]; negative when `end` is before `start`."""
    _require_date(start)
    _require_date(end)
    if end < start:
        return -working_days_between(end, start)
    return sum(
        1
        for offset in range(1, (end - start).days + 1)
        if is_business_day(start + timedelta(days=offset))
    )


def processing_day(now: datetime) -> date:
    """The business day on which a request made at `now` is processed.

    Today when today is a business day and it is before closing time (a request made
    before opening waits for the same morning); else the next business day.
    """
    here = to_hkt(now)
    today = here.date()
    if is_business_day(today) and here.time() < BUSINESS_CLOSE:
        return today
    return next_business_day(today)


# The service state ---------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceState:
    """What GET /service/status reports, plus the two facts behind its message."""

    now: datetime
    maintenance: bool
    next_maintenance_start: datetime
    next_maintenance_end: datetime
    business_day: bool
    message: str | None
    business_hours: bool = False
    processing_day: date | None = None


def format_day(
    day: date, today: date | None = None, *, padded: bool = False, year: bool = False
) -> str:
    """A day as "Mon 24 Nov" ("Mon 01 Dec" `padded`), with the year when asked or when it
    is not `today`'s year; in the current language ("11月24日（週一）")."""
    words = {"weekday": _(_WEEKDAYS[day.weekday()]), "day": f"{day.day:02d}" if padded else day.day}
    month = _(_MONTHS[day.month - 1])
    if year or (today is not None and day.year != today.year):
        return _("{weekday} {day} {month} {year}").format(**words, month=month, year=day.year)
    return _("{weekday} {day} {month}").format(**words, month=month)


def weekday_word(day: date) -> str:
    """ "Mon", in the current language ("週一")."""
    return _(_WEEKDAYS[day.weekday()])


def month_word(day: date) -> str:
    """ "Nov", in the current language ("11月")."""
    return _(_MONTHS[day.month - 1])


def format_moment(moment: datetime) -> str:
    """A moment as "Sun 00:00 HKT"."""
    here = to_hkt(moment)
    return _("{weekday} {time} HKT").format(
        weekday=_(_WEEKDAYS[here.weekday()]), time=f"{here:%H:%M}"
    )


def service_state(now: datetime, window: MaintenanceWindow = DEFAULT_WINDOW) -> ServiceState:
    here = to_hkt(now)
    start, end = next_maintenance(here, window)
    maintenance = start <= here
    today = here.date()
    business_day = is_business_day(today)
    business_hours = is_business_hours(here)
    processed = processing_day(here)
    message: str | None = None
    if maintenance:
        message = _("eServices are closed for weekly maintenance until {moment}.").format(
            moment=format_moment(end)
        )
    elif not business_day:
        holiday = public_holiday_name(today)
        day = format_day(processed, today)
        message = (
            _(
                "Today is a Hong Kong public holiday ({holiday}); requests made today are "
                "processed on {day}."
            ).format(holiday=holiday, day=day)
            if holiday
            else _("Requests made today are processed on {day}.").format(day=day)
        )
    elif here.time() >= BUSINESS_CLOSE:
        message = _(
            "Business hours are over ({open}-{close} HKT); requests made now are processed "
            "on {day}."
        ).format(
            open=f"{BUSINESS_OPEN:%H:%M}",
            close=f"{BUSINESS_CLOSE:%H:%M}",
            day=format_day(processed, today),
        )
    return ServiceState(
        now=here,
        maintenance=maintenance,
        next_maintenance_start=start,
        next_maintenance_end=end,
        business_day=business_day,
        message=message,
        business_hours=business_hours,
        processing_day=processed,
    )
