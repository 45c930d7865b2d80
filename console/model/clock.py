"""Time, passed in so that tests can fix it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """Wall time in UTC, and the monotonic clock for durations."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class FixedClock:
    """Starts at a fixed instant and moves one `tick` forward per reading."""

    def __init__(self, start: datetime, tick: timedelta = timedelta(seconds=1)):
        self._now = start
        self._start = start
        self._tick = tick

    def now(self) -> datetime:
        current = self._now
        self._now += self._tick
        return current

    def monotonic(self) -> float:
        return (self._now - self._start).total_seconds()
