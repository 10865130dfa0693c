"""What the parts of a fleet share: each job's course and what happened to it, and the bookkeeping."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import simpy

__all__ = ["FleetJob", "Ledger"]


@dataclass(slots=True)
class FleetJob:
    """One job: its draws, its ARN once created, and the times of what happened to it."""

    index: int
    submit: float
    duration: float
    end_trigger: str
    queue: float
    handling: float
    provisioning: float
    finalization: float
    arn: str | None = None
    stop_request: float | None = None  # when the stop was accepted (the job entered STOP_REQUESTED)
    decided: float | None = None
    observed: float | None = None
    stop_event: simpy.Event | None = None
    worker_wait: float | None = None
    pending: int = 0  # processes still working on the job (its script, its training, its stop)
    stop_calls: list[tuple[float, str | None]] | None = None  # each stop call's time and error (exports)


@dataclass(slots=True)
class Ledger:
    """The fleet's bookkeeping: calls by operation and outcome, stops accepted, stops never accepted
    (by the last error's code), and when the last process finished."""

    calls: dict[str, Counter[str]]
    accepted: int = 0
    lost: Counter[str] = field(default_factory=Counter)
    finished_at: float = 0.0
