"""The simpy race engine: the reference. Each job is a simpy process that fires the model's triggers.

A job's process waits for each of its six events (training starts, billed training begins and ends,
training ends, the stop request, the stop taking effect; see :mod:`stoprace.sim.draws` for their times and the
tie rule) and fires it on a
:class:`stoprace.model.TrainingJob`. Whether an event changes anything is the model's decision, not the
simulator's: an event the lifecycle refuses (training that ends after the stop took effect, a stop
taking effect on a job that already finished, a stop rejected by the policy) is dropped.

>>> from stoprace.sim.scenario import RaceScenario
>>> result = simulate(RaceScenario(replications=2000, stop_at=(3000.0,)))
>>> row = result.rows[0]
>>> row.jobs, 0 < row.p_race_lost < 1
(2000, True)
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from stoprace.model import Policy, TrainingJob

from .draws import END, END_TRIGGERS, EVENTS, JobInputs, draw_batches
from .outcome import Outcomes, RowResult
from .scenario import Progress, RaceScenario

__all__ = ["RaceResult", "simulate", "simulate_batch"]


@dataclass(slots=True)
class RaceResult:
    """Every row (one per stop time) of one scenario, from one engine."""

    scenario: RaceScenario
    engine: str
    rows: list[RowResult]

    def to_dataframe(self) -> Any:
        """One row per job (needs ``keep_jobs=True``): stop time, path, final status, submit,
        training start, stop request, end (seconds after submission), billed seconds, race lost.
        Needs pandas (``pip install pandas``)."""
        try:
            import pandas as pd  # noqa: PLC0415 - optional, for notebooks
        except ImportError as err:
            raise ImportError("to_dataframe() needs pandas: pip install pandas") from err
        frames = [pd.DataFrame(row.job_records()) for row in self.rows]
        return pd.concat(frames, ignore_index=True)

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.as_dict(),
            "engine": self.engine,
            "seed": self.scenario.seed,
            "replications": self.scenario.replications,
            "rows": [row.as_dict() for row in self.rows],
        }


def _job(  # noqa: PLR0917 - one call site, a hot path: positional on purpose
    env: simpy.Environment,
    policy: Policy,
    times: list[float],
    end_trigger: str,
    paths: list[str],
    billed: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    i: int,
) -> Generator[simpy.Event, Any, None]:
    job = TrainingJob(policy, at=0.0)
    for k in sorted(range(len(EVENTS)), key=lambda k: (times[k], k)):  # the tie rule: rank order
        at = times[k]
        if at > env.now:
            yield env.timeout(at - env.now)
        trigger = end_trigger if k == END else EVENTS[k]
        if job.can_fire(trigger):  # an event the lifecycle refuses now is dropped (asking costs less)
            job.fire(trigger, at=at)
    paths[i] = ">".join(job.path)
    if job.training_start is not None:
        start[i] = job.training_start
    end[i] = job.end_time
    if job.training_start is not None and job.training_end is not None:
        billed[i] = job.training_end - job.training_start


def simulate_batch(policy: Policy, inputs: JobInputs) -> Outcomes:
    """Run one batch of jobs in one simpy Environment."""
    env = simpy.Environment()
    n = len(inputs)
    paths = [""] * n
    billed = np.zeros(n)
    start = np.full(n, np.nan)
    end = np.full(n, np.nan)
    rows = zip(inputs.times.tolist(), inputs.end_trigger.tolist(), strict=True)
    for i, (times, trigger) in enumerate(rows):
        env.process(_job(env, policy, times, END_TRIGGERS[trigger], paths, billed, start, end, i))
    env.run()
    return Outcomes.from_paths(paths, billed, start, end)


def run_rows(
    scenario: RaceScenario,
    batch: Callable[[Policy, JobInputs], Outcomes],
    engine: str,
    progress: Progress | None = None,
    keep_jobs: bool = False,
) -> RaceResult:
    """Every stop time of ``scenario``, batch by batch, through ``batch`` (an engine). Per-job
    outcomes are kept only when ``keep_jobs`` (they cost memory in proportion to the jobs)."""
    rows = []
    total = scenario.replications * len(scenario.stop_at)
    done = 0
    for index, stop in enumerate(scenario.stop_at):
        row = RowResult(stop_at=stop, kept=[] if keep_jobs else None)
        for inputs in draw_batches(scenario, index):
            row.add(batch(scenario.policy, inputs))
            done += len(inputs)
            if progress is not None:
                progress(done, total)
        rows.append(row)
    return RaceResult(scenario=scenario, engine=engine, rows=rows)


def simulate(scenario: RaceScenario, progress: Progress | None = None, keep_jobs: bool = False) -> RaceResult:
    """Race every stop time of ``scenario`` with the simpy engine (``keep_jobs``: keep per-job records
    for :meth:`RaceResult.to_dataframe`)."""
    return run_rows(scenario, simulate_batch, "simpy", progress, keep_jobs)
