"""Clocks for the service: real UTC time, or a manual clock that tests and notebooks advance."""

from __future__ import annotations

import copy
import heapq
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from .numbers import is_number, is_whole

__all__ = ["EPOCH", "Clock", "ManualClock", "utc_now"]

#: A clock is any callable that returns the current time as a timezone-aware ``datetime``.
Clock = Callable[[], datetime]

#: Where a :class:`ManualClock` starts unless told otherwise.
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """The real current time in UTC (the service's default clock)."""
    return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to, and runs what was scheduled on it as it passes.

    :meth:`call_at` schedules an action at a time; :meth:`advance` and :meth:`set` move the clock
    there through every due action in time order, each run with the clock at its own time (so what it
    stamps is exact). At one instant, actions run by ``rank``, then in the order they were scheduled.

    >>> clock = ManualClock()
    >>> clock.call_at(30, lambda: print("at", clock.elapsed))
    >>> clock.advance(90).isoformat()
    at 30.0
    '2025-01-01T00:01:30+00:00'
    >>> clock.elapsed
    90.0
    """

    def __init__(self, start: datetime = EPOCH) -> None:
        if not isinstance(start, datetime):
            raise TypeError(f"ManualClock's start must be a datetime, not {type(start).__name__}")
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start, e.g. datetime(..., tzinfo=UTC)")
        self._start = start
        self._now = start
        self._timers: list[tuple[float, int, int, Callable[[], object]]] = []
        self._scheduled = 0

    def __call__(self) -> datetime:
        return self._now

    def __repr__(self) -> str:
        return f"ManualClock({self._now.isoformat()})"

    def __copy__(self) -> ManualClock:
        """A clock at the same time, with nothing scheduled (actions belong to the original's owners)."""
        twin = ManualClock.__new__(ManualClock)
        twin.__dict__.update(copy.copy(self.__dict__))
        twin._timers, twin._scheduled = [], 0
        return twin

    @property
    def start(self) -> datetime:
        """Where the clock started."""
        return self._start

    @property
    def elapsed(self) -> float:
        """Seconds since the clock's start."""
        return (self._now - self._start).total_seconds()

    @property
    def next_due(self) -> float | None:
        """The time (seconds since the start) of the earliest scheduled action, or None."""
        return self._timers[0][0] if self._timers else None

    def call_at(self, when: float, action: Callable[[], object], *, rank: int = 100) -> None:
        """Run ``action()`` when the clock reaches ``when`` seconds since its start (at once, on the next
        move, if that is not later than now). Lower ``rank`` runs first at the same instant."""
        if not is_number(when) or not math.isfinite(when):
            raise TypeError(f"when must be a finite number of seconds since the clock's start, got {when!r}")
        if not callable(action):
            raise TypeError(f"action must be callable, not {type(action).__name__}")
        if not is_whole(rank):
            raise TypeError(f"rank must be a whole number, not {type(rank).__name__}")
        self._moved_by(max(float(when), 0.0) - self.elapsed, "an action cannot be scheduled")
        self._scheduled += 1
        heapq.heappush(self._timers, (float(when), rank, self._scheduled, action))

    def run_due(self) -> None:
        """Run every action due by now, in order."""
        self._run_until(self.elapsed)

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` (a finite number, at least 0), running the actions due on
        the way, and return the new time."""
        if not is_number(seconds):
            raise TypeError(f"seconds must be a number, not {type(seconds).__name__}")
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be finite and at least 0, got {seconds!r}")
        target = self._moved_by(seconds, "the clock cannot move")
        self._run_until((target - self._start).total_seconds())
        self._now = max(self._now, target)
        return self._now

    def set(self, when: datetime) -> datetime:
        """Move the clock to ``when``, which may not be earlier than now, running the actions due."""
        if not isinstance(when, datetime):
            raise TypeError(f"ManualClock.set needs a datetime, not {type(when).__name__}")
        if when.tzinfo is None:
            raise ValueError("ManualClock.set needs a timezone-aware datetime")
        if when < self._now:
            raise ValueError(f"the clock cannot go back from {self._now.isoformat()} to {when.isoformat()}")
        self._run_until((when - self._start).total_seconds())
        self._now = max(self._now, when)
        return self._now

    def _moved_by(self, seconds: float, what: str) -> datetime:
        """Now plus ``seconds``; ``ValueError`` (saying ``what`` cannot be done) past what a timestamp can
        hold, the year 9999."""
        try:
            return self._now + timedelta(seconds=seconds)
        except OverflowError:
            raise ValueError(
                f"{what} {seconds:g} s past {self._now.isoformat()}: a timestamp holds dates up to "
                f"{datetime.max.year}-12-31"
            ) from None

    def _run_until(self, limit: float) -> None:
        timers = self._timers
        while timers and timers[0][0] <= limit:
            when, _, _, action = heapq.heappop(timers)
            moved = self._start + timedelta(seconds=when)
            self._now = max(self._now, moved)
            action()
