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

>>> result = simulate(FleetScenario(jobs=20, submit_rate=0.5, stop_after=1200.0, seed=7))
>>> sum(result.final.values())
20
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import simpy

from model import DEFAULT_POLICY, EPOCH, ComprehendService, Policy, ServiceError
from model.errors import InternalServerException, TooManyRequestsException
from model.service import StateChange
from model.statuses import FINISHED

from .distributions import Distribution, parse_distribution
from .jobs import END_TRIGGERS, draw_courses
from .outcome import PathTally
from .retry import MODES, Retrier
from .scenario import (
    DEFAULT_FAILURE_POINT,
    DEFAULT_FINALIZATION,
    DEFAULT_PROVISIONING,
    DEFAULT_QUEUE_DELAY,
    DEFAULT_SEED,
    DEFAULT_TRAINING_DURATION,
    JOB_DISTRIBUTIONS,
    Progress,
    check_job_fields,
)

__all__ = ["OPERATIONS", "FleetResult", "FleetScenario", "TokenBucket", "simulate"]

#: The API operations a fleet calls, and the short names used on the command line.
OPERATIONS = {
    "create": "CreateDocumentClassifier",
    "describe": "DescribeDocumentClassifier",
    "stop": "StopTrainingDocumentClassifier",
}
_ROLE = "arn:aws:iam::111122223333:role/comprehend-access"
_FINAL = frozenset(s.value for s in FINISHED)
# Distributions are immutable: one parsed instance serves every scenario as its default.
DEFAULT_STOP_HANDLING = parse_distribution("exponential:mean=30")
DEFAULT_APP_RETRY_INTERVAL = parse_distribution("fixed:5")


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


