"""What the service tells its observers: every step a job takes, and every API call answered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .job import Step

__all__ = ["ApiCall", "CallObserver", "ChangeObserver", "StateChange", "subscribe"]


@dataclass(frozen=True, slots=True)
class StateChange:
    """A job took a step: told to the service's ``on_change`` observers. A step into another status, or
    one that keeps the status and stamps a time (``begin_billing``, ``end_billing``: ``source == dest``).

    ``details`` holds what the step carried besides its time (a ``message``)."""

    arn: str
    trigger: str
    source: str
    dest: str
    time: datetime
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ApiCall:
    """An API call was answered: told to the service's ``on_call`` observers.

    ``error`` is the AWS error code (``None`` for success); ``step`` is what the call did to its job
    when it fired a trigger (a stop or a delete; ``step.dest`` is None for an accepted no-op)."""

    operation: str
    params: Mapping[str, Any]
    response: Mapping[str, Any] | None
    error: str | None
    time: datetime
    step: Step | None = None


ChangeObserver = Callable[[StateChange], None]
CallObserver = Callable[[ApiCall], None]


def subscribe(observers: list[Any], observer: Any) -> Callable[[], None]:
    """Add ``observer`` to ``observers``; return the function that removes it."""
    if not callable(observer):
        raise TypeError(f"an observer must be callable, not {type(observer).__name__}")
    observers.append(observer)

    def unsubscribe() -> None:
        if observer in observers:
            observers.remove(observer)

    return unsubscribe
