"""``stoprace fit``'s result: each quantity's fits, what could not be estimated and why, and a table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from stoprace.model.kinds import CLASSIFIER, KINDS
from stoprace.sim.fleet.scenario import DEFAULT_STOP_WORKERS

from .fitting import QuantityFit, bootstrap, fit_sample, frozen
from .quantities import QUANTITIES, Sample, samples
from .read import History
from .workers import MAX_INCONSISTENT, Handling, fit_handling

__all__ = ["BAND", "DEFAULT_STOP_WORKERS", "FEW", "MEASURES", "fit_history", "fit_table", "goodness_of_fit"]

#: Fewer exact values than this, and a quantity's fit carries a note that it is a guess.
FEW = 10
#: The stop workers assumed when the handling time is taken out of the stop latency: the fleet's own
#: default, so that a fit feeds a default fleet unchanged.
#: What each fitted quantity measures (in the report, the table and scenario.toml).
MEASURES = {
    "queue_delay": "TrainingStartTime - SubmitTime",
    "training_duration": "billed training, TrainingEndTime - TrainingStartTime",
    "finalization": "EndTime - TrainingEndTime",
    "stop_latency": "end to end, from the accepted stop to its effect, any wait for a stop worker "
    "included; race and audit take it",
    "stop_handling": "a stop worker's time once it has the stop, the wait for one of {workers} workers "
    "taken out; fleet takes it, with stop_workers",
}


#: The Kaplan-Meier band's level: a fitted curve of the right family leaves it at about 1 - BAND of the
#: band's steps by chance, so leaving it at more is what the warning reports.
BAND = 0.95


def goodness_of_fit(fitted: QuantityFit) -> dict[str, Any] | None:
    """How the chosen family's survival curve sits against the Kaplan-Meier estimate: the share of the
    estimate's steps (where its 95% band has width) at which the curve leaves the band, and the largest
    distance between the two curves, with where. None without a Kaplan-Meier estimate."""
    km = fitted.kaplan_meier
    if km is None:
        return None
    times, survival = np.asarray(km["time"]), np.asarray(km["survival"])
    low, high = np.asarray(km["low"]), np.asarray(km["high"])
    chosen = fitted.chosen
    curve = frozen(chosen.family, chosen.parameters).sf(times)
    banded = low < high  # before the first event and past the last, the band is the estimate itself
    outside = ((curve < low) | (curve > high))[banded]
    distance = np.abs(curve - survival)
    worst = int(np.argmax(distance))
    return {
        "band_level": BAND,
        "steps": int(banded.sum()),
        "share_outside_band": float(outside.mean()) if len(outside) else 0.0,
        "max_distance": float(distance[worst]),
        "max_distance_at_seconds": float(times[worst]),
    }


def _quantity(
    name: str, fitted: QuantityFit, exact: Any, left_out: dict[str, int], workers: int
) -> dict[str, Any]:
    """One quantity's part of the report, before any bootstrap."""
    chosen = fitted.chosen
    quantity: dict[str, Any] = {
        "measures": MEASURES[name].format(workers=workers),
        "n": fitted.n,
        "censored": fitted.censored,
        "families": [f.as_dict() for f in fitted.families],
        "chosen": {"spec": chosen.spec, "median": chosen.median, "mean": chosen.mean},
        # What ignoring the censored values would say (biased low wherever values are censored).
        "naive": {"median": float(np.median(exact)), "mean": float(exact.mean())},
        "left_out": dict(sorted(left_out.items())),
        "kaplan_meier": fitted.kaplan_meier,
    }
    fit = goodness_of_fit(fitted)
    quantity["goodness_of_fit"] = fit
    if fit is not None and fit["share_outside_band"] > 1 - BAND:
        share, distance, where = (
            fit["share_outside_band"],
            fit["max_distance"],
            fit["max_distance_at_seconds"],
        )
        quantity["warning"] = (
            f"the fitted {chosen.family} curve leaves the Kaplan-Meier {BAND:.0%} band at {share:.0%} of its "
            f"steps (a right family leaves it at about {1 - BAND:.0%}; the curves differ most, by "
            f"{distance:.2f}, at {where:.0f} s): no family fits well, see the figure"
        )
    if len(exact) < FEW:
        quantity["note"] = (
            f"only {len(exact)} exact value(s): the families' fits are guesses; "
            "gather more history before relying on them"
        )
    return quantity


