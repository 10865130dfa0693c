"""Per-job outcomes and their aggregation into one row of results (one stop time).

Vocabulary: a job's **path** is the statuses it went through, joined by ``>``; the **race is
lost** when the path has ``STOP_REQUESTED`` directly followed by ``TRAINED`` or
``TRAINED_WITH_WARNING``; ``p_race_lost`` = lost races / jobs that entered ``STOP_REQUESTED`` from
``TRAINING``. Billed seconds are ``TrainingEndTime - TrainingStartTime`` (evidence: ``billing``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from stoprace.model.lifecycle import race_lost, stop_met_training

from .stats import mean_interval, wilson_interval

__all__ = ["Outcomes", "PathTally", "RowResult", "path_flags"]


def path_flags(path: str) -> tuple[bool, bool]:
    """(entered STOP_REQUESTED from TRAINING, race lost) for a path such as ``A>B>C``."""
    steps = path.split(">")
    return stop_met_training(steps), race_lost(steps)


class PathTally:
    """What follows from jobs counted by path (``self.paths``): final statuses, stop requests that met
    a training job, lost races, ``p_race_lost`` and its Wilson interval. Shared by race rows and
    fleets, so both count by one definition."""

    __slots__ = ()
    paths: Counter[str]

    @property
    def final(self) -> Counter[str]:
        """Jobs per final status."""
        counts: Counter[str] = Counter()
        for path, n in self.paths.items():
            counts[path.rsplit(">", 1)[-1]] += n
        return counts

    @property
    def stop_requested(self) -> int:
        """Jobs that entered STOP_REQUESTED from TRAINING."""
        return sum(n for path, n in self.paths.items() if path_flags(path)[0])

    @property
    def race_lost(self) -> int:
        return sum(n for path, n in self.paths.items() if path_flags(path)[1])

    @property
    def p_race_lost(self) -> float | None:
        return self.race_lost / self.stop_requested if self.stop_requested else None

    def ci(self, confidence: float = 0.95) -> tuple[float, float] | None:
        """The Wilson interval of ``p_race_lost``; None where no job entered STOP_REQUESTED."""
        if not self.stop_requested:
            return None
        return wilson_interval(self.race_lost, self.stop_requested, confidence)


@dataclass(slots=True)
class Outcomes:
    """The outcomes of a batch of jobs, in job order: each job's path (as an index into
    ``path_names``, so that a batch is counted without a string per job) and billed seconds."""

    path_ids: npt.NDArray[np.int64]
    path_names: list[str]
    billed: npt.NDArray[np.float64]
    start: npt.NDArray[np.float64]  # training start (NaN for a job that never trained)
    end: npt.NDArray[np.float64]  # when the job reached its final status

    @classmethod
    def from_paths(
        cls,
        paths: list[str],
        billed: npt.NDArray[np.float64],
        start: npt.NDArray[np.float64] | None = None,
        end: npt.NDArray[np.float64] | None = None,
    ) -> Outcomes:
        names, ids = np.unique(np.asarray(paths, dtype=object), return_inverse=True)
        missing = np.full(len(paths), np.nan)
        return cls(
            path_ids=ids.astype(np.int64),
            path_names=[str(n) for n in names],
            billed=billed,
            start=missing if start is None else start,
            end=missing if end is None else end,
        )

    def __len__(self) -> int:
        return len(self.path_ids)

    @property
    def paths(self) -> list[str]:
        """Each job's path, in job order."""
        return [self.path_names[i] for i in self.path_ids.tolist()]

    def counts(self) -> Counter[str]:
        """Jobs per path."""
        tally = np.bincount(self.path_ids, minlength=len(self.path_names))
        counts: Counter[str] = Counter()
        for name, n in zip(self.path_names, tally.tolist(), strict=True):
            if n:
                counts[name] += n
        return counts


@dataclass(slots=True)
class RowResult(PathTally):
    """Aggregates over every job of one stop time."""

    stop_at: float
    jobs: int = 0
    paths: Counter[str] = field(default_factory=Counter)
    billed_sum: float = 0.0
    billed_sumsq: float = 0.0
    billed_after_stop_sum: float = 0.0  # billed training after the stop was sent: what it did not save
    kept: list[Outcomes] | None = None  # every batch's per-job outcomes, when asked to keep them

    def add(self, outcomes: Outcomes) -> None:
        self.jobs += len(outcomes)
        self.paths.update(outcomes.counts())
        self.billed_sum += float(outcomes.billed.sum())
        # (not np.dot: BLAS would spin up threads that busy-wait, stealing the cores of parallel runs)
        self.billed_sumsq += float(np.einsum("i,i->", outcomes.billed, outcomes.billed))
        trained = ~np.isnan(outcomes.start)
        start, billed = outcomes.start[trained], outcomes.billed[trained]
        self.billed_after_stop_sum += float(
            np.clip(start + billed - np.maximum(self.stop_at, start), 0.0, None).sum()
        )
        if self.kept is not None:
            self.kept.append(outcomes)

    def job_records(self) -> dict[str, list[Any]]:
        """Per-job columns (needs the jobs kept): path, final status, submit, training start, stop
        request, end, billed seconds, race lost."""
        if self.kept is None:
            raise ValueError("per-job records were not kept: simulate(..., keep_jobs=True)")
        paths = [p for batch in self.kept for p in batch.paths]
        n = len(paths)
        flags = [path_flags(p) for p in paths]
        return {
            "stop_at": [self.stop_at] * n,
            "job": list(range(n)),
            "path": paths,
            "final": [p.rsplit(">", 1)[-1] for p in paths],
            "submit": [0.0] * n,
            "training_start": np.concatenate([b.start for b in self.kept]).tolist() if n else [],
            "stop_request": [self.stop_at] * n,
            "end": np.concatenate([b.end for b in self.kept]).tolist() if n else [],
            "billed_seconds": np.concatenate([b.billed for b in self.kept]).tolist() if n else [],
            "race_lost": [lost for _, lost in flags],
        }

    @property
    def mean_billed_seconds(self) -> float:
        return self.billed_sum / self.jobs if self.jobs else 0.0

    @property
    def mean_billed_after_stop_seconds(self) -> float:
        """Billed training after the stop was sent, a job: the bill the stop did not save (the fleet's
        "billed training after the stop decision")."""
        return self.billed_after_stop_sum / self.jobs if self.jobs else 0.0

    def billed_ci(self, confidence: float = 0.95) -> tuple[float, float] | None:
        """The normal-approximation interval of the mean billed seconds; None for fewer than 2 jobs."""
        if self.jobs < 2:
            return None
        return mean_interval(self.billed_sum, self.billed_sumsq, self.jobs, confidence)

    def as_dict(self) -> dict[str, Any]:
        interval = self.ci()
        return {
            "stop_at": self.stop_at,
            "final": dict(sorted(self.final.items())),
            "paths": dict(sorted(self.paths.items())),
            "stop_requested": self.stop_requested,
            "race_lost": self.race_lost,
            "p_race_lost": self.p_race_lost,
            "ci95": list(interval) if interval is not None else None,
            "mean_billed_seconds": self.mean_billed_seconds,
            "mean_billed_after_stop_seconds": self.mean_billed_after_stop_seconds,
        }
