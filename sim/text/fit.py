"""``stoprace fit`` of a history of jobs that process text: what it can estimate, with censoring.

A text job's record has no start of processing (evidence: ``analysis-job-records``): only ``SubmitTime``
(Translate: ``SubmittedTime``) and ``EndTime``. So its queue and its processing cannot be told apart; what a
history shows is

- **the duration**, ``EndTime - SubmitTime``: exact for a job that completed (``COMPLETED``,
  ``COMPLETED_WITH_ERROR``), and a lower bound (right-censored) for one that was stopped or failed: it would
  have run longer;
- **the stop latency**, from the first accepted stop call (CloudTrail) to ``EndTime``: exact for a job that
  ended ``STOPPED``, and a lower bound for one that completed after it (the race was lost: the stop had not
  taken effect by then);
- **the cycle**: whether the durations gather near multiples of a period (the recorded ones near two
  minutes), as the share of durations within a tenth of a period of a multiple of it.

Each is fitted by maximum likelihood with censoring (:func:`stoprace.sim.history.fitting.fit_sample`).
Running a text race from them needs what the history does not hold: how much of the duration is queue,
and the documents' count, sizes and rate (a race's ``--documents``, ``--document-size``, ``--rate``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from stoprace.model.analysis import JOB_ALL_DONE, JOB_STOPPED
from stoprace.sim.history.fitting import fit_sample
from stoprace.sim.history.read import History

__all__ = ["CYCLES", "text_fit", "text_fit_table"]

_DONE = frozenset(s.value for s in JOB_ALL_DONE)
#: The periods the cycle test tries (seconds).
CYCLES = (60.0, 120.0, 300.0)


def _samples(history: History) -> dict[str, tuple[list[float], list[float]]]:
    """(exact, censored) values of the duration and of the stop latency."""
    duration: tuple[list[float], list[float]] = ([], [])
    latency: tuple[list[float], list[float]] = ([], [])
    for job_id, job in history.jobs.items():
        if job.end is None:
            continue  # still running: nothing to learn without a "now"
        span = max(job.end - job.submit, 0.0)
        duration[0 if job.status in _DONE else 1].append(span)
        stop = history.stops.get(job_id)
        if stop is not None and stop <= job.end:
            (latency[0] if job.status == JOB_STOPPED else latency[1]).append(job.end - stop)
    return {"duration": duration, "stop_latency": latency}


def _cycle(durations: list[float]) -> dict[str, Any] | None:
    """For each period, the share of durations within a tenth of a period of a multiple of it (a fifth
    of them would be by chance)."""
    if len(durations) < 5:
        return None
    values = np.asarray(durations)
    shares = {}
    for period in CYCLES:
        offset = np.abs(((values + period / 2) % period) - period / 2)
        shares[f"{period:g}"] = float(np.mean(offset <= period / 10))
    return {"share_near_a_multiple": shares, "by_chance": 0.2}


def text_fit(history: History) -> dict[str, Any]:
    """The fits of a text-job history (one kind), as plain data."""
    samples = _samples(history)
    found: dict[str, Any] = {}
    for name, (exact, censored) in samples.items():
        entry: dict[str, Any] = {"exact": len(exact), "censored": len(censored)}
        if exact:
            fitted = fit_sample(np.asarray(exact), np.asarray(censored))
            entry["chosen"] = fitted.chosen.spec
            entry["families"] = [{"spec": f.spec, "aic": f.aic, "median": f.median} for f in fitted.families]
        else:
            entry["chosen"] = None
            entry["why_not"] = "no exact value: only lower bounds" if censored else "no data"
        found[name] = entry
    return {
        "resource": history.resource,
        "jobs": len(history.jobs),
        "stops": len(history.stops),
        "statuses": dict(sorted({j.status: 0 for j in history.jobs.values()}.items())) | _counts(history),
        "fits": found,
        "cycle": _cycle(samples["duration"][0]),
        "not_estimable": "the queue and the processing apart (no start of processing is recorded), and the "
        "documents' count, sizes and rate",
    }


def _counts(history: History) -> dict[str, int]:
    counts: dict[str, int] = {}
    for job in history.jobs.values():
        counts[job.status] = counts.get(job.status, 0) + 1
    return dict(sorted(counts.items()))


def text_fit_table(report: dict[str, Any]) -> str:
    """The fit report for a terminal."""
    lines = [
        f"{report['jobs']} {report['resource']}s, {report['stops']} with a stop call: "
        + ", ".join(f"{n} {s}" for s, n in report["statuses"].items())
    ]
    for name, entry in report["fits"].items():
        what = entry["chosen"] or entry["why_not"]
        lines.append(f"{name}: {what} ({entry['exact']} exact, {entry['censored']} lower bounds)")
    if report["cycle"] is not None:
        shares = report["cycle"]["share_near_a_multiple"]
        lines.append(
            "durations near a multiple of "
            + ", ".join(f"{p} s: {share:.0%}" for p, share in shares.items())
            + " (by chance: 20%)"
        )
    lines.append(f"not estimable from a history: {report['not_estimable']}")
    return "\n".join(lines)
