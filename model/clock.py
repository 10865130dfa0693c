"""Clocks for the service: real UTC time, or a manual clock that tests and notebooks advance."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

__all__ = ["EPOCH", "Clock", "ManualClock", "utc_now"]

#: A clock is any callable that returns the current time as a timezone-aware ``datetime``.
Clock = Callable[[], datetime]

#: Where a :class:`ManualClock` starts unless told otherwise.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """The real current time in UTC (the service's default clock)."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to.

    >>> clock = ManualClock()
    >>> clock.advance(90).isoformat()
    '2025-01-01T00:01:30+00:00'
    >>> clock.elapsed
    90.0
    """

    def __init__(self, start: datetime = EPOCH) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start, e.g. datetime(..., tzinfo=UTC)")
        self._start = start
        self._now = start

    def __call__(self) -> datetime:
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"

    @property
    def elapsed(self) -> float:
        """Seconds since the clock's start."""
        return (self._now - self._start).total_seconds()

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (a finite number, at least 0) and return the new time."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be finite and at least 0, got {seconds!r}")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when``, which may not be earlier than now."""
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware datetime")
        if when < self._now:
            raise ValueError(f"the clock cannot go back from {self._now.isoformat()} to {when.isoformat()}")
        self._now = when
        return self._now
