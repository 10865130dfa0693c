"""A stop worker's handling time, with the wait for a worker taken out of the stop latency a history shows.

The stop latency ``stoprace fit`` measures runs from the accepted stop to its effect. The race and the
audit take it whole, one job at a time. A fleet models where it comes from (evidence: ``stop-latency``):
each accepted stop waits for one of K stop workers, first come first served, and the worker then needs
its handling time. Fed the whole latency as the handling time, a fleet would count the wait twice (a
history with 600 s waits made a fleet's lost races go from 15% to 92%).

The wait is not in the records, but K workers make it computable: replaying the accepted stops in the
order they came through K workers gives each its start, the moment the first worker was free. Then

- a ``STOPPED`` job's handling is ``EndTime - start``, exact;
- a job whose training ended (or that failed) while a worker held its stop was handled longer than
  ``TrainingEndTime - start``: right-censored, and the worker was busy for the whole handling, unknown;
- a job whose training ended before a worker took its stop gave the worker nothing to do.

A censored stop's worker is busy until ``start + h`` with ``h`` the fitted distribution's median above
the censoring value, which shifts the starts of the stops after it; the fit and the replay alternate
until the chosen distribution no longer changes. A ``STOPPED`` job that ended before any of the K workers
could have taken its stop shows more workers than K: such stops are counted (``inconsistent``), and when
they are more than :data:`MAX_INCONSISTENT` of the exact values the handling time is not estimated.

>>> import numpy as np
>>> from stoprace.sim.history.read import History, Job
>>> history = History()
>>> for i, (stop, end, status) in enumerate([(0, 30, "STOPPED"), (1, 61, "STOPPED"), (2, 95, "STOPPED")]):
...     arn = f"arn:aws:comprehend:us-east-1:111122223333:document-classifier/j{i}"
...     history.jobs[arn] = Job(arn, status, submit=-100.0, training_start=-50.0, training_end=end, end=end)
...     history.stops[arn] = float(stop)
>>> handling = handling_sample(history, workers=1)
>>> handling.exact  # one worker: each stop waited for the one before
[30.0, 31.0, 34.0]
>>> handling_sample(history, workers=3).exact  # three: none waited
[30.0, 60.0, 93.0]
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .fitting import QuantityFit, fit_sample, frozen
from .quantities import FINISHED_STATUSES, STOPPED_STATUSES, Sample
from .read import History

__all__ = ["MAX_INCONSISTENT", "Handling", "fit_handling", "handling_sample", "too_inconsistent"]

#: The share of exact handling times that may be inconsistent with K workers before none is estimated.
MAX_INCONSISTENT = 0.05
#: The most rounds of fitting and replaying.
MAX_ROUNDS = 30
#: A worker's busy time for a censored stop: the censoring value and the fitted distribution's median
#: above it (the censoring value itself before any fit).
Busy = Callable[[float], float]


@dataclass(slots=True)
class Handling(Sample):
    """The handling times of one replay (a :class:`~stoprace.sim.history.quantities.Sample`), the
    workers assumed and how many stops were inconsistent with them."""

    workers: int = 1
    inconsistent: int = 0


def handling_sample(history: History, workers: int, busy: Busy | None = None) -> Handling:
    """The handling times of ``history``'s accepted stops replayed through ``workers`` workers; a
    censored stop's worker is busy for ``busy(censoring value)`` (default: the value itself)."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, got {workers}")
    sample = Handling("stop_handling", workers=workers)
    stops = []
    for arn, moment in history.stops.items():
        job = history.jobs.get(arn)
        if job is None:
            sample.left_out["stop of a classifier not listed"] += 1
        elif job.status not in FINISHED_STATUSES:
            sample.left_out[f"not finished ({job.status})"] += 1
        elif job.end is None:
            sample.left_out["no EndTime"] += 1
        else:
            stopped = job.status in STOPPED_STATUSES
            # when the race was decided against the stop: training ended (or the job failed) first
            decided = job.end if stopped or job.training_end is None else job.training_end
            stops.append((float(moment), float(decided), stopped))
    stops.sort()  # first come, first served (a tie: the one that ended first)
    free = [-math.inf] * workers
    for moment, decided, stopped in stops:
        start = max(moment, heapq.heappop(free))
        if stopped:
            if decided < start:
                sample.inconsistent += 1
            sample.exact.append(max(decided - start, 0.0))
            heapq.heappush(free, max(decided, start))
        elif decided <= start:  # the race was lost before a worker took the stop: nothing to do
            sample.left_out["race lost before a worker was free"] += 1
            heapq.heappush(free, start)
        else:
            censored = decided - start
            sample.censored.append(censored)
            heapq.heappush(free, start + (busy(censored) if busy is not None else censored))
    return sample


def _conditional_median(fit: QuantityFit, upper: float) -> Busy:
    """The chosen distribution's median above a censoring value, interpolated on a grid (the replay
    asks once a censored stop)."""
    chosen = fit.chosen
    if chosen.family == "fixed":
        value = chosen.parameters["value"]
        return lambda c: max(c, value)
    dist = frozen(chosen.family, chosen.parameters)
    grid = np.geomspace(1e-3, max(upper, 1.0) * 1.01, 512)
    with np.errstate(all="ignore"):
        above = dist.isf(dist.sf(grid) / 2)
    above = np.where(np.isfinite(above) & (above >= grid), above, grid)
    return lambda c: max(c, float(np.interp(c, grid, above)))


def too_inconsistent(sample: Handling) -> bool:
    """Whether more than :data:`MAX_INCONSISTENT` of the exact handling times contradict the workers."""
    return sample.inconsistent > MAX_INCONSISTENT * len(sample.exact)


def fit_handling(history: History, workers: int) -> tuple[Handling, QuantityFit | None, int]:
    """The handling sample and its fit, replaying and refitting until the chosen distribution is the
    same twice; the rounds taken. No fit where no exact value exists or too many contradict the
    workers."""
    sample = handling_sample(history, workers)
    fit: QuantityFit | None = None
    for rounds in range(1, MAX_ROUNDS + 1):
        exact, censored = sample.arrays()
        if not len(exact) or too_inconsistent(sample):
            return sample, None, rounds
        refit = fit_sample(exact, censored)
        if fit is not None and refit.chosen.spec == fit.chosen.spec:
            return sample, refit, rounds
        fit = refit
        upper = float(max(censored.max(initial=0.0), exact.max(initial=0.0)))
        sample = handling_sample(history, workers, _conditional_median(fit, upper))
    return sample, fit, MAX_ROUNDS
