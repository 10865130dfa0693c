"""``stoprace audit`` of a client waiting on a job that processes text: its verdicts against the text race.

The jobs are the text race's (:mod:`~stoprace.sim.text.engines`: the same draws, the same seed); a poller
(state sets or a botocore waiter file on the kind's describe: :mod:`stoprace.sim.audit.poller`) describes
each job every ``delay`` seconds from its first poll, and its verdict is found as the numpy audit engine
finds it (:func:`stoprace.sim.audit.vector.timeline_verdicts`) on the job's timeline, which the model
decides once per class of event order. A verdict is a misreport as for training jobs, with "ends with a
model" read as "processed all its documents" (``COMPLETED``, ``COMPLETED_WITH_ERROR``): a failure
reported on such a job hides documents that were billed and written out; a success on a job stopped or
failed claims documents that never were. The cost of a false failure is its billed units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from stoprace.model import ComprehendService, ManualClock
from stoprace.model.analysis import JOB_ALL_DONE, JOB_FINISHED, edges_for
from stoprace.model.bridge import attach
from stoprace.model.service import TranslateService
from stoprace.sim.audit.exact import Exact, fire_if_it_can, stop_by_someone_else
from stoprace.sim.audit.poller import (
    CallablePoller,
    Poller,
    PollerError,
    cause,
    status_states,
)
from stoprace.sim.audit.report import fixed_poller
from stoprace.sim.audit.run import MISREPORTS, AuditRow
from stoprace.sim.audit.vector import timeline_verdicts
from stoprace.sim.audit.verdicts import JobVerdicts
from stoprace.sim.distributions import Distribution, parse_distribution
from stoprace.sim.scenario import Progress

from .engines import _STOP, EVENTS, JobDraws, class_order, class_timeline, classes, draw_batches, vector_batch
from .scenario import TextScenario

__all__ = ["TextAuditResult", "text_audit", "text_audit_report", "text_audit_table"]

_POLL_STREAM = 0x5011  # the first poll's own stream, as in the training audit
_ROLE = "arn:aws:iam::123456789012:role/audit"
_DONE = tuple(sorted(s.value for s in JOB_ALL_DONE))
_FINISHED = tuple(sorted(s.value for s in JOB_FINISHED))


def _verdicts(
    scenario: TextScenario, draws: JobDraws, first: Any, states: dict[str, str | None], poller: Poller
) -> JobVerdicts:
    t = draws.times
    outcome = vector_batch(scenario, draws)
    before_stop, before_effect = classes(draws)
    edges = edges_for(scenario.kind.statuses)
    n = len(draws)
    verdict, seen = np.empty(n, dtype=object), np.empty(n, dtype=object)
    polls = np.zeros(n, dtype=np.int64)
    for a, b in set(zip(before_stop.tolist(), before_effect.tolist(), strict=True)):
        rows = np.flatnonzero((before_stop == a) & (before_effect == b))
        changes = class_timeline(scenario.policy, edges, class_order(a, b))
        label, label_seen, k = timeline_verdicts(
            ["SUBMITTED", *(status for _, status in changes)],
            [np.zeros(len(rows)), *(t[rows, e] for e, _ in changes)],
            first[rows],
            states,
            delay=poller.delay,
            attempts=poller.max_attempts,
        )
        verdict[rows], seen[rows], polls[rows] = label, label_seen, k + 1
    final = [path.rsplit(">", 1)[-1] for path in outcome.paths]
    at = first + (polls - 1) * poller.delay
    return JobVerdicts(
        verdict.tolist(), at, polls, seen.tolist(), final, outcome.end, outcome.units.astype(float)
    )


class TextExact(Exact):
    """The reference engine for text jobs: the training audit's exact engine (the poller's own code,
    botocore's ``Waiter`` or the user's callable given the client and the ``JobId``, against the model
    through the boto3 bridge in virtual time), one job at a time on the text race's draws."""

    def __init__(self, poller: Poller | CallablePoller, scenario: TextScenario) -> None:
        super().__init__(poller, scenario.policy)
        self.scenario = scenario

    def verdicts(self, draws: JobDraws, first: Any) -> JobVerdicts:
        outcome = vector_batch(self.scenario, draws)  # the units billed, for what a false failure cost
        rows = [self.text_job(draws.times[i].tolist(), float(first[i])) for i in range(len(draws))]
        verdict, at, polls, seen, final, end = (list(column) for column in zip(*rows, strict=True))
        return JobVerdicts(
            verdict, np.array(at), np.array(polls, dtype=np.int64), seen, final, np.array(end),
            outcome.units.astype(float),
        )  # fmt: skip

    def text_job(self, times: list[float], first: float) -> tuple[Any, ...]:
        kind, clock = self.scenario.kind, ManualClock()
        cls = TranslateService if kind.service == "translate" else ComprehendService
        service = cls(clock=clock, job_policy=self.scenario.policy)
        bridge = attach(self.client, service)
        try:
            job_id = kind.call(self.client, "create", **kind.example_request("audited", _ROLE))["JobId"]
            for k, when in enumerate(times):
                if math.isfinite(when):
                    action = (
                        partial(stop_by_someone_else, service, job_id, kind)
                        if k == _STOP
                        else partial(fire_if_it_can, service, job_id, EVENTS[k])
                    )
                    clock.call_at(when, action, rank=k)
            with bridge.virtual_time():
                clock.advance(first)
                verdict = self._wait(job_id)
            at = clock.elapsed
            polls = sum(1 for op, _ in bridge.calls if op == kind.operations["describe"])
            seen = service.status(job_id).value
            clock.advance(max(0.0, max(t for t in times if math.isfinite(t)) - at) + 1)
            props = kind.call(service, "describe", job_id)[kind.properties]
            end = (props["EndTime"] - clock.start).total_seconds() if "EndTime" in props else math.nan
            return verdict, at, polls, seen, props["JobStatus"], end
        finally:
            bridge.detach()


