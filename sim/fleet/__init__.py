"""Fleets: many jobs in one account, stopped through a throttled, faulty service with the SDK's retries.

One simpy ``Environment`` holds a whole account. Every API call goes through a
:class:`model.ComprehendService` whose clock is the simulation's and whose admission hook applies the
request-rate limits (a token bucket per operation: over it, ``TooManyRequestsException``) and injected
``InternalServerException`` faults; the lifecycle is the model's.

The service's side:

- a job waits in ``SUBMITTED`` for one of ``training_slots`` (FIFO), then its queue delay, then trains
  for its training duration (ending with warnings, or failing part-way, as in the race scenario);
- an accepted stop joins the queue of ``stop_workers`` workers; a worker takes ``stop_handling`` and
  then the stop takes effect (``finish_stop``), unless training ended first: that is the lost race. A
  job's time in ``STOP_REQUESTED`` is its wait for a worker plus the handling, so a storm of stops
  lengthens it. A stopped job frees its training slot.

The client's side, one per job (as a script working through jobs would, all sharing one SDK client
and so one retry quota):

- it creates its job (at once, or at the times of a Poisson stream), polls ``DescribeDocumentClassifier``
  every ``poll_interval`` seconds until it sees a final status (polls count against the describe rate
  limit too), and decides to stop: ``stop_after`` seconds after submission, or, with ``budget_usd``, at
  the first poll whose training so far costs that much;
- every call is retried exactly as botocore does in ``retry_mode`` (:mod:`sim.retry`); with
  ``app_retry`` the application also retries a stop the SDK gave up on, every ``app_retry_interval``,
  until it is accepted.

Randomness comes from streams spawned from the seed, one per quantity (and one for retry jitter and one
for faults), so the same seed gives the same result.

The parts, one module each: :mod:`~sim.fleet.scenario` (the settings), :mod:`~sim.fleet.service`
(the service's side), :mod:`~sim.fleet.client` (the SDK client and the scripts), :mod:`~sim.fleet.results`
(what was measured, and its summary); this module runs them in one simpy ``Environment``.

>>> result = simulate(FleetScenario(jobs=20, submit_rate=0.5, stop_after=1200.0, seed=7))
>>> sum(result.final.values())
20
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Generator
from typing import Any

import numpy as np
import simpy

from sim.jobs import END_TRIGGERS, draw_courses
from sim.retry import RULES, Retrier
from sim.scenario import Progress

from .client import Client
from .results import FleetResult, collect, fleet_table
from .scenario import HTTP_STATUSES, OPERATIONS, FleetScenario
from .service import ServiceSide, TokenBucket
from .state import FleetJob, Ledger

__all__ = [
    "HTTP_STATUSES", "MAX_EVENTS_AT_ONE_INSTANT", "OPERATIONS", "FleetResult", "FleetScenario",
    "SimulationStalled", "TokenBucket", "fleet_table", "simulate",
]


#: Events at one simulated instant beyond which a run is taken to have stopped advancing time (retries
#: with no wait piling up, for example): it stops with :class:`SimulationStalled` instead of spinning.
MAX_EVENTS_AT_ONE_INSTANT = 1_000_000


class SimulationStalled(RuntimeError):
    """The simulation stopped advancing time."""


class _Environment(simpy.Environment):
    """A simpy Environment that counts the events it processes (for the benchmark), and stops a run
    whose time no longer advances."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0
        self._instant, self._at_instant = 0.0, 0

    def step(self) -> None:
        self.processed += 1
        super().step()
        if self.now != self._instant:
            self._instant, self._at_instant = self.now, 0
            return
        self._at_instant += 1
        if self._at_instant > MAX_EVENTS_AT_ONE_INSTANT:
            raise SimulationStalled(
                f"the simulation stopped advancing time: over {MAX_EVENTS_AT_ONE_INSTANT:,} events at "
                f"{self.now:g} s (calls retried with no wait?)"
            )


class _Fleet:
    """One run: the streams, the service's side, the client's side, and the jobs."""

    def __init__(self, scenario: FleetScenario, keep_timeline: bool) -> None:
        self.s = scenario
        self.env = _Environment()
        self.keep_timeline = keep_timeline
        streams = [np.random.default_rng(x) for x in np.random.SeedSequence(scenario.seed).spawn(12)]
        self.ledger = Ledger(calls={op: Counter() for op in OPERATIONS.values()})
        self.service = ServiceSide(scenario, self.env, streams[7], self._spawn)
        retrier = Retrier(scenario.retry_mode, streams[8], RULES[scenario.botocore])
        self.client = Client(
            scenario, self.env, self.service, retrier=retrier,
            app_rng=streams[9], ledger=self.ledger, spawn=self._spawn,
        )
        self.jobs = self._draw(streams)
        self.processes: list[simpy.Process] = []

    def _draw(self, streams: list[np.random.Generator]) -> list[FleetJob]:
        s, n = self.s, self.s.jobs
        if s.submit_rate is None:
            submits = np.zeros(n)
        else:
            submits = np.cumsum(streams[0].exponential(1 / s.submit_rate, n))
        # A worker's handling time is the fleet's stop latency (its wait for a worker comes on top).
        names = ("duration", "fails", "warns", "point", "queue", "latency")
        named = dict(zip(names, streams[1:7], strict=True))
        named |= {"provisioning": streams[10], "finalization": streams[11]}
        course = draw_courses(s, named, n, latency=s.stop_handling)
        assert course.latency is not None
        return [
            FleetJob(i, *values)
            for i, values in enumerate(
                zip(submits.tolist(), course.training.tolist(),
                    [END_TRIGGERS[k] for k in course.end_trigger.tolist()], course.queue.tolist(),
                    course.latency.tolist(), course.provisioning.tolist(), course.finalization.tolist(),
                    strict=True)
            )
        ]

    def _submit(self) -> Generator[simpy.Event, Any, None]:
        """Start each job's client at its submission time (so only live jobs' events are scheduled)."""
        for job in self.jobs:  # in submission order
            if job.submit > self.env.now:
                yield self.env.timeout(job.submit - self.env.now)
            self._spawn(self.client.run(job))

    def _spawn(self, work: Generator[simpy.Event, Any, None]) -> None:
        self.processes.append(self.env.process(self._finish(work)))

    def _finish(self, work: Generator[simpy.Event, Any, None]) -> Generator[simpy.Event, Any, None]:
        yield from work
        self.ledger.finished_at = max(self.ledger.finished_at, self.env.now)

    def run(self, progress: Progress | None) -> FleetResult:
        self._spawn(self._submit())
        # An hour of simulated time at a time, with or without progress, so that the count of events
        # (which includes these pauses) does not depend on whether anyone watches.
        while self.processes:
            self.env.run(until=self.env.now + 3600)
            self.processes = [p for p in self.processes if p.is_alive]
            if progress is not None:
                progress(sum(j.observed is not None or j.arn is None for j in self.jobs), self.s.jobs)
        if progress is not None:
            progress(self.s.jobs, self.s.jobs)
        return collect(self.s, self.service, self.jobs, self.ledger, events=self.env.processed,
                       keep_timeline=self.keep_timeline)


def simulate(
    scenario: FleetScenario, progress: Progress | None = None, keep_timeline: bool = False
) -> FleetResult:
    """Run ``scenario`` to the end (every job finished or never created). Per-job timelines are kept
    only when ``keep_timeline`` (for the timeline figure)."""
    return _Fleet(scenario, keep_timeline).run(progress)
