"""The service's side of a fleet: the model service with rate limits and faults, training slots, and
the stop workers."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from datetime import timedelta
from typing import Any

import numpy as np
import simpy

from stoprace.model import EPOCH, ComprehendService, ServiceError, enabled_edges
from stoprace.model.errors import InternalServerException, TooManyRequestsException
from stoprace.model.kinds import kind_named
from stoprace.model.observers import StateChange

from .limits import TokenBucket
from .scenario import FleetScenario
from .state import Capacity, FleetJob

__all__ = ["ServiceSide"]

#: Start a process working on a job (the fleet tallies and forgets a job once none is left).
Spawn = Callable[[Generator[simpy.Event, Any, None], FleetJob], None]


class ServiceSide:
    """A :class:`stoprace.model.ComprehendService` on the simulation's clock, whose admission hook applies the
    request-rate limits and injected faults; the jobs' training; the stop workers."""

    def __init__(
        self, scenario: FleetScenario, env: simpy.Environment, fault_rng: np.random.Generator, spawn: Spawn
    ) -> None:
        self.scenario, self.env, self.fault_rng, self.spawn = scenario, env, fault_rng, spawn
        operations = scenario.operations
        self.kind = kind_named(scenario.resource)
        self.buckets = {operations[k]: TokenBucket(r, b) for k, (r, b) in scenario.rate_limits.items()}
        self.api = ComprehendService(
            clock=lambda: EPOCH + timedelta(seconds=self.env.now),
            policy=scenario.policy,
            http_statuses=scenario.http_statuses,
            admission=self._admit,
        )
        self.api.on_change(self._changed)
        self.slots = simpy.Resource(env, scenario.training_slots) if scenario.training_slots else None
        self.workers = simpy.Resource(env, scenario.stop_workers)
        self.capacity = Capacity()
        self.by_arn: dict[str, FleetJob] = {}
        #: The service triggers the policy has edges for (a phase it lacks is not even asked about).
        self.triggers = frozenset(e.trigger for e in enabled_edges(scenario.policy))

    def _admit(self, operation: str, _params: Mapping[str, Any]) -> ServiceError | None:
        bucket = self.buckets.get(operation)
        if bucket is not None and not bucket.take(self.env.now):
            return TooManyRequestsException()
        if self.scenario.p_server_error and self.fault_rng.random() < self.scenario.p_server_error:
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
        capacity, held_from = self.capacity, self.env.now
        if request is not None:
            capacity.slot_requests += 1
            yield request | job.stop_event
            if request.triggered:
                wait = self.env.now - held_from
                capacity.slot_waited += wait > 0
                capacity.slot_wait += wait
                capacity.slot_wait_max = max(capacity.slot_wait_max, wait)
                held_from = self.env.now
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
                capacity.slot_busy += self.env.now - held_from
                self.slots.release(request)
            else:
                request.cancel()  # stopped while waiting for a slot: leave the queue

    def _handle_stop(self, job: FleetJob) -> Generator[simpy.Event, Any, None]:
        """A stop worker handles an accepted stop; it takes effect unless training ended first."""
        assert job.arn is not None
        assert job.stop_event is not None
        queued, capacity = self.env.now, self.capacity
        if capacity.first_stop is None:
            capacity.first_stop = queued
        with self.workers.request() as worker:
            yield worker
            try:
                if not self.api.can_fire(job.arn, "finish_stop"):
                    capacity.overtaken_waiting += 1
                    return  # training ended while the stop waited: the worker has nothing to do
                job.worker_wait = self.env.now - queued
                yield self.env.timeout(job.handling)
                capacity.handled += 1
                capacity.worker_busy += job.handling
                if self._fire(job, "finish_stop"):  # refused if training ended first: the lost race
                    job.stop_event.succeed()
                else:
                    capacity.overtaken_handling += 1
            finally:
                capacity.last_release = max(capacity.last_release, self.env.now)

    def _fire(self, job: FleetJob, trigger: str) -> bool:
        """Fire a service event on the job; False where the lifecycle refuses it now (asked first:
        building a refusal's error costs more than asking, and most stopped jobs meet one)."""
        assert job.arn is not None
        if not self.api.can_fire(job.arn, trigger):
            return False
        self.api.fire(job.arn, trigger)
        return True
