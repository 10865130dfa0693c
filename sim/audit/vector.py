"""The audit's numpy engine: each job's verdict from the status it has at each poll, without a loop
over jobs or polls.

A job's status is piecewise constant between its events, and the sequence of statuses depends only on its
class (the order of its events, as in :mod:`stoprace.sim.vector`), which the model decides once per class
(:func:`stoprace.sim.draws.class_timeline`). A poller describes the job at ``first + k * delay`` for ``k``
below ``max_attempts``; a status that leads to success or failure decides at the first poll inside its
interval (a poll at the instant of an event sees the event: the clock runs due events first); if none
does, the attempts run out (``timeout``) at the last poll.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from stoprace.model import Policy
from stoprace.sim.draws import END_TRIGGERS, STOP, JobInputs, class_order, class_outcome, class_timeline

from .verdicts import JobVerdicts

__all__ = ["timeline_verdicts", "verdicts_batch"]

_SIDE = STOP + 1
_CLASSES = _SIDE * _SIDE * len(END_TRIGGERS)
_DECIDING = ("success", "failure")


def timeline_verdicts(
    statuses: Sequence[str],
    starts: Sequence[npt.NDArray[np.float64]],
    base: npt.NDArray[np.float64],
    states: Mapping[str, str | None],
    *,
    delay: float,
    attempts: int,
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.int64]]:
    """The verdicts on jobs that share one timeline: ``statuses[i]`` from ``starts[i]`` (per job) until the
    next; the first poll at ``base``. Returns each job's verdict, the status it last saw, and the index of
    the poll that decided (the last one for a timeout)."""
    bounds = [*starts[1:], np.full(len(base), math.inf)]
    k_verdict = np.full(len(base), -1, dtype=np.int64)
    label = np.empty(len(base), dtype=object)
    label_seen = np.empty(len(base), dtype=object)
    for status, start, bound in zip(statuses, starts, bounds, strict=True):
        state = states.get(status)
        if state not in _DECIDING:
            continue
        k = np.maximum(0, np.ceil((start - base) / delay)).astype(np.int64)
        hit = (k_verdict < 0) & (k < attempts) & (base + k * delay < bound)
        k_verdict[hit], label[hit], label_seen[hit] = k[hit], state, status
    out = k_verdict < 0
    k_verdict[out] = attempts - 1
    label[out] = "timeout"
    last = base + (attempts - 1) * delay
    for status, start, bound in zip(statuses, starts, bounds, strict=True):
        inside = out & (start <= last) & (last < bound)
        label_seen[inside] = status
    return label, label_seen, k_verdict


def verdicts_batch(
    policy: Policy,
    inputs: JobInputs,
    first: npt.NDArray[np.float64],
    states: Mapping[str, str | None],
    *,
    delay: float,
    attempts: int,
) -> JobVerdicts:
    """The verdicts on one batch of jobs of a poller that maps statuses to ``states``."""
    times, n = inputs.times, len(inputs)
    stop, effect = times[:, STOP], times[:, STOP + 1]
    before_stop = sum((times[:, k] <= stop).astype(np.int64) for k in range(STOP))
    before_effect = sum((times[:, k] <= effect).astype(np.int64) for k in range(STOP))
    code = (before_stop * _SIDE + before_effect) * len(END_TRIGGERS) + inputs.end_trigger
    verdict = np.empty(n, dtype=object)
    seen = np.empty(n, dtype=object)
    final = np.empty(n, dtype=object)
    polls = np.zeros(n, dtype=np.int64)
    end = np.empty(n)
    billed = np.zeros(n)
    for value in np.unique(code).tolist():
        rows = np.flatnonzero(code == value)
        packed, trigger = divmod(value, len(END_TRIGGERS))
        order = class_order(*divmod(packed, _SIDE))
        path, start_col, end_col, finish_col = class_outcome(policy, order, trigger)
        if start_col >= 0:
            billed[rows] = times[rows, end_col] - times[rows, start_col]
        changes = class_timeline(policy, order, trigger)
        label, label_seen, k_verdict = timeline_verdicts(
            ["SUBMITTED", *(status for _, status in changes)],
            [np.zeros(len(rows)), *(times[rows, k] for k, _ in changes)],
            first[rows],
            states,
            delay=delay,
            attempts=attempts,
        )
        verdict[rows], seen[rows], polls[rows] = label, label_seen, k_verdict + 1
        final[rows] = path.rsplit(">", 1)[-1]
        end[rows] = times[rows, finish_col]
    at = first + (polls - 1) * delay
    return JobVerdicts(verdict.tolist(), at, polls, seen.tolist(), final.tolist(), end, billed)
