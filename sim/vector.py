"""The numpy race engine: the same jobs as the simpy engine, outcome for outcome, vectorised.

A job's outcome depends only on the order of its four events (see :mod:`sim.draws`) and on which
trigger ends its training: at most 18 classes. This engine sorts every job's event times at once,
runs each class it meets once through a real :class:`model.TrainingJob` (so the lifecycle rules stay
the model's), and spreads the results back over the jobs. A test compares it with the simpy engine job
by job.

>>> from sim.scenario import RaceScenario
>>> scenario = RaceScenario(replications=2000)
>>> simulate(scenario).rows[0].paths == __import__("sim.race").race.simulate(scenario).rows[0].paths
True
"""

from __future__ import annotations

from contextlib import suppress
from functools import cache

import numpy as np

from model import InvalidTransitionError, Policy, TrainingJob

from .draws import END_TRIGGERS, EVENTS, JobInputs
from .outcome import Outcomes
from .race import Progress, RaceResult, run_rows
from .scenario import RaceScenario

__all__ = ["simulate", "simulate_batch"]


@cache
def _class_outcome(policy: Policy, order: tuple[int, ...], end_trigger: int) -> tuple[str, int, int]:
    """Fire one event order through the model; return the path and the positions (in ``order``) of
    the events whose times are the training start and end (-1 where training never ran)."""
    job = TrainingJob(policy, at=-1)
    for position, k in enumerate(order):
        with suppress(InvalidTransitionError):  # refused events are dropped, as in the simpy engine
            job.fire(END_TRIGGERS[end_trigger] if k == 1 else EVENTS[k], at=position)
    job.detach()
    start, end = job.training_start, job.training_end
    if start is None or end is None:
        return ">".join(job.path), -1, -1
    return ">".join(job.path), int(start), int(end)


def simulate_batch(policy: Policy, inputs: JobInputs) -> Outcomes:
    """The outcomes of one batch, without a per-job Python loop."""
    times = inputs.times
    order = np.argsort(times, axis=1, kind="stable")  # stable: ties keep rank order (the tie rule)
    code = ((order[:, 0] * 4 + order[:, 1]) * 4 + order[:, 2]) * 4 + order[:, 3]
    code = code * len(END_TRIGGERS) + inputs.end_trigger
    classes, members = np.unique(code, return_inverse=True)
    paths = []
    start_pos = np.empty(len(classes), dtype=np.int64)
    end_pos = np.empty(len(classes), dtype=np.int64)
    for c, value in enumerate(classes.tolist()):
        packed, trigger = divmod(value, len(END_TRIGGERS))
        class_order = tuple((packed >> shift) & 3 for shift in (6, 4, 2, 0))
        path, start_pos[c], end_pos[c] = _class_outcome(policy, class_order, trigger)
        paths.append(path)
    ordered = np.take_along_axis(times, order, axis=1)
    rows = np.arange(len(inputs))
    start = start_pos[members]
    end = end_pos[members]
    trained = start >= 0
    billed = np.where(trained, ordered[rows, end] - ordered[rows, np.maximum(start, 0)], 0.0)
    return Outcomes(paths=np.asarray(paths, dtype=object)[members].tolist(), billed=billed)


def simulate(scenario: RaceScenario, progress: Progress | None = None) -> RaceResult:
    """Race every stop time of ``scenario`` with the numpy engine."""
    return run_rows(scenario, simulate_batch, "vector", progress)
