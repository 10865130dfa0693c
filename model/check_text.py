"""Exhaustive checking of the jobs that process text: every configuration a client can observe, under
every :class:`~stoprace.model.policy.JobPolicy`, for each kind.

Breadth-first search from an account with no job: a start (always the same request and client token, so
a second start repeats the first), a stop, and every service event that can happen, from every
configuration reached, through the kind's own operations on a real :class:`ComprehendService` or
:class:`TranslateService`. Every step is judged by :mod:`stoprace.model.text_invariants` (written from the
evidence, not from the table), and one liveness property holds: from every configuration the service's
own events reach a finished job (no trap). The report says which rows of the kind's table were taken
and whether a lost race (``STOP_REQUESTED`` to a completion) is reachable.

>>> report = check_text([JobPolicy()], kinds=["sentiment-detection-job"])
>>> report.ok, report.race_lost_reachable, report.results[0].states
(True, True, 13)
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .analysis import JOB_FINISHED, JOB_RACE_LOST_STEPS, JOB_STOP_REQUEST_STEP, edges_for
from .analysis_kinds import TEXT_KINDS, TextKind, text_kind_named
from .clock import ManualClock
from .errors import InvalidTransitionError, ServiceError, released
from .lifecycle import Actor, Edge
from .policy import JobPolicy
from .service import ComprehendService, ServiceCore, TranslateService
from .text_invariants import JOB_INVARIANTS, check_job_properties, check_job_step

__all__ = ["NO_TRAPS", "TextCheckReport", "TextResult", "check_text"]

NO_TRAPS = "from every configuration the service's own events reach a finished job"
_FINISHED = frozenset(s.value for s in JOB_FINISHED)
# What the search tells apart: whether the job exists, its status, EndTime reported, ever IN_PROGRESS,
# a stop ever accepted.
_Key = tuple[bool, str | None, bool, bool, bool]


@dataclass
class TextResult:
    """One search: one policy, one kind."""

    policy: JobPolicy
    kind: str
    states: int = 0
    steps: int = 0
    taken: set[tuple[str, str, str | None]] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    violations: list[tuple[str, tuple[str, ...], str]] = field(
        default_factory=list
    )  # property, trace, detail


def _service(kind: TextKind, policy: JobPolicy, edges: tuple[Edge, ...]) -> ServiceCore:
    cls = TranslateService if kind.service == "translate" else ComprehendService
    return cls(clock=ManualClock(), job_policy=policy, job_lifecycle=edges)


def _request(kind: TextKind) -> dict[str, Any]:
    return {
        **kind.example_request("checked", "arn:aws:iam::123456789012:role/checker"),
        kind.token_member: "tok",
    }


class _Search:
    def __init__(self, policy: JobPolicy, kind: TextKind, edges: tuple[Edge, ...] | None = None) -> None:
        self.policy, self.kind, self.result = policy, kind, TextResult(policy, kind.name)
        self.edges = edges_for(kind.statuses) if edges is None else edges
        self.triggers = tuple(dict.fromkeys(e.trigger for e in self.edges if e.actor is Actor.SERVICE))
        start: _Key = (False, None, False, False, False)
        self.found: dict[_Key, tuple[ServiceCore, str | None, tuple[str, ...]]] = {
            start: (_service(kind, policy, self.edges), None, ())
        }
        self.moves: dict[_Key, set[_Key]] = {start: set()}
        self.queue = deque([start])
        self.reported: set[str] = set()

    def run(self) -> TextResult:
        while self.queue:
            self.expand(self.queue.popleft())
        self.result.states = len(self.found)
        self.liveness()
        return self.result

    def report(self, prop: str, trace: tuple[str, ...], detail: str) -> None:
        if prop not in self.reported:  # breadth-first: the first trace found is a shortest one
            self.reported.add(prop)
            self.result.violations.append((prop, trace, detail))

    def expand(self, key: _Key) -> None:
        service, job_id, trace = self.found[key]
        for action in ("create", "stop", *self.triggers):
            if action != "create" and job_id is None:
                continue
            if action in self.triggers and not service.can_fire(job_id, action):  # type: ignore[arg-type]
                continue
            branch = service.fork()
            next_key, next_id, step = self.step(key, branch, job_id, trace, action)
            if action in self.triggers:
                self.moves[key].add(next_key)
            if next_key not in self.found:
                self.found[next_key] = (branch, next_id, step)
                self.moves[next_key] = set()
                self.queue.append(next_key)

    def step(
        self, key: _Key, branch: ServiceCore, job_id: str | None, trace: tuple[str, ...], action: str
    ) -> tuple[_Key, str | None, tuple[str, ...]]:
        kind, result = self.kind, self.result
        exists, _, _, started, stop_seen = key
        before = kind.call(branch, "describe", job_id)[kind.properties] if job_id else None
        branch.clock.advance(1)  # type: ignore[attr-defined]
        answer, error = None, None
        try:
            if action == "create":
                answer = kind.call(branch, "create", **_request(kind))
                job_id = job_id or answer["JobId"]  # the search follows the first job
            elif action == "stop":
                answer = kind.call(branch, "stop", job_id)
            else:
                branch.fire(job_id, action)  # type: ignore[arg-type]
        except ServiceError as err:
            error = released(err).code
        except InvalidTransitionError as err:
            released(err)
            error = "refused"
        after = kind.call(branch, "describe", job_id)[kind.properties] if job_id else None
        result.steps += 1
        step = (*trace, action if error is None else f"{action} -> {error}")
        for prop, detail in check_job_step(
            action,
            before,
            after,
            answer=answer,
            error=error,
            started=started,
            repeated=exists,
            policy=self.policy,
        ):
            self.report(prop, step, detail)
        if after is not None:
            for prop, detail in check_job_properties(after, kind.statuses):
                self.report(prop, step, detail)
            was, now = (before or {}).get("JobStatus"), after["JobStatus"]
            result.statuses.add(now)
            if error is None and was is not None:
                result.taken.add((action, was, now if now != was else None))
        now = after["JobStatus"] if after is not None else None
        next_key: _Key = (
            after is not None,
            now,
            after is not None and "EndTime" in after,
            started or now == JOB_STOP_REQUEST_STEP[0],  # the job has been processing
            stop_seen or (action == "stop" and error is None),
        )
        return next_key, job_id, step

    def liveness(self) -> None:
        into: dict[_Key, set[_Key]] = {k: set() for k in self.found}
        for source, targets in self.moves.items():
            for target in targets:
                into[target].add(source)
        live = {k for k in self.found if not k[0] or k[1] in _FINISHED}
        frontier = deque(live)
        while frontier:
            for source in into[frontier.popleft()]:
                if source not in live:
                    live.add(source)
                    frontier.append(source)
        for trap in (k for k in self.found if k not in live):
            self.report(NO_TRAPS, self.found[trap][2], f"a {trap[1]} job can never finish by itself")


@dataclass
class TextCheckReport:
    """Every search: policies x kinds."""

    results: list[TextResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return not any(r.violations for r in self.results)

    @property
    def race_lost_reachable(self) -> bool:
        return any((was, now) in JOB_RACE_LOST_STEPS for r in self.results for _, was, now in r.taken)

    def dead_rows(self, kind: str) -> list[Edge]:
        """Rows of ``kind``'s table no search took (no-ops count as taken when a stop changed nothing)."""
        taken = {t for r in self.results if r.kind == kind for t in r.taken}
        return [
            e
            for e in edges_for(text_kind_named(kind).statuses)
            if not any((e.trigger, s, e.dest if e.dest != s else None) in taken for s in e.source)
        ]

    def as_dict(self) -> dict[str, Any]:
        kinds = sorted({r.kind for r in self.results})
        return {
            "ok": self.ok,
            "searches": len(self.results),
            "states": sum(r.states for r in self.results),
            "steps": sum(r.steps for r in self.results),
            "race_lost_reachable": self.race_lost_reachable,
            "dead_rows": {
                k: [f"{e.trigger} {','.join(e.source)} -> {e.dest}" for e in self.dead_rows(k)] for k in kinds
            },
            "violations": [
                {"property": p, "kind": r.kind, "policy": r.policy.changes(), "trace": list(t), "detail": d}
                for r in self.results
                for p, t, d in r.violations
            ],
            "seconds": round(self.seconds, 3),
        }

    def as_text(self) -> str:
        facts = self.as_dict()
        lines = [
            f"{facts['searches']} searches (policies x kinds), {facts['states']} configurations, "
            f"{facts['steps']} steps in {facts['seconds']:.1f} s",
            "a lost race (STOP_REQUESTED -> COMPLETED) is reachable: "
            + ("yes" if facts["race_lost_reachable"] else "no"),
        ]
        for kind, dead in facts["dead_rows"].items():
            lines.append(f"{kind}: dead rows (no policy searched takes them): {', '.join(dead) or 'none'}")
        if self.ok:
            lines.append(f"every property holds ({len(JOB_INVARIANTS)} safety properties and no traps)")
        shown: set[str] = set()
        for v in facts["violations"]:  # the first (shortest) trace of each property
            if v["property"] in shown:
                continue
            shown.add(v["property"])
            lines.append(
                f"VIOLATED {v['property']} ({v['kind']}, {v['policy'] or 'default policy'}): {v['detail']}"
            )
            lines.append("  trace: " + " > ".join(v["trace"]))
        return "\n".join(lines)


def check_text(
    policies: Iterable[JobPolicy] | None = None,
    *,
    kinds: Sequence[str] = tuple(TEXT_KINDS),
    edges: tuple[Edge, ...] | None = None,
) -> TextCheckReport:
    """Search every kind of ``kinds`` under every policy of ``policies`` (all combinations by default), each
    kind by its own part of the table (or by ``edges``: a broken table in a test of the checker)."""
    if not kinds:
        raise ValueError(f"check needs at least one kind ({', '.join(TEXT_KINDS)})")
    chosen = [text_kind_named(k) for k in kinds]
    started = time.perf_counter()
    results = [
        _Search(policy, kind, edges).run()
        for policy in (JobPolicy.combinations() if policies is None else policies)
        for kind in chosen
    ]
    return TextCheckReport(results, time.perf_counter() - started)
