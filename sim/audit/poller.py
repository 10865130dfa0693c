"""How a client waits on a training job: a botocore waiter model, state sets, or a Python callable.

A poller describes the job every ``delay`` seconds, at most ``max_attempts`` times, and gives a verdict:
``success``, ``failure`` or ``timeout`` (it gave up waiting). A callable gives its verdict by how it ends
(:func:`callable_verdict`): returning is success; raising ``TimeoutError`` (or :class:`GaveUp`, or an
exception whose class is named ``...Timeout``, as orchestrators' sensors name theirs), or botocore's
``WaiterError`` for "Max attempts exceeded", is a timeout; anything else raised is a failure. State sets are
turned into a botocore waiter model (``path`` acceptors on the status), so both kinds run through the same
code: botocore's own ``Waiter`` in the exact engine, and, in the vector engine, the state each status leads
to, found by running botocore's acceptor matchers on a response of a job in that status
(:func:`status_states`). Acceptors are tried in order; the first that matches decides; a status no acceptor
matches means "keep waiting".
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from stoprace.model import ComprehendService, ManualClock
from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.kinds import CLASSIFIER, KINDS
from stoprace.model.numbers import is_number, is_whole
from stoprace.model.service import TranslateService
from stoprace.model.statuses import Status
from stoprace.sim.files import parse_json, read_limited

__all__ = [
    "MAX_WAITER_FILE_BYTES",
    "STATES",
    "CallablePoller",
    "GaveUp",
    "Poller",
    "PollerError",
    "callable_verdict",
    "state_sets",
    "status_states",
    "waiter_from_file",
]

#: The waiter states.
STATES = ("success", "failure", "retry")
#: A waiter file larger than this is refused before it is parsed.
MAX_WAITER_FILE_BYTES = 1 << 20
#: Every kind a poller may wait on: the resources that train, and the jobs that process text.
_ALL_KINDS: dict[str, Any] = {**KINDS, **TEXT_KINDS}
#: The kind each describe operation a waiter may call describes.
_DESCRIBED = {kind.operations["describe"]: kind for kind in _ALL_KINDS.values()}


def kind_statuses(resource: str) -> tuple[str, ...]:
    """The statuses a job of ``resource`` reports (its ``Status`` or ``JobStatus`` values)."""
    kind = _ALL_KINDS[resource]
    return tuple(kind.statuses) if resource in TEXT_KINDS else tuple(Status.__members__)


def _status_member(resource: str) -> str:
    return "JobStatus" if resource in TEXT_KINDS else "Status"


_MATCHERS = ("path", "pathAll", "pathAny", "error", "status")


class PollerError(ValueError):
    """A poller that cannot be used, with what is wrong and what is allowed."""


@dataclass(frozen=True)
class Poller:
    """A botocore waiter (version 2) on a describe (``DescribeDocumentClassifier``, or the describe of
    ``resource``), with its delay and attempts."""

    name: str
    config: Mapping[str, Any]  # the waiter's own entry of the model (operation, delay, acceptors...)
    delay: float
    max_attempts: int
    source: str = "waiter file"
    sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # for state sets: as given
    resource: str = CLASSIFIER.name  # the kind of resource it waits on

    def model(self) -> dict[str, Any]:
        """The waiter model botocore reads, with this poller's delay and attempts."""
        entry = {**self.config, "delay": self.delay, "maxAttempts": self.max_attempts}
        return {"version": 2, "waiters": {self.name: entry}}

    def as_dict(self) -> dict[str, Any]:
        states = status_states(self)
        return {
            "kind": self.source,
            "name": self.name,
            "delay": self.delay,
            "max_attempts": self.max_attempts,
            "states": {state: [s for s, v in states.items() if v == state] for state in STATES},
            "unmatched": [s for s, v in states.items() if v is None],
            **({"sets": {k: list(v) for k, v in self.sets.items()}} if self.sets else {}),
            **({} if self.resource == CLASSIFIER.name else {"resource": self.resource}),
        }


class GaveUp(TimeoutError):
    """Raise it from an audited callable when it stops waiting before the job has ended (its budget ran
    out): the audit counts a timeout. Any ``TimeoutError`` does the same."""


