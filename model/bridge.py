"""A bridge from a real ``boto3.client("comprehend")`` to a :class:`~model.ComprehendService`.

Users' code talks to boto3. :func:`attach` hooks a model service into a real boto3 (botocore) Comprehend
client through botocore's event system, so that code runs unchanged against the model: no network, no
credentials. The bridge answers at the HTTP layer (botocore's ``before-send`` event) with the bytes the
real service would send, so everything botocore does still happens: parameter validation,
serialization, response parsing (timestamps become ``datetime``), paginators, and the exceptions
(``client.exceptions.ResourceNotFoundException``, a ``ClientError`` with the code and HTTP status).
**botocore's own retries apply** to the model's errors exactly as to AWS's: a ``TooManyRequestsException``
(HTTP 400) is not retried in legacy mode, an ``InternalServerException`` (500) is. Requests are not
signed (botocore's ``choose-signer`` event), so no credentials are needed.

Time is virtual: give the service a :class:`~model.clock.ManualClock`. An :class:`Autopilot` makes the
service progress by itself as that clock moves (jobs start, finish, fail, stop) on a schedule drawn from
a race scenario, so a polling loop sees ``SUBMITTED``, ``TRAINING`` and then ``TRAINED`` or ``STOPPED``
without real waiting; :meth:`Bridge.sleep` advances the clock (pass it to code that takes a ``sleep``),
and with ``virtual_retry_sleep=True`` botocore's retry back-offs advance it too instead of sleeping.

boto3 and botocore are an optional extra: ``pip install 'stoprace[aws]'``. For example::

    client = boto3.client("comprehend", region_name="us-east-1")
    bridge = attach(client, ComprehendService(clock=ManualClock()), RaceScenario())
    ...  # the code under test uses client; bridge.sleep(seconds) moves time on

(the README runs a whole example; ``tests/test_bridge.py`` and ``tests/test_orchestrator.py`` more).
"""

from __future__ import annotations

import contextlib
import heapq
import importlib
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from .clock import ManualClock
from .errors import ServiceError
from .service import ComprehendService

__all__ = ["INSTALL_HINT", "Autopilot", "Bridge", "attach"]

INSTALL_HINT = "the boto3 bridge needs boto3 and botocore: pip install 'stoprace[aws]'"
_TARGET_PREFIX = "Comprehend_20171127."
_OPERATIONS = {
    "CreateDocumentClassifier": "create_document_classifier",
    "DescribeDocumentClassifier": "describe_document_classifier",
    "ListDocumentClassifiers": "list_document_classifiers",
    "StopTrainingDocumentClassifier": "stop_training_document_classifier",
    "DeleteDocumentClassifier": "delete_document_classifier",
}


