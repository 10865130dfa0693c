"""A race result for people and programs: the JSON report, a table, CSV and figures on disk.

The JSON has ``scenario``, ``engine``, ``seed``, ``replications`` and ``rows``: one per stop time, with
``stop_at``, ``final`` (status -> count), ``paths`` (path -> count), ``stop_requested``, ``race_lost``,
``p_race_lost`` and ``ci95`` (null where no job entered STOP_REQUESTED), ``mean_billed_seconds``,
``billed_ci95``, ``mean_cost_usd``, and the integrals of :mod:`stoprace.sim.analytic` beside them:
``analytic_p_race_lost``, ``analytic_final`` (status -> probability) and
``analytic_mean_billed_seconds`` (null where the integral is not offered; ``analytic_note`` says why).
The same seed gives byte-identical JSON.
"""

from __future__ import annotations

import csv
import json
import math
import warnings
from collections import defaultdict
from collections.abc import Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from stoprace.model import Policy
from stoprace.model.diagram import DiagramError
from stoprace.model.kinds import KINDS
from stoprace.model.lifecycle import RACE_LOST_STEPS
from stoprace.model.numbers import is_number, is_whole
from stoprace.model.statuses import FINISHED_ORDER

from . import analytic
from .race import RaceResult
from .scenario import DEFAULT_USD_PER_HOUR

__all__ = ["DEFAULT_USD_PER_HOUR", "annotations_from_race", "race_report", "race_table", "write_outputs"]

_STATUSES = tuple(s.value for s in FINISHED_ORDER)


def race_report(result: RaceResult, usd_per_hour: float = DEFAULT_USD_PER_HOUR) -> dict[str, Any]:
    """The JSON-ready report of ``result``, with the analytic value for each stop time."""
    report = result.as_dict()
    report["usd_per_hour"] = usd_per_hour
    note = analytic.unavailable(result.scenario)
    if note is not None:
        report["analytic_note"] = note
    for row, simulated in zip(report["rows"], result.rows, strict=True):
        interval = simulated.billed_ci()
        row["billed_ci95"] = list(interval) if interval is not None else None
        row["mean_cost_usd"] = row["mean_billed_seconds"] / 3600 * usd_per_hour
        row["mean_cost_after_stop_usd"] = row["mean_billed_after_stop_seconds"] / 3600 * usd_per_hour
        outcome = _analytic(result, row["stop_at"]) if note is None else None
        if note is None and outcome is None:
            report["analytic_note"] = (
                "the integral cannot be computed in floating point for these parameters (an overflow); "
                "the simulated values stand alone"
            )
        row["analytic_p_race_lost"] = outcome.p_race_lost if outcome else None
        row["analytic_final"] = dict(sorted(outcome.final.items())) if outcome else None
        row["analytic_mean_billed_seconds"] = outcome.mean_billed_seconds if outcome else None
    return report


