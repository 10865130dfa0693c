"""What a fleet run measured, read off the service and the jobs at the end, and its summary text."""

from __future__ import annotations

from array import array
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np

from stoprace.model import EPOCH
from stoprace.sim.outcome import PathTally

from .constraints import constraints, constraints_lines
from .scenario import FleetScenario

if TYPE_CHECKING:
    from stoprace.sim.history.export import HistoryRecorder
from .service import ServiceSide
from .state import Capacity, FleetJob, Ledger

__all__ = ["FleetResult", "Tally", "fleet_table"]


def _summary(values: np.ndarray) -> dict[str, float | int | None]:
    """Count, mean and quantiles of a sample (None where it is empty)."""
    if not len(values):
        return {"count": 0, "mean": None, "p50": None, "p90": None, "p99": None, "max": None}
    q50, q90, q99 = np.quantile(values, [0.5, 0.9, 0.99]).tolist()
    return {
        "count": len(values),
        "mean": float(values.mean()),
        "p50": q50,
        "p90": q90,
        "p99": q99,
        "max": float(values.max()),
    }


@dataclass(slots=True)
class FleetResult(PathTally):
    """What a fleet run measured. Per-job arrays are in the order the jobs finished; ``timeline`` (when
    kept) has, in job order, each job's (submit, training start, stop request, stop accepted, end, final
    status)."""

    scenario: FleetScenario
    paths: Counter[str]
    stop_decided: int
    stop_accepted: int
    stop_lost: Counter[str]  # why a decided stop was never accepted: the last error's code
    dwell: np.ndarray  # seconds in STOP_REQUESTED, per job that entered it
    worker_wait: np.ndarray  # seconds an accepted stop waited for a worker
    wasted_seconds: np.ndarray  # billed training after the stop decision, per job that decided
    observe_seconds: np.ndarray  # decision to the client seeing a final status
    api_calls: dict[str, Counter[str]]
    events: int
    duration: float
    timeline: list[tuple[float, float | None, float | None, float | None, float, str]] | None = None
    peak_alive: int = 0  # the most jobs submitted and not yet finished at once (what memory follows)
    ledger: Ledger | None = None  # the retries, and why stops were never accepted
    capacity: Capacity | None = None  # how the stop workers and the training slots were used

    @property
    def share_never_accepted(self) -> float | None:
        """Of the stops clients decided on, the share the service never accepted."""
        return sum(self.stop_lost.values()) / self.stop_decided if self.stop_decided else None

    def as_dict(self) -> dict[str, Any]:
        interval = self.ci()
        hours = float(self.wasted_seconds.sum()) / 3600
        return {
            "scenario": self.scenario.as_dict(),
            "seed": self.scenario.seed,
            "jobs": self.scenario.jobs,
            "final": dict(sorted(self.final.items())),
            "paths": dict(sorted(self.paths.items())),
            "stop_decided": self.stop_decided,
            "stop_accepted": self.stop_accepted,
            "stop_never_accepted": sum(self.stop_lost.values()),
            "stop_never_accepted_by_error": dict(sorted(self.stop_lost.items())),
            "share_never_accepted": self.share_never_accepted,
            "stop_requested": self.stop_requested,
            "race_lost": self.race_lost,
            "p_race_lost": self.p_race_lost,
            "ci95": list(interval) if interval else None,
            "stop_requested_seconds": _summary(self.dwell),
            "stop_worker_wait_seconds": _summary(self.worker_wait),
            "observe_final_seconds": _summary(self.observe_seconds),
            "wasted_billed_hours": hours,
            "wasted_cost_usd": hours * self.scenario.usd_per_hour,
            "api_calls": {op: dict(sorted(c.items())) for op, c in sorted(self.api_calls.items())},
            "constraints": constraints(
                self.scenario,
                self.ledger or Ledger(calls=self.api_calls),
                self.capacity or Capacity(),
                mean_worker_wait=float(self.worker_wait.mean()) if len(self.worker_wait) else None,
                duration=self.duration,
            ),
            "events": self.events,
            "peak_jobs_alive": self.peak_alive,
            "simulated_seconds": self.duration,
        }


