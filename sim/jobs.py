"""A job's random course, drawn in one place for every simulator.

A job waits its queue delay in ``SUBMITTED``, enters ``TRAINING`` and provisions, trains (billed), and
its training ends one of three ways: it completes, completes with warnings (``p_warning``), or fails
part-way (``p_failure``, at ``failure_point`` times its training duration); the job then finalizes and
reaches its final status. A stop it accepts takes its stop latency to take effect. The race engines,
the fleet and the :class:`~stoprace.sim.autopilot.Autopilot` all draw these through :func:`draw_courses`, so
the three cannot drift apart.

Each quantity is drawn from the stream the caller names for it. Simulators that keep one stream per
quantity (the race engines, the fleet) get jobs that do not depend on how many are drawn at a time; the
Autopilot draws one job at a time from a single stream, in the order of :data:`QUANTITIES`.

>>> import numpy as np
>>> from stoprace.sim.scenario import RaceScenario
>>> rng = np.random.default_rng(1)
>>> course = draw_courses(RaceScenario(p_failure=0, p_warning=0), dict.fromkeys(QUANTITIES, rng), 2)
>>> [END_TRIGGERS[k] for k in course.end_trigger.tolist()]
['finish_training', 'finish_training']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .distributions import Distribution

__all__ = ["END_TRIGGERS", "QUANTITIES", "Courses", "JobFields", "draw_courses"]

#: The triggers that end training: completion, completion with warnings, failure.
END_TRIGGERS = ("finish_training", "finish_training_with_warning", "fail_training")

#: The random quantities of a course, in the order they are drawn.
QUANTITIES = ("queue", "duration", "fails", "warns", "point", "provisioning", "finalization", "latency")


class JobFields(Protocol):
    """The fields of a scenario that describe its jobs (race and fleet scenarios have them)."""

    @property
    def queue_delay(self) -> Distribution: ...
    @property
    def provisioning(self) -> Distribution: ...
    @property
    def finalization(self) -> Distribution: ...
    @property
    def training_duration(self) -> Distribution: ...
    @property
    def p_warning(self) -> float: ...
    @property
    def p_failure(self) -> float: ...
    @property
    def failure_point(self) -> Distribution: ...


@dataclass(frozen=True, slots=True)
class Courses:
    """``n`` jobs' courses: seconds in ``SUBMITTED``, of provisioning, of billed training until it ends
    (a failing job's share already applied) and of finalization, how training ends (an index into
    :data:`END_TRIGGERS`) and, when drawn, the stop latency."""

    queue: npt.NDArray[np.float64]
    provisioning: npt.NDArray[np.float64]
    training: npt.NDArray[np.float64]
    finalization: npt.NDArray[np.float64]
    end_trigger: npt.NDArray[np.int8]
    latency: npt.NDArray[np.float64] | None

    def __len__(self) -> int:
        return len(self.end_trigger)


def draw_courses(
    jobs: JobFields,
    streams: Mapping[str, np.random.Generator],
    n: int,
    latency: Distribution | None = None,
) -> Courses:
    """Draw ``n`` courses of ``jobs``' kind, each quantity from ``streams[name]`` (names from
    :data:`QUANTITIES`); the stop latency only when its distribution is given."""
    queue = jobs.queue_delay.sample(streams["queue"], n)
    duration = jobs.training_duration.sample(streams["duration"], n)
    fails = streams["fails"].random(n) < jobs.p_failure
    warns = ~fails & (streams["warns"].random(n) < jobs.p_warning)
    point = jobs.failure_point.sample(streams["point"], n)
    return Courses(
        queue=queue,
        provisioning=jobs.provisioning.sample(streams["provisioning"], n),
        training=np.where(fails, point * duration, duration),
        finalization=jobs.finalization.sample(streams["finalization"], n),
        end_trigger=np.where(fails, 2, np.where(warns, 1, 0)).astype(np.int8),
        latency=latency.sample(streams["latency"], n) if latency is not None else None,
    )