@dataclass(frozen=True, slots=True)
class FleetScenario:
    """One fleet experiment; distributions may be given as specs. ``rate_limits`` maps an operation
    (``create``, ``describe``, ``stop``) to ``(rate per second, burst)``."""

    jobs: int = 500
    submit_rate: float | None = 1.0  # jobs per second (a Poisson stream); None: all at once
    training_slots: int | None = None  # None: no limit
    queue_delay: Distribution = DEFAULT_QUEUE_DELAY
    training_duration: Distribution = DEFAULT_TRAINING_DURATION
    provisioning: Distribution = DEFAULT_PROVISIONING
    finalization: Distribution = DEFAULT_FINALIZATION
    p_warning: float = 0.05
    p_failure: float = 0.02
    failure_point: Distribution = DEFAULT_FAILURE_POINT
    stop_workers: int = 4
    stop_handling: Distribution = DEFAULT_STOP_HANDLING
    rate_limits: Mapping[str, tuple[float, int]] = field(
        default_factory=lambda: {"stop": (1.0, 1), "describe": (20.0, 40)}
    )
    p_server_error: float = 0.01
    poll_interval: float | None = 60.0  # None: the client never polls
    stop_after: float | None = 1800.0
    budget_usd: float | None = None
    usd_per_hour: float = 3.0
    retry_mode: str = "legacy"
    app_retry: bool = False
    app_retry_interval: Distribution = DEFAULT_APP_RETRY_INTERVAL
    http_statuses: str = "seed"
    policy: Policy = DEFAULT_POLICY
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        check_job_fields(
            self,
            (*JOB_DISTRIBUTIONS, "stop_handling", "app_retry_interval"),
            ("p_warning", "p_failure", "p_server_error"),
        )
        _whole(self.jobs, "jobs", 1)
        _whole(self.stop_workers, "stop_workers", 1)
        if self.training_slots is not None:
            _whole(self.training_slots, "training_slots", 1)
        for name in ("submit_rate", "poll_interval", "stop_after", "budget_usd"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
                or (value == 0 and name in ("submit_rate", "poll_interval"))
            ):
                raise ValueError(f"{name} must be a finite number > 0 (or None), got {value!r}")
        if self.stop_after is not None and self.budget_usd is not None:
            raise ValueError("give stop_after (a deadline) or budget_usd (a cost limit), not both")
        if self.budget_usd is not None and self.poll_interval is None:
            raise ValueError("budget_usd needs poll_interval: the client learns the cost by polling")
        if not (
            isinstance(self.usd_per_hour, int | float)
            and math.isfinite(self.usd_per_hour)
            and self.usd_per_hour >= 0
        ):
            raise ValueError(f"usd_per_hour must be a finite number >= 0, got {self.usd_per_hour!r}")
        if self.retry_mode not in MODES:
            raise ValueError(f"retry_mode must be one of {', '.join(MODES)}, got {self.retry_mode!r}")
        if self.http_statuses not in ("seed", "botocore"):
            raise ValueError(f"http_statuses must be 'seed' or 'botocore', got {self.http_statuses!r}")
        limits = dict(self.rate_limits)
        for name, limit in limits.items():
            if name not in OPERATIONS:
                raise ValueError(
                    f"rate limit for unknown operation {name!r}; operations: {', '.join(OPERATIONS)}"
                )
            if not (isinstance(limit, tuple | list) and len(limit) == 2):
                raise ValueError(f"rate limit for {name} must be (rate, burst), got {limit!r}")
            TokenBucket(float(limit[0]), limit[1])  # validates
        object.__setattr__(
            self, "rate_limits", {k: (float(v[0]), int(v[1])) for k, v in sorted(limits.items())}
        )
        if not isinstance(self.policy, Policy):
            raise ValueError(f"policy must be a model.Policy, not {type(self.policy).__name__}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}")

    def replace(self, **changes: Any) -> FleetScenario:
        """A copy with ``changes`` (validated like a new scenario)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The scenario as plain data, for JSON results."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Distribution):
                value = value.spec
            elif isinstance(value, Policy):
                value = value.as_dict()
            elif f.name == "rate_limits":
                value = {k: {"rate": r, "burst": b} for k, (r, b) in value.items()}
            data[f.name] = value
        return data


def _whole(value: Any, name: str, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name} must be a whole number of at least {low}, got {value!r}")


# -- results ----------------------------------------------------------------------------------------


def _summary(values: np.ndarray) -> dict[str, float | int | None]:
    """Count, mean and quantiles of a sample (None where it is empty)."""
    if not len(values):
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None, "max": None}
    q50, q90, q99 = np.quantile(values, [0.5, 0.9, 0.99]).tolist()
    return {
        "count": len(values),
        "mean": float(values.mean()),
        "p50": q50,
        "p90": q90,
        "p99": q99,
        "max": float(values.max()),
    }


@dataclass(slots=True)
class FleetResult(PathTally):
    """What a fleet run measured. Per-job arrays are in job order; ``timeline`` (when kept) has each
    job's (submit, training start, stop request, stop accepted, end, final status)."""

    scenario: FleetScenario
    paths: Counter[str]
    stop_decided: int
    stop_accepted: int
    stop_lost: Counter[str]  # why a decided stop was never accepted: the last error's code
    dwell: np.ndarray  # seconds in STOP_REQUESTED, per job that entered it
    worker_wait: np.ndarray  # seconds an accepted stop waited for a worker
    wasted_seconds: np.ndarray  # billed training after the stop decision, per job that decided
    observe_seconds: np.ndarray  # decision to the client seeing a final status
    api_calls: dict[str, Counter[str]]
    events: int
    duration: float
    timeline: list[tuple[float, float | None, float | None, float | None, float, str]] | None = None

    @property
    def share_never_accepted(self) -> float | None:
        """Of the stops clients decided on, the share the service never accepted."""
        return sum(self.stop_lost.values()) / self.stop_decided if self.stop_decided else None

    def as_dict(self) -> dict[str, Any]:
        interval = self.ci()
        hours = float(self.wasted_seconds.sum()) / 3600
        return {
            "scenario": self.scenario.as_dict(),
            "seed": self.scenario.seed,
            "jobs": self.scenario.jobs,
            "final": dict(sorted(self.final.items())),
            "paths": dict(sorted(self.paths.items())),
            "stop_decided": self.stop_decided,
            "stop_accepted": self.stop_accepted,
            "stop_never_accepted": sum(self.stop_lost.values()),
            "stop_never_accepted_by_error": dict(sorted(self.stop_lost.items())),
            "share_never_accepted": self.share_never_accepted,
            "stop_requested": self.stop_requested,
            "race_lost": self.race_lost,
            "p_race_lost": self.p_race_lost,
            "ci95": list(interval) if interval else None,
            "stop_requested_seconds": _summary(self.dwell),
            "stop_worker_wait_seconds": _summary(self.worker_wait),
            "observe_final_seconds": _summary(self.observe_seconds),
            "wasted_billed_hours": hours,
            "wasted_cost_usd": hours * self.scenario.usd_per_hour,
            "api_calls": {op: dict(sorted(c.items())) for op, c in sorted(self.api_calls.items())},
            "events": self.events,
            "simulated_seconds": self.duration,
        }


