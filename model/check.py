"""Exhaustive checking: every reachable configuration of the service, under every policy.

Breadth-first search over what a client can observe, driving a real :class:`ComprehendService` with
every API call and every service event from every configuration reached, in two scenarios:

- ``one_job``: one classifier, under all interleavings of API calls and service events;
- ``name_reuse``: two classifiers sharing a name and version, one after the other (create, delete,
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
from .errors import InvalidTransitionError, ServiceError
from .findings import NO_TRAPS, CheckReport, PolicyResult, Violation
from .invariants import check_properties, check_step, is_training
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
_REQUEST = {
    "DocumentClassifierName": _NAME,
    "DataAccessRoleArn": "arn:aws:iam::123456789012:role/checker",
    "InputDataConfig": {"S3Uri": "s3://checker-bucket/train.csv"},
    "LanguageCode": "en",
    "ClientRequestToken": "checker-token",
}
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


def _watched(
    service: ComprehendService, arn: str, action: str
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
        out, error = _act(service, arn, action)
    finally:
        for unsubscribe in observers:
            unsubscribe()
    return out, error, steps


def _act(service: ComprehendService, arn: str, action: str) -> tuple[dict[str, Any] | None, str | None]:
    """Take ``action``; return (result, error code), the code being 'refused' for a refused event."""
    try:
        if action == "create":
            return service.create_document_classifier(**_REQUEST), None
        if action == "stop":
            return service.stop_training_document_classifier(DocumentClassifierArn=arn), None
        if action == "delete":
            return service.delete_document_classifier(DocumentClassifierArn=arn), None
        service.fire(arn, action)
        return None, None
    except ServiceError as err:
        return None, err.code
    except InvalidTransitionError:
        return None, "refused"


class _Search:
    """One breadth-first search: one scenario, one policy, one table."""

    def __init__(self, policy: Policy, scenario: str, edges: tuple[Edge, ...]) -> None:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
        self.policy = policy
        self.max_creates = SCENARIOS[scenario]
        self.result = PolicyResult(scenario=scenario, policy=policy)
        root = ComprehendService(clock=ManualClock(), policy=policy, lifecycle=edges)
        self.arn = f"arn:aws:comprehend:{root.region}:{root.account_id}:document-classifier/{_NAME}"
        start: _Key = (0, None, (), False, False)
        # Each configuration found: a service in it, and the shortest trace that reaches it.
        self.found: dict[_Key, tuple[ComprehendService, tuple[str, ...]]] = {start: (root, ())}
        self.service_moves: dict[_Key, set[_Key]] = {start: set()}
        self.queue = deque([start])
        self.reported: set[str] = set()

    def report(self, prop: str, trace: tuple[str, ...], detail: str) -> None:
        if prop not in self.reported:  # breadth-first: the first trace found is a shortest one
            self.reported.add(prop)
            self.result.violations.append(
                Violation(prop, self.result.scenario, self.policy.changes(), trace, detail)
            )

    def run(self) -> PolicyResult:
        while self.queue:
            self.expand(self.queue.popleft())
        self.result.states = len(self.found)
        self.check_progress()
        return self.result

    def expand(self, key: _Key) -> None:
        service, trace = self.found[key]
        before = _describe(service, self.arn)
        scratch: ComprehendService | None = None  # a copy that refused steps have left unchanged
        for action in (*_API_ACTIONS, *SERVICE_TRIGGERS):
            if action == "create" and before is None and key[0] >= self.max_creates:
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
        branch.clock.advance(1)  # type: ignore[attr-defined]
        out, error, steps = _watched(branch, self.arn, action)
        after = _describe(branch, self.arn)
        self.result.steps += 1
        if error is None:
            label = action
        else:
            label = f"{action} (refused)" if error == "refused" else f"{action} -> {error}"
        step = (*trace, label)
        # The checker's creates all carry one token and one request, so a create that meets an
        # existing classifier repeats the request that made it.
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
            self.report(prop, step, detail)
        self.result.taken.update(steps)
        if after is None:
            trained = stop_seen = False
        else:
            self.result.statuses.add(after["Status"])
            trained = trained or is_training(after["Status"])
            stop_seen = stop_seen or any(trigger == "stop" and dest for trigger, _, dest in steps)
            for prop, detail in check_properties(
                after,
                billed_seconds=branch.billed_training_seconds(self.arn),
                trained=trained,
                policy=self.policy,
            ):
                self.report(prop, step, detail)
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
        traps = [k for k in found if k not in live]  # dict order is breadth-first order
        if traps:
            self.report(NO_TRAPS, found[traps[0]][1], f"a {traps[0][1]} job can never finish by itself")


def explore(
    policy: Policy = DEFAULT_POLICY,
    scenario: str = "one_job",
    edges: tuple[Edge, ...] = EDGES,
) -> PolicyResult:
    """Search every configuration of ``scenario`` reachable under ``policy`` and the table ``edges``."""
    return _Search(policy, scenario, edges).run()


@dataclass(frozen=True, slots=True)
class Replay:
    """A trace taken through the model step by step: the service it left (``service.path(arn)``,
    ``service.status(arn)``, ``service.can_fire(arn, trigger)``), the classifier's ARN, and the safety
    violations the steps showed, each with the prefix of the trace that shows it."""

    service: ComprehendService
    arn: str
    violations: list[Violation]


def replay(
    trace: Sequence[str],
    policy: Policy = DEFAULT_POLICY,
    scenario: str = "one_job",
    edges: tuple[Edge, ...] = EDGES,
) -> Replay:
    """Take the actions of ``trace`` (``create``, ``stop``, ``delete`` or a service trigger) one after
    another and judge each step as :func:`explore` does. This is how a counterexample, ours or another
    checker's (a SPIN trail), is replayed through the model.

    >>> found = replay(["create", "stop", "finish_stop"])
    >>> [str(s) for s in found.service.path(found.arn)], found.violations
    (['SUBMITTED', 'STOP_REQUESTED', 'STOPPED'], [])
    """
    search = _Search(policy, scenario, edges)
    key: _Key = (0, None, (), False, False)
    service = search.found[key][0]
    done: tuple[str, ...] = ()
    for action in trace:
        search.service_moves.setdefault(key, set())
        key, done, _ = search.step(key, done, service, _describe(service, search.arn), action)
    return Replay(service, search.arn, search.result.violations)


def _explore_many(tasks: Sequence[tuple[Policy, str]], edges: tuple[Edge, ...]) -> list[PolicyResult]:
    return [explore(policy, scenario, edges) for policy, scenario in tasks]


def check(
    policies: Iterable[Policy] | None = None,
    *,
    edges: tuple[Edge, ...] = EDGES,
    scenarios: Sequence[str] = tuple(SCENARIOS),
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckReport:
    """Run :func:`explore` for every scenario under every policy (all combinations by default).

    ``workers`` processes share the searches (default: one per core; 1 searches in this process).
    ``progress(done, total)`` is called as searches finish. The report is the same whatever the
    number of workers.
    """
    for scenario in scenarios:
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
    started = time.perf_counter()
    tasks = [
        (policy, scenario)
        for policy in (Policy.combinations() if policies is None else policies)
        for scenario in scenarios
    ]
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    chunks = [tasks[i : i + _CHUNK] for i in range(0, len(tasks), _CHUNK)]
    results: list[PolicyResult] = []
    if progress is not None:
        progress(0, len(tasks))  # at once: the first searches take a while to come back
    if workers == 1 or len(chunks) == 1:
        for chunk in chunks:
            results += _explore_many(chunk, edges)
            if progress is not None:
                progress(len(results), len(tasks))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            for part in pool.map(_explore_many, chunks, [edges] * len(chunks)):
                results += part
                if progress is not None:
                    progress(len(results), len(tasks))
    return CheckReport(results=results, edges=edges, seconds=time.perf_counter() - started)
