"""Exhaustive checking: every reachable configuration of the service, under every policy.

Breadth-first search over what a client can observe, driving a real :class:`ComprehendService` with
every API call and every service event from every configuration reached, in two scenarios, for each kind
of resource that trains (a document classifier, an entity recognizer: each through its own operations,
requests and responses):

- ``one_job``: one resource, under all interleavings of API calls and service events;
- ``name_reuse``: two resources sharing a name and version, one after the other (create, delete,
  ``ResourceInUseException`` while the first exists, re-create once its delete has completed).

Every step is judged by the properties of :mod:`stoprace.model.invariants`, and one liveness
property is checked: from every reachable configuration a finished or deleted one is reachable by the
service's own progress alone (no trap states). Because the search is breadth-first, the counterexample
reported for a property is a shortest one.

>>> from stoprace.model import Status
>>> report = check([Policy()])
>>> report.ok, sorted(report.reachable_statuses) == sorted(s.value for s in Status)
(True, True)
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from .clock import ManualClock
from .errors import InvalidTransitionError, ServiceError, released
from .findings import NO_TRAPS, CheckReport, PolicyResult, Violation
from .invariants import check_properties, check_step, is_training
from .kinds import CLASSIFIER, KINDS, ResourceKind, kind_named
from .lifecycle import API_TRIGGERS, EDGES, SERVICE_TRIGGERS, Edge
from .policy import DEFAULT_POLICY, Policy
from .service import ApiCall, ComprehendService
from .statuses import FINISHED

__all__ = [
    "NO_TRAPS",
    "SCENARIOS",
    "CheckReport",
    "PolicyResult",
    "Replay",
    "Violation",
    "check",
    "explore",
    "replay",
]

#: Scenario name -> how many classifiers may be created one after another under the same name.
SCENARIOS: dict[str, int] = {"one_job": 1, "name_reuse": 2}

_NAME = "checked"
_API_ACTIONS = ("create", *API_TRIGGERS)
_CHUNK = 64  # searches per task handed to a worker process
_TIME_KEYS = ("TrainingStartTime", "TrainingEndTime", "EndTime")

# What the search tells apart: creates so far, status (None: no classifier), which timestamps are
# present, whether the job was ever seen TRAINING, and whether a stop was ever accepted.
_Key = tuple[int, str | None, tuple[str, ...], bool, bool]


def _describe(service: ComprehendService, arn: str) -> dict[str, Any] | None:
    # What DescribeDocumentClassifier answers, without re-validating the checker's own well-formed
    # request on every step (the API path is tested on its own).
    record = service._jobs.get(arn)
    return record.properties(fresh=False) if record is not None else None


def _can_happen(service: ComprehendService, arn: str, trigger: str) -> bool:
    """Whether the service's own event ``trigger`` can happen to the job now. One that cannot is
    refused and changes nothing (the machine that answers here is the one :meth:`fire` consults, and a
    test that tries every event everywhere finds the same), so the search does not take it: two steps
    in three were such refusals."""
    record = service._jobs.get(arn)
    return record is not None and record.job.can_fire(trigger)


def _request(kind: ResourceKind) -> dict[str, Any]:
    """The checker's create: always the same request and token, so a create that meets an existing
    resource repeats the request that made it."""
    return {
        **kind.example_request(_NAME, "arn:aws:iam::123456789012:role/checker"),
        "ClientRequestToken": "checker-token",
    }


def _label(action: str, error: str | None) -> str:
    """A step as a trace shows it: the action, and how it was refused."""
    if error is None:
        return action
    return f"{action} (refused)" if error == "refused" else f"{action} -> {error}"


def _watched(
    service: ComprehendService, kind: ResourceKind, arn: str, action: str
) -> tuple[dict[str, Any] | None, str | None, list[tuple[str, str, str | None]]]:
    """:func:`_act`, and the steps the service says the action took (trigger, source, dest; dest None
    for an accepted no-op)."""
    steps: list[tuple[str, str, str | None]] = []

    def no_op(call: ApiCall) -> None:
        if call.step is not None and call.step.dest is None:
            steps.append((call.step.trigger, call.step.source, None))

    observers = (
        service.on_change(lambda c: steps.append((c.trigger, c.source, c.dest))),
        service.on_call(no_op),
    )
    try:
        out, error = _act(service, kind, arn, action)
    finally:
        for unsubscribe in observers:
            unsubscribe()
    return out, error, steps


def _act(
    service: ComprehendService, kind: ResourceKind, arn: str, action: str
) -> tuple[dict[str, Any] | None, str | None]:
    """Take ``action`` through ``kind``'s own operations; return (result, error code), the code being
    'refused' for a refused event."""
    try:
        if action == "create":
            return kind.call(service, "create", **_request(kind)), None
        if action in ("stop", "delete"):
            return kind.call(service, action, arn), None
        service.fire(arn, action)
        return None, None
    except ServiceError as err:
        return None, released(err).code
    except InvalidTransitionError as err:
        released(err)
        return None, "refused"


class _Search:
    """One breadth-first search: one policy, one table, one kind of resource, and the ``scenarios``
    asked for, all in one search. The scenarios differ only in how many resources may be created under
    the name, and a step never lowers that count, so a smaller scenario's configurations and steps are
    exactly those of the largest whose count stays within it, met in the same breadth-first order with
    the same traces: each step is credited to every scenario it belongs to, instead of searching each
    scenario again."""

    def __init__(
        self,
        policy: Policy,
        scenarios: Sequence[str],
        edges: tuple[Edge, ...],
        kind: ResourceKind = CLASSIFIER,
    ) -> None:
        if not scenarios:
            raise ValueError(f"no scenario to search; scenarios: {', '.join(SCENARIOS)}")
        for scenario in scenarios:
            if scenario not in SCENARIOS:
                raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
        self.policy = policy
        self.kind = kind
        # Each scenario's result by the creates it allows.
        self.results = {
            SCENARIOS[s]: PolicyResult(scenario=s, policy=policy, kind=kind.name) for s in scenarios
        }
        self.max_creates = max(self.results)
        root = ComprehendService(clock=ManualClock(), policy=policy, lifecycle=edges)
        self.arn = f"arn:aws:comprehend:{root.region}:{root.account_id}:{kind.name}/{_NAME}"
        start: _Key = (0, None, (), False, False)
        # Each configuration found: a service in it, and the shortest trace that reaches it.
        self.found: dict[_Key, tuple[ComprehendService, tuple[str, ...]]] = {start: (root, ())}
        self.service_moves: dict[_Key, set[_Key]] = {start: set()}
        self.queue = deque([start])
        self.reported: dict[int, set[str]] = {creates: set() for creates in self.results}

    def within(self, creates: int) -> list[PolicyResult]:
        """The results of the scenarios that allow ``creates`` resources under the name."""
        return [result for allowed, result in self.results.items() if allowed >= creates]

    def report(self, prop: str, trace: tuple[str, ...], detail: str, results: list[PolicyResult]) -> None:
        for result in results:
            reported = self.reported[SCENARIOS[result.scenario]]
            if prop not in reported:  # breadth-first: the first trace found is a shortest one
                reported.add(prop)
                result.violations.append(
                    Violation(prop, result.scenario, self.policy.changes(), trace, detail, self.kind.name)
                )

    def run(self) -> list[PolicyResult]:
        while self.queue:
            self.expand(self.queue.popleft())
        for result in self.results.values():
            allowed = SCENARIOS[result.scenario]
            result.states = sum(1 for key in self.found if key[0] <= allowed)
        self.check_progress()
        return list(self.results.values())

    def expand(self, key: _Key) -> None:
        service, trace = self.found[key]
        before = _describe(service, self.arn)
        scratch: ComprehendService | None = None  # a copy that refused steps have left unchanged
        for action in (*_API_ACTIONS, *SERVICE_TRIGGERS):
            if action == "create" and before is None and key[0] >= self.max_creates:
                continue
            if action in SERVICE_TRIGGERS and not _can_happen(service, self.arn, action):
                continue
            branch = scratch if scratch is not None else service.fork()
            next_key, step, unchanged = self.step(key, trace, branch, before, action)
            scratch = None
            if unchanged:
                scratch = branch  # reuse it for the next action instead of copying again
            elif next_key not in self.found:
                self.found[next_key] = (branch, step)
                self.service_moves[next_key] = set()
                self.queue.append(next_key)

    def step(
        self,
        key: _Key,
        trace: tuple[str, ...],
        branch: ComprehendService,
        before: dict[str, Any] | None,
        action: str,
    ) -> tuple[_Key, tuple[str, ...], bool]:
        """Take ``action`` on ``branch`` one second later and judge it; return the configuration
        reached, the trace to it, and whether the step failed and left everything as it was."""
        creates, _, _, trained, stop_seen = key
        # The scenarios the step belongs to: those that allow the creates it needs.
        results = self.within(creates + (action == "create" and before is None))
        branch.clock.advance(1)  # type: ignore[attr-defined]
        out, error, steps = _watched(branch, self.kind, self.arn, action)
        after = _describe(branch, self.arn)
        for result in results:
            result.steps += 1
        step = (*trace, _label(action, error))
        # The checker's creates all carry one token and one request, so a create that meets an
        # existing resource repeats the request that made it.
        reuse = "same" if action == "create" and before is not None else None
        for prop, detail in check_step(
            action,
            before,
            after,
            result=out,
            error=None if error == "refused" else error,
            policy=self.policy,
            token_reuse=reuse,
        ):
            self.report(prop, step, detail, results)
        for result in results:
            result.taken.update(steps)
            if after is not None:
                result.statuses.add(after["Status"])
        if after is None:
            trained = stop_seen = False
        else:
            trained = trained or is_training(after["Status"])
            stop_seen = stop_seen or any(trigger == "stop" and dest for trigger, _, dest in steps)
            for prop, detail in check_properties(
                after,
                billed_seconds=branch.billed_training_seconds(self.arn),
                trained=trained,
                policy=self.policy,
            ):
                self.report(prop, step, detail, results)
        next_key: _Key = (
            creates + (action == "create" and error is None and before is None),
            after["Status"] if after is not None else None,
            tuple(k for k in _TIME_KEYS if after is not None and k in after),
            trained,
            stop_seen,
        )
        if action in SERVICE_TRIGGERS and error is None:
            self.service_moves[key].add(next_key)
        return next_key, step, next_key == key and error is not None and after == before

    def check_progress(self) -> None:
        """Liveness: from each configuration the service's own events reach a finished or deleted one."""
        found = self.found
        into: dict[_Key, set[_Key]] = {k: set() for k in found}
        for source, targets in self.service_moves.items():
            for target in targets:
                into[target].add(source)
        live = {k for k in found if k[1] is None or k[1] in FINISHED}
        frontier = deque(live)
        while frontier:  # backward from the finished configurations
            for source in into[frontier.popleft()]:
                if source not in live:
                    live.add(source)
                    frontier.append(source)
        # Dict order is breadth-first order; each scenario reports its first trap.
        for trap in (k for k in found if k not in live):
            detail = f"a {trap[1]} job can never finish by itself"
            self.report(NO_TRAPS, found[trap][1], detail, self.within(trap[0]))


