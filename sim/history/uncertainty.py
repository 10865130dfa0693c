"""The race's results with the fit's own uncertainty (``stoprace race --fit-uncertainty fit.json``).

Each bootstrap replicate of ``stoprace fit --bootstrap N`` is a plausible set of distributions for the
account; the race is run under each (the vector engine, a tenth of the race's jobs per stop time, at
least 1,000), and the 95% percentile interval of ``p_race_lost`` across them
(:func:`stoprace.sim.history.fitting.percentile_interval`) is the interval. It holds the fit's uncertainty and
the simulation's noise of each replicate.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from stoprace.sim import vector
from stoprace.sim.files import parse_json, read_limited
from stoprace.sim.history.fitting import percentile_interval
from stoprace.sim.scenario import RaceScenario

__all__ = ["MAX_BYTES", "add_intervals", "fit_intervals", "read_fit"]

MAX_BYTES = 64 * 2**20
_FIELDS = ("queue_delay", "training_duration", "finalization", "stop_latency")


def read_fit(path: Path) -> dict[str, list[str]]:
    """The bootstrap replicates' specs by quantity from a fit.json; ``ValueError`` naming the file."""
    report = parse_json(read_limited(path, MAX_BYTES, "a fit.json"), path, "a fit.json")
    try:
        quantities = report["quantities"]
        specs = {
            name: list(map(str, q["bootstrap_specs"]))
            for name, q in quantities.items()
            if name in _FIELDS and q.get("bootstrap_specs")
        }
    except (KeyError, TypeError, AttributeError):
        raise ValueError(f"{path}: not the fit.json of `stoprace fit --out`") from None
    if not specs:
        raise ValueError(f"{path}: holds no bootstrap replicates; run `stoprace fit --bootstrap N --out DIR`")
    return specs


def fit_intervals(scenario: RaceScenario, specs: dict[str, list[str]]) -> list[tuple[float, float] | None]:
    """For each of ``scenario``'s stop times, the 95% interval of ``p_race_lost`` across the replicates
    (None where no replicate had a stop reach a training job)."""
    replicates = max(len(v) for v in specs.values())
    jobs = max(1000, scenario.replications // 10)
    estimates: list[list[float]] = [[] for _ in scenario.stop_at]
    for b in range(replicates):
        changes: dict[str, Any] = {name: values[b % len(values)] for name, values in specs.items()}
        replicate = dataclasses.replace(scenario, **changes, replications=jobs, seed=scenario.seed + 1 + b)
        for i, row in enumerate(vector.simulate(replicate).rows):
            if row.p_race_lost is not None:
                estimates[i].append(row.p_race_lost)
    return [percentile_interval(e) if e else None for e in estimates]


def add_intervals(
    report: dict[str, Any], intervals: list[tuple[float, float] | None], source: Path, replicates: int
) -> None:
    """Put the intervals into a race report: ``fit_interval95`` on each row, ``fit_uncertainty`` on top."""
    for row, interval in zip(report["rows"], intervals, strict=True):
        row["fit_interval95"] = list(interval) if interval is not None else None
    report["fit_uncertainty"] = {"file": str(source), "replicates": replicates}
