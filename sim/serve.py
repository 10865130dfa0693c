"""``stoprace serve``: the model on the wire, for the AWS CLI and every SDK.

A WSGI application (werkzeug, the HTTP stack moto's server mode uses: ``pip install 'stoprace[server]'``)
in front of the same services the mock uses: each account and region gets a
:class:`~stoprace.model.ComprehendService` (and a :class:`~stoprace.model.service.TranslateService`),
driven by a race scenario's Autopilot on one shared virtual clock (:class:`~stoprace.sim.mock.MockComprehend`
holds them). The wire is AWS JSON 1.1, as botocore speaks it to both services:

- ``POST /`` with ``X-Amz-Target: Comprehend_20171127.<Operation>`` (or Translate's
  ``AWSShineFrontendService_20170701.<Operation>``) and the request's members as JSON;
- 200 with the output members, or the error's HTTP status with ``{"__type", "message"}``; every response
  carries ``x-amzn-RequestId``;
- a body that is not a JSON object is ``SerializationException``, an unknown target
  ``UnknownOperationException`` (both 400), a body over :data:`MAX_BODY` bytes 413.

The account is the request's access key's (``--account KEY=ACCOUNT``; the default account otherwise) and
the region the one in its signature's scope. Time moves only when told (``--clock manual``, the default
for tests) or runs at ``--speed`` simulated seconds a wall second (``--clock real``). The control API,
under ``/_stoprace/``: ``GET health``, ``POST reset``, ``GET clock``, ``POST clock/advance``
(``{"seconds": N}``), ``GET jobs``.

For tests, :class:`Server` runs it in a thread on a free port::

    with Server() as server:
        client = boto3.client("comprehend", endpoint_url=server.url, region_name="us-east-1")
        ...
        server.advance(3600)
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from stoprace.model import ManualClock, ServiceError
from stoprace.model.bridge import answer_json
from stoprace.model.errors import InternalServerException, TooManyRequestsException
from stoprace.model.family import FAMILIES
from stoprace.model.service import DEFAULT_ACCOUNT
from stoprace.model.shapes import OPERATIONS, SERVICE_OPERATIONS

from .fleet.limits import TokenBucket
from .mock import MockComprehend
from .scenario import RaceScenario
from .text.scenario import TextScenario

__all__ = ["MAX_BODY", "SERVER_INSTALL_HINT", "Server", "ServerApp"]

SERVER_INSTALL_HINT = "stoprace serve needs werkzeug: pip install 'stoprace[server]'"
#: The largest request body answered (AWS's own limits for these operations are far below it).
MAX_BODY = 1 << 20
_TARGETS = {"Comprehend_20171127": "comprehend", "AWSShineFrontendService_20170701": "translate"}
_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
_CONTROL = "/_stoprace/"


class ServerApp:
    """The WSGI application: the wire, the control API, and the account's services behind them."""

    def __init__(
        self,
        scenario: RaceScenario | None = None,
        text: TextScenario | None = None,
        *,
        accounts: Mapping[str, str] | None = None,
        speed: float | None = None,
        seed: int | None = None,
        rate_limits: Mapping[str, tuple[float, int]] | None = None,
        p_server_error: float = 0.0,
    ) -> None:
        self.scenario, self.text, self.seed = scenario or RaceScenario(), text, seed
        for operation in rate_limits or {}:
            if operation not in OPERATIONS:
                raise ValueError(
                    f"rate limit for unknown operation {operation!r}; operations: {', '.join(OPERATIONS)}"
                )
        self.limits = {op: (float(rate), int(burst)) for op, (rate, burst) in (rate_limits or {}).items()}
        if not 0 <= p_server_error <= 1:
            raise ValueError(f"p_server_error must be a probability in [0, 1], got {p_server_error!r}")
        self.p_server_error = p_server_error
        self.accounts = dict(accounts or {})
        for key, account in self.accounts.items():
            if not re.fullmatch(r"\d{12}", str(account)):
                raise ValueError(f"account for access key {key!r} must be 12 digits, got {account!r}")
        self.speed = speed  # simulated seconds a wall second, or None: the clock moves only when told
        self.lock = threading.RLock()  # one request at a time: every answer is consistent with the others
        self.requests = 0
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.buckets = {op: TokenBucket(rate, burst) for op, (rate, burst) in self.limits.items()}
            self.faults = random.Random(self.seed or 0)
            self.mock = MockComprehend(
                self.scenario, virtual_time=False, seed=self.seed, text=self.text, admission=self._admit
            )
            self.clock: ManualClock = self.mock.clock
            self.wall = time.monotonic()

    def _admit(self, operation: str, _params: Mapping[str, Any]) -> ServiceError | None:
        """The wire's limits: a token bucket per operation (shared by every account and region, on the
        virtual clock) and injected faults, as a fleet applies them."""
        bucket = self.buckets.get(operation)
        if bucket is not None and not bucket.take(self.clock.elapsed):
            return TooManyRequestsException()
        if self.p_server_error and self.faults.random() < self.p_server_error:
            return InternalServerException()
        return None

    def _tick(self) -> None:
        """With a real clock, move the virtual one on by the wall time since the last request."""
        if self.speed is not None:
            now = time.monotonic()
            self.clock.advance((now - self.wall) * self.speed)
            self.wall = now

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        method = environ.get("REQUEST_METHOD", "GET")
        with self.lock:
            self.requests += 1
            request_id = f"stoprace-{self.requests:08d}"
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = -1
            headers: dict[str, str]
            if length < 0 or length > MAX_BODY:
                status, body, headers = 413, b'{"message": "Request entity too large"}', {}
            else:
                raw = environ["wsgi.input"].read(length) if length else b""
                self._tick()
                if path.startswith(_CONTROL):
                    status, body, headers = self._control(method, path.removeprefix(_CONTROL), raw)
                else:
                    status, body, headers = self._wire(environ, raw)
        headers = {"Content-Type": "application/x-amz-json-1.1", **headers, "x-amzn-RequestId": request_id}
        headers["Content-Length"] = str(len(body))
        start_response(f"{status} {_REASONS.get(status, 'Error')}", list(headers.items()))
        return [body]

    def _wire(self, environ: dict[str, Any], raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        prefix, _, operation = str(environ.get("HTTP_X_AMZ_TARGET", "")).partition(".")
        service_name = _TARGETS.get(prefix)
        if service_name is None or operation not in SERVICE_OPERATIONS[service_name]:
            return _error(400, "UnknownOperationException", f"unknown operation {prefix}.{operation}")
        try:
            params = json.loads(raw or b"{}")
        except (ValueError, RecursionError):
            return _error(400, "SerializationException", "the request body is not valid JSON")
        if not isinstance(params, dict):
            return _error(400, "SerializationException", "the request body must be a JSON object")
        key, region = _credential(environ.get("HTTP_AUTHORIZATION", ""))
        account = self.accounts.get(key or "", DEFAULT_ACCOUNT)
        if service_name == "translate":
            service: Any = self.mock.translate(region, account)
        else:
            service = self.mock.service(region, account, create=True)
        self.clock.run_due()
        return answer_json(service, operation, params)

    def _control(self, method: str, path: str, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        route = (method, path.strip("/"))
        if route == ("GET", "health"):
            return _json({"ok": True, "requests": self.requests})
        if route == ("POST", "reset"):
            self.reset()
            return _json({"reset": True})
        if route == ("GET", "clock"):
            return _json({"elapsed": self.clock.elapsed, "now": self.clock().isoformat()})
        if route == ("POST", "clock/advance"):
            try:
                seconds = float(json.loads(raw or b"{}").get("seconds"))
            except (ValueError, TypeError, AttributeError):
                return _error(400, "ValidationException", 'clock/advance takes {"seconds": N}, N >= 0')
            if not 0 <= seconds < float("inf"):
                return _error(400, "ValidationException", 'clock/advance takes {"seconds": N}, N >= 0')
            self.clock.advance(seconds)
            return _json({"elapsed": self.clock.elapsed})
        if route == ("POST", "clock/run-until-final"):
            return self._run_until_final(raw)
        if route == ("GET", "jobs"):
            found = []
            for (account, region), service in [*self.mock.services.items(), *self.mock.translators.items()]:
                for handle in service.arns():
                    path_ = [str(s) for s in service.path(handle)]
                    found.append(
                        {
                            "account": account,
                            "region": region,
                            "id": handle,
                            "status": path_[-1],
                            "path": path_,
                        }
                    )
            return _json({"jobs": found})
        return _error(404, "NotFound", f"no control route {method} /_stoprace/{path}")

    def _run_until_final(self, raw: bytes) -> tuple[int, bytes, dict[str, str]]:
        """Advance the clock a ``step`` at a time until job ``id`` has finished, at most ``max_seconds``."""
        try:
            asked = json.loads(raw or b"{}")
            handle, step, most = (
                str(asked["id"]),
                float(asked.get("step", 60)),
                float(asked.get("max_seconds", 7 * 86400)),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return _error(
                400, "ValidationException", 'run-until-final takes {"id": JOB, "step": S, "max_seconds": M}'
            )
        if not (0 < step < float("inf") and 0 <= most < float("inf")):
            return _error(400, "ValidationException", "step must be > 0 and max_seconds >= 0, both finite")
        services = [*self.mock.services.values(), *self.mock.translators.values()]
        service = next((s for s in services if handle in s.arns()), None)
        if service is None:
            return _error(404, "NotFound", f"no job {handle!r}")
        finished = FAMILIES["training"].finished | FAMILIES["text"].finished
        moved = 0.0
        while str(service.status(handle)) not in finished and moved < most:
            self.clock.advance(min(step, most - moved))
            moved += min(step, most - moved)
            if handle not in service.arns():
                break
        status = str(service.status(handle)) if handle in service.arns() else None
        return _json({"id": handle, "status": status, "finished": status in finished, "advanced": moved})


def _credential(authorization: str) -> tuple[str | None, str]:
    """The access key and region of a SigV4 ``Authorization`` header (``us-east-1`` without one)."""
    match = _SCOPE.search(authorization)
    return (match.group(1), match.group(2)) if match else (None, "us-east-1")


def _json(payload: Any, status: int = 200) -> tuple[int, bytes, dict[str, str]]:
    return status, json.dumps(payload).encode(), {"Content-Type": "application/json"}


def _error(status: int, code: str, message: str) -> tuple[int, bytes, dict[str, str]]:
    return status, json.dumps({"__type": code, "message": message}).encode(), {"x-amzn-ErrorType": code}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    413: "Request Entity Too Large",
    500: "Internal Server Error",
}


class Server:
    """``stoprace serve`` in a thread on ``host`` and a free port (``port=0``), as moto's
    ``ThreadedMotoServer``: ``with Server() as server: ... server.url ...``; ``advance(seconds)`` and
    ``reset()`` drive it as the control API would."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> None:
        try:
            from werkzeug.serving import WSGIRequestHandler, make_server  # noqa: PLC0415
        except ImportError:
            raise ImportError(SERVER_INSTALL_HINT) from None

        class Quiet(WSGIRequestHandler):
            def log_request(self, *_: Any, **__: Any) -> None:  # a test's output is its own
                pass

        self.app = ServerApp(**options)
        self._server = make_server(host, port, self.app, threaded=True, request_handler=Quiet)
        self.host, self.port = host, self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the command does)."""
        self._server.serve_forever()

    def close(self) -> None:
        self._server.server_close()

    def start(self) -> Server:
        self._thread = threading.Thread(target=self._server.serve_forever, name="stoprace-serve", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def advance(self, seconds: float) -> None:
        with self.app.lock:
            self.app.clock.advance(seconds)

    def reset(self) -> None:
        self.app.reset()