@dataclass
class TextAuditResult:
    scenario: TextScenario
    poller: Poller | CallablePoller
    stopped: bool
    poll_start: Distribution
    rows: list[AuditRow]


def text_audit(
    scenario: TextScenario,
    poller: Poller | CallablePoller,
    *,
    stopped: bool = True,
    poll_start: Distribution | str = "fixed:0",
    progress: Progress | None = None,
    engine: str = "vector",
) -> TextAuditResult:
    """Audit ``poller`` on the jobs of ``scenario`` (stopped at each stop time, or by nobody), by the
    ``vector`` engine or the ``exact`` one (the poller's own code through the bridge; a callable's only)."""
    if engine not in ("vector", "exact"):
        raise ValueError(f"engine must be vector or exact, got {engine!r}")
    if engine == "vector" and isinstance(poller, CallablePoller):
        raise PollerError("a Python callable runs only in the exact engine")
    start = parse_distribution(poll_start) if isinstance(poll_start, str) else poll_start
    states = status_states(poller) if isinstance(poller, Poller) else {}
    exact = TextExact(poller, scenario) if engine == "exact" else None
    rows, done = [], 0
    total = scenario.replications * (len(scenario.stop_at) if stopped else 1)
    for index, stop in enumerate(scenario.stop_at if stopped else (None,)):
        row = AuditRow(stop, done=_DONE, finished=_FINISHED)
        polls = np.random.default_rng(np.random.SeedSequence([scenario.seed, index, _POLL_STREAM]))
        for draws in draw_batches(scenario, index):
            if not stopped:
                draws.times[:, _STOP:] = math.inf
            first = np.round(start.sample(polls, len(draws)), 6)
            if exact is not None:
                batch = exact.verdicts(draws, first)
            else:
                assert isinstance(poller, Poller)
                batch = _verdicts(scenario, draws, first, states, poller)
            row.add(batch, first, False)
            done += len(draws)
            if progress is not None:
                progress(done, total)
        rows.append(row)
    return TextAuditResult(scenario, poller, stopped, start, rows)


