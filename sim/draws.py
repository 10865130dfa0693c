"""The random inputs of race jobs, drawn once and shared by both engines.

Both engines consume exactly these arrays, batch by batch, so for one scenario, seed and replication
count they see the same jobs, and their per-job outcomes can be compared one by one. Each stop time
has its own streams, spawned from ``SeedSequence([seed, stop_index])``, so adding a stop time changes
no other row; each quantity has its own stream, so the batch size changes no job.

Each job has four events, at these times after its submission:

====================  ======  =========================================================================
event                 rank    time
====================  ======  =========================================================================
``start_training``    0       the queue delay ``q``
training ends         1       ``q + d`` (``d`` the duration), or ``q + f * d`` for a failing job
``stop``              2       the stop time ``s``
``finish_stop``       3       ``s`` plus the stop latency
====================  ======  =========================================================================

**Tie rule**: events at the same instant happen in rank order. So training starts before a stop sent at
that instant, and a completion at the very instant the stop would take effect wins the race.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from model import InvalidTransitionError, Policy, TrainingJob

from .jobs import END_TRIGGERS, draw_courses
from .scenario import RaceScenario

__all__ = ["BATCH", "END_TRIGGERS", "EVENTS", "JobInputs", "class_outcome", "draw_batches"]

#: Jobs drawn and simulated at a time (bounds memory at any replication count).
BATCH = 1 << 16

#: The events of a job, in rank order (index 1 is whichever end trigger the job draws).
EVENTS = ("start_training", "end", "stop", "finish_stop")
#: The race's stream of each quantity of a job's course (:mod:`sim.jobs`), by spawn index.
_STREAMS = ("queue", "duration", "latency", "fails", "warns", "point")


@dataclass(frozen=True, slots=True)
class JobInputs:
    """One batch of jobs: event times (n x 4, columns in rank order) and each job's end trigger."""

    times: npt.NDArray[np.float64]
    end_trigger: npt.NDArray[np.int8]  # index into END_TRIGGERS

    def __len__(self) -> int:
        return len(self.end_trigger)


def draw_batches(scenario: RaceScenario, stop_index: int) -> Iterator[JobInputs]:
    """The jobs of row ``stop_index`` (stop time ``scenario.stop_at[stop_index]``), in batches."""
    # One stream per quantity: a batch takes the next values of each, so the jobs do not depend on
    # the batch size.
    seeds = np.random.SeedSequence([scenario.seed, stop_index]).spawn(len(_STREAMS))
    streams = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, seeds, strict=True)}
    stop = scenario.stop_at[stop_index]
    left = scenario.replications
    while left > 0:
        n = min(BATCH, left)
        left -= n
        course = draw_courses(scenario, streams, n, latency=scenario.stop_latency)
        assert course.latency is not None
        times = np.empty((n, 4))
        times[:, 0] = course.queue
        times[:, 1] = course.queue + course.training
        times[:, 2] = stop
        times[:, 3] = stop + course.latency
        yield JobInputs(times=times, end_trigger=course.end_trigger)


@cache
def class_outcome(policy: Policy, order: tuple[int, ...], end_trigger: int) -> tuple[str, int, int, int]:
    """Fire one event order through the model; return the path and the events (columns of the times)
    whose times are the training start and end (-1 where training never ran), and the job's end."""
    job = TrainingJob(policy, at=-1)
    for k in order:
        with suppress(InvalidTransitionError):  # refused events are dropped, as in the simpy engine
            job.fire(END_TRIGGERS[end_trigger] if k == 1 else EVENTS[k], at=k)
    start, end, finished = job.training_start, job.training_end, int(job.end_time)
    if start is None or end is None:
        return ">".join(job.path), -1, -1, finished
    return ">".join(job.path), int(start), int(end), finished
