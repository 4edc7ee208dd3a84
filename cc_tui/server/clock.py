"""An injectable clock: the server asks it for "now" so tests can move time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

HKT = ZoneInfo("Asia/Hong_Kong")


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, aware, in Hong Kong time."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC).astimezone(HKT)


class FakeClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime(2026, 11, 23, 10, 0, tzinfo=HKT)).astimezone(HKT)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        with self._lock:
            self._now += delta if delta is not None else timedelta(**kwargs)
            return self._now

    def set(self, moment: datetime) -> None:
        with self._lock:
            self._now = moment.astimezone(HKT)
