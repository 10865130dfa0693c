"""Fleets of jobs that process text: many analysis (or translation) jobs in one account, stopped through a
throttled service with the SDK's retries.

One simpy ``Environment`` holds the account. Every call goes through the model's service (a
:class:`~stoprace.model.ComprehendService`, or a :class:`~stoprace.model.service.TranslateService` for
Translate) on the simulation's clock, whose admission hook applies per-operation rate limits (a token
bucket each: over it, ``TooManyRequestsException``) and injected ``InternalServerException`` faults.

- **The service's side.** A started job waits for one of ``max_active`` places (the account's quota of
  running jobs; none by default), then its queue delay, then processes its documents
  (:class:`~stoprace.sim.text.scenario.TextScenario`: count, sizes, rate). An accepted stop joins the queue
  of ``stop_workers`` workers; a worker takes ``stop_handling`` and the stop takes effect, unless the job
  completed first: the lost race. The documents processed by then are written out and billed.
- **The client's side**, one script a job sharing one SDK client (botocore's retries, one retry quota):
  it starts its job (at once, or at the times of a Poisson stream), polls the kind's describe every
  ``poll_interval`` seconds until a final status, and sends the stop ``stop_after`` seconds after
  submission (retried as botocore retries; a stop the SDK gives up on is never accepted).

What the result counts: the final statuses, the races lost (``p_race_lost`` of the stops that met a job
processing), the stops never accepted, the time in ``STOP_REQUESTED``, and the money: the units billed,
and those processed after the client decided to stop (what a faster stop would have saved).

>>> result = simulate_text_fleet(TextFleetScenario(jobs=30, text=TextScenario(documents=50), seed=3))
>>> sum(result.final.values())
30
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import simpy

from stoprace.model import EPOCH, ComprehendService, ServiceError
from stoprace.model.analysis import JOB_ALL_DONE, JOB_FINISHED
from stoprace.model.errors import InternalServerException, TooManyRequestsException
from stoprace.model.numbers import is_number, is_whole
from stoprace.model.observers import StateChange
from stoprace.model.service import TranslateService
from stoprace.sim.distributions import Distribution, parse_distribution
from stoprace.sim.fleet.client import sdk_call
from stoprace.sim.fleet.limits import TokenBucket
from stoprace.sim.fleet.state import Ledger
from stoprace.sim.retry import MODES, RULES, Retrier
from stoprace.sim.scenario import DEFAULT_SEED
from stoprace.sim.stats import wilson_interval

from .report import JobPathTally
from .scenario import TextScenario

__all__ = ["TextFleetResult", "TextFleetScenario", "simulate_text_fleet", "text_fleet_table"]

_ROLE = "arn:aws:iam::111122223333:role/text-jobs"
_FINAL = frozenset(s.value for s in JOB_FINISHED)
_ALL_DONE = frozenset(s.value for s in JOB_ALL_DONE)
_ACTIONS = ("create", "describe", "stop")
_STREAMS = ("submit", "queue", "sizes", "handling", "faults", "retries")


@dataclass(frozen=True)
class TextFleetScenario:
    """One fleet of text jobs (see the module's documentation). ``rate_limits`` maps ``create`` (the
    start), ``describe`` and ``stop`` to (calls a second, burst)."""

    text: TextScenario = field(default_factory=TextScenario)
    jobs: int = 200
    submit_rate: float | None = None
    max_active: int | None = None
    stop_after: float = 240.0
    poll_interval: float = 60.0
    stop_workers: int = 4
    stop_handling: Distribution | str = "exponential:mean=60"
    rate_limits: Mapping[str, tuple[float, int]] = field(default_factory=dict)
    p_server_error: float = 0.0
    retry_mode: str = "standard"
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if not isinstance(self.text, TextScenario):
            raise TypeError(f"text must be a TextScenario, not {type(self.text).__name__}")
        for name, low in (("jobs", 1), ("stop_workers", 1)):
            if not is_whole(getattr(self, name)) or getattr(self, name) < low:
                raise ValueError(
                    f"{name} must be a whole number of at least {low}, got {getattr(self, name)!r}"
                )
        if self.max_active is not None and (not is_whole(self.max_active) or self.max_active < 1):
            raise ValueError(
                f"max_active must be a whole number of at least 1 (or None), got {self.max_active!r}"
            )
        for name in ("submit_rate", "stop_after", "poll_interval"):
            value = getattr(self, name)
            if value is None and name == "submit_rate":
                continue
            if (
                not is_number(value)
                or not math.isfinite(value)
                or value < 0
                or (value == 0 and name != "stop_after")
            ):
                raise ValueError(f"{name} must be a finite number of seconds (a rate) > 0, got {value!r}")
        if isinstance(self.stop_handling, str):
            object.__setattr__(self, "stop_handling", parse_distribution(self.stop_handling))
        if not is_number(self.p_server_error) or not 0 <= self.p_server_error <= 1:
            raise ValueError(f"p_server_error must be a probability in [0, 1], got {self.p_server_error!r}")
        if self.retry_mode not in MODES:
            raise ValueError(f"retry_mode must be one of {', '.join(MODES)}, got {self.retry_mode!r}")
        for name, limit in self.rate_limits.items():
            if name not in _ACTIONS:
                raise ValueError(f"rate limit for unknown action {name!r}; actions: {', '.join(_ACTIONS)}")
            TokenBucket(float(limit[0]), limit[1])  # validates

    def replace(self, **changes: Any) -> TextFleetScenario:
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        handling = self.stop_handling
        return {
            "text": self.text.as_dict(),
            **{
                f.name: getattr(self, f.name)
                for f in dataclasses.fields(self)
                if f.name not in ("text", "stop_handling")
            },
            "rate_limits": {k: list(v) for k, v in self.rate_limits.items()},
            "stop_handling": handling.spec if isinstance(handling, Distribution) else handling,
        }


@dataclass(slots=True)
class _Job:
    index: int
    submit: float
    queue: float
    cumulative: np.ndarray  # characters done after each document
    units: np.ndarray  # units billed after each document
    handling: float
    job_id: str | None = None
    started: float | None = None  # processing began
    decided: float | None = None
    stop_request: float | None = None
    stop_event: simpy.Event | None = None


@dataclass
class TextFleetResult(JobPathTally):
    """What a fleet did (see :func:`text_fleet_table`)."""

    scenario: TextFleetScenario
    paths: Counter[str]
    final: Counter[str]
    stop_requested: list[float]  # seconds each job spent in STOP_REQUESTED
    ledger: Ledger
    documents: int
    units: int
    wasted_units: int  # processed after the client decided to stop
    never_accepted: Counter[str]

    def as_dict(self) -> dict[str, Any]:
        price, jobs = self.scenario.text.price, self.scenario.jobs
        waits = np.asarray(self.stop_requested)
        return {
            "scenario": self.scenario.as_dict(),
            "final": dict(sorted(self.final.items())),
            "stop_met_processing": self.met,
            "race_lost": self.lost,
            "p_race_lost": self.lost / self.met if self.met else None,
            "ci95": list(wilson_interval(self.lost, self.met)) if self.met else None,
            "stops_never_accepted": dict(sorted(self.never_accepted.items())),
            "stop_requested_seconds": {
                "mean": float(waits.mean()) if len(waits) else None,
                "max": float(waits.max()) if len(waits) else None,
            },
            "documents_processed": self.documents / jobs,
            "usd_billed": self.units * price / jobs,
            "usd_after_the_decision": self.wasted_units * price / jobs,
            "calls": {op: dict(sorted(c.items())) for op, c in self.ledger.calls.items()},
        }


class _Fleet:
    def __init__(self, scenario: TextFleetScenario) -> None:
        self.scenario, text = scenario, scenario.text
        self.kind = text.kind
        self.env = simpy.Environment()
        seeds = np.random.SeedSequence(scenario.seed).spawn(len(_STREAMS))
        self.rng = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, seeds, strict=True)}
        self.operations = {a: self.kind.operations[a] for a in _ACTIONS}
        self.buckets = {
            self.operations[a]: TokenBucket(float(r), b) for a, (r, b) in scenario.rate_limits.items()
        }
        cls = TranslateService if self.kind.service == "translate" else ComprehendService
        self.api = cls(
            clock=lambda: EPOCH + timedelta(seconds=self.env.now),
            job_policy=text.policy,
            admission=self._admit,
        )
        self.api.on_change(self._changed)
        self.ledger = Ledger(calls={op: Counter() for op in self.operations.values()})
        self.retrier = Retrier(scenario.retry_mode, self.rng["retries"], RULES[max(RULES)])
        self.workers = simpy.Resource(self.env, scenario.stop_workers)
        self.places = simpy.Resource(self.env, scenario.max_active) if scenario.max_active else None
        self.by_id: dict[str, _Job] = {}
        self.waits: list[float] = []
        self.never: Counter[str] = Counter()

    def _admit(self, operation: str, _params: Mapping[str, Any]) -> ServiceError | None:
        bucket = self.buckets.get(operation)
        if bucket is not None and not bucket.take(self.env.now):
            return TooManyRequestsException()
        p = self.scenario.p_server_error
        if p and self.rng["faults"].random() < p:
            return InternalServerException()
        return None

    def _changed(self, change: StateChange) -> None:
        if change.trigger == "stop":
            job = self.by_id[change.arn]
            job.stop_request = self.env.now
            self.env.process(self._handle(job))

    def _fire(self, job: _Job, trigger: str) -> bool:
        assert job.job_id is not None
        if not self.api.can_fire(job.job_id, trigger):
            return False
        self.api.fire(job.job_id, trigger)
        return True

    def _process(self, job: _Job) -> Generator[simpy.Event, Any, None]:
        """The service runs a job: a place, its queue, its documents; a stop that takes effect ends it."""
        assert job.stop_event is not None
        place = self.places.request() if self.places is not None else None
        if place is not None:
            yield place | job.stop_event
        if not job.stop_event.triggered:
            yield self.env.timeout(job.queue) | job.stop_event
        if self._fire(job, "start_processing"):
            job.started = self.env.now
            yield self.env.timeout(float(job.cumulative[-1]) / self.scenario.text.rate) | job.stop_event
            self._fire(job, "finish_processing")  # refused if the stop took effect first
        if place is not None and self.places is not None:
            if place.triggered:
                self.places.release(place)
            else:
                place.cancel()

    def _handle(self, job: _Job) -> Generator[simpy.Event, Any, None]:
        """A stop worker makes an accepted stop take effect, unless the job completed first."""
        assert job.stop_event is not None
        with self.workers.request() as worker:
            yield worker
            yield self.env.timeout(job.handling)
            if self._fire(job, "finish_stop"):
                job.stop_event.succeed()

    def _client(self, job: _Job) -> Generator[simpy.Event, Any, None]:
        kind, env, scenario = self.kind, self.env, self.scenario
        if job.submit > env.now:
            yield env.timeout(job.submit - env.now)
        request = kind.example_request(f"job-{job.index}", _ROLE)
        response, _, _ = yield from self._call("create", **request)
        if response is None:
            return
        job.job_id = response["JobId"]
        self.by_id[job.job_id] = job
        job.stop_event = env.event()
        env.process(self._process(job))
        deadline, final = job.submit + scenario.stop_after, False
        while not final:
            next_poll = env.now + scenario.poll_interval
            if job.decided is None and deadline <= next_poll:
                yield env.timeout(max(0.0, deadline - env.now))
                job.decided = env.now
                _, error, why = yield from self._call("stop", JobId=job.job_id)
                if error is not None:
                    self.never[f"{error.code} ({why})"] += 1
                continue
            yield env.timeout(next_poll - env.now)
            response, _, _ = yield from self._call("describe", JobId=job.job_id)
            final = response is not None and response[kind.properties]["JobStatus"] in _FINAL

    def _call(self, action: str, **params: Any) -> Generator[simpy.Event, Any, Any]:
        method = getattr(self.api, self.kind.method(action))
        return (
            yield from sdk_call(
                self.env, self.retrier, self.ledger, self.operations[action], method, **params
            )
        )

    def jobs(self) -> list[_Job]:
        scenario, text, rng = self.scenario, self.scenario.text, self.rng
        n = scenario.jobs
        submits = (
            np.zeros(n)
            if scenario.submit_rate is None
            else np.cumsum(rng["submit"].exponential(1 / scenario.submit_rate, n))
        )
        queues = text.queue_delay.sample(rng["queue"], n)
        handling = scenario.stop_handling.sample(rng["handling"], n)  # type: ignore[union-attr]
        found = []
        for i in range(n):
            chars = np.maximum(np.ceil(text.document_size.sample(rng["sizes"], text.documents)), 1).astype(
                np.int64
            )
            units = np.maximum(text.kind.min_units, -(-chars // text.kind.unit_chars))
            found.append(
                _Job(
                    i,
                    float(submits[i]),
                    float(queues[i]),
                    np.cumsum(chars),
                    np.cumsum(units),
                    float(handling[i]),
                )
            )
        return found

    def run(self) -> TextFleetResult:
        jobs = self.jobs()
        for job in jobs:
            self.env.process(self._client(job))
        self.env.run()
        self.api.admission = None  # the tally reads the jobs; no rate limit or fault applies to it
        paths: Counter[str] = Counter()
        final: Counter[str] = Counter()
        documents = units = wasted = 0
        for job in jobs:
            if job.job_id is None:
                final["never started"] += 1
                continue
            path = ">".join(str(s) for s in self.api.path(job.job_id))
            paths[path] += 1
            status = path.rsplit(">", 1)[-1]
            final[status] += 1
            props = self.kind.call(self.api, "describe", job.job_id)[self.kind.properties]
            end = (props["EndTime"] - EPOCH).total_seconds()
            done, at_decision = (
                self._done(job, end, status),
                self._done(job, job.decided, status, final=False),
            )
            documents += done
            units += int(job.units[done - 1]) if done else 0
            wasted += (int(job.units[done - 1]) if done else 0) - (
                int(job.units[at_decision - 1]) if at_decision else 0
            )
            if job.stop_request is not None:
                self.waits.append(end - job.stop_request)
        return TextFleetResult(
            self.scenario, paths, final, self.waits, self.ledger, documents, units, wasted, self.never
        )

    def _done(self, job: _Job, moment: float | None, status: str, final: bool = True) -> int:
        """Documents done by ``moment`` (all of them for a completed job at its end)."""
        if moment is None or job.started is None or moment < job.started:
            return 0
        if final and status in _ALL_DONE:
            return len(job.cumulative)
        chars = math.floor((moment - job.started) * self.scenario.text.rate + 1e-9)
        return int(np.searchsorted(job.cumulative, chars, side="right"))


def simulate_text_fleet(scenario: TextFleetScenario) -> TextFleetResult:
    """Run one fleet of text jobs."""
    return _Fleet(scenario).run()


def text_fleet_table(report: dict[str, Any]) -> str:
    """A fleet's report for a terminal."""
    s, t = report["scenario"], report["scenario"]["text"]
    lost = report["p_race_lost"]
    ci = report["ci95"]
    lines = [
        f"{s['jobs']} {t['resource']}s, stop {s['stop_after']:g} s after submission; "
        f"{s['stop_workers']} stop workers ({s['stop_handling']}); rate limits: "
        + (", ".join(f"{k} {v[0]:g}/s burst {v[1]}" for k, v in s["rate_limits"].items()) or "none")
        + f"; seed {s['seed']}",
        "final: " + ", ".join(f"{k} {v}" for k, v in report["final"].items()),
        f"p_race_lost {'-' if lost is None else f'{lost:.4f}'}"
        + ("" if ci is None else f" (95% CI {ci[0]:.4f}-{ci[1]:.4f})")
        + f" of {report['stop_met_processing']} stops that met a job processing",
        "stops never accepted: "
        + (", ".join(f"{k} {v}" for k, v in report["stops_never_accepted"].items()) or "none"),
        f"documents processed per job {report['documents_processed']:.1f}; USD billed per job "
        f"{report['usd_billed']:.4f}, of which after the decision to stop "
        f"{report['usd_after_the_decision']:.4f}",
    ]
    return "\n".join(lines)