def callable_verdict(error: BaseException | None) -> str:
    """The verdict of a callable that returned (``error`` None) or raised ``error``.

    >>> callable_verdict(None), callable_verdict(GaveUp()), callable_verdict(RuntimeError("IN_ERROR"))
    ('success', 'timeout', 'failure')
    """
    if error is None:
        return "success"
    if isinstance(error, TimeoutError):
        return "timeout"
    names = [cls.__name__ for cls in type(error).__mro__]
    if "WaiterError" in names:  # botocore's, by name: the exact engine imports botocore, this need not
        reason = str(getattr(error, "kwargs", {}).get("reason", ""))
        return "timeout" if reason.startswith("Max attempts exceeded") else "failure"
    if any(name.endswith(("Timeout", "TimeoutError")) for name in names):
        return "timeout"
    return "failure"


@dataclass(frozen=True)
class CallablePoller:
    """``function(client, arn)``, judged by how it ends (:func:`callable_verdict`)."""

    spec: str
    function: Callable[[Any, str], Any]
    resource: str = CLASSIFIER.name  # the kind of resource whose ARN it is given

    def as_dict(self) -> dict[str, Any]:
        kind = {} if self.resource == CLASSIFIER.name else {"resource": self.resource}
        return {"kind": "callable", "name": self.spec, **kind}


def _positive(value: Any, what: str, whole: bool) -> None:
    if not (is_whole(value) if whole else is_number(value)) or not 0 < value < float("inf"):
        raise PollerError(f"{what} must be a {'whole ' if whole else ''}number above 0, got {value!r}")


def state_sets(
    retry: tuple[str, ...],
    success: tuple[str, ...],
    failure: tuple[str, ...],
    delay: float,
    max_attempts: int,
    *,
    resource: str = CLASSIFIER.name,
) -> Poller:
    """A poller from state sets (as Terraform-style waits and sensors are written) on the describe of
    ``resource``."""
    kind = _ALL_KINDS[resource]
    known = kind_statuses(resource)
    given = {"success": success, "failure": failure, "retry": retry}
    seen: dict[str, str] = {}
    for state, statuses in given.items():
        for status in statuses:
            if status not in known:
                raise PollerError(
                    f"--{state}: {status!r} is not a status of a {kind.noun}; statuses: {', '.join(known)}"
                )
            if status in seen:
                raise PollerError(f"{status} is in both --{seen[status]} and --{state}")
            seen[status] = state
    if not success and not failure:
        raise PollerError("state sets need a --success or a --failure set: otherwise nothing ends the wait")
    _positive(delay, "--delay", whole=False)
    _positive(max_attempts, "--max-attempts", whole=True)
    acceptors = [
        {
            "matcher": "path",
            "argument": f"{kind.properties}.{_status_member(resource)}",
            "expected": status,
            "state": state,
        }
        for state in ("success", "failure", "retry")
        for status in given[state]
    ]
    operation = kind.operations["describe"]
    config = {"operation": operation, "delay": delay, "maxAttempts": max_attempts, "acceptors": acceptors}
    return Poller("StateSets", config, float(delay), int(max_attempts), "state sets", given, kind.name)


def waiter_from_file(
    path: Path, name: str | None, delay: float | None = None, max_attempts: int | None = None
) -> Poller:
    """The waiter ``name`` of the botocore waiter model in ``path`` (``delay`` and ``max_attempts``
    override the file's own values)."""
    what = "a waiter file"
    try:
        document = parse_json(read_limited(path, MAX_WAITER_FILE_BYTES, what), path, what)
    except ValueError as err:  # not readable, not a regular file, too large, not JSON
        raise PollerError(str(err)) from None
    waiters = document.get("waiters") if isinstance(document, dict) else None
    if not isinstance(waiters, dict) or document.get("version") != 2:
        raise PollerError(f"{path}: not a botocore waiter model (version 2 with a 'waiters' object)")
    if not waiters:
        raise PollerError(f"{path}: the waiter model holds no waiters")
    if name is None:
        if len(waiters) > 1:
            raise PollerError(f"{path}: several waiters; choose one with --waiter: {', '.join(waiters)}")
        name = next(iter(waiters))
    if name not in waiters:
        raise PollerError(f"{path}: no waiter {name!r}; the file has: {', '.join(map(str, waiters))}")
    config = waiters[name]
    _check_entry(path, name, config)
    chosen_delay = config["delay"] if delay is None else delay
    chosen_attempts = config["maxAttempts"] if max_attempts is None else max_attempts
    _positive(chosen_delay, "the delay", whole=False)
    _positive(chosen_attempts, "the maximum attempts", whole=True)
    resource = _DESCRIBED[config["operation"]].name  # the kind the waiter's operation describes
    return Poller(name, config, float(chosen_delay), int(chosen_attempts), resource=resource)


