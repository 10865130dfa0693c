"""The service's side of a fleet: the model service with rate limits and faults, training slots, and
the stop workers."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from model import EPOCH, ComprehendService, ServiceError, enabled_edges
from model.errors import InternalServerException, TooManyRequestsException
from model.observers import StateChange

from .state import FleetJob

if TYPE_CHECKING:
    from .scenario import FleetScenario

__all__ = ["ServiceSide", "TokenBucket"]

#: Start a process working on a job (the fleet tallies and forgets a job once none is left).
Spawn = Callable[[Generator[simpy.Event, Any, None], FleetJob], None]


class TokenBucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` held; a call takes one token.

    Starting full, it admits at most ``rate * T + burst`` calls in any window of length ``T``.

    >>> bucket = TokenBucket(rate=1.0, burst=2)
    >>> [bucket.take(0.0), bucket.take(0.0), bucket.take(0.0), bucket.take(1.0)]
    [True, True, False, True]
    """

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"a rate limit needs a rate > 0 per second, got {rate!r}")
        if isinstance(burst, bool) or not isinstance(burst, int) or burst < 1:
            raise ValueError(f"a rate limit needs a whole burst of at least 1, got {burst!r}")
        self.rate, self.burst = float(rate), burst
        self.tokens, self.last = float(burst), 0.0

    def take(self, now: float) -> bool:
        """Take a token at time ``now`` (never earlier than the last call); False if none is left."""
        if now > self.last:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.rate)
            self.last = now
        if self.tokens >= 1.0 - 1e-9:  # tolerate the rounding of many small refills
            self.tokens -= 1.0
            return True
        return False



class ServiceSide:
    """A :class:`model.ComprehendService` on the simulation's clock, whose admission hook applies the
    request-rate limits and injected faults; the jobs' training; the stop workers."""

    def __init__(
        self, scenario: FleetScenario, env: simpy.Environment, fault_rng: np.random.Generator, spawn: Spawn
    ) -> None:
        from .scenario import OPERATIONS  # noqa: PLC0415 - the scenario module imports TokenBucket

        self.s, self.env, self.fault_rng, self.spawn = scenario, env, fault_rng, spawn
        self.buckets = {OPERATIONS[k]: TokenBucket(r, b) for k, (r, b) in scenario.rate_limits.items()}
        self.api = ComprehendService(
            clock=lambda: EPOCH + timedelta(seconds=self.env.now),
            policy=scenario.policy,
            http_statuses=scenario.http_statuses,  # type: ignore[arg-type]
            admission=self._admit,
        )
        self.api.on_change(self._changed)
        self.slots = simpy.Resource(env, scenario.training_slots) if scenario.training_slots else None
        self.workers = simpy.Resource(env, scenario.stop_workers)
        self.by_arn: dict[str, FleetJob] = {}
        #: The service triggers the policy has edges for (a phase it lacks is not even asked about).
        self.triggers = frozenset(e.trigger for e in enabled_edges(scenario.policy))

    def _admit(self, operation: str, _params: Mapping[str, Any]) -> ServiceError | None:
        bucket = self.buckets.get(operation)
        if bucket is not None and not bucket.take(self.env.now):
            return TooManyRequestsException()
        if self.s.p_server_error and self.fault_rng.random() < self.s.p_server_error:
            return InternalServerException()
        return None

    def _changed(self, change: StateChange) -> None:
        """An accepted stop that put a job into STOP_REQUESTED joins the stop workers' queue."""
        if change.trigger == "stop":
            job = self.by_arn[change.arn]
            job.stop_request = self.env.now
            self.spawn(self._handle_stop(job), job)

    def train(self, job: FleetJob) -> Generator[simpy.Event, Any, None]:
        """The service runs one job: a slot, the queue delay, provisioning, billed training and
        finalization (phases the policy lacks are refused, so they run as training); a stop ends it
        early. A phase of no length takes no step of simulated time."""
        assert job.arn is not None
        assert job.stop_event is not None
        request = self.slots.request() if self.slots is not None else None
        if request is not None:
            yield request | job.stop_event
        if not job.stop_event.triggered:
            yield self.env.timeout(job.queue) | job.stop_event
        if self._fire(job, "start_training"):  # not if a stop ended it while queued
            if job.provisioning:
                yield self.env.timeout(job.provisioning) | job.stop_event
            if "begin_billing" in self.triggers:
                self._fire(job, "begin_billing")
            yield self.env.timeout(job.duration) | job.stop_event
            if "end_billing" in self.triggers:
                self._fire(job, "end_billing")
            if job.finalization:
                yield self.env.timeout(job.finalization) | job.stop_event
            self._fire(job, job.end_trigger)  # refused if the stop took effect first
        if request is not None and self.slots is not None:
            if request.triggered:
                self.slots.release(request)
            else:
                request.cancel()  # stopped while waiting for a slot: leave the queue

    def _handle_stop(self, job: FleetJob) -> Generator[simpy.Event, Any, None]:
        """A stop worker handles an accepted stop; it takes effect unless training ended first."""
        assert job.arn is not None
        assert job.stop_event is not None
        queued = self.env.now
        with self.workers.request() as worker:
            yield worker
            if not self.api.can_fire(job.arn, "finish_stop"):
                return  # training ended while the stop waited: the worker has nothing to do
            job.worker_wait = self.env.now - queued
            yield self.env.timeout(job.handling)
            if self._fire(job, "finish_stop"):  # refused if training ended first: the lost race
                job.stop_event.succeed()

    def _fire(self, job: FleetJob, trigger: str) -> bool:
        """Fire a service event on the job; False where the lifecycle refuses it now (asked first:
        building a refusal's error costs more than asking, and most stopped jobs meet one)."""
        assert job.arn is not None
        if not self.api.can_fire(job.arn, trigger):
            return False
        self.api.fire(job.arn, trigger)
        return True
