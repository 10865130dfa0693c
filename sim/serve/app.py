"""The server's state and its answer to one request, whatever HTTP stack carries it.

:class:`ServerApp` holds a :class:`~stoprace.sim.mock.MockComprehend` (each account and region's
Comprehend and Translate services, driven by a race scenario's Autopilot on one shared virtual clock), the
wire's limits (per-operation token buckets, injected faults), scheduled actions and the state file.
:meth:`ServerApp.handle` answers one request; one lock serializes them, so every answer is consistent with
every other and a serial replay of the acknowledged calls gives the same state.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from stoprace.model import ManualClock, ServiceError
from stoprace.model.bridge import answer
from stoprace.model.errors import ERRORS, InternalServerException, TooManyRequestsException
from stoprace.model.service import DEFAULT_ACCOUNT
from stoprace.model.shapes import OPERATIONS
from stoprace.sim.fleet.limits import TokenBucket
from stoprace.sim.mock import MockComprehend
from stoprace.sim.scenario import RaceScenario
from stoprace.sim.text.scenario import TextScenario

from .journal import Journal, JournalError
from .wire import Call, Reply, WireError, check_signature, encode, error, parse, protocol_of

__all__ = ["MAX_BODY", "ServerApp"]

#: The largest request body answered (AWS's own limits for these operations are far below it).
MAX_BODY = 1 << 20
CONTROL = "/_stoprace/"


#: A local server for tests answers any page's scripts, as moto's server mode does.
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "*",
    "Access-Control-Expose-Headers": "x-amzn-RequestId, x-amzn-ErrorType, smithy-protocol",
}


def _reads(operation: str) -> bool:
    return operation.startswith(("Describe", "List"))


class ServerApp:
    """The model behind the wire, the control API and the state file (see :mod:`stoprace.sim.serve`)."""

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
        secrets: Mapping[str, str] | None = None,
        state_file: str | None = None,
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
        self.secrets = dict(secrets) if secrets is not None else None  # None: signatures are not checked
        self.speed = speed  # simulated seconds a wall second, or None: the clock moves only when told
        self.lock = threading.RLock()
        self.requests = 0
        self.replaying = False
        self.journal: Journal | None = None
        self.replayed = 0  # changes replayed from the state file
        self.reset(journal=False)
        if state_file is not None:
            self.journal = Journal(state_file, self.options())
            self._replay(self.journal.load())

    def options(self) -> dict[str, Any]:
        """What shapes the state: a journal is replayed only into a server with the same."""
        scenario = {k: v for k, v in asdict(self.scenario).items() if k not in ("stop_at", "replications")}
        return {
            "scenario": scenario,
            "text": asdict(self.text) if self.text is not None else None,
            "seed": self.seed,
        }

    # --- state -----------------------------------------------------------------------------------
    def reset(self, *, journal: bool = True) -> None:
        with self.lock:
            self.buckets = {op: TokenBucket(rate, burst) for op, (rate, burst) in self.limits.items()}
            self.faults = random.Random(self.seed or 0)
            self.mock = MockComprehend(
                self.scenario, virtual_time=False, seed=self.seed, text=self.text, admission=self._admit
            )
            self.clock: ManualClock = self.mock.clock
            self.actions: list[dict[str, Any]] = []
            self.wall = time.monotonic()
            if journal and self.journal is not None:
                self.journal.reset()

    def record(self, entry: dict[str, Any]) -> None:
        """Journal ``entry`` (a change of state) before it is acknowledged."""
        if self.journal is not None and not self.replaying:
            self.journal.write(entry)

    def move_to(self, elapsed: float) -> None:
        """Move the clock on to ``elapsed`` seconds since its start (never back)."""
        if elapsed > self.clock.elapsed:
            self.clock.advance(elapsed - self.clock.elapsed)

    def _replay(self, entries: Any) -> None:
        """Apply the journal's entries in order (their calls unadmitted: they were admitted once)."""
        self.replaying = True
        self.replayed = 0
        try:
            for self.replayed, entry in enumerate(entries, 1):
                self._apply(entry)
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
            raise JournalError(
                f"state file {self.journal.path if self.journal else ''}: change {self.replayed} cannot be "
                f"replayed ({type(err).__name__}: {err})"
            ) from None
        finally:
            self.replaying = False
            self.wall = time.monotonic()

    def _apply(self, entry: dict[str, Any]) -> None:
        if "call" in entry:
            service_name, account, region, operation, params = entry["call"]
            if operation not in OPERATIONS or not isinstance(params, dict):
                raise ValueError(f"no operation {operation!r} with members {params!r}")
            self.move_to(float(entry["t"]))
            answer(self.service(service_name, account, region), operation, params)
        elif "to" in entry:
            self.move_to(float(entry["to"]))
        elif "schedule" in entry:
            self.move_to(float(entry["t"]))
            self.schedule(entry["schedule"])
        elif "faulted" in entry:
            self.actions[entry["faulted"]]["remaining"] -= 1
        else:
            raise ValueError(f"unknown change {sorted(entry)}")

    def service(self, service_name: str, account: str, region: str) -> Any:
        if service_name == "translate":
            return self.mock.translate(region, account)
        return self.mock.service(region, account, create=True)

    def services(self) -> list[tuple[tuple[str, str], Any]]:
        return [*self.mock.services.items(), *self.mock.translators.items()]

    def find(self, handle: str) -> Any:
        """The service (of any account and region) that holds job ``handle``, or None."""
        return next((s for _, s in self.services() if handle in s.arns()), None)

    def advance(self, seconds: float) -> None:
        """Move the clock on by ``seconds``, written to the state file."""
        self.clock.advance(seconds)
        self.record({"to": self.clock.elapsed})

    # --- limits, faults, scheduled actions -------------------------------------------------------
    def _admit(self, operation: str, _params: Mapping[str, Any]) -> ServiceError | None:
        """The wire's limits: scheduled faults, a token bucket per operation (shared by every account and
        region, on the virtual clock) and injected faults, as a fleet applies them."""
        if self.replaying:
            return None
        for action in self.actions:
            if (
                action["action"] == "fault"
                and action["operation"] == operation
                and action["at"] <= self.clock.elapsed
                and action["remaining"] > 0
            ):
                action["remaining"] -= 1
                self.record({"faulted": action["index"]})
                return ERRORS[action["error"]]()
        bucket = self.buckets.get(operation)
        if bucket is not None and not bucket.take(self.clock.elapsed):
            return TooManyRequestsException()
        if self.p_server_error and self.faults.random() < self.p_server_error:
            return InternalServerException()
        return None

    def schedule(self, action: dict[str, Any]) -> dict[str, Any]:
        """Schedule a checked ``action`` (:func:`stoprace.sim.serve.control.scheduled`) on the clock."""
        entry = {**action, "index": len(self.actions)}
        if entry["action"] == "fault":
            entry["remaining"] = entry["count"]
        else:
            entry["done"] = None
            self.clock.call_at(entry["at"], lambda: self._fire(entry))
        self.actions.append(entry)
        self.record({"t": self.clock.elapsed, "schedule": action})
        return entry

    def _fire(self, entry: dict[str, Any]) -> None:
        """A scheduled stop: the job's own stop operation, answered as a client's call would be."""
        service = self.find(entry["id"])
        if service is None:
            entry["done"] = {"status": 404, "error": "ResourceNotFoundException"}
            return
        operation, params = service.stop_request(entry["id"])
        status, _, code = answer(service, operation, params)
        entry["done"] = {"status": status, "error": code} if code else {"status": status}

    def tick(self) -> None:
        """With a real clock, move the virtual one on by the wall time since the last request."""
        if self.speed is not None:
            now = time.monotonic()
            self.clock.advance((now - self.wall) * self.speed)
            self.wall = now

    # --- one request -----------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """The answer to one request (``headers`` keys lower case), with its ``x-amzn-RequestId``."""
        with self.lock:
            self.requests += 1
            request_id = f"stoprace-{self.requests:08d}"
            self.tick()
            if method == "OPTIONS":  # a browser's preflight (the JavaScript SDK in a page)
                reply = Reply(200, {"Access-Control-Max-Age": "600"}, b"")
            elif path.startswith(CONTROL):
                from .control import route  # noqa: PLC0415 - a cycle: control drives this class

                reply = route(self, method, path.removeprefix(CONTROL), body)
            else:
                reply = self._api(method, path, query, headers, body)
        return Reply(reply.status, {**reply.headers, **_CORS, "x-amzn-RequestId": request_id}, reply.body)

    def _api(self, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes) -> Reply:
        protocol = protocol_of(path, headers)
        try:
            if self.secrets is not None:  # as AWS, the signature before anything else of the request
                check_signature(method, path, query, headers, body, self.secrets)
            call = parse(method, path, headers, body)
        except WireError as err:
            service_name = "translate" if protocol == "cbor" else "comprehend"
            return error(protocol, err.status, err.code, err.message, service_name)
        return self.call(call)

    def call(self, call: Call) -> Reply:
        account = self.accounts.get(call.key or "", DEFAULT_ACCOUNT)
        service = self.service(call.service_name, account, call.region)
        self.clock.run_due()
        status, payload, code = answer(service, call.operation, call.params)
        if code is None and not _reads(call.operation):
            self.record(
                {
                    "t": self.clock.elapsed,
                    "call": [call.service_name, account, call.region, call.operation, call.params],
                }
            )
        return encode(call.protocol, status, payload, code, call.service_name)


def json_reply(payload: Any, status: int = 200) -> Reply:
    """A control API answer."""
    return Reply(status, {"Content-Type": "application/json"}, json.dumps(payload).encode())


def control_error(status: int, code: str, message: str) -> Reply:
    return error("json", status, code, message)
