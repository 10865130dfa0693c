"""What the exhaustive checker found: a violation with its shortest trace, one search's result, and the
whole report (reachability, dead rows, the text ``stoprace check`` prints and its JSON)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .invariants import STOPPED_TO_TRAINED
from .kinds import CLASSIFIER
from .lifecycle import RACE_LOST_STEPS, Edge
from .policy import DEFAULT_POLICY, Policy
from .statuses import Status

__all__ = ["NO_TRAPS", "CheckReport", "PolicyResult", "Violation"]

#: The liveness property the checker adds to the invariants.
NO_TRAPS = "no trap states: service progress alone reaches a finished or deleted job"


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken property, with a shortest trace of steps that breaks it."""

    property: str
    scenario: str
    policy: dict[str, str]
    trace: tuple[str, ...]
    detail: str
    kind: str = CLASSIFIER.name  # the resource's, as in its ARN

    def __str__(self) -> str:
        steps = "\n".join(f"  {i}. {step}" for i, step in enumerate(self.trace, start=1))
        policy = ", ".join(f"{k}={v}" for k, v in self.policy.items()) or "default policy"
        return f"{self.property} ({self.kind}, {self.scenario}, {policy}): {self.detail}\n{steps}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "property": self.property,
            "kind": self.kind,
            "scenario": self.scenario,
            "policy": self.policy,
            "trace": list(self.trace),
            "detail": self.detail,
        }


@dataclass(slots=True)
class PolicyResult:
    """What one scenario's search found under one policy, for one kind of resource."""

    scenario: str
    policy: Policy
    kind: str = CLASSIFIER.name
    states: int = 0
    steps: int = 0
    statuses: set[str] = field(default_factory=set)
    taken: set[tuple[str, str, str | None]] = field(default_factory=set)
    violations: list[Violation] = field(default_factory=list)


@dataclass(slots=True)
class CheckReport:
    """The whole check: every scenario under every policy asked for."""

    results: list[PolicyResult]
    edges: tuple[Edge, ...]
    seconds: float

    def as_text(self) -> str:
        """The report as ``stoprace check`` prints it: the facts, dead rows, and the shortest
        counterexample of each broken property."""
        facts = self.as_dict()
        lines = [
            f"checked {facts['policies']} policies x {len(facts['scenarios'])} scenarios "
            f"({', '.join(facts['scenarios'])}) x {len(facts['kinds'])} kinds ({', '.join(facts['kinds'])}): "
            f"{facts['states']} configurations, {facts['steps']} steps, {facts['seconds']:.1f} s",
        ]
        sections = [("default policy", facts["default_policy"])]
        if facts["policies"] > 1:
            sections.append(("all policies searched", facts["all_policies"]))
        yes = {True: "yes", False: "no"}
        for title, summary in sections:
            if summary is None:
                continue
            lines += [
                f"{title}:",
                f"  reachable statuses: {', '.join(summary['reachable_statuses'])}",
                "  STOP_REQUESTED -> TRAINED (the lost race) reachable: "
                f"{yes[summary['race_lost_reachable']]}",
                f"  STOPPED -> TRAINED reachable: {yes[summary['stopped_to_trained_reachable']]}",
                f"  trap states: {summary['trap_states']}",
            ]
        dead = self.dead_rows
        lines.append(f"dead rows (no policy searched takes them): {len(dead) or 'none'}")
        lines += [f"  {e.trigger}: {', '.join(e.source)} -> {e.dest or '(no change)'}" for e in dead]
        violations = self.violations
        if violations:
            lines.append(f"VIOLATIONS: {len(violations)}; the shortest of each property:")
            seen: set[str] = set()
            for v in violations:
                if v.property not in seen:
                    seen.add(v.property)
                    lines.append(str(v))
        else:
            lines.append("every property holds")
        return "\n".join(lines)

    @property
    def violations(self) -> list[Violation]:
        """Every violation found, shortest first."""
        return sorted((v for r in self.results for v in r.violations), key=lambda v: len(v.trace))

    @property
    def ok(self) -> bool:
        return not any(r.violations for r in self.results)

    @property
    def reachable_statuses(self) -> set[str]:
        return _statuses(self.results)

    @property
    def taken(self) -> set[tuple[str, str, str | None]]:
        """Every (trigger, from, to) step observed; ``to`` is None for an accepted no-op."""
        return _taken(self.results)

    def reachable(self, source: str, dest: str | None, policy: Policy | None = None) -> bool:
        """Whether a job went from ``source`` to ``dest`` in one step (under ``policy``, or any)."""
        results = [r for r in self.results if policy is None or r.policy == policy]
        return any(s == source and d == dest for _, s, d in _taken(results))

    @property
    def dead_rows(self) -> list[Edge]:
        """Rows of the table that no policy's search ever took."""
        taken = self.taken
        return [e for e in self.edges if not any((e.trigger, s, e.dest) in taken for s in e.source)]

    def summary(self, policy: Policy | None = None) -> dict[str, Any]:
        """Reachability facts under ``policy``, or across every policy searched."""
        results = [r for r in self.results if policy is None or r.policy == policy]
        statuses = _statuses(results)
        return {
            "searches": len(results),
            "reachable_statuses": [s.value for s in Status if s.value in statuses],
            "race_lost_reachable": any(self.reachable(*step, policy) for step in sorted(RACE_LOST_STEPS)),
            "stopped_to_trained_reachable": self.reachable(*STOPPED_TO_TRAINED, policy),
            "trap_states": sum(1 for r in results for v in r.violations if v.property == NO_TRAPS),
            "violations": sum(len(r.violations) for r in results),
        }

    def as_dict(self) -> dict[str, Any]:
        default = DEFAULT_POLICY
        searched_default = any(r.policy == default for r in self.results)
        return {
            "ok": self.ok,
            "policies": len({r.policy for r in self.results}),
            "scenarios": sorted({r.scenario for r in self.results}),
            "kinds": sorted({r.kind for r in self.results}),
            "states": sum(r.states for r in self.results),
            "steps": sum(r.steps for r in self.results),
            "seconds": round(self.seconds, 3),
            "default_policy": self.summary(default) if searched_default else None,
            "all_policies": self.summary(),
            "taken": [list(t) for t in sorted(self.taken, key=lambda t: (t[0], t[1], t[2] or ""))],
            "dead_rows": [e.as_dict() for e in self.dead_rows],
            "violations": [v.as_dict() for v in self.violations],
        }


def _statuses(results: Iterable[PolicyResult]) -> set[str]:
    return set().union(*(r.statuses for r in results))


def _taken(results: Iterable[PolicyResult]) -> set[tuple[str, str, str | None]]:
    return set().union(*(r.taken for r in results))