def fit_history(
    history: History,
    bootstrap_replicates: int = 0,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    stop_workers: int = DEFAULT_STOP_WORKERS,
) -> dict[str, Any]:
    """The report of ``stoprace fit --json``: ``quantities`` (each with ``n``, ``censored``, ``families``
    best first, ``chosen`` with its bootstrap intervals when ``bootstrap_replicates`` is above 0, the
    replicates' specs, the Kaplan-Meier curve), ``not_estimated`` (quantity: why), ``skipped`` (records
    left out, by reason), ``failed_stop_calls`` (by error code) and the files read. The stop latency
    also gives ``stop_handling``, the wait for one of ``stop_workers`` workers taken out
    (:mod:`stoprace.sim.history.workers`).
    ``progress(done, total)`` is told of the bootstrap's replicates as they are drawn."""
    names = (*QUANTITIES, "stop_handling")
    streams = np.random.SeedSequence(seed).spawn(len(names))
    quantities: dict[str, Any] = {}
    found: dict[str, Sample] = samples(history)
    handling_fit, rounds = None, 0
    if found["stop_latency"].exact:
        handling, handling_fit, rounds = fit_handling(history, stop_workers)
        found["stop_handling"] = handling
    total = bootstrap_replicates * sum(1 for sample in found.values() if sample.exact)
    done = 0
    every = max(1, total // 200)  # the most progress reports

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % every == 0 or done == total):
            progress(done, total)

    fits, not_estimated = _fits(found, handling_fit, stop_workers)
    for name, fitted in fits.items():
        sample = found[name]
        exact, censored = sample.arrays()
        chosen = fitted.chosen
        quantities[name] = _quantity(name, fitted, exact, sample.left_out, stop_workers)
        if isinstance(sample, Handling):
            _handling_details(quantities[name], sample, rounds)
        summary = quantities[name]["chosen"]
        if bootstrap_replicates:
            rng = np.random.default_rng(streams[names.index(name)])
            drawn = bootstrap(exact, censored, chosen, bootstrap_replicates, rng, tick=tick)
            summary["intervals95"] = drawn["intervals"]
            summary["bootstrap_replicates"] = drawn["replicates"]
            quantities[name]["bootstrap_specs"] = drawn["specs"]
    return {
        "files": history.files,
        "jobs": len(history.jobs),
        # a classifier's report is as it always was; another resource says which it is
        **({} if history.resource == CLASSIFIER.name else {"resource": history.resource}),
        "stops": len(history.stops),
        "failed_stop_calls": dict(sorted(history.failed_stops.items())),
        "quantities": {k: quantities[k] for k in names if k in quantities},
        "not_estimated": not_estimated,
        "skipped": dict(sorted(history.skipped.items())),
    }


def _fits(
    found: dict[str, Sample], handling_fit: QuantityFit | None, stop_workers: int
) -> tuple[dict[str, QuantityFit], dict[str, str]]:
    """Each quantity's fit, or why it has none."""
    fits: dict[str, QuantityFit] = {}
    not_estimated: dict[str, str] = {}
    for name, sample in found.items():
        exact, censored = sample.arrays()
        if not len(exact):
            why = ", ".join(f"{k}: {v}" for k, v in sorted(sample.left_out.items())) or "no jobs"
            not_estimated[name] = f"no exact value ({len(censored)} censored; {why})" + (
                "; it stays assumed" if name == "stop_latency" else ""
            )
        elif not isinstance(sample, Handling):
            fits[name] = fit_sample(exact, censored)
        elif handling_fit is not None:
            fits[name] = handling_fit
        else:
            not_estimated[name] = (
                f"{sample.inconsistent} of {len(exact)} stopped jobs ended before one of {stop_workers} stop "
                f"workers could have taken their stop (more than {MAX_INCONSISTENT:.0%}): the history shows "
                "more workers; refit with a larger --stop-workers"
            )
    return fits, not_estimated


def _handling_details(quantity: dict[str, Any], handling: Handling, rounds: int) -> None:
    """The workers assumed, the stops inconsistent with them and the rounds the replay took."""
    quantity.update(workers=handling.workers, inconsistent=handling.inconsistent, rounds=rounds)
    if handling.inconsistent:
        quantity["note"] = (
            f"{handling.inconsistent} stopped job(s) ended before one of {handling.workers} workers could "
            "have taken the stop (counted as handled at once)"
        )


def fit_table(report: dict[str, Any]) -> str:
    """A readable summary of a fit report."""
    failed = sum(report["failed_stop_calls"].values())
    noun = KINDS[report.get("resource", CLASSIFIER.name)].noun
    lines = [
        f"{report['jobs']} {noun}s, {report['stops']} accepted stops ({failed} failed stop calls) "
        f"from {len(report['files'])} files"
    ]
    for name, fitted in report["quantities"].items():
        chosen = fitted["chosen"]
        others = ", ".join(
            f"{f['family']} {f['aic'] - fitted['families'][0]['aic']:+.1f}" for f in fitted["families"][1:]
        )
        interval = chosen.get("intervals95", {}).get("median")
        within = f" [95% {interval[0]:.1f}-{interval[1]:.1f}]" if interval else ""
        lines.append(f"{name}: {fitted['measures']}")
        lines.append(
            f"  {chosen['spec']} (median {chosen['median']:.1f} s{within}, mean "
            f"{chosen['mean']:.1f} s; {fitted['n']} jobs, {fitted['censored']} censored; "
            f"AIC of the others: {others or '-'})"
        )
        for key in ("warning", "note"):
            if key in fitted:
                lines.append(f"  {key}: {fitted[key]}")
    for name, why in report["not_estimated"].items():
        lines.append(f"{name}: not estimated: {why}")
    if report["skipped"]:
        lines.append("skipped: " + ", ".join(f"{k} {v}" for k, v in report["skipped"].items()))
    return "\n".join(lines)
