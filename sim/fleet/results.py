"""What a fleet run measured, read off the service and the jobs at the end, and its summary text."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from model import EPOCH
from sim.outcome import PathTally

from .scenario import FleetScenario
from .service import ServiceSide
from .state import FleetJob, Ledger

__all__ = ["FleetResult", "collect", "fleet_table"]


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
    """What a fleet run measured. Per-job arrays are in job order; ``timeline`` (when kept) has each
    job's (submit, training start, stop request, stop accepted, end, final status)."""

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
            "events": self.events,
            "simulated_seconds": self.duration,
        }


def collect(
    scenario: FleetScenario, service: ServiceSide, jobs: list[FleetJob], ledger: Ledger, *, events: int,
    keep_timeline: bool,
) -> FleetResult:
    """The result of a finished run: each job's path and times as the service reports them."""
    service.api.admission = None  # reading the outcome is not part of the experiment
    paths: Counter[str] = Counter()
    dwell, wasted, observe, waits = [], [], [], []
    timeline: list[Any] | None = [] if keep_timeline else None
    for job in jobs:
        if job.arn is None:
            paths["(not created)"] += 1
            continue
        steps = [str(s) for s in service.api.path(job.arn)]
        paths[">".join(steps)] += 1
        props = service.api.describe_document_classifier(DocumentClassifierArn=job.arn)
        times = {
            k: _seconds(v) for k, v in props["DocumentClassifierProperties"].items() if k.endswith("Time")
        }
        end = times.get("EndTime", ledger.finished_at)
        if job.stop_request is not None:
            dwell.append(end - job.stop_request)
        if job.worker_wait is not None:
            waits.append(job.worker_wait)
        if job.decided is not None:
            start, stop = times.get("TrainingStartTime"), times.get("TrainingEndTime")
            wasted.append(
                0.0 if start is None or stop is None else max(0.0, stop - max(job.decided, start))
            )
            if job.observed is not None:
                observe.append(job.observed - job.decided)
        if timeline is not None:
            timeline.append(
                (
                    job.submit,
                    times.get("TrainingStartTime"),
                    job.stop_request,
                    job.decided,
                    end,
                    steps[-1],
                )
            )
    return FleetResult(
        scenario=scenario,
        paths=paths,
        stop_decided=sum(j.decided is not None for j in jobs),
        stop_accepted=ledger.accepted,
        stop_lost=ledger.lost,
        dwell=np.asarray(dwell),
        worker_wait=np.asarray(waits),
        wasted_seconds=np.asarray(wasted),
        observe_seconds=np.asarray(observe),
        api_calls=ledger.calls,
        events=events,
        duration=ledger.finished_at,
        timeline=timeline,
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
        + (f" ({100 * report['share_never_accepted']:.1f}%: "
           + ", ".join(f"{k} {v}" for k, v in lost.items()) + ")" if report["share_never_accepted"] else ""),
        "final: " + ", ".join(f"{k} {v}" for k, v in report["final"].items()),
    ]
    if report["p_race_lost"] is not None:
        low, high = report["ci95"]
        lines.append(f"p_race_lost {report['p_race_lost']:.4f} (95% CI {low:.4f}-{high:.4f}) of "
                     f"{report['stop_requested']} stops that reached a training job")
    for key, label in (("stop_requested_seconds", "time in STOP_REQUESTED"),
                       ("observe_final_seconds", "decision to seeing the final status")):
        d = report[key]
        if d["count"]:
            lines.append(f"{label}: mean {d['mean'] / 60:.1f} min, median {d['p50'] / 60:.1f}, "
                         f"90% {d['p90'] / 60:.1f}, max {d['max'] / 60:.1f}")
    lines.append(f"billed training after the stop decision: {report['wasted_billed_hours']:.1f} h, "
                 f"{report['wasted_cost_usd']:.2f} USD")
    for op, outcomes in report["api_calls"].items():
        lines.append(f"{op}: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    return "\n".join(lines)
