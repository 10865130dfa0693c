"""A bridge from a real ``boto3.client("comprehend")`` to a :class:`~stoprace.model.ComprehendService`.

Users' code talks to boto3. :func:`attach` hooks a model service into a real boto3 (botocore) Comprehend
client through botocore's event system, so that code runs unchanged against the model: no network, no
credentials. The bridge answers at the HTTP layer (botocore's ``before-send`` event) with the bytes the
real service would send, so everything botocore does still happens: parameter validation,
serialization, response parsing (timestamps become ``datetime``), paginators, and the exceptions
(``client.exceptions.ResourceNotFoundException``, a ``ClientError`` with the code and HTTP status).
**botocore's own retries apply** to the model's errors exactly as to AWS's: a ``TooManyRequestsException``
(HTTP 400) is not retried in legacy mode, an ``InternalServerException`` (500) is. Requests are not
signed (botocore's ``choose-signer`` event), so no credentials are needed.

Time is virtual: give the service a :class:`~stoprace.model.clock.ManualClock`. Within
``with bridge.virtual_time():`` the whole process runs on that clock (``time.sleep``, ``time.monotonic``,
``time.time``, ``asyncio.sleep``: :mod:`stoprace.model.virtual`), so botocore's waiters and retries and any
polling loop advance it instead of waiting; :meth:`Bridge.sleep` advances it by hand, and
:meth:`Bridge.at` runs an outside action (someone else's stop) at a virtual time. The model has no
randomness, so what makes the service progress by itself (jobs start, finish, fail, stop on a schedule
drawn from a race scenario) lives in ``sim``: ``stoprace.sim.autopilot.attach(client, service, scenario)``
attaches through :func:`attach` and schedules the Autopilot's events on the service's clock, so a
polling loop sees ``SUBMITTED``, ``TRAINING`` and then ``TRAINED`` or ``STOPPED`` without real waiting.

Clients of aiobotocore (``pip install 'stoprace[aio]'``) are served the same way, with its waiters,
paginators and retries. boto3 and botocore are an optional extra: ``pip install 'stoprace[aws]'``.
For example::

    client = boto3.client("comprehend", region_name="us-east-1")
    bridge = attach(client, ComprehendService(clock=ManualClock()))
    ...  # the code under test uses client; bridge.sleep(seconds) moves time on

(the README runs a whole example; ``tests/test_bridge.py`` and ``tests/test_orchestrator.py`` more).
"""

from __future__ import annotations

import contextlib
import importlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from .clock import ManualClock
from .errors import ServiceError
from .kinds import method_name
from .service import ComprehendService, ServiceCore, TranslateService
from .shapes import OPERATIONS
from .virtual import virtual_time

__all__ = ["AWS_INSTALL_HINT", "Bridge", "answer", "answer_json", "attach"]

AWS_INSTALL_HINT = "the boto3 bridge needs boto3 and botocore: pip install 'stoprace[aws]'"
#: The model's service for each botocore service it answers.
_SERVICES: dict[str, type[ServiceCore]] = {"comprehend": ComprehendService, "translate": TranslateService}
#: Every operation the model answers, by its API name: the method of the service that answers it (the
#: API name in snake case, as botocore names a client's methods).
_OPERATIONS = {operation: method_name(operation) for operation in OPERATIONS}


def _botocore(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ImportError(AWS_INSTALL_HINT) from None


def _wire(value: Any) -> Any:
    """A response value as the JSON protocol sends it: timestamps as epoch seconds."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


def answer(service: Any, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any], str | None]:
    """``service``'s answer to ``operation`` with ``params``, before any wire encoding: the HTTP status, the
    output members (timestamps still ``datetime``) or the error's ``{"__type", "message"}``, and the
    error's code (``None`` on success)."""
    try:
        return 200, getattr(service, _OPERATIONS[operation])(**params), None
    except ServiceError as err:
        return err.http_status, {"__type": err.code, "message": err.message}, err.code


def answer_json(service: Any, operation: str, params: dict[str, Any]) -> tuple[int, bytes, dict[str, str]]:
    """The AWS JSON 1.1 answer of ``service`` to ``operation`` with ``params``: the HTTP status, the body
    (the output members, timestamps as epoch seconds; or ``{"__type", "message"}``) and the headers (an
    error's ``x-amzn-ErrorType``). The bridge answers so."""
    status, payload, code = answer(service, operation, params)
    data = json.dumps(_wire(payload)).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "Content-Length": str(len(data))}
    return status, data, headers if code is None else {**headers, "x-amzn-ErrorType": code}


