"""Fleets: many jobs in one account, stopped through a throttled, faulty service with the SDK's retries.

One simpy ``Environment`` holds a whole account. Every API call goes through a
:class:`stoprace.model.ComprehendService` whose clock is the simulation's and whose admission hook applies the
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
- every call is retried exactly as botocore does in ``retry_mode`` (:mod:`stoprace.sim.retry`); with
  ``app_retry`` the application also retries a stop the SDK gave up on, every ``app_retry_interval``,
  until it is accepted.

Randomness comes from streams spawned from the seed, one per quantity (and one for retry jitter and one
for faults), so the same seed gives the same result.

Jobs are drawn a chunk at a time, created as they arrive and forgotten once finished (the service drops
their records; the run keeps at most four numbers of each for the summary's quantiles), so memory
follows the jobs alive, not the jobs run. A run whose simulated time stops advancing (calls retried
with no wait, or almost none) stops with :class:`SimulationStalled`.

The parts, one module each: :mod:`~stoprace.sim.fleet.scenario` (the settings),
:mod:`~stoprace.sim.fleet.service` (the service's side), :mod:`~stoprace.sim.fleet.client` (the SDK client and
the scripts), :mod:`~stoprace.sim.fleet.results` (what was measured, and its summary); this module runs them
in one simpy ``Environment``.

>>> result = simulate(FleetScenario(jobs=20, submit_rate=0.5, stop_after=1200.0, seed=7))
>>> sum(result.final.values())
20
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from stoprace.model.statuses import FINISHED
from stoprace.sim.jobs import END_TRIGGERS, draw_courses
from stoprace.sim.retry import RULES, Retrier
from stoprace.sim.scenario import Progress

from .client import Client
from .limits import TokenBucket
from .results import FleetResult, Tally, fleet_table
from .scenario import HTTP_STATUSES, OPERATIONS, FleetScenario
from .service import ServiceSide
from .state import FleetJob, Ledger

if TYPE_CHECKING:
    from stoprace.sim.history.export import HistoryRecorder

__all__ = [
    "CHUNK",
    "EVENTS_PER_JOB",
    "EVENTS_PER_LIVE_JOB",
    "HTTP_STATUSES",
    "MAX_EVENTS",
    "MAX_EVENTS_PER_SECOND",
    "OPERATIONS",
    "FleetResult",
    "FleetScenario",
    "SimulationStalled",
    "TokenBucket",
    "fleet_table",
    "simulate",
]


#: A run is taken to have stopped advancing time (calls retried with no wait, or almost none, piling up)
#: when one simulated second holds more than this many events plus :data:`EVENTS_PER_LIVE_JOB` for each
#: job alive; it then stops with :class:`SimulationStalled` instead of spinning.
MAX_EVENTS_PER_SECOND = 200_000
EVENTS_PER_LIVE_JOB = 1_000
#: A run may take at most this many events plus :data:`EVENTS_PER_JOB` a job (a job polled every minute
#: for two months takes some 200,000): past it, time advances but the run would not end in a lifetime
#: (a stop handled in 10^300 s, polled every minute), and it stops with :class:`SimulationStalled`.
MAX_EVENTS = 10_000_000
EVENTS_PER_JOB = 250_000
#: Jobs drawn at a time: a run holds the draws of at most this many jobs not yet submitted.
CHUNK = 4096


class SimulationStalled(RuntimeError):
    """The simulation stopped advancing time."""


class _Environment(simpy.Environment):
    """A simpy Environment that counts the events it processes (for the benchmark), and stops a run
    whose time no longer advances (too many events within one simulated second for the jobs alive)."""

    def __init__(self, alive: Callable[[], int], jobs: int) -> None:
        super().__init__()
        self.processed = 0
        self.alive = alive
        self.budget = MAX_EVENTS + EVENTS_PER_JOB * jobs
        self._window, self._in_window = 0.0, 0

    def step(self) -> None:
        self.processed += 1
        if self.processed > self.budget:
            raise SimulationStalled(
                f"the simulation would not end: over {self.budget:,} events by {self.now:g} s simulated "
                "(a job that never finishes while its client keeps polling?)"
            )
        super().step()
        if self.now - self._window >= 1.0:
            self._window, self._in_window = self.now, 0
            return
        self._in_window += 1
        if self._in_window > MAX_EVENTS_PER_SECOND:
            limit = MAX_EVENTS_PER_SECOND + EVENTS_PER_LIVE_JOB * self.alive()
            if self._in_window > limit:
                raise SimulationStalled(
                    f"the simulation stopped advancing time: over {limit:,} events within one simulated "
                    f"second at {self.now:g} s, with {self.alive():,} jobs alive (calls retried with no "
                    "wait, or almost none?)"
                )


#: The run's random streams by name, in the order they are spawned from the seed. The order decides the
#: numbers (the same seed gives the same numbers only while it holds): a new stream goes at the end.
STREAMS = (
    "submit",
    "duration",
    "fails",
    "warns",
    "point",
    "queue",
    "latency",
    "faults",
    "retries",
    "app_retries",
    "provisioning",
    "finalization",
)
#: The streams a job's course is drawn from (:func:`stoprace.sim.jobs.draw_courses`); a worker's handling
#: time is the fleet's stop latency (its wait for a worker comes on top).
_COURSE = ("duration", "fails", "warns", "point", "queue", "latency", "provisioning", "finalization")


class _Fleet:
    """One run: the streams, the service's side, the client's side, and the jobs alive. Jobs are drawn
    a chunk at a time, created as they arrive, and forgotten once finished (their numbers added to a
    :class:`~stoprace.sim.fleet.results.Tally`), so memory follows the jobs alive, not the jobs run."""

    def __init__(
        self, scenario: FleetScenario, keep_timeline: bool, recorder: HistoryRecorder | None = None
    ) -> None:
        self.scenario = scenario
        self.alive = self.peak = 0
        self.env = _Environment(lambda: self.alive, scenario.jobs)
        seeds = np.random.SeedSequence(scenario.seed).spawn(len(STREAMS))
        self.streams = {name: np.random.default_rng(seed) for name, seed in zip(STREAMS, seeds, strict=True)}
        self.ledger = Ledger(calls={op: Counter() for op in scenario.operations.values()})
        self.tally = Tally(keep_timeline, recorder)
        self.service = ServiceSide(scenario, self.env, self.streams["faults"], self._spawn)
        retrier = Retrier(scenario.retry_mode, self.streams["retries"], RULES[scenario.botocore])
        self.client = Client(
            scenario,
            self.env,
            self.service,
            retrier=retrier,
            app_rng=self.streams["app_retries"],
            ledger=self.ledger,
            spawn=self._spawn,
        )
        self.client.record_calls = recorder is not None
        self.processes: list[simpy.Process] = []

    def _arrivals(self) -> Iterator[FleetJob]:
        """The jobs in submission order, drawn ``CHUNK`` at a time (the same numbers as one draw of all:
        every quantity has its own stream, and each stream is read in order)."""
        scenario, streams = self.scenario, self.streams
        named = {name: streams[name] for name in _COURSE}
        last, first = 0.0, 0
        while first < scenario.jobs:
            n = min(CHUNK, scenario.jobs - first)
            if scenario.submit_rate is None:
                submits = np.zeros(n)
            else:  # one cumulative sum continued across chunks
                gaps = streams["submit"].exponential(1 / scenario.submit_rate, n)
                submits = np.cumsum(np.concatenate(([last], gaps)))[1:]
                last = float(submits[-1])
            course = draw_courses(scenario, named, n, latency=scenario.stop_handling)
            assert course.latency is not None
            columns = zip(
                submits.tolist(),
                course.training.tolist(),
                [END_TRIGGERS[k] for k in course.end_trigger.tolist()],
                course.queue.tolist(),
                course.latency.tolist(),
                course.provisioning.tolist(),
                course.finalization.tolist(),
                strict=True,
            )
            for i, values in enumerate(columns, start=first):
                yield FleetJob(i, *values)
            first += n

    def _submit(self) -> Generator[simpy.Event, Any, None]:
        """Start each job's client at its submission time (so only live jobs' events are scheduled)."""
        for job in self._arrivals():
            if job.submit > self.env.now:
                yield self.env.timeout(job.submit - self.env.now)
            self.alive += 1
            self.peak = max(self.peak, self.alive)
            self._spawn(self.client.run(job), job)

    def _spawn(self, work: Generator[simpy.Event, Any, None], job: FleetJob | None = None) -> None:
        if job is not None:
            job.pending += 1
        self.processes.append(self.env.process(self._finish(work, job)))

    def _finish(
        self, work: Generator[simpy.Event, Any, None], job: FleetJob | None
    ) -> Generator[simpy.Event, Any, None]:
        yield from work
        self.ledger.finished_at = max(self.ledger.finished_at, self.env.now)
        if job is not None:
            job.pending -= 1
            if not job.pending:
                self._settle(job)

    def _settle(self, job: FleetJob) -> None:
        """Job ``job``'s script and the service's work on it are done: tally it and forget it."""
        self.tally.add(job, self.service, self.env.now)
        self.alive -= 1
        if job.arn is not None:
            del self.service.by_arn[job.arn]
            if self.service.api.status(job.arn) in FINISHED:
                self.service.api.forget(job.arn)

    def run(self, progress: Progress | None) -> FleetResult:
        self._spawn(self._submit())
        # An hour of simulated time at a time, with or without progress, so that the count of events
        # (which includes these pauses) does not depend on whether anyone watches.
        while self.processes:
            upcoming = self.env.peek()
            if upcoming == math.inf:  # every process waits on another: nothing can happen any more
                raise SimulationStalled(
                    f"the simulation deadlocked at {self.env.now:g} s: {len(self.processes)} processes "
                    "wait and no event is scheduled"
                )
            # From the next event on, so that a long quiet spell (a stop handled in 10^300 s) is one step.
            horizon = max(self.env.now, upcoming) + 3600
            self.env.run(until=horizon if horizon > upcoming else math.nextafter(upcoming, math.inf))
            self.processes = [p for p in self.processes if p.is_alive]
            if progress is not None:
                progress(self.tally.settled, self.scenario.jobs)
        if progress is not None:
            progress(self.scenario.jobs, self.scenario.jobs)
        return self.tally.result(
            self.scenario, self.ledger, self.service.capacity, events=self.env.processed, peak_alive=self.peak
        )


def simulate(
    scenario: FleetScenario,
    progress: Progress | None = None,
    keep_timeline: bool = False,
    recorder: HistoryRecorder | None = None,
) -> FleetResult:
    """Run ``scenario`` to the end (every job finished or never created). Per-job timelines are kept
    only when ``keep_timeline`` (for the timeline figure); each finished job's describe output and stop
    calls go to ``recorder`` when given (``--export-history``)."""
    return _Fleet(scenario, keep_timeline, recorder).run(progress)