class Tally:
    """What finished jobs leave behind: counts, and the few numbers per job the summary's quantiles
    need (at most four floats). A job is added when it has finished, so the fleet keeps no state for
    the jobs that are done."""

    def __init__(self, keep_timeline: bool, recorder: HistoryRecorder | None = None) -> None:
        self.recorder = recorder
        self.paths: Counter[str] = Counter()
        self.decided = 0
        self.dwell, self.waits, self.wasted, self.observe = (array("d") for _ in range(4))
        self.timeline: list[tuple[int, tuple[Any, ...]]] | None = [] if keep_timeline else None

    @property
    def settled(self) -> int:
        """How many jobs have been added."""
        return self.paths.total()

    def add(self, job: FleetJob, service: ServiceSide, now: float) -> None:
        """Job ``job``, finished, as the service reports it (read without an API call's limits)."""
        if job.arn is None:
            self.paths["(not created)"] += 1
            return
        api = service.api
        steps = [str(s) for s in api.path(job.arn)]
        self.paths[">".join(steps)] += 1
        admission, api.admission = api.admission, None  # reading the outcome is not part of the experiment
        try:
            kind = service.kind
            props = kind.call(api, "describe", job.arn)[kind.properties]
        finally:
            api.admission = admission
        if self.recorder is not None:
            self.recorder.add(job.index, props, job.stop_calls or [])
        described = props.items()
        times = {k: _seconds(v) for k, v in described if k.endswith("Time")}
        end = times.get("EndTime", now)
        if job.stop_request is not None:
            self.dwell.append(end - job.stop_request)
        if job.worker_wait is not None:
            self.waits.append(job.worker_wait)
        if job.decided is not None:
            self.decided += 1
            start, stop = times.get("TrainingStartTime"), times.get("TrainingEndTime")
            billed = 0.0 if start is None or stop is None else max(0.0, stop - max(job.decided, start))
            self.wasted.append(billed)
            if job.observed is not None:
                self.observe.append(job.observed - job.decided)
        if self.timeline is not None:
            started = times.get("TrainingStartTime")
            entry = (job.submit, started, job.stop_request, job.decided, end, steps[-1])
            self.timeline.append((job.index, entry))

    def result(
        self, scenario: FleetScenario, ledger: Ledger, capacity: Capacity, *, events: int, peak_alive: int
    ) -> FleetResult:
        """The run's result, once every job has been added."""
        timeline = [entry for _, entry in sorted(self.timeline)] if self.timeline is not None else None
        return FleetResult(
            scenario=scenario,
            paths=self.paths,
            stop_decided=self.decided,
            stop_accepted=ledger.accepted,
            stop_lost=ledger.lost,
            dwell=np.asarray(self.dwell),
            worker_wait=np.asarray(self.waits),
            wasted_seconds=np.asarray(self.wasted),
            observe_seconds=np.asarray(self.observe),
            api_calls=ledger.calls,
            events=events,
            duration=ledger.finished_at,
            timeline=timeline,
            peak_alive=peak_alive,
            ledger=ledger,
            capacity=capacity,
        )


def _seconds(moment: datetime) -> float:
    return (moment - EPOCH).total_seconds()


def fleet_table(report: dict[str, Any]) -> str:
    """A readable summary of a fleet report."""
    s = report["scenario"]
    arrivals = "all at once" if s["submit_rate"] is None else f"{s['submit_rate']:g} jobs/s"
    if s["stop_after"] is not None:
        decision = f"stop {s['stop_after']:g} s after submission"
    elif s["budget_usd"] is not None:
        decision = f"stop at {s['budget_usd']:g} USD of training"
    else:
        decision = "no stop"
    limits = ", ".join(f"{k} {v['rate']:g}/s burst {v['burst']}" for k, v in s["rate_limits"].items())
    lost = report["stop_never_accepted_by_error"]
    lines = [
        f"{report['jobs']} jobs ({arrivals}), {decision}; "
        f"{s['retry_mode']} retries (botocore {s['botocore']})"
        f"{' + application retries' if s['app_retry'] else ''}; rate limits: {limits or 'none'}; "
        f"seed {report['seed']}",
        f"stops decided {report['stop_decided']}, accepted {report['stop_accepted']}, never accepted "
        f"{report['stop_never_accepted']}"
        + (
            f" ({100 * report['share_never_accepted']:.1f}%: "
            + ", ".join(f"{k} {v}" for k, v in lost.items())
            + ")"
            if report["share_never_accepted"]
            else ""
        ),
        "final: " + ", ".join(f"{k} {v}" for k, v in report["final"].items()),
    ]
    if report["p_race_lost"] is not None:
        low, high = report["ci95"]
        lines.append(
            f"p_race_lost {report['p_race_lost']:.4f} (95% CI {low:.4f}-{high:.4f}) of "
            f"{report['stop_requested']} stops that reached a training job"
        )
    for key, label in (
        ("stop_requested_seconds", "time in STOP_REQUESTED"),
        ("observe_final_seconds", "decision to seeing the final status"),
    ):
        d = report[key]
        if d["count"]:
            lines.append(
                f"{label}: mean {d['mean'] / 60:.1f} min, median {d['p50'] / 60:.1f}, "
                f"90% {d['p90'] / 60:.1f}, max {d['max'] / 60:.1f}"
            )
    lines.append(
        f"billed training after the stop decision: {report['wasted_billed_hours']:.1f} h, "
        f"{report['wasted_cost_usd']:.2f} USD"
    )
    lines.extend(constraints_lines(report))
    for op, outcomes in report["api_calls"].items():
        lines.append(f"{op}: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    return "\n".join(lines)