# -- the simulation ---------------------------------------------------------------------------------


class _Environment(simpy.Environment):
    """A simpy Environment that counts the events it processes (for the benchmark)."""

    def __init__(self) -> None:
        super().__init__()
        self.processed = 0

    def step(self) -> None:
        self.processed += 1
        super().step()


@dataclass(slots=True)
class _Job:
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


class _Fleet:
    def __init__(self, scenario: FleetScenario, keep_timeline: bool) -> None:
        self.s = scenario
        self.env = _Environment()
        self.keep_timeline = keep_timeline
        self.buckets = {OPERATIONS[k]: TokenBucket(r, b) for k, (r, b) in scenario.rate_limits.items()}
        streams = [np.random.default_rng(x) for x in np.random.SeedSequence(scenario.seed).spawn(12)]
        self.fault_rng, retry_rng, self.app_rng = streams[7], streams[8], streams[9]
        self.retrier = Retrier(scenario.retry_mode, retry_rng)
        self.service = ComprehendService(
            clock=lambda: EPOCH + timedelta(seconds=self.env.now),
            policy=scenario.policy,
            http_statuses=scenario.http_statuses,  # type: ignore[arg-type]
            admission=self._admit,
        )
        self.service.on_change(self._changed)
        self.slots = simpy.Resource(self.env, scenario.training_slots) if scenario.training_slots else None
        self.workers = simpy.Resource(self.env, scenario.stop_workers)
        self.calls: dict[str, Counter[str]] = {op: Counter() for op in OPERATIONS.values()}
        self.jobs = self._draw(streams)
        self.by_arn: dict[str, _Job] = {}
        self.accepted = 0
        self.lost: Counter[str] = Counter()
        self.finished_at = 0.0
        self.processes: list[simpy.Process] = []

    def _draw(self, streams: list[np.random.Generator]) -> list[_Job]:
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
            _Job(i, *values)
            for i, values in enumerate(
                zip(submits.tolist(), course.training.tolist(),
                    [END_TRIGGERS[k] for k in course.end_trigger.tolist()], course.queue.tolist(),
                    course.latency.tolist(), course.provisioning.tolist(), course.finalization.tolist(),
                    strict=True)
            )
        ]

    def _changed(self, change: StateChange) -> None:
        """An accepted stop that put a job into STOP_REQUESTED joins the stop workers' queue."""
        if change.trigger == "stop":
            job = self.by_arn[change.arn]
            job.stop_request = self.env.now
            self._spawn(self._handle_stop(job))

    # -- the service side --------------------------------------------------------------------------

    def _admit(self, operation: str, _params: Mapping[str, Any]) -> ServiceError | None:
        bucket = self.buckets.get(operation)
        if bucket is not None and not bucket.take(self.env.now):
            return TooManyRequestsException()
        if self.s.p_server_error and self.fault_rng.random() < self.s.p_server_error:
            return InternalServerException()
        return None

    def _train(self, job: _Job) -> Generator[simpy.Event, Any, None]:
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
            self._fire(job, "begin_billing")
            yield self.env.timeout(job.duration) | job.stop_event
            self._fire(job, "end_billing")
            if job.finalization:
                yield self.env.timeout(job.finalization) | job.stop_event
            self._fire(job, job.end_trigger)  # refused if the stop took effect first
        if request is not None and self.slots is not None:
            if request.triggered:
                self.slots.release(request)
            else:
                request.cancel()  # stopped while waiting for a slot: leave the queue

    def _handle_stop(self, job: _Job) -> Generator[simpy.Event, Any, None]:
        """A stop worker handles an accepted stop; it takes effect unless training ended first."""
        assert job.arn is not None
        assert job.stop_event is not None
        queued = self.env.now
        with self.workers.request() as worker:
            yield worker
            if not self.service.can_fire(job.arn, "finish_stop"):
                return  # training ended while the stop waited: the worker has nothing to do
            job.worker_wait = self.env.now - queued
            yield self.env.timeout(job.handling)
            if self._fire(job, "finish_stop"):  # refused if training ended first: the lost race
                job.stop_event.succeed()

    def _fire(self, job: _Job, trigger: str) -> bool:
        """Fire a service event on the job; False where the lifecycle refuses it now (asked first:
        building a refusal's error costs more than asking, and most stopped jobs meet one)."""
        assert job.arn is not None
        if not self.service.can_fire(job.arn, trigger):
            return False
        self.service.fire(job.arn, trigger)
        return True

    # -- the client side ---------------------------------------------------------------------------

    def _call(
        self, operation: str, method: Callable[..., dict[str, Any]], **params: Any
    ) -> Generator[simpy.Event, Any, tuple[dict[str, Any] | None, ServiceError | None]]:
        """One SDK call with botocore's retries: (response, None) or (None, the last error)."""
        attempt = 1
        while True:
            try:
                response = method(**params)
            except ServiceError as err:
                self.calls[operation][err.code] += 1
                if not self.retrier.should_retry(err.code, err.http_status, attempt):
                    return None, err
                yield self.env.timeout(self.retrier.delay(attempt))
                attempt += 1
                continue
            self.calls[operation]["ok"] += 1
            self.retrier.succeeded(attempt > 1)
            return response, None

    def _client(self, job: _Job) -> Generator[simpy.Event, Any, None]:
        s = self.s
        response, _error = yield from self._call(
            OPERATIONS["create"],
            self.service.create_document_classifier,
            DocumentClassifierName=f"job-{job.index}",
            DataAccessRoleArn=_ROLE,
            InputDataConfig={"S3Uri": f"s3://training/job-{job.index}.csv"},
            LanguageCode="en",
        )
        if response is None:
            return  # never created (counted in the API calls)
        job.arn = response["DocumentClassifierArn"]
        self.by_arn[job.arn] = job
        job.stop_event = self.env.event()
        self._spawn(self._train(job))
        deadline = job.submit + s.stop_after if s.stop_after is not None else math.inf
        final = False
        while not final:
            next_poll = self.env.now + s.poll_interval if s.poll_interval is not None else math.inf
            if job.decided is None and deadline < math.inf and deadline <= next_poll:
                if deadline > self.env.now:
                    yield self.env.timeout(deadline - self.env.now)
                yield from self._stop(job)
                if s.poll_interval is None:
                    return
                continue
            if next_poll == math.inf:
                return
            yield self.env.timeout(next_poll - self.env.now)
            response, _ = yield from self._call(
                OPERATIONS["describe"],
                self.service.describe_document_classifier,
                DocumentClassifierArn=job.arn,
            )
            if response is None:
                continue
            props = response["DocumentClassifierProperties"]
            final = props["Status"] in _FINAL
            if final:
                job.observed = self.env.now
            elif job.decided is None and s.budget_usd is not None and "TrainingStartTime" in props:
                trained = (
                    EPOCH + timedelta(seconds=self.env.now) - props["TrainingStartTime"]
                ).total_seconds()
                if trained / 3600 * s.usd_per_hour >= s.budget_usd:
                    yield from self._stop(job)

    def _stop(self, job: _Job) -> Generator[simpy.Event, Any, None]:
        """The client decides to stop its job and calls StopTrainingDocumentClassifier until accepted
        (or the SDK gives up, and the application too)."""
        assert job.arn is not None
        job.decided = self.env.now
        while True:
            response, error = yield from self._call(
                OPERATIONS["stop"],
                self.service.stop_training_document_classifier,
                DocumentClassifierArn=job.arn,
            )
            if response is not None:  # the service told _changed if it put the job in STOP_REQUESTED
                self.accepted += 1
                return
            assert error is not None
            if not self.s.app_retry or error.code not in (
                "TooManyRequestsException",
                "InternalServerException",
            ):
                self.lost[error.code] += 1
                return
            yield self.env.timeout(float(self.s.app_retry_interval.sample(self.app_rng, 1)[0]))

    def _submit(self) -> Generator[simpy.Event, Any, None]:
        """Start each job's client at its submission time (so only live jobs' events are scheduled)."""
        for job in self.jobs:  # in submission order
            if job.submit > self.env.now:
                yield self.env.timeout(job.submit - self.env.now)
            self._spawn(self._client(job))

    def _spawn(self, work: Generator[simpy.Event, Any, None]) -> None:
        self.processes.append(self.env.process(self._finish(work)))

    def _finish(self, work: Generator[simpy.Event, Any, None]) -> Generator[simpy.Event, Any, None]:
        yield from work
        self.finished_at = max(self.finished_at, self.env.now)

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
        return self._result()

    def _result(self) -> FleetResult:
        self.service.admission = None  # reading the outcome is not part of the experiment
        paths: Counter[str] = Counter()
        dwell, wasted, observe, waits = [], [], [], []
        timeline: list[Any] | None = [] if self.keep_timeline else None
        for job in self.jobs:
            if job.arn is None:
                paths["(not created)"] += 1
                continue
            steps = [str(s) for s in self.service.path(job.arn)]
            paths[">".join(steps)] += 1
            props = self.service.describe_document_classifier(DocumentClassifierArn=job.arn)
            times = {
                k: _seconds(v) for k, v in props["DocumentClassifierProperties"].items() if k.endswith("Time")
            }
            end = times.get("EndTime", self.finished_at)
            if job.stop_request is not None:
                dwell.append(end - job.stop_request)
            if job.worker_wait is not None:
                waits.append(job.worker_wait)
            if job.decided is not None:
                start, stop = times.get("TrainingStartTime"), times.get("TrainingEndTime")
                wasted.append(
                    0.0 if start is None or stop is None else max(0.0, stop - max(job.decided, start))
                )
                if job.observed is not None:
                    observe.append(job.observed - job.decided)
            if timeline is not None:
                timeline.append(
                    (
                        job.submit,
                        times.get("TrainingStartTime"),
                        job.stop_request,
                        job.decided,
                        end,
                        steps[-1],
                    )
                )
        return FleetResult(
            scenario=self.s,
            paths=paths,
            stop_decided=sum(j.decided is not None for j in self.jobs),
            stop_accepted=self.accepted,
            stop_lost=self.lost,
            dwell=np.asarray(dwell),
            worker_wait=np.asarray(waits),
            wasted_seconds=np.asarray(wasted),
            observe_seconds=np.asarray(observe),
            api_calls=self.calls,
            events=self.env.processed,
            duration=self.finished_at,
            timeline=timeline,
        )


def _seconds(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds()


def simulate(
    scenario: FleetScenario, progress: Progress | None = None, keep_timeline: bool = False
) -> FleetResult:
    """Run ``scenario`` to the end (every job finished or never created). Per-job timelines are kept
    only when ``keep_timeline`` (for the timeline figure)."""
    return _Fleet(scenario, keep_timeline).run(progress)
