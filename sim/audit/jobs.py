"""The audited jobs: the race's jobs (same draws, same seed), who stops them and when, and when the
poller starts."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from stoprace.sim.distributions import Distribution, parse_distribution
from stoprace.sim.draws import STOP, JobInputs, draw_batches
from stoprace.sim.scenario import RaceScenario

__all__ = ["AuditScenario", "draw_audit"]

_POLL_STREAM = 0x5011  # the poll start's own stream, beside the race's streams of the same row


@dataclass(frozen=True)
class AuditScenario:
    """The race scenario (``stop_at``, distributions, policy, replications, seed), whether anybody stops
    the job (``stopped``; if not, ``stop_at`` is ignored), and when the poller's first describe comes
    (``poll_start``, seconds after submission; ``uniform`` for a poller of unknown phase)."""

    race: RaceScenario = dataclasses.field(default_factory=RaceScenario)
    stopped: bool = True
    poll_start: Distribution | str = "fixed:0"

    def __post_init__(self) -> None:
        if not isinstance(self.race, RaceScenario):
            raise TypeError(f"race must be a RaceScenario, not {type(self.race).__name__}")
        start = self.poll_start
        if isinstance(start, str):
            object.__setattr__(self, "poll_start", parse_distribution(start))
        elif not isinstance(start, Distribution):
            raise TypeError(f"poll_start must be a distribution spec or Distribution, not {start!r}")

    @property
    def first_poll(self) -> Distribution:
        """When the first describe comes (parsed)."""
        assert isinstance(self.poll_start, Distribution)
        return self.poll_start

    @property
    def stop_times(self) -> tuple[float | None, ...]:
        """The rows: each stop time, or one row with nobody stopping (``None``)."""
        return self.race.stop_at if self.stopped else (None,)

    def as_dict(self) -> dict[str, Any]:
        race = self.race.as_dict()
        race["stop_at"] = list(self.race.stop_at) if self.stopped else None
        return {**race, "poll_start": self.first_poll.spec}


def draw_audit(scenario: AuditScenario, row: int) -> Iterator[tuple[JobInputs, npt.NDArray[np.float64]]]:
    """Row ``row``'s jobs in batches, with each job's first describe time. The jobs are the race's
    (:func:`stoprace.sim.draws.draw_batches`); without a stop, the stop and its effect never come."""
    seed = np.random.SeedSequence([scenario.race.seed, row, _POLL_STREAM])
    polls = np.random.default_rng(seed)
    for inputs in draw_batches(scenario.race, row):
        if not scenario.stopped:
            inputs.times[:, STOP:] = math.inf
        # To the microsecond, the resolution of the model's clock, so both engines poll at the same instants.
        yield inputs, np.round(scenario.first_poll.sample(polls, len(inputs)), 6)
