"""The text race's results: one row per stop time, from either engine, with the integral beside it.

For each stop time: the jobs whose stop met them processing and the races lost (``p_race_lost`` = lost /
met, with its Wilson interval), the chance a job ends ``COMPLETED`` anyway (it finished before the stop,
or won the race), the documents processed (all written out: evidence ``analysis-job-output``), the units
billed and their price, and what the stop saved: the units never processed, at the price per unit.

>>> result = simulate(TextScenario(documents=100, replications=500, stop_at=(120.0,)))
>>> row = result.rows[0]
>>> row.jobs, 0 <= row.documents.mean <= 100
(500, True)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stoprace.model.analysis import JOB_ALL_DONE, job_race_lost, stop_met_processing
from stoprace.sim.scenario import Progress
from stoprace.sim.stats import mean_interval, wilson_interval

from .analytic import analyse, supported
from .engines import run
from .scenario import TextScenario

__all__ = ["JobPathTally", "Mean", "TextResult", "TextRow", "simulate", "text_report", "text_table"]

_DONE = frozenset(s.value for s in JOB_ALL_DONE)


class JobPathTally:
    """What follows from text jobs counted by path (``self.paths``, statuses joined by ``>``): the stops
    that met a job processing, the races lost, the jobs that completed. Shared by race rows and fleets,
    so both count by the table's steps."""

    __slots__ = ()
    paths: Counter[str]

    def _count(self, holds: Callable[[list[str]], bool]) -> int:
        return sum(n for path, n in self.paths.items() if holds(path.split(">")))

    @property
    def met(self) -> int:
        return self._count(stop_met_processing)

    @property
    def lost(self) -> int:
        return self._count(job_race_lost)

    @property
    def completed(self) -> int:
        return self._count(lambda steps: steps[-1] in _DONE)


@dataclass(slots=True)
class Mean:
    """A running mean of per-job values, with its normal-approximation interval."""

    n: int = 0
    total: float = 0.0
    total_sq: float = 0.0

    def add(self, values: Any) -> None:
        values = np.asarray(values, dtype=float)
        self.n += len(values)
        self.total += float(values.sum())
        self.total_sq += float(np.dot(values, values))

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    def ci(self, confidence: float = 0.95) -> tuple[float, float] | None:
        return mean_interval(self.total, self.total_sq, self.n, confidence) if self.n > 1 else None


@dataclass(slots=True)
class TextRow(JobPathTally):
    """One stop time's jobs, counted."""

    stop_at: float
    paths: Counter[str] = field(default_factory=Counter)
    documents: Mean = field(default_factory=Mean)
    units: Mean = field(default_factory=Mean)
    saved_units: Mean = field(default_factory=Mean)

    @property
    def jobs(self) -> int:
        return sum(self.paths.values())

    @property
    def p_race_lost(self) -> float | None:
        return self.lost / self.met if self.met else None


@dataclass(slots=True)
class TextResult:
    scenario: TextScenario
    engine: str
    rows: list[TextRow]


def simulate(scenario: TextScenario, engine: str = "vector", progress: Progress | None = None) -> TextResult:
    """Race every stop time of ``scenario`` with ``engine`` (``vector`` or ``simpy``)."""
    rows = {stop: TextRow(stop) for stop in scenario.stop_at}
    for stop, draws, outcomes in run(scenario, engine, progress):
        row = rows[stop]
        row.paths.update(outcomes.paths)
        row.documents.add(outcomes.documents)
        row.units.add(outcomes.units)
        row.saved_units.add(draws.units[:, -1] - outcomes.units)
    return TextResult(scenario, engine, list(rows.values()))


def _ci(interval: tuple[float, float] | None) -> list[float] | None:
    return None if interval is None else [round(interval[0], 6), round(interval[1], 6)]


def text_report(result: TextResult, analytic: bool = True) -> dict[str, Any]:
    """The result as plain data: per stop time the race, the work and the money (USD at the scenario's
    price per unit), and the integral's figures where it applies."""
    scenario = result.scenario
    price = scenario.price
    why_not = supported(scenario) if analytic else "not asked for"
    rows = []
    for row in result.rows:
        exact = analyse(scenario, row.stop_at) if why_not is None else None
        rows.append(
            {
                "stop_at": row.stop_at,
                "jobs": row.jobs,
                "stop_met_processing": row.met,
                "race_lost": row.lost,
                "p_race_lost": row.p_race_lost,
                "p_race_lost_ci": _ci(wilson_interval(row.lost, row.met) if row.met else None),
                "p_completes": row.completed / row.jobs,
                "p_completes_ci": _ci(wilson_interval(row.completed, row.jobs)),
                "documents_processed": row.documents.mean,
                "documents_processed_ci": _ci(row.documents.ci()),
                "units_billed": row.units.mean,
                "usd_billed": row.units.mean * price,
                "usd_saved": row.saved_units.mean * price,
                "usd_saved_ci": _ci(_scaled(row.saved_units.ci(), price)),
                "final": dict(sorted(_finals(row).items())),
                "analytic": None
                if exact is None
                else {
                    "p_race_lost": exact.p_race_lost,
                    "p_completes": exact.p_completed,
                    "documents_processed": exact.documents,
                },
            }
        )
    return {
        "scenario": scenario.as_dict(),
        "engine": result.engine,
        "analytic": why_not,
        "rows": rows,
    }


def _scaled(interval: tuple[float, float] | None, factor: float) -> tuple[float, float] | None:
    return None if interval is None else (interval[0] * factor, interval[1] * factor)


def _finals(row: TextRow) -> Counter[str]:
    counts: Counter[str] = Counter()
    for path, n in row.paths.items():
        counts[path.rsplit(">", 1)[-1]] += n
    return counts


def _f(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def text_table(report: dict[str, Any]) -> str:
    """The report as a table for a terminal."""
    s = report["scenario"]
    head = (
        f"{s['replications']} jobs per stop time, {report['engine']} engine, seed {s['seed']}; "
        f"{s['resource']}: "
        f"{s['documents']} documents of {s['document_size']} characters at {s['rate']:g} a second, queue "
        f"{s['queue_delay']}, stop latency {s['stop_latency']}"
        + (f", cycle {s['cycle']:g} s" if s["cycle"] else "")
        + f"; ${s['price_per_unit']:g} a unit"
    )
    columns = (
        "stop at (s)", "stop met job", "race lost", "p_race_lost", "95% CI", "analytic", "completes",
        "docs/job", "units/job", "USD/job", "USD saved/job",
    )  # fmt: skip
    lines = []
    for r in report["rows"]:
        ci = r["p_race_lost_ci"]
        exact = r["analytic"]
        lines.append(
            (
                f"{r['stop_at']:g}",
                str(r["stop_met_processing"]),
                str(r["race_lost"]),
                _f(r["p_race_lost"]),
                "-" if ci is None else f"[{ci[0]:.4f}, {ci[1]:.4f}]",
                "-" if exact is None else _f(exact["p_race_lost"]),
                _f(r["p_completes"]),
                f"{r['documents_processed']:.1f}",
                f"{r['units_billed']:.0f}",
                f"{r['usd_billed']:.4f}",
                f"{r['usd_saved']:.4f}",
            )
        )
    widths = [max(len(c), *(len(line[i]) for line in lines)) for i, c in enumerate(columns)]
    rows = ["  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)) for line in [columns, *lines]]
    foot = "" if report["analytic"] is None else f"\n(no analytic column: {report['analytic']})"
    return "\n".join([head, *rows]) + foot
