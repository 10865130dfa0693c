"""Run an audit: every row's jobs through one engine, tallied as verdicts against final statuses."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from stoprace.model.statuses import FINISHED, WITH_MODEL
from stoprace.sim.scenario import Progress
from stoprace.sim.stats import wilson_interval

from .exact import Exact
from .jobs import AuditScenario, draw_audit
from .poller import CallablePoller, Poller, PollerError, status_states
from .vector import verdicts_batch
from .verdicts import JobVerdicts, misreports

__all__ = ["ENGINES", "MISREPORTS", "AuditResult", "AuditRow", "audit"]

#: The engines: numpy (fast) and the poller's own code through the bridge (the reference).
ENGINES = ("vector", "exact")
#: The misreports, by the names the output uses.
MISREPORTS = ("false_failure", "false_success", "gave_up_early", "premature")


@dataclass
class AuditRow:
    """One stop time's tallies (``stop_at`` None: nobody stopped the jobs)."""

    stop_at: float | None
    jobs: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)
    causes: dict[str, Counter[str]] = field(default_factory=lambda: {m: Counter() for m in MISREPORTS})
    billed_false_failure: float = 0.0  # seconds of training of the models reported as failed
    polls: int = 0
    lag_sum: float = 0.0
    lag_jobs: int = 0
    spans: list[npt.NDArray[np.float64]] = field(default_factory=list)  # end - first poll, per job
    kept: list[JobVerdicts] = field(default_factory=list)
    #: The final statuses of a job whose work was all done (a model; all documents), and every final one.
    done: tuple[str, ...] = tuple(sorted(s.value for s in WITH_MODEL))
    finished: tuple[str, ...] = tuple(sorted(s.value for s in FINISHED))

    def add(self, batch: JobVerdicts, first: npt.NDArray[np.float64], keep: bool) -> None:
        self.jobs += len(batch)
        self.polls += int(batch.polls.sum())
        self.outcomes.update(zip(batch.verdict, batch.final, strict=True))
        seen = np.asarray(batch.seen, dtype=object)
        flags = misreports(batch.verdict, batch.seen, batch.final, self.done, self.finished)
        for name, happened in flags.items():
            self.counts[name] += int(happened.sum())
            self.causes[name].update(seen[happened].tolist())
        self.billed_false_failure += float(batch.billed[flags["false_failure"]].sum())
        after = np.array([v != "timeout" for v in batch.verdict]) & (batch.at >= batch.end)
        self.lag_sum += float((batch.at - batch.end)[after].sum())
        self.lag_jobs += int(after.sum())
        self.spans.append(batch.end - first)
        if keep:
            self.kept.append(batch)

    def share(self, name: str) -> float:
        return self.counts[name] / self.jobs

    def interval(self, name: str, confidence: float) -> tuple[float, float]:
        return wilson_interval(self.counts[name], self.jobs, confidence)

    def span_quantile(self, q: float) -> float:
        """The ``q`` quantile of the time from the first poll to the job's end."""
        return float(np.quantile(np.concatenate(self.spans), q))

    def as_dict(self) -> dict[str, Any]:
        outcomes: dict[str, dict[str, int]] = {}
        for (verdict, final), n in sorted(self.outcomes.items()):
            outcomes.setdefault(verdict, {})[final] = n
        return {
            "stop_at": self.stop_at,
            "jobs": self.jobs,
            "outcomes": outcomes,
            **{f"p_{name}": self.share(name) for name in MISREPORTS},
            "ci95": {name: list(self.interval(name, 0.95)) for name in MISREPORTS},
            "ci999": {name: list(self.interval(name, 0.999)) for name in MISREPORTS},
            "mean_polls": self.polls / self.jobs,
            "mean_lag_seconds": self.lag_sum / self.lag_jobs if self.lag_jobs else None,
        }


@dataclass
class AuditResult:
    scenario: AuditScenario
    poller: Poller | CallablePoller
    engine: str
    rows: list[AuditRow]


def audit(
    scenario: AuditScenario,
    poller: Poller | CallablePoller,
    engine: str = "vector",
    progress: Progress | None = None,
    keep_jobs: bool = False,
) -> AuditResult:
    """Audit ``poller`` on every row of ``scenario`` with ``engine`` (the same jobs on both)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if engine == "vector" and isinstance(poller, CallablePoller):
        raise PollerError(
            "a Python callable runs only in the exact engine: drop --engine vector (for --client the "
            "exact engine is the default)"
        )
    policy = scenario.race.policy
    exact = Exact(poller, policy) if engine == "exact" else None
    states = status_states(poller) if isinstance(poller, Poller) else {}
    total, done = scenario.race.replications * len(scenario.stop_times), 0
    rows = []
    for index, stop in enumerate(scenario.stop_times):
        row = AuditRow(stop)
        for inputs, first in draw_audit(scenario, index):
            if exact is not None:
                each = (lambda k, base=done: progress(base + k, total)) if progress is not None else None
                batch = exact.batch(inputs, first, each)
            else:
                assert isinstance(poller, Poller)
                batch = verdicts_batch(
                    policy, inputs, first, states, delay=poller.delay, attempts=poller.max_attempts
                )
            row.add(batch, first, keep_jobs)
            done += len(inputs)
            if progress is not None:
                progress(done, total)
        rows.append(row)
    return AuditResult(scenario, poller, engine, rows)
