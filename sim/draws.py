"""The random inputs of race jobs, drawn once and shared by both engines.

Both engines consume exactly these arrays, batch by batch, so for one scenario, seed and replication
count they see the same jobs, and their per-job outcomes can be compared one by one. Each stop time
has its own streams, spawned from ``SeedSequence([seed, stop_index])``, so adding a stop time changes
no other row; each quantity has its own stream, so the batch size changes no job.

Each job has six events, at these times after its submission:

====================  ======  =========================================================================
event                 rank    time
====================  ======  =========================================================================
``start_training``    0       the queue delay ``q``: the job enters ``TRAINING`` and provisions
``begin_billing``     1       ``q + p`` (``p`` the provisioning): billed training begins
``end_billing``       2       ``q + p + x``: billed training ends, ``x`` the training duration ``d``,
                              or ``u * d`` for a job failing at the point ``u``
training ends         3       ``q + p + x + z`` (``z`` the finalization): the job's final status
``stop``              4       the stop time ``s``
``finish_stop``       5       ``s`` plus the stop latency
====================  ======  =========================================================================

Durations are never negative, so each job's first four events, and its last two, come in rank order.
**Tie rule**: events at the same instant happen in rank order. So training starts (and billing begins)
before a stop sent at that instant, and billed training that ends at the very instant the stop would
take effect wins the race. Under a policy without the phases (``billing_start=with_training``,
``billing_end=with_end``) the lifecycle refuses ``begin_billing`` and ``end_billing``, which are dropped;
with zero provisioning and finalization the jobs then run as with four events.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from stoprace.model import InvalidTransitionError, Policy, TrainingJob

from .jobs import END_TRIGGERS, draw_courses
from .scenario import RaceScenario

__all__ = [
    "BATCH",
    "END",
    "END_TRIGGERS",
    "EVENTS",
    "STOP",
    "JobInputs",
    "class_order",
    "class_outcome",
    "class_timeline",
    "draw_batches",
]

#: Jobs drawn and simulated at a time (bounds memory at any replication count).
BATCH = 1 << 16

#: The events of a job, in rank order (index :data:`END` is whichever end trigger the job draws).
EVENTS = ("start_training", "begin_billing", "end_billing", "end", "stop", "finish_stop")
#: The column of the event that ends training, and of the stop.
END, STOP = EVENTS.index("end"), EVENTS.index("stop")
#: The race's stream of each quantity of a job's course (:mod:`stoprace.sim.jobs`), by spawn index.
_STREAMS = ("queue", "duration", "latency", "fails", "warns", "point", "provisioning", "finalization")


@dataclass(frozen=True, slots=True)
class JobInputs:
    """One batch of jobs: event times (n x 6, columns in rank order) and each job's end trigger."""

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
        times = np.empty((n, len(EVENTS)))
        times[:, 0] = course.queue
        times[:, 1] = times[:, 0] + course.provisioning
        times[:, 2] = times[:, 1] + course.training
        times[:, 3] = times[:, 2] + course.finalization
        times[:, 4] = stop
        times[:, 5] = stop + course.latency
        yield JobInputs(times=times, end_trigger=course.end_trigger)


def class_order(before_stop: int, before_effect: int) -> tuple[int, ...]:
    """The order of the events (indices of :data:`EVENTS`) when ``before_stop`` of the
    training events come before the stop and ``before_effect`` before its effect."""
    training = range(STOP)
    return (
        *training[:before_stop],
        STOP,
        *training[before_stop:before_effect],
        STOP + 1,
        *training[before_effect:],
    )


def _fire_order(
    policy: Policy, order: tuple[int, ...], end_trigger: int
) -> tuple[TrainingJob, tuple[tuple[int, str], ...]]:
    """Fire one event order through the model, each event at its place in ``order`` (so that the model
    compares times as the job's would); refused events are dropped, as in the simpy engine. Returns the
    job and its status changes: (event, status after it)."""
    job = TrainingJob(policy, at=-1)
    changes = []
    for place, k in enumerate(order):
        before = len(job.path)
        with suppress(InvalidTransitionError):
            job.fire(END_TRIGGERS[end_trigger] if k == END else EVENTS[k], at=place)
        if len(job.path) > before:
            changes.append((k, job.path[-1]))
    return job, tuple(changes)


@cache
def class_outcome(policy: Policy, order: tuple[int, ...], end_trigger: int) -> tuple[str, int, int, int]:
    """The path of one event order, and the events (columns of the times) whose times are the training
    start and end (-1 where training never ran), and the job's end."""
    job, _ = _fire_order(policy, order, end_trigger)
    start, end, finished = job.training_start, job.training_end, job.end_time
    if start is None or end is None:
        return ">".join(job.path), -1, -1, order[finished]
    return ">".join(job.path), order[start], order[end], order[finished]


@cache
def class_timeline(policy: Policy, order: tuple[int, ...], end_trigger: int) -> tuple[tuple[int, str], ...]:
    """The status changes of one event order: (event, status after it), in order (the job is
    ``SUBMITTED`` from its submission until the first)."""
    return _fire_order(policy, order, end_trigger)[1]
