"""The quantities of the race an account's history shows, each with its censoring (evidence:
``stop-effect-unrecorded``).

Read under the default policy (billed training starts after provisioning and ends before the
finalization; a stopped job's ``TrainingEndTime`` is when it stopped):

- ``queue_delay``: ``TrainingStartTime - SubmitTime``; for a job that ended before it started training,
  right-censored when its queue was cut: at the accepted stop of a job stopped while queued (a stopped
  job never starts training, so its queue is unknown from the stop on: ``EndTime``, the stop's effect,
  would overstate the bound), else at ``EndTime``; a job stopped while queued with no CloudTrail record
  of the stop tells nothing;
- ``training_duration`` (billed): ``TrainingEndTime - TrainingStartTime``, exact for a job that trained
  to the end (``TRAINED``, ``TRAINED_WITH_WARNING``, a lost race among them), right-censored for one
  that was stopped or failed;
- ``finalization``: ``EndTime - TrainingEndTime`` of a job that trained to the end or failed;
- ``stop_latency`` (only with CloudTrail): from the first accepted stop to its effect, exact
  (``EndTime - stop``) for a ``STOPPED`` job stopped while training, right-censored at
  ``TrainingEndTime - stop`` for one whose training ended first (a lost race, or a failure).

Jobs that have not finished tell nothing yet and are counted as such.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from stoprace.model.lifecycle import EDGES
from stoprace.model.statuses import FINISHED, WITH_MODEL

from .read import History, Job

__all__ = ["FINISHED_STATUSES", "QUANTITIES", "STOPPED_STATUSES", "Sample", "samples"]

QUANTITIES = ("queue_delay", "training_duration", "finalization", "stop_latency")
_WITH_MODEL = frozenset(s.value for s in WITH_MODEL)
FINISHED_STATUSES = frozenset(s.value for s in FINISHED)
#: The status a stop that takes effect ends a job in (the finish_stop edges' destination).
STOPPED_STATUSES = frozenset(str(e.dest) for e in EDGES if e.trigger == "finish_stop")


@dataclass(slots=True)
class Sample:
    """One quantity's observations: exact values, right-censored values (the true value is larger),
    and why jobs gave none (by reason)."""

    name: str
    exact: list[float] = field(default_factory=list)
    censored: list[float] = field(default_factory=list)
    left_out: Counter[str] = field(default_factory=Counter)

    def arrays(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        return np.asarray(self.exact, dtype=float), np.asarray(self.censored, dtype=float)


def samples(history: History) -> dict[str, Sample]:
    """Every quantity's sample from ``history`` (the stop latency's is empty without CloudTrail)."""
    found = {name: Sample(name) for name in QUANTITIES}
    for job in history.jobs.values():
        if job.status not in FINISHED_STATUSES:
            for sample in found.values():
                sample.left_out[f"not finished ({job.status})"] += 1
            continue
        _queue(job, history.stops.get(job.arn), found["queue_delay"])
        _training(job, found["training_duration"])
        _finalization(job, found["finalization"])
        stop = history.stops.get(job.arn)
        if stop is not None:
            _latency(job, stop, found["stop_latency"])
        elif history.has_cloudtrail:
            found["stop_latency"].left_out["never stopped"] += 1
    if not history.has_cloudtrail:
        found["stop_latency"].left_out["no CloudTrail records given"] = len(history.jobs)
    return found


def _queue(job: Job, stop: float | None, sample: Sample) -> None:
    if job.training_start is not None:
        sample.exact.append(job.training_start - job.submit)
    elif job.status in STOPPED_STATUSES:
        if stop is not None and stop >= job.submit:
            sample.censored.append(stop - job.submit)
        else:
            sample.left_out["stopped while queued, no record of when"] += 1
    elif job.end is not None:
        sample.censored.append(job.end - job.submit)
    else:
        sample.left_out["no TrainingStartTime or EndTime"] += 1


def _training(job: Job, sample: Sample) -> None:
    if job.training_start is None or job.training_end is None:
        sample.left_out["never trained"] += 1
    elif job.status in _WITH_MODEL:
        sample.exact.append(job.training_end - job.training_start)
    else:  # stopped or failed: training would have lasted longer
        sample.censored.append(job.training_end - job.training_start)


def _finalization(job: Job, sample: Sample) -> None:
    if job.status in STOPPED_STATUSES or job.training_end is None or job.end is None:
        sample.left_out["stopped, or no TrainingEndTime"] += 1
    else:
        sample.exact.append(job.end - job.training_end)


def _latency(job: Job, stop: float, sample: Sample) -> None:
    if job.training_start is None or stop < job.training_start:
        sample.left_out["stopped before training"] += 1
    elif job.training_end is None or job.end is None or stop >= job.end:
        sample.left_out["stopped after it finished"] += 1
    elif job.status in STOPPED_STATUSES:
        sample.exact.append(job.end - stop)
    elif stop < job.training_end:  # training ended first: the stop would have taken longer
        sample.censored.append(job.training_end - stop)
    else:
        sample.left_out["stopped while finalizing"] += 1
