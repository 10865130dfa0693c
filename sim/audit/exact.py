"""The audit's reference engine: the poller itself (botocore's own ``Waiter`` for waiter files and state
sets, or the user's callable), run unchanged against the model through the boto3 bridge in virtual
time, one job at a time, on the same jobs as the vector engine.

Each job's events are scheduled on a fresh service's clock at the drawn times (ties in rank order),
the stop is a ``StopTrainingDocumentClassifier`` call by someone else (``StopTrainingEntityRecognizer`` for a
poller on recognizers), and the poller starts at its first-poll time. After its verdict the clock runs on
until the job has finished.
"""

from __future__ import annotations

import contextlib
import importlib
import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from stoprace.model import ComprehendService, ManualClock, Policy, ServiceError
from stoprace.model.bridge import AWS_INSTALL_HINT, attach
from stoprace.model.family import family_of
from stoprace.model.policy import Choices
from stoprace.sim.draws import END, END_TRIGGERS, EVENTS, STOP, JobInputs

from .poller import CallablePoller, Poller, callable_verdict
from .verdicts import JobVerdicts

__all__ = ["Exact", "fire_if_it_can", "stop_by_someone_else"]

_ROLE = "arn:aws:iam::123456789012:role/audit"


class Exact:
    """Runs one poller against jobs, one at a time (needs boto3: the ``aws`` extra)."""

    def __init__(self, poller: Poller | CallablePoller, policy: Choices) -> None:
        try:
            boto3 = importlib.import_module("boto3")
            self._waiter = importlib.import_module("botocore.waiter")
            self._errors = importlib.import_module("botocore.exceptions")
        except ImportError:
            raise ImportError(AWS_INSTALL_HINT) from None
        self.poller, self.policy = poller, policy
        self.kind = family_of(poller.resource)[1]  # a resource that trains, or a job that processes text
        self.client = boto3.client(
            getattr(self.kind, "service", "comprehend"),
            region_name="us-east-1",
            aws_access_key_id="audit",
            aws_secret_access_key="audit",
        )
        if isinstance(poller, Poller):
            model = self._waiter.WaiterModel(poller.model())
            self.waiter = self._waiter.create_waiter_with_client(poller.name, model, self.client)

    def batch(
        self, inputs: JobInputs, first: npt.NDArray[np.float64], each: Callable[[int], None] | None = None
    ) -> JobVerdicts:
        """Every job of the batch, one at a time (``each(done)`` after each, for progress)."""
        jobs = []
        for i in range(len(inputs)):
            jobs.append(self.job(inputs.times[i], int(inputs.end_trigger[i]), float(first[i])))
            if each is not None:
                each(i + 1)
        verdict, at, polls, seen, final, end, billed = zip(*jobs, strict=True) if jobs else ([],) * 7
        return JobVerdicts(
            list(verdict),
            np.array(at, dtype=float),
            np.array(polls, dtype=np.int64),
            list(seen),
            list(final),
            np.array(end, dtype=float),
            np.array(billed, dtype=float),
        )

    def job(self, times: npt.NDArray[np.float64], end_trigger: int, first: float) -> tuple[Any, ...]:
        clock = ManualClock()
        assert isinstance(self.policy, Policy)
        service = ComprehendService(clock=clock, policy=self.policy)
        bridge = attach(self.client, service)
        try:
            kind = self.kind
            arn = kind.call(self.client, "create", **kind.example_request("audited", _ROLE))[kind.arn_member]
            for k, when in enumerate(times.tolist()):
                if math.isfinite(when):
                    trigger = END_TRIGGERS[end_trigger] if k == END else EVENTS[k]
                    action = (
                        partial(stop_by_someone_else, service, arn, kind)
                        if k == STOP
                        else partial(fire_if_it_can, service, arn, trigger)
                    )
                    clock.call_at(when, action, rank=k)
            with bridge.virtual_time():
                clock.advance(first)
                verdict = self._wait(arn)
            at = clock.elapsed
            polls = sum(1 for op, _ in bridge.calls if op == kind.operations["describe"])
            seen = service.status(arn).value
            clock.advance(max(0.0, max(t for t in times.tolist() if math.isfinite(t)) - at) + 1)
            props = kind.call(service, "describe", arn)[kind.properties]
            end = (props["EndTime"] - clock.start).total_seconds() if "EndTime" in props else math.nan
            return verdict, at, polls, seen, props["Status"], end, service.billed_training_seconds(arn)
        finally:
            bridge.detach()

    def _wait(self, arn: str) -> str:
        poller = self.poller
        if isinstance(poller, CallablePoller):
            try:
                poller.function(self.client, arn)
            except Exception as err:  # the user's code: how it ends is its verdict
                return callable_verdict(err)
            return callable_verdict(None)
        try:
            self.waiter.wait(
                **{self.kind.arn_member: arn},
                WaiterConfig={"Delay": poller.delay, "MaxAttempts": poller.max_attempts},
            )
        except self._errors.WaiterError as err:
            reason = str(err.kwargs.get("reason", ""))
            if reason.startswith("Max attempts exceeded"):
                return "timeout"
            if reason.startswith("Waiter encountered a terminal failure state"):
                return "failure"
            code = (err.last_response or {}).get("Error", {}).get("Code")
            return str(code) if code else "WaiterError"
        return "success"


def fire_if_it_can(service: Any, arn: str, trigger: str) -> None:
    if service.can_fire(arn, trigger):
        service.fire(arn, trigger)


def stop_by_someone_else(service: Any, arn: str, kind: Any) -> None:
    with contextlib.suppress(ServiceError):  # a stop the policy refuses changes nothing
        kind.call(service, "stop", arn)