def explore(
    policy: Policy = DEFAULT_POLICY,
    scenario: str = "one_job",
    edges: tuple[Edge, ...] = EDGES,
    kind: str = CLASSIFIER.name,
) -> PolicyResult:
    """Search every configuration of ``scenario`` reachable under ``policy`` and the table ``edges``, for
    resources of ``kind`` (named as in their ARNs)."""
    return _Search(policy, (scenario,), edges, kind_named(kind)).run()[0]


@dataclass(frozen=True, slots=True)
class Replay:
    """A trace taken through the model step by step: the service it left (``service.path(arn)``,
    ``service.status(arn)``, ``service.can_fire(arn, trigger)``), the resource's ARN, and the safety
    violations the steps showed, each with the prefix of the trace that shows it."""

    service: ComprehendService
    arn: str
    violations: list[Violation]


def replay(
    trace: Sequence[str],
    policy: Policy = DEFAULT_POLICY,
    scenario: str = "one_job",
    edges: tuple[Edge, ...] = EDGES,
    kind: str = CLASSIFIER.name,
) -> Replay:
    """Take the actions of ``trace`` (``create``, ``stop``, ``delete`` or a service trigger) one after
    another and judge each step as :func:`explore` does. This is how a counterexample, ours or another
    checker's (a SPIN trail), is replayed through the model.

    >>> found = replay(["create", "stop", "finish_stop"])
    >>> [str(s) for s in found.service.path(found.arn)], found.violations
    (['SUBMITTED', 'STOP_REQUESTED', 'STOPPED'], [])
    """
    search = _Search(policy, (scenario,), edges, kind_named(kind))
    key: _Key = (0, None, (), False, False)
    service = search.found[key][0]
    done: tuple[str, ...] = ()
    for action in trace:
        search.service_moves.setdefault(key, set())
        key, done, _ = search.step(key, done, service, _describe(service, search.arn), action)
    return Replay(service, search.arn, search.results[SCENARIOS[scenario]].violations)