def _botocore(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(INSTALL_HINT) from None


def _wire(value: Any) -> Any:
    """A response value as the JSON protocol sends it: timestamps as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


class _Body:
    """The raw body of a botocore ``AWSResponse``."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data


class Autopilot:
    """Drives a service's own progress from a race scenario as its :class:`ManualClock` moves.

    Each job created through the service gets, from ``scenario`` and the job's order of creation, a
    queue delay, a training duration and an end (completion, completion with warnings, or failure at a
    fraction of its training); a stop that the job accepts takes the scenario's stop latency to take
    effect. Events fall due as the clock passes them and are fired in time order (ties as in
    :mod:`sim.draws`: start, end of training, the stop's effect). ``scenario`` is any object with the
    race scenario's fields (``sim.scenario.RaceScenario``); ``stop_at`` and ``replications`` are not used.
    """

    def __init__(self, service: ComprehendService, scenario: Any, seed: int | None = None) -> None:
        if not isinstance(service.clock, ManualClock):
            raise TypeError("the autopilot needs a service whose clock is a model.ManualClock")
        np = importlib.import_module("numpy")
        self.service, self.scenario, self.clock = service, scenario, service.clock
        self.rng = np.random.default_rng(scenario.seed if seed is None else seed)
        self._queue: list[tuple[float, int, int, str, str]] = []  # (time, rank, order, arn, trigger)
        self._order = 0
        self._seen: set[str] = set()

    def _at(self, when: float, rank: int, arn: str, trigger: str) -> None:
        self._order += 1
        heapq.heappush(self._queue, (when, rank, self._order, arn, trigger))

    def created(self, arn: str) -> None:
        """Schedule a new job's start and end of training."""
        if arn in self._seen:
            return  # an idempotent repeat of a create
        self._seen.add(arn)
        s, now = self.scenario, self.clock.elapsed
        queue = float(s.queue_delay.sample(self.rng, 1)[0])
        duration = float(s.training_duration.sample(self.rng, 1)[0])
        fails, warns = self.rng.random() < s.p_failure, self.rng.random() < s.p_warning
        point = float(s.failure_point.sample(self.rng, 1)[0])
        self._at(now + queue, 0, arn, "start_training")
        if fails:
            self._at(now + queue + point * duration, 1, arn, "fail_training")
        else:
            end = "finish_training_with_warning" if warns else "finish_training"
            self._at(now + queue + duration, 1, arn, end)

    def stopped(self, arn: str) -> None:
        """Schedule the effect of an accepted stop."""
        latency = float(self.scenario.stop_latency.sample(self.rng, 1)[0])
        self._at(self.clock.elapsed + latency, 3, arn, "finish_stop")

    def deleted(self, arn: str) -> None:
        """A delete completes at once (the next call no longer finds the classifier)."""
        self._at(self.clock.elapsed, 4, arn, "finish_delete")

    def catch_up(self) -> None:
        """Fire every event due by now, in time order; events the lifecycle refuses are dropped."""
        now = self.clock.elapsed
        while self._queue and self._queue[0][0] <= now:
            _, _, _, arn, trigger = heapq.heappop(self._queue)
            if arn in self.service.arns() and self.service.can_fire(arn, trigger):
                self.service.fire(arn, trigger)


class Bridge:
    """A model service attached to a boto3 Comprehend client (see :func:`attach`)."""

    def __init__(self, client: Any, service: ComprehendService, autopilot: Autopilot | None) -> None:
        self.client, self.service, self.autopilot = client, service, autopilot
        self.calls: list[tuple[str, str]] = []  # (operation, "ok" or the error code), every attempt
        self._botocore_awsrequest = _botocore("botocore.awsrequest")

    def sleep(self, seconds: float) -> None:
        """Advance the service's virtual clock (give this to code that takes a ``sleep`` function)."""
        if not isinstance(self.service.clock, ManualClock):
            raise TypeError("Bridge.sleep needs a service whose clock is a model.ManualClock")
        self.service.clock.advance(max(0.0, float(seconds)))

    def _choose_signer(self, **_: Any) -> Any:
        return _botocore("botocore").UNSIGNED

    def _answer(self, request: Any, **_: Any) -> Any:
        """``before-send``: answer the HTTP request from the model, as the service would."""
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else str(target)
        operation = target.removeprefix(_TARGET_PREFIX)
        body = request.body or b"{}"
        params = json.loads(body.decode() if isinstance(body, bytes) else body)
        if self.autopilot is not None:
            self.autopilot.catch_up()
        method = _OPERATIONS.get(operation)
        if method is None:
            raise NotImplementedError(
                f"the model answers the document-classifier operations ({', '.join(_OPERATIONS)}), "
                f"not {operation}"
            )
        arn = params.get("DocumentClassifierArn")
        before = self.service.status(arn) if arn in self.service.arns() else None
        try:
            response = getattr(self.service, method)(**params)
            status, payload, headers = 200, _wire(response), {}
            self.calls.append((operation, "ok"))
            self._after(operation, params, response, before)
        except ServiceError as err:
            self.calls.append((operation, err.code))
            status = err.http_status
            payload = {"__type": err.code, "message": err.message}
            headers = {"x-amzn-ErrorType": err.code}
        data = json.dumps(payload).encode()
        headers = {"Content-Type": "application/x-amz-json-1.1", "Content-Length": str(len(data)),
                   "x-amzn-RequestId": f"stoprace-{len(self.calls)}", **headers}
        return self._botocore_awsrequest.AWSResponse(request.url, status, headers, _Body(data))

    def _after(self, operation: str, params: dict[str, Any], response: dict[str, Any], before: Any) -> None:
        if self.autopilot is None:
            return
        if operation == "CreateDocumentClassifier":
            self.autopilot.created(response["DocumentClassifierArn"])
        elif operation == "StopTrainingDocumentClassifier":
            arn = params["DocumentClassifierArn"]
            if before != "STOP_REQUESTED" and self.service.status(arn) == "STOP_REQUESTED":
                self.autopilot.stopped(arn)
        elif operation == "DeleteDocumentClassifier":
            self.autopilot.deleted(params["DocumentClassifierArn"])

    @contextlib.contextmanager
    def virtual_retry_sleep(self) -> Iterator[None]:
        """Within this block, botocore's retry back-offs advance the virtual clock instead of sleeping.
        (It replaces the ``time`` module that ``botocore.endpoint`` sleeps through, for every client.)"""
        endpoint = _botocore("botocore.endpoint")
        real = endpoint.time
        bridge = self

        class _VirtualTime:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            @staticmethod
            def sleep(seconds: float) -> None:
                bridge.sleep(seconds)

        endpoint.time = _VirtualTime()
        try:
            yield
        finally:
            endpoint.time = real

    def detach(self) -> None:
        """Unhook the model: the client talks to AWS again."""
        events = self.client.meta.events
        events.unregister("before-send.comprehend", self._answer, unique_id="stoprace-bridge")
        events.unregister("choose-signer.comprehend", self._choose_signer, unique_id="stoprace-signer")


def attach(
    client: Any,
    service: ComprehendService,
    scenario: Any = None,
    *,
    seed: int | None = None,
) -> Bridge:
    """Answer every call of the boto3 Comprehend ``client`` from ``service``. With ``scenario`` (a
    ``sim.scenario.RaceScenario``; the service needs a ``ManualClock``) an :class:`Autopilot` makes
    the service progress by itself as virtual time passes."""
    _botocore("botocore")
    model = getattr(getattr(client, "meta", None), "service_model", None)
    if model is None or model.service_name != "comprehend":
        raise TypeError("attach needs a boto3 Comprehend client: boto3.client('comprehend', region_name=...)")
    autopilot = Autopilot(service, scenario, seed) if scenario is not None else None
    bridge = Bridge(client, service, autopilot)
    events = client.meta.events
    events.register("before-send.comprehend", bridge._answer, unique_id="stoprace-bridge")
    events.register("choose-signer.comprehend", bridge._choose_signer, unique_id="stoprace-signer")
    return bridge

