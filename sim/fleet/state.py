"""What the parts of a fleet share: each job's course and what happened to it, and the bookkeeping."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import simpy

__all__ = ["Capacity", "FleetJob", "Ledger"]


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
    (by the last error's code), when the last process finished, and the SDK's retries."""

    calls: dict[str, Counter[str]]
    accepted: int = 0
    lost: Counter[str] = field(default_factory=Counter)
    finished_at: float = 0.0
    #: retries the SDK made, by operation and the error retried
    retries: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    #: calls the SDK gave up on, by operation and why (``Retrier.why_not_retry``)
    gave_up: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    #: stops never accepted, by why the SDK gave up and the last error's code
    lost_why: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass(slots=True)
class Capacity:
    """How the service's stop workers and training slots were used, for the summary's account of what
    bound the fleet."""

    worker_busy: float = 0.0  # worker-seconds spent handling stops
    first_stop: float | None = None  # when the first accepted stop joined the workers' queue
    last_release: float = 0.0  # when the last worker let go of a stop
    handled: int = 0  # stops a worker handled
    overtaken_waiting: int = 0  # stops whose job finished while they waited for a worker
    overtaken_handling: int = 0  # stops whose job finished while a worker handled them
    slot_busy: float = 0.0  # slot-seconds held by jobs
    slot_requests: int = 0
    slot_waited: int = 0  # jobs that found every slot taken
    slot_wait: float = 0.0  # seconds jobs waited for a slot, in all
    slot_wait_max: float = 0.0
