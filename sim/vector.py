"""The numpy race engine: the same jobs as the simpy engine, outcome for outcome, vectorised.

A job's first four events (training starts, billed training begins and ends, training ends) come in rank
order, and so do its last two (the stop and its effect; see :mod:`stoprace.sim.draws`). So a job's order of
events is fixed by how many of the first four come before the stop (``a``) and before its effect (``b >= a``):
with the trigger that ends its training, at most 15 x 3 classes. This engine counts ``a`` and ``b`` for every
job at once, runs each class it meets once through a real :class:`stoprace.model.TrainingJob` (so the
lifecycle rules stay the model's), and spreads the results back over the jobs. A test compares it with the
simpy engine job by job.

>>> from stoprace.sim import race
>>> from stoprace.sim.scenario import RaceScenario
>>> scenario = RaceScenario(replications=2000)
>>> simulate(scenario).rows[0].paths == race.simulate(scenario).rows[0].paths
True
"""

from __future__ import annotations

import numpy as np

from stoprace.model import Policy

from .draws import END_TRIGGERS, STOP, JobInputs, class_order, class_outcome
from .outcome import Outcomes
from .race import RaceResult, run_rows
from .scenario import Progress, RaceScenario

__all__ = ["simulate", "simulate_batch"]

_SIDE = STOP + 1  # the values a and b take: 0 to the number of training events
_CLASSES = _SIDE * _SIDE * len(END_TRIGGERS)


def simulate_batch(policy: Policy, inputs: JobInputs) -> Outcomes:
    """The outcomes of one batch, without a per-job Python loop."""
    times = inputs.times
    stop, effect = times[:, STOP], times[:, STOP + 1]
    # A training event at the same instant as the stop or its effect comes first (the tie rule).
    before_stop = sum((times[:, k] <= stop).astype(np.int64) for k in range(STOP))
    before_effect = sum((times[:, k] <= effect).astype(np.int64) for k in range(STOP))
    code = (before_stop * _SIDE + before_effect) * len(END_TRIGGERS) + inputs.end_trigger
    present = np.flatnonzero(np.bincount(code, minlength=_CLASSES))
    lookup = np.zeros(_CLASSES, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    members = lookup[code]
    paths = []
    start_col = np.empty(len(present), dtype=np.int64)
    end_col = np.empty(len(present), dtype=np.int64)
    finish_col = np.empty(len(present), dtype=np.int64)
    for c, value in enumerate(present.tolist()):
        packed, trigger = divmod(value, len(END_TRIGGERS))
        order = class_order(*divmod(packed, _SIDE))
        path, start_col[c], end_col[c], finish_col[c] = class_outcome(policy, order, trigger)
        paths.append(path)
    rows = np.arange(len(inputs))
    start, end = start_col[members], end_col[members]
    trained = start >= 0
    began = times[rows, np.maximum(start, 0)]
    billed = np.where(trained, times[rows, np.maximum(end, 0)] - began, 0.0)
    return Outcomes(
        path_ids=members,
        path_names=paths,
        billed=billed,
        start=np.where(trained, began, np.nan),
        end=times[rows, finish_col[members]],
    )


def simulate(scenario: RaceScenario, progress: Progress | None = None, keep_jobs: bool = False) -> RaceResult:
    """Race every stop time of ``scenario`` with the numpy engine (``keep_jobs`` as in the simpy one)."""
    return run_rows(scenario, simulate_batch, "vector", progress, keep_jobs)