class _Body:
    """The raw body of a botocore ``AWSResponse`` (``stream``) or an aiobotocore one (``await read()``)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.data

    async def read(self, *_: Any) -> bytes:
        return self.data


def _is_async(client: Any) -> bool:
    """Whether ``client`` is an aiobotocore client (its events are emitted and awaited by aiobotocore)."""
    return type(client).__module__.startswith("aiobotocore") or any(
        c.__module__.startswith("aiobotocore") for c in type(client.meta.events).__mro__
    )


class Bridge:
    """A model service attached to a boto3 Comprehend client (see :func:`attach`)."""

    def __init__(
        self, client: Any, service: ServiceCore, before_request: Callable[[], None] | None = None
    ) -> None:
        self.client, self.service, self.before_request = client, service, before_request
        self.calls: list[tuple[str, str]] = []  # (operation, "ok" or the error code), every attempt
        self.is_async = _is_async(client)
        if self.is_async:
            self._response_class = _botocore("aiobotocore.awsrequest").AioAWSResponse
        else:
            self._response_class = _botocore("botocore.awsrequest").AWSResponse

    @property
    def clock(self) -> ManualClock:
        """The service's virtual clock (a ``TypeError`` if the service runs on another clock)."""
        if not isinstance(self.service.clock, ManualClock):
            raise TypeError("virtual time needs a service whose clock is a stoprace.model.ManualClock")
        return self.service.clock

    def sleep(self, seconds: float) -> None:
        """Advance the service's virtual clock (give this to code that takes a ``sleep`` function)."""
        self.clock.advance(max(0.0, float(seconds)))

    def virtual_time(self) -> contextlib.AbstractContextManager[ManualClock]:
        """Within this block the whole process runs on the service's clock: ``time.sleep``,
        ``time.monotonic``, ``time.time``, ``asyncio.sleep`` and the event loop's clock
        (:func:`stoprace.model.virtual.virtual_time`), so waiters, retries and polling loops run unchanged
        without waiting, and a scenario-driven service progresses as their sleeps move the clock."""
        return virtual_time(self.clock)

    def at(self, when: float, action: Callable[[], object]) -> None:
        """Run ``action()`` (an outside action: someone else's stop, a delete) when the virtual clock
        reaches ``when`` seconds since its start; at the same instant it runs after the service's own
        events."""
        self.clock.call_at(when, action)

    def _choose_signer(self, **_: Any) -> Any:
        return _botocore("botocore").UNSIGNED

    def _answer(self, request: Any, **_: Any) -> Any:
        """``before-send``: answer the HTTP request from the model, as the service would."""
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else str(target)
        operation = target.rpartition(".")[2]  # Comprehend_20171127.X, AWSShineFrontendService_20170701.X
        body = request.body or b"{}"
        params = json.loads(body.decode() if isinstance(body, bytes) else body)
        if self.before_request is not None:
            self.before_request()
        method = _OPERATIONS.get(operation)
        if method is None:
            raise NotImplementedError(
                f"the model answers the operations of the resources that train and the jobs that process "
                f"text ({', '.join(_OPERATIONS)}), not {operation}"
            )
        status, data, headers = answer_json(self.service, operation, params)
        self.calls.append((operation, headers.get("x-amzn-ErrorType", "ok")))
        headers["x-amzn-RequestId"] = f"stoprace-{len(self.calls)}"
        return self._response_class(request.url, status, headers, _Body(data))

    def detach(self) -> None:
        """Unhook the model: the client talks to AWS again."""
        events, name = self.client.meta.events, self.client.meta.service_model.service_name
        events.unregister(f"before-send.{name}", self._answer, unique_id="stoprace-bridge")
        events.unregister(f"choose-signer.{name}", self._choose_signer, unique_id="stoprace-signer")


def attach(client: Any, service: ServiceCore, *, before_request: Callable[[], None] | None = None) -> Bridge:
    """Answer every call of the boto3 Comprehend ``client`` from ``service``; ``before_request`` is
    called before each request is answered (``stoprace.sim.autopilot`` uses it to move the service on)."""
    _botocore("botocore")
    meta = getattr(client, "meta", None)
    model = getattr(meta, "service_model", None)
    if model is None or not hasattr(meta, "events"):
        raise TypeError(
            f"attach needs a botocore-based Comprehend client (boto3.client('comprehend', ...) or an "
            f"aiobotocore session's create_client('comprehend', ...)), not {type(client).__name__}"
        )
    expected = _SERVICES.get(model.service_name)
    if expected is None:
        raise TypeError(
            f"attach needs a Comprehend or Translate client; this one is for {model.service_name!r}"
        )
    if not isinstance(service, expected):
        raise TypeError(
            f"a {model.service_name} client is answered by a {expected.__name__}, "
            f"not {type(service).__name__}"
        )
    protocol = getattr(model, "resolved_protocol", None) or model.protocol
    if protocol != "json":  # botocore prefers JSON where a service offers it beside rpc-v2 CBOR
        raise TypeError(
            f"this {model.service_name} client speaks {protocol!r}; the bridge answers the JSON protocol "
            "(AWS JSON 1.1), which botocore chooses for Comprehend and Translate"
        )
    if before_request is not None and not callable(before_request):
        raise TypeError(f"before_request must be callable, not {type(before_request).__name__}")
    bridge = Bridge(client, service, before_request)
    events = client.meta.events
    events.register(f"before-send.{model.service_name}", bridge._answer, unique_id="stoprace-bridge")
    events.register(f"choose-signer.{model.service_name}", bridge._choose_signer, unique_id="stoprace-signer")
    return bridge