def _analytic(result: RaceResult, stop_at: float) -> Any:
    """The analytic outcome at ``stop_at``, or None where the integral overflows (extreme parameters):
    never a NaN, never a RuntimeWarning reaching the user."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        outcome = analytic.race_outcome(result.scenario, stop_at)
    values = [outcome.p_race_lost, outcome.mean_billed_seconds, *outcome.final.values()]
    return outcome if all(v is None or math.isfinite(v) for v in values) else None


def _fmt(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def race_table(report: dict[str, Any]) -> str:
    """A readable table of the report's rows."""
    fitted = "fit_uncertainty" in report
    header = (
        "stop at (s)",
        "stop requested",
        "race lost",
        "p_race_lost",
        "95% CI",
        "analytic",
        "billed h/job",
        "USD/job",
        "USD/job after the stop",
        *(("with the fit's uncertainty",) if fitted else ()),
    )
    lines = [header]
    for row in report["rows"]:
        ci, fit = row["ci95"], row.get("fit_interval95")
        lines.append(
            (
                f"{row['stop_at']:g}",
                str(row["stop_requested"]),
                str(row["race_lost"]),
                _fmt(row["p_race_lost"]),
                f"[{ci[0]:.4f}, {ci[1]:.4f}]" if ci else "-",
                _fmt(row["analytic_p_race_lost"]),
                f"{row['mean_billed_seconds'] / 3600:.3f}",
                f"{row['mean_cost_usd']:.2f}",
                f"{row['mean_cost_after_stop_usd']:.2f}",
                *((f"[{fit[0]:.4f}, {fit[1]:.4f}]" if fit else "-",) if fitted else ()),
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    scenario = report["scenario"]
    kind = f"{KINDS[scenario['resource']].noun}s, " if "resource" in scenario else ""  # a classifier: nothing
    title = (
        f"{kind}{report['replications']} jobs per stop time, {report['engine']} engine, "
        f"seed {report['seed']}; "
        f"training {scenario['training_duration']}, stop latency {scenario['stop_latency']}, "
        f"queue {scenario['queue_delay']}, provisioning {scenario['provisioning']}, "
        f"finalization {scenario['finalization']}; warnings {scenario['p_warning']:g}, failures "
        f"{scenario['p_failure']:g} at {scenario['failure_point']}"
    )
    changed = Policy(**scenario["policy"]).changes()
    if changed:
        title += "; policy " + ", ".join(f"{name}={value}" for name, value in changed.items())
    body = ["  ".join(cell.rjust(w) for cell, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join([title, *body])


def write_outputs(result: RaceResult, report: dict[str, Any], directory: Path, usd_per_hour: float) -> None:
    """Write results.json, results.csv and the figures into ``directory`` (created if needed)."""
    from .plots import save_all  # noqa: PLC0415 - matplotlib is heavy; only --out needs it

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "results.json").write_text(json.dumps(report, indent=2) + "\n")
    with (directory / "results.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "stop_at",
                *_STATUSES,
                "stop_requested",
                "race_lost",
                "p_race_lost",
                "ci95_low",
                "ci95_high",
                "mean_billed_seconds",
                "billed_ci95_low",
                "billed_ci95_high",
                "mean_cost_usd",
                "analytic_p_race_lost",
                *(f"analytic_{s}" for s in _STATUSES),
                "analytic_mean_billed_seconds",
                "mean_billed_after_stop_seconds",
                "mean_cost_after_stop_usd",
            ]
        )
        for row in report["rows"]:
            ci = row["ci95"] or [None, None]
            billed = row["billed_ci95"] or [None, None]
            expected = row["analytic_final"]
            writer.writerow(
                [
                    row["stop_at"],
                    *(row["final"].get(s, 0) for s in _STATUSES),
                    row["stop_requested"],
                    row["race_lost"],
                    row["p_race_lost"],
                    ci[0],
                    ci[1],
                    row["mean_billed_seconds"],
                    billed[0],
                    billed[1],
                    row["mean_cost_usd"],
                    row["analytic_p_race_lost"],
                    *((expected.get(s, 0.0) if expected is not None else None) for s in _STATUSES),
                    row["analytic_mean_billed_seconds"],
                    row["mean_billed_after_stop_seconds"],
                    row["mean_cost_after_stop_usd"],
                ]
            )
    save_all(result, directory, report, usd_per_hour)


def _check_race_row(index: int, row: Any) -> None:
    """A row of a race result has a stop time, a count of stop requests and paths with counts."""
    where = f"rows[{index}]"
    if not isinstance(row, Mapping):
        raise DiagramError(f"{where} is not an object")
    stop_at, requested, paths = row.get("stop_at"), row.get("stop_requested"), row.get("paths")
    if not is_number(stop_at):
        raise DiagramError(f"{where}.stop_at must be a number of seconds, got {stop_at!r}")
    if not is_whole(requested) or requested < 0:
        raise DiagramError(f"{where}.stop_requested must be a whole number >= 0, got {requested!r}")
    if not isinstance(paths, Mapping) or not paths:
        raise DiagramError(f"{where}.paths must be an object of PATH: count with at least one path")
    for path, count in paths.items():
        if not isinstance(path, str) or not is_whole(count) or count < 0:
            raise DiagramError(f"{where}.paths: {path!r}: {count!r} is not a path with a count >= 0")


def annotations_from_race(
    report: Mapping[str, Any], stop_at: float | None = None
) -> dict[tuple[str, str], str]:
    """Arrow annotations from a race report (``stoprace race --json`` or ``results.json``): on the race
    edges, the share of stop requests sent during training that lost the race that way; on every other
    arrow, the share of jobs that reached its source and took it. Rows are pooled, or only the row of
    ``stop_at``."""
    rows = report.get("rows") if isinstance(report, Mapping) else None
    if not isinstance(rows, list) or not rows:
        raise DiagramError("not a race result: expected the JSON of `stoprace race` with its rows")
    for i, row in enumerate(rows):
        _check_race_row(i, row)
    if stop_at is not None:
        rows = [r for r in rows if float(r["stop_at"]) == float(stop_at)]
        if not rows:
            times = ", ".join(f"{float(r['stop_at']):g}" for r in report["rows"])
            raise DiagramError(f"no row for stop time {stop_at:g} s; the result has {times}")
    took: dict[tuple[str, str], int] = defaultdict(int)
    reached: dict[str, int] = defaultdict(int)
    stop_requested = sum(int(r["stop_requested"]) for r in rows)
    for row in rows:
        for path, count in row["paths"].items():
            steps = path.split(">")
            for step in steps:
                reached[step] += count
            for a, b in pairwise(steps):
                took[(a, b)] += count
    notes = {}
    for (a, b), count in took.items():
        if (a, b) in RACE_LOST_STEPS and stop_requested:
            notes[(a, b)] = f"race lost {100 * count / stop_requested:.1f}%"
        else:
            notes[(a, b)] = f"{100 * count / reached[a]:.1f}%" if reached[a] else "0 jobs"
    return notes