def text_audit_report(result: TextAuditResult) -> dict[str, Any]:
    """The audit as plain data: the scenario, the poller, each row's tallies, and a finding per misreport
    that happened (its worst share, the statuses it was taken on, what it cost, the fix, the share after)."""
    fixed = (
        None
        if isinstance(result.poller, CallablePoller)
        else fixed_poller(result, frozenset(_FINISHED), frozenset(_DONE))
    )
    after = None
    if fixed is not None:
        after = text_audit(result.scenario, fixed, stopped=result.stopped, poll_start=result.poll_start)
    price = result.scenario.price
    found = []
    for name in MISREPORTS:
        if not any(row.counts[name] for row in result.rows):
            continue
        worst = max(result.rows, key=lambda r: r.share(name))
        causes = sorted({status for row in result.rows for status in row.causes[name]})
        finding: dict[str, Any] = {
            "misreport": name,
            "worst_share": worst.share(name),
            "at_stop": worst.stop_at,
            "on_statuses": causes,
            "causes": [cause(result.poller, status) for status in causes],
        }
        if name == "false_failure":
            units = sum(row.billed_false_failure for row in result.rows)
            jobs = sum(row.counts[name] for row in result.rows)
            finding["usd_billed_per_false_failure"] = units * price / jobs
        if after is not None:
            finding["worst_share_after_fix"] = max(row.share(name) for row in after.rows)
        found.append(finding)
    return {
        "scenario": {
            **result.scenario.as_dict(),
            "stopped": result.stopped,
            "poll_start": result.poll_start.spec,
        },
        "poller": result.poller.as_dict(),
        "rows": [row.as_dict() for row in result.rows],
        "findings": found,
        "fix": None if fixed is None else fixed.as_dict(),
    }


def text_audit_table(report: dict[str, Any]) -> str:
    """The audit report for a terminal."""
    s, p = report["scenario"], report["poller"]
    lines = [
        f"{p['kind']} {p['name']} on {s['resource']}"
        + (f": every {p['delay']:g} s, {p['max_attempts']} attempts" if "delay" in p else "")
        + f"; {s['replications']} jobs a row, first poll {s['poll_start']}",
        "stop at (s)  jobs  false failure  false success  gave up early  premature  polls/job",
    ]
    for row in report["rows"]:
        stop = "nobody" if row["stop_at"] is None else f"{row['stop_at']:g}"
        shares = "  ".join(f"{row[f'p_{name}']:>13.4f}" for name in MISREPORTS[:3])
        lines.append(
            f"{stop:>11}  {row['jobs']:>4}  {shares}  {row['p_premature']:>9.4f}  {row['mean_polls']:>9.1f}"
        )
    for finding in report["findings"]:
        text = (
            f"- {finding['misreport'].replace('_', ' ')}: up to {finding['worst_share']:.2%} of jobs "
            f"(stop at {finding['at_stop']}), taken on {', '.join(finding['on_statuses'])}"
        )
        if "usd_billed_per_false_failure" in finding:
            text += f"; each hides ${finding['usd_billed_per_false_failure']:.4f} of documents billed"
        if "worst_share_after_fix" in finding:
            text += f"; after the fix: {finding['worst_share_after_fix']:.2%}"
        lines.append(text)
    if report["fix"] is not None:
        fix = report["fix"]["sets"]
        lines.append(
            "the fix: --success " + ",".join(fix["success"]) + " --failure " + ",".join(fix["failure"])
            + " --retry " + ",".join(fix["retry"]) + f" --max-attempts {report['fix']['max_attempts']}"
        )  # fmt: skip
    return "\n".join(lines)