def _check_entry(path: Path, name: str, config: Any) -> None:
    if not isinstance(config, dict):
        raise PollerError(f"{path}: waiter {name!r} is not an object")
    operation = config.get("operation")
    if operation not in _DESCRIBED:
        raise PollerError(
            f"{path}: waiter {name!r} calls {operation!r}; stoprace audits waiters on {', '.join(_DESCRIBED)}"
        )
    for key in ("delay", "maxAttempts"):
        if key not in config:
            raise PollerError(f"{path}: waiter {name!r} has no {key!r}")
    acceptors = config.get("acceptors")
    if not isinstance(acceptors, list) or not acceptors:
        raise PollerError(f"{path}: waiter {name!r} needs a non-empty list of acceptors")
    for i, acceptor in enumerate(acceptors):
        if not isinstance(acceptor, dict) or acceptor.get("matcher") not in _MATCHERS:
            raise PollerError(
                f"{path}: waiter {name!r} acceptor {i}: matcher must be one of {', '.join(_MATCHERS)}"
            )
        if acceptor.get("state") not in STATES:
            raise PollerError(
                f"{path}: waiter {name!r} acceptor {i}: state must be one of {', '.join(STATES)}"
            )
        if "expected" not in acceptor:
            raise PollerError(f"{path}: waiter {name!r} acceptor {i} has no 'expected'")
    try:
        importlib.import_module("botocore.waiter").SingleWaiterConfig(config).acceptors  # noqa: B018
    except ImportError:
        raise PollerError("waiter files need botocore: pip install 'stoprace[aws]'") from None
    except Exception as err:  # botocore's own parse of the acceptors (JMESPath syntax and the like)
        raise PollerError(f"{path}: waiter {name!r}: botocore cannot read it: {err}") from None


def callable_poller(spec: str, resource: str = CLASSIFIER.name) -> CallablePoller:
    """``MODULE:FUNCTION`` (the module found from the current directory first, then as Python finds it)
    or ``path/to/file.py:FUNCTION``; ``FUNCTION`` may be dotted (``Class.method``)."""
    where, _, attribute = spec.rpartition(":")
    if not where or not attribute:
        raise PollerError(f"--client must be MODULE:FUNCTION or path/to/file.py:FUNCTION, got {spec!r}")
    try:
        target: Any = _load(where)
        for part in attribute.split("."):
            target = getattr(target, part)
    except PollerError:
        raise
    except Exception as err:  # an import runs the user's module: anything can go wrong there
        raise PollerError(f"--client {spec}: cannot import it ({type(err).__name__}: {err})") from None
    if not callable(target):
        raise PollerError(f"--client {spec}: {type(target).__name__} is not callable")
    return CallablePoller(spec, target, resource)


def _load(where: str) -> ModuleType:
    """A module by file path (``.py``) or by name, the current directory searched first (the
    ``stoprace`` command's own directory is not the user's)."""
    if where.endswith(".py"):
        path = Path(where)
        if not path.is_file():
            raise PollerError(f"--client: {where} is not a file")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise PollerError(f"--client: cannot load {where} as a Python module")
        module = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = module  # so that the module's own imports of itself (pickling...) work
        spec.loader.exec_module(module)
        return module
    here = str(Path.cwd())
    added = here not in sys.path
    if added:
        sys.path.insert(0, here)
    try:
        return importlib.import_module(where)
    finally:
        if added:
            sys.path.remove(here)


