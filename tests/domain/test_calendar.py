"""The service calendar: maintenance window, Hong Kong business days and hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cc_tui.domain.calendar import (
    BUSINESS_CLOSE,
    BUSINESS_OPEN,
    DEFAULT_WINDOW,
    HKT,
    MaintenanceWindow,
    add_working_days,
    format_day,
    in_maintenance,
    is_business_day,
    is_business_hours,
    is_public_holiday,
    next_business_day,
    next_maintenance,
    previous_business_day,
    processing_day,
    public_holiday_name,
    service_state,
    working_days_between,
)

NOON_WINDOW = MaintenanceWindow(end_weekday=6, end=time(12))
# Saturday 21 and Sunday 22 November 2026; Monday 23 is a business day.
SAT = date(2026, 11, 21)
SUN = date(2026, 11, 22)
MON = date(2026, 11, 23)


def hk(day: date, hour: int = 0, minute: int = 0, second: int = 0, micro: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, micro, tzinfo=HKT)


# The maintenance window -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        (hk(SAT, 7, 59, 59), False),
        (hk(SAT, 7, 59, 59, 999_999), False),
        (hk(SAT, 8), True),
        (hk(SAT, 12), True),
        (hk(SAT, 23, 59, 59), True),
        (hk(SAT, 23, 59, 59, 999_999), True),
        (hk(SUN), False),
        (hk(SUN, 11), False),
        (hk(date(2026, 11, 20), 23), False),  # Friday night
        (hk(MON, 8), False),  # another weekday at 08:00
    ],
)
def test_the_default_window_is_saturday_0800_to_sunday_0000(moment: datetime, closed: bool) -> None:
    assert MaintenanceWindow() == DEFAULT_WINDOW
    assert in_maintenance(moment) is closed


@pytest.mark.parametrize(
    ("moment", "closed"),
    [
        (hk(SAT, 7, 59, 59), False),
        (hk(SAT, 8), True),
        (hk(SUN), True),
        (hk(SUN, 11, 59, 59), True),
        (hk(SUN, 12), False),
    ],
)
def test_the_noon_reading_of_the_faq_is_a_setting(moment: datetime, closed: bool) -> None:
    assert in_maintenance(moment, NOON_WINDOW) is closed


def test_the_window_is_in_hong_kong_time_whatever_zone_now_is_in() -> None:
    # Saturday 08:00 HKT is Saturday 00:00 UTC, and Friday 20:00 in New York (EST).
    assert in_maintenance(datetime(2026, 11, 21, 0, 0, tzinfo=UTC))
    assert not in_maintenance(datetime(2026, 11, 20, 23, 59, 59, tzinfo=UTC))
    new_york = ZoneInfo("America/New_York")
    assert in_maintenance(datetime(2026, 11, 20, 19, 0, tzinfo=new_york))
    assert not in_maintenance(datetime(2026, 11, 20, 18, 59, tzinfo=new_york))


def test_next_maintenance_is_the_current_window_inside_one() -> None:
    start, end = next_maintenance(hk(SAT, 9))
    assert (start, end) == (hk(SAT, 8), hk(SUN))
    assert start.tzinfo is HKT and end.tzinfo is HKT


def test_next_maintenance_is_the_next_window_outside_one() -> None:
    assert next_maintenance(hk(SUN)) == (hk(date(2026, 11, 28), 8), hk(date(2026, 11, 29)))
    assert next_maintenance(hk(SAT, 7)) == (hk(SAT, 8), hk(SUN))
    assert next_maintenance(hk(SUN, 6), NOON_WINDOW) == (hk(SAT, 8), hk(SUN, 12))
    assert next_maintenance(datetime(2026, 11, 22, 4, tzinfo=UTC), NOON_WINDOW)[1] == hk(
        date(2026, 11, 29), 12
    )


def test_a_window_of_almost_a_week() -> None:
    window = MaintenanceWindow(start_weekday=5, start=time(8), end_weekday=5, end=time(7))
    assert window.duration == timedelta(days=6, hours=23)
    assert in_maintenance(hk(date(2026, 11, 28), 6, 59), window)
    assert not in_maintenance(hk(date(2026, 11, 28), 7, 30), window)


def test_a_window_across_the_year_end() -> None:
    window = MaintenanceWindow(start_weekday=3, start=time(22), end_weekday=4, end=time(2))
    # Thursday 31 December 2026, 23:00, to Friday 1 January 2027, 02:00.
    assert in_maintenance(hk(date(2026, 12, 31), 23), window)
    assert in_maintenance(hk(date(2027, 1, 1), 1, 59), window)
    assert not in_maintenance(hk(date(2027, 1, 1), 2), window)
    assert window.describe() == "Thu 22:00 to Fri 02:00 HKT"


@pytest.mark.parametrize(
    "make",
    [
        lambda: MaintenanceWindow(start_weekday=7),
        lambda: MaintenanceWindow(end_weekday=-1),
        lambda: MaintenanceWindow(start_weekday=5, start=time(8), end_weekday=5, end=time(8)),
        lambda: MaintenanceWindow(start_weekday=0, start=time(0), end_weekday=0, end=time(0)),
        lambda: MaintenanceWindow(start=time(8, tzinfo=UTC)),
    ],
)
def test_impossible_windows_are_refused(make: object) -> None:
    with pytest.raises(ValueError):
        make()  # type: ignore[operator]


@pytest.mark.parametrize(
    "call",
    [
        in_maintenance,
        next_maintenance,
        is_business_hours,
        processing_day,
        service_state,
    ],
)
def test_naive_times_are_refused(call: object) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        call(datetime(2026, 11, 21, 9, 0))  # type: ignore[operator]


def test_days_must_be_dates_not_moments() -> None:
    with pytest.raises(TypeError, match="Pass a date"):
        is_business_day(datetime(2026, 11, 23, 9, tzinfo=UTC))


def test_hong_kong_time_has_no_daylight_saving() -> None:
    for month in range(1, 13):
        for year in (2024, 2026, 2030):
            moment = datetime(year, month, 15, 12, tzinfo=HKT)
            assert moment.utcoffset() == timedelta(hours=8)
            assert moment.dst() in (None, timedelta(0))
    start, end = next_maintenance(datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/London")))
    assert start.utcoffset() == end.utcoffset() == timedelta(hours=8)
    assert end - start == timedelta(hours=16)


moments = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2090, 12, 31),
    timezones=st.sampled_from(
        [
            HKT,
            UTC,
            ZoneInfo("America/New_York"),
            ZoneInfo("Australia/Lord_Howe"),
            timezone(timedelta(hours=-11, minutes=-30)),
        ]
    ),
)


@st.composite
def windows(draw: st.DrawFn) -> MaintenanceWindow:
    """The two readings of the FAQ, or any window that fits in a week."""
    fixed = draw(st.sampled_from([DEFAULT_WINDOW, NOON_WINDOW, None]))
    if fixed is not None:
        return fixed
    start_weekday = draw(st.integers(0, 6))
    start = time(draw(st.integers(0, 23)), draw(st.integers(0, 59)))
    minutes = draw(st.integers(1, 7 * 24 * 60 - 1))
    end = datetime.combine(date(2026, 11, 16 + start_weekday), start) + timedelta(minutes=minutes)
    return MaintenanceWindow(start_weekday, start, end.weekday(), end.time())


@given(moments, windows())
def test_next_maintenance_contains_now_or_lies_ahead(
    now: datetime, window: MaintenanceWindow
) -> None:
    start, end = next_maintenance(now, window)
    assert start.tzinfo is HKT
    assert end - start == window.duration
    assert start.weekday() == window.start_weekday and start.time() == window.start
    assert end.weekday() == window.end_weekday and end.time() == window.end
    assert now < end
    assert start - now <= timedelta(days=7)
    assert in_maintenance(now, window) is (start <= now)
    # Just before the window opens, and as it closes, the service is open.
    assert not in_maintenance(start - timedelta(microseconds=1), window)
    assert in_maintenance(start, window)
    assert not in_maintenance(end, window)


# Public holidays and business days -------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 2, 17), "Chinese New Year"),
        (date(2026, 2, 18), "The second day of Chinese New Year"),
        (date(2026, 4, 3), "Good Friday"),  # a general holiday, not a statutory one
        (date(2026, 7, 1), "Hong Kong S.A.R. Establishment Day"),
        (date(2026, 10, 1), "National Day"),
        (date(2026, 12, 25), "Christmas Day"),
    ],
)
def test_hong_kong_public_holidays_are_not_business_days(day: date, name: str) -> None:
    assert day.weekday() < 5
    assert is_public_holiday(day)
    assert public_holiday_name(day) == name
    assert not is_business_day(day)


@pytest.mark.parametrize(
    "day", [date(2026, 2, 16), date(2026, 11, 23), date(2026, 12, 24), date(2026, 12, 31)]
)
def test_ordinary_weekdays_are_business_days(day: date) -> None:
    assert not is_public_holiday(day)
    assert public_holiday_name(day) is None
    assert is_business_day(day)


def test_weekends_are_not_business_days() -> None:
    assert not is_business_day(SAT)
    assert not is_business_day(SUN)
    assert not is_public_holiday(SAT)


@pytest.mark.parametrize(
    ("day", "after", "before"),
    [
        (date(2026, 2, 13), date(2026, 2, 16), date(2026, 2, 12)),  # Fri -> Mon
        (date(2026, 2, 16), date(2026, 2, 20), date(2026, 2, 13)),  # Lunar New Year 17-19
        (SAT, MON, date(2026, 11, 20)),
        (date(2026, 4, 2), date(2026, 4, 8), date(2026, 4, 1)),  # Easter and Ching Ming
        (date(2026, 12, 31), date(2027, 1, 4), date(2026, 12, 30)),  # New Year, weekend
    ],
)
def test_next_and_previous_business_day(day: date, after: date, before: date) -> None:
    assert next_business_day(day) == after
    assert previous_business_day(day) == before


def test_add_working_days_counts_business_days_only() -> None:
    assert add_working_days(MON, 0) == MON
    assert add_working_days(SAT, 0) == SAT
    assert add_working_days(MON, 1) == date(2026, 11, 24)
    assert add_working_days(MON, 5) == date(2026, 11, 30)
    # CT027: an effective date at least three working days after a submission on
    # Christmas Eve skips Christmas Day and the weekend.
    assert add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 30)
    with pytest.raises(ValueError, match="0 or more"):
        add_working_days(MON, -1)


def test_working_days_between_counts_the_half_open_interval() -> None:
    assert working_days_between(MON, MON) == 0
    assert working_days_between(date(2026, 11, 20), MON) == 1  # Fri -> Mon
    assert working_days_between(SAT, SUN) == 0
    assert working_days_between(date(2026, 12, 24), date(2026, 12, 30)) == 3
    assert working_days_between(date(2026, 12, 30), date(2026, 12, 24)) == -3
    # 2026 has 261 weekdays; less New Year's Day (not counted, being the start) and the
    # 13 other public holidays on weekdays.
    assert working_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 260 - 13


@pytest.mark.parametrize(
    ("moment", "open_"),
    [
        (hk(MON, 8, 59, 59), False),
        (hk(MON, 9), True),
        (hk(MON, 17, 59, 59), True),
        (hk(MON, 18), False),
        (hk(SAT, 10), False),
        (hk(date(2026, 12, 25), 10), False),
        (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), True),  # 09:00 HKT
    ],
)
def test_business_hours(moment: datetime, open_: bool) -> None:
    assert (time(9), time(18)) == (BUSINESS_OPEN, BUSINESS_CLOSE)
    assert is_business_hours(moment) is open_


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (hk(MON, 7), MON),  # before opening: processed the same morning
        (hk(MON, 10), MON),
        (hk(MON, 17, 59, 59), MON),
        (hk(MON, 18), date(2026, 11, 24)),
        (hk(date(2026, 11, 20), 18, 30), MON),  # Friday evening
        (hk(SAT, 10), MON),
        (hk(SUN, 23), MON),
        (hk(date(2026, 2, 16), 19), date(2026, 2, 20)),  # into Lunar New Year
        (datetime(2026, 11, 23, 10, 30, tzinfo=UTC), date(2026, 11, 24)),  # 18:30 HKT
    ],
)
def test_processing_day(moment: datetime, day: date) -> None:
    assert processing_day(moment) == day


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))


@given(days, st.integers(1, 400))
def test_add_working_days_lands_on_a_business_day(day: date, n: int) -> None:
    landed = add_working_days(day, n)
    assert landed > day
    assert is_business_day(landed)


@given(days, st.integers(0, 400))
def test_working_days_between_undoes_add_working_days(day: date, n: int) -> None:
    assert working_days_between(day, add_working_days(day, n)) == n


@given(days, st.integers(-1000, 1000))
def test_working_days_between_is_antisymmetric(start: date, offset: int) -> None:
    end = start + timedelta(days=offset)
    assert working_days_between(start, end) == -working_days_between(end, start)
    assert (working_days_between(start, end) > 0) is any(
        is_business_day(start + timedelta(days=k)) for k in range(1, offset + 1)
    )


@given(days)
def test_next_business_day_skips_only_days_off(day: date) -> None:
    following = next_business_day(day)
    assert is_business_day(following)
    gap = (following - day).days
    assert all(not is_business_day(day + timedelta(days=k)) for k in range(1, gap))
    assert previous_business_day(following) <= day


@given(moments)
def test_processing_day_is_a_business_day_not_in_the_past(now: datetime) -> None:
    today = now.astimezone(HKT).date()
    day = processing_day(now)
    assert is_business_day(day)
    assert day >= today
    assert (day == today) is (
        is_business_day(today) and now.astimezone(HKT).time() < BUSINESS_CLOSE
    )
    if is_business_hours(now):
        assert day == today


# The service state -------------------------------------------------------------------------


def test_service_state_in_maintenance() -> None:
    state = service_state(hk(SAT, 9))
    assert state.maintenance
    assert (state.next_maintenance_start, state.next_maintenance_end) == (hk(SAT, 8), hk(SUN))
    assert not state.business_day
    assert state.message == "eServices are closed for weekly maintenance until Sun 00:00 HKT."
    noon = service_state(hk(SUN, 9), NOON_WINDOW)
    assert noon.message == "eServices are closed for weekly maintenance until Sun 12:00 HKT."


def test_service_state_on_a_weekend() -> None:
    state = service_state(hk(SUN, 9))
    assert not state.maintenance
    assert state.next_maintenance_start == hk(date(2026, 11, 28), 8)
    assert state.message == "Requests made today are processed on Mon 23 Nov."
    assert state.processing_day == MON


def test_service_state_on_a_public_holiday() -> None:
    state = service_state(hk(date(2026, 12, 25), 10))
    assert not state.business_day
    assert state.message == (
        "Today is a Hong Kong public holiday (Christmas Day); requests made today are "
        "processed on Mon 28 Dec."
    )


def test_service_state_after_hours_names_the_year_when_it_changes() -> None:
    state = service_state(hk(date(2026, 12, 31), 19))
    assert state.business_day and not state.business_hours
    assert state.message == (
        "Business hours are over (09:00-18:00 HKT); requests made now are processed on "
        "Mon 4 Jan 2027."
    )


def test_service_state_in_business_hours_has_nothing_to_say() -> None:
    state = service_state(datetime(2026, 11, 23, 2, tzinfo=UTC))  # 10:00 HKT
    assert state.now == hk(MON, 10)
    assert state.now.tzinfo is HKT
    assert state.business_day and state.business_hours
    assert state.message is None
    assert not state.maintenance


def test_days_read_the_same_in_any_locale() -> None:
    assert format_day(date(2026, 11, 24)) == "Tue 24 Nov"
    assert format_day(date(2027, 1, 4), today=date(2026, 12, 31)) == "Mon 4 Jan 2027"
