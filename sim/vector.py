"""The numpy race engine: the same jobs as the simpy engine, outcome for outcome, vectorised.

A job's outcome depends only on the order of its four events (see :mod:`sim.draws`) and on which
trigger ends its training: at most 18 classes. This engine ranks every job's event times at once,
runs each class it meets once through a real :class:`model.TrainingJob` (so the lifecycle rules stay
the model's), and spreads the results back over the jobs. A test compares it with the simpy engine job
by job.

>>> from sim.scenario import RaceScenario
>>> scenario = RaceScenario(replications=2000)
>>> simulate(scenario).rows[0].paths == __import__("sim.race").race.simulate(scenario).rows[0].paths
True
"""

from __future__ import annotations

import numpy as np

from model import Policy

from .draws import END_TRIGGERS, JobInputs, class_outcome
from .outcome import Outcomes
from .race import RaceResult, run_rows
from .scenario import Progress, RaceScenario

__all__ = ["simulate", "simulate_batch"]


_CLASSES = 4**4 * len(END_TRIGGERS)  # rank codes of the four events, times the end trigger


def simulate_batch(policy: Policy, inputs: JobInputs) -> Outcomes:
    """The outcomes of one batch, without a per-job Python loop."""
    times = inputs.times
    columns = [times[:, k] for k in range(4)]
    # Each event's place in its job's order: the events before it, ties going to the lower rank.
    place = [
        sum(((columns[j] < columns[k]) | ((columns[j] == columns[k]) & (j < k))).astype(np.int64)
            for j in range(4) if j != k)
        for k in range(4)
    ]
    code = (((place[0] * 4 + place[1]) * 4 + place[2]) * 4 + place[3]) * len(END_TRIGGERS)
    code += inputs.end_trigger
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
        places = [(packed >> shift) & 3 for shift in (6, 4, 2, 0)]
        order = tuple(sorted(range(4), key=places.__getitem__))
        path, start_col[c], end_col[c], finish_col[c] = class_outcome(policy, order, trigger)
        paths.append(path)
    rows = np.arange(len(inputs))
    start, end = start_col[members], end_col[members]
    trained = start >= 0
    began = times[rows, np.maximum(start, 0)]
    billed = np.where(trained, times[rows, np.maximum(end, 0)] - began, 0.0)
    return Outcomes(
        path_ids=members, path_names=paths, billed=billed,
        start=np.where(trained, began, np.nan), end=times[rows, finish_col[members]],
    )


def simulate(
    scenario: RaceScenario, progress: Progress | None = None, keep_jobs: bool = False
) -> RaceResult:
    """Race every stop time of ``scenario`` with the numpy engine (``keep_jobs`` as in the simpy one)."""
    return run_rows(scenario, simulate_batch, "vector", progress, keep_jobs)