#: How the model's service reaches each status: the triggers and calls of a job's way there.
_TRAINING_ROUTES = {
    "SUBMITTED": [],
    "TRAINING": ["start_training", "begin_billing"],
    "STOP_REQUESTED": ["start_training", "begin_billing", "stop"],
    "STOPPED": ["start_training", "begin_billing", "stop", "finish_stop"],
    "TRAINED": ["start_training", "begin_billing", "end_billing", "finish_training"],
    "TRAINED_WITH_WARNING": [
        "start_training",
        "begin_billing",
        "end_billing",
        "finish_training_with_warning",
    ],
    "IN_ERROR": ["start_training", "begin_billing", "fail_training"],
    "DELETING": ["start_training", "begin_billing", "end_billing", "finish_training", "delete"],
}
_TEXT_ROUTES = {
    "SUBMITTED": [],
    "IN_PROGRESS": ["start_processing"],
    "STOP_REQUESTED": ["start_processing", "stop"],
    "STOPPED": ["start_processing", "stop", "finish_stop"],
    "COMPLETED": ["start_processing", "finish_processing"],
    "COMPLETED_WITH_ERROR": ["start_processing", "finish_with_errors"],
    "FAILED": ["start_processing", "fail"],
}


@cache
def _representative_responses(resource: str = CLASSIFIER.name) -> dict[str, dict[str, Any]]:
    """A describe response of a ``resource`` in each status, from the model (under the default policy);
    built once per process and kind, and only read (by botocore's matchers)."""
    text = resource in TEXT_KINDS
    kind = _ALL_KINDS[resource]
    routes = _TEXT_ROUTES if text else _TRAINING_ROUTES
    responses = {}
    for status in (s for s in routes if s in kind_statuses(resource)):
        clock = ManualClock()
        service: Any = (
            TranslateService if getattr(kind, "service", "") == "translate" else ComprehendService
        )(clock=clock)
        request = kind.example_request("audit", "arn:aws:iam::123456789012:role/audit")
        if text:
            request[kind.token_member] = "audit"
        handle = kind.call(service, "create", **request)[kind.arn_member]
        for step in routes[status]:
            clock.advance(60)
            if step in ("stop", "delete"):
                kind.call(service, step, handle)
            else:
                service.fire(handle, step)
        responses[status] = {
            **kind.call(service, "describe", handle),
            "ResponseMetadata": {"HTTPStatusCode": 200},
        }
        assert responses[status][kind.properties][_status_member(resource)] == status
    return responses


def deciding_acceptors(poller: Poller) -> dict[str, int | None]:
    """The index of the acceptor that decides on each status (the first that matches botocore's way, on
    a model response of a job in that status), or None where none matches."""
    waiter = importlib.import_module("botocore.waiter")
    acceptors = waiter.SingleWaiterConfig(poller.config).acceptors
    return {
        status: next((i for i, a in enumerate(acceptors) if a.matcher_func(response)), None)
        for status, response in _representative_responses(poller.resource).items()
    }


def status_states(poller: Poller) -> dict[str, str | None]:
    """The state each status leads to (``None``: no acceptor matches it: keep waiting), by botocore's
    matchers on a model response of a job in that status (for state sets, without botocore)."""
    if poller.sets:
        states: dict[str, str | None] = dict.fromkeys(kind_statuses(poller.resource))
        for state, statuses in poller.sets.items():
            for status in statuses:
                states[status] = state
        return states
    acceptors = poller.config["acceptors"]
    return {
        status: acceptors[i]["state"] if i is not None else None
        for status, i in deciding_acceptors(poller).items()
    }


def cause(poller: Poller | CallablePoller, status: str) -> str:
    """What in the poller turns ``status`` into its verdict, in the poller's own terms."""
    if isinstance(poller, CallablePoller):
        return f"{poller.spec} on {status}"
    if poller.sets:
        state = status_states(poller)[status]
        return f"--{state} {status}" if state else f"{status} in no set"
    index = deciding_acceptors(poller)[status]
    if index is None:
        return f"no acceptor matches {status}"
    acceptor = poller.config["acceptors"][index]
    return (
        f"acceptor {index} ({acceptor['matcher']} {acceptor.get('argument', '')} == "
        f"{acceptor['expected']!r} -> {acceptor['state']}) on {status}"
    )