def _explore_many(
    tasks: Sequence[tuple[Policy, str]], edges: tuple[Edge, ...], scenarios: Sequence[str]
) -> list[PolicyResult]:
    return [
        result
        for policy, kind in tasks
        for result in _Search(policy, scenarios, edges, kind_named(kind)).run()
    ]


def check(
    policies: Iterable[Policy] | None = None,
    *,
    edges: tuple[Edge, ...] = EDGES,
    scenarios: Sequence[str] = tuple(SCENARIOS),
    kinds: Sequence[str] = tuple(KINDS),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """What :func:`explore` finds in every scenario, for every kind of resource (named as in their
    ARNs), under every policy (all combinations by default). One search per policy and kind serves
    every scenario.

    ``workers`` processes share the searches (default: one per core; 1 searches in this process).
    ``progress(done, total)`` is called as searches finish. The report is the same whatever the
    number of workers.
    """
    for scenario in scenarios:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
    if not scenarios or not kinds:
        raise ValueError(
            f"check needs at least one scenario ({', '.join(SCENARIOS)}) and one kind ({', '.join(KINDS)})"
        )
    for kind in kinds:
        kind_named(kind)
    started = time.perf_counter()
    chosen = Policy.combinations() if policies is None else policies
    tasks = [(policy, kind) for policy in chosen for kind in kinds]
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    chunks = [tasks[i : i + _CHUNK] for i in range(0, len(tasks), _CHUNK)]
    results: list[PolicyResult] = []
    if progress is not None:
        progress(0, len(tasks))  # at once: the first searches take a while to come back
    if workers == 1 or len(chunks) == 1:
        parts: Iterable[list[PolicyResult]] = (_explore_many(chunk, edges, scenarios) for chunk in chunks)
        for done, part in enumerate(parts, start=1):
            results += part
            if progress is not None:
                progress(min(done * _CHUNK, len(tasks)), len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            many = pool.map(_explore_many, chunks, [edges] * len(chunks), [scenarios] * len(chunks))
            for done, part in enumerate(many, start=1):
                results += part
                if progress is not None:
                    progress(min(done * _CHUNK, len(tasks)), len(tasks))
    return CheckReport(results=results, edges=edges, seconds=time.perf_counter() - started)
