"""The client's side of a fleet: one SDK client (botocore's retries, one retry quota) shared by every
job's script, and the script's policy: create, poll, decide, stop."""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from stoprace.model import EPOCH, ServiceError
from stoprace.model.errors import released
from stoprace.model.kinds import kind_named
from stoprace.model.statuses import FINISHED
from stoprace.sim.retry import Retrier

from .service import ServiceSide, Spawn
from .state import FleetJob, Ledger

if TYPE_CHECKING:
    from .scenario import FleetScenario

__all__ = ["Client", "sdk_call"]

_ROLE = "arn:aws:iam::111122223333:role/comprehend-access"
_FINAL = frozenset(s.value for s in FINISHED)


def sdk_call(
    env: simpy.Environment,
    retrier: Retrier,
    ledger: Ledger,
    operation: str,
    method: Callable[..., dict[str, Any]],
    *,
    attempts: list[tuple[float, str | None]] | None = None,
    **params: Any,
) -> Generator[simpy.Event, Any, tuple[dict[str, Any] | None, ServiceError | None, str]]:
    """One SDK call with botocore's retries (and, in adaptive mode, its client-side rate limiter), counted
    in ``ledger``: (response, None, "") or (None, the last error, why the SDK gave up:
    :meth:`stoprace.sim.retry.Retrier.why_not_retry`). Each request's time and error code (None when it
    succeeded) is appended to ``attempts`` when given."""
    limiter = retrier.limiter
    attempt, cost = 1, 0
    while True:
        if limiter is not None:
            wait = limiter.acquire(env.now)
            if wait > 0:
                yield env.timeout(wait)
        try:
            response = method(**params)
        except ServiceError as caught:
            err = released(caught)  # kept across yields: no frames, no cycle for the collector
            ledger.calls[operation][err.code] += 1
            if attempts is not None:
                attempts.append((env.now, err.code))
            if limiter is not None:
                limiter.record(env.now, retrier.is_throttling(err.code, err.http_status))
            why_not = retrier.why_not_retry(err.code, err.http_status, attempt)
            if why_not is not None:
                ledger.gave_up[operation][why_not] += 1
                return None, err, why_not
            ledger.retries[operation][err.code] += 1
            cost = retrier.retry_cost(err.code, err.http_status)
            yield env.timeout(retrier.delay(attempt, err.code, err.http_status))
            attempt += 1
            continue
        ledger.calls[operation]["ok"] += 1
        if attempts is not None:
            attempts.append((env.now, None))
        if limiter is not None:
            limiter.record(env.now, False)
        retrier.succeeded(cost)
        return response, None, ""


class Client:
    """Every job's script, sharing one SDK client: :meth:`call` makes one call with botocore's
    retries; :meth:`run` is one job's script."""

    def __init__(
        self,
        scenario: FleetScenario,
        env: simpy.Environment,
        service: ServiceSide,
        *,
        retrier: Retrier,
        app_rng: np.random.Generator,
        ledger: Ledger,
        spawn: Spawn,
    ) -> None:
        self.scenario, self.env, self.service, self.retrier = scenario, env, service, retrier
        self.app_rng, self.ledger, self.spawn = app_rng, ledger, spawn
        self.record_calls = False  # keep each job's stop calls (for an exported history)
        self.gave_up_why = ""  # why the SDK gave up on the last call it gave up on
        self.kind = kind_named(scenario.resource)

    def call(
        self,
        operation: str,
        method: Callable[..., dict[str, Any]],
        *,
        attempts: list[tuple[float, str | None]] | None = None,
        **params: Any,
    ) -> Generator[simpy.Event, Any, tuple[dict[str, Any] | None, ServiceError | None]]:
        """One SDK call with botocore's retries (:func:`sdk_call`); why the SDK gave up is left in
        ``gave_up_why``."""
        response, error, why = yield from sdk_call(
            self.env, self.retrier, self.ledger, operation, method, attempts=attempts, **params
        )
        if why:
            self.gave_up_why = why  # read before the caller's next yield
        return response, error

    def run(self, job: FleetJob) -> Generator[simpy.Event, Any, None]:
        scenario = self.scenario
        kind, operations = self.kind, self.scenario.operations
        request = kind.example_request(f"job-{job.index}", _ROLE)
        response, _error = yield from self.call(
            operations["create"], getattr(self.service.api, kind.method("create")), **request
        )
        if response is None:
            return  # never created (counted in the API calls)
        job.arn = response[kind.arn_member]
        self.service.by_arn[job.arn] = job
        job.stop_event = self.env.event()
        self.spawn(self.service.train(job), job)
        deadline = job.submit + scenario.stop_after if scenario.stop_after is not None else math.inf
        final = False
        while not final:
            next_poll = (
                self.env.now + scenario.poll_interval if scenario.poll_interval is not None else math.inf
            )
            if job.decided is None and deadline < math.inf and deadline <= next_poll:
                if deadline > self.env.now:
                    yield self.env.timeout(deadline - self.env.now)
                yield from self.stop(job)
                if scenario.poll_interval is None:
                    return
                continue
            if next_poll == math.inf:
                return
            yield self.env.timeout(next_poll - self.env.now)
            which: dict[str, Any] = {kind.arn_member: job.arn}
            response, _ = yield from self.call(
                operations["describe"], getattr(self.service.api, kind.method("describe")), **which
            )
            if response is None:
                continue
            props = response[kind.properties]
            final = props["Status"] in _FINAL
            if final:
                job.observed = self.env.now
            elif job.decided is None and scenario.budget_usd is not None and "TrainingStartTime" in props:
                trained = (
                    EPOCH + timedelta(seconds=self.env.now) - props["TrainingStartTime"]
                ).total_seconds()
                if trained / 3600 * scenario.usd_per_hour >= scenario.budget_usd:
                    yield from self.stop(job)

    def stop(self, job: FleetJob) -> Generator[simpy.Event, Any, None]:
        """The client decides to stop its job and calls StopTrainingDocumentClassifier until accepted
        (or the SDK gives up, and the application too)."""
        assert job.arn is not None
        job.decided = self.env.now
        if self.record_calls:
            job.stop_calls = []
        while True:
            kind = self.kind
            response, error = yield from self.call(
                self.scenario.operations["stop"],
                getattr(self.service.api, kind.method("stop")),
                attempts=job.stop_calls,
                **{kind.arn_member: job.arn},
            )
            if response is not None:  # the service told _changed if it put the job in STOP_REQUESTED
                self.ledger.accepted += 1
                return
            assert error is not None
            if not self.scenario.app_retry or error.code not in (
                "TooManyRequestsException",
                "InternalServerException",
            ):
                self.ledger.lost[error.code] += 1
                self.ledger.lost_why[self.gave_up_why, error.code] += 1
                return
            yield self.env.timeout(float(self.scenario.app_retry_interval.sample(self.app_rng, 1)[0]))
