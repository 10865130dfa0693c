"""Audit throughput: the audit's numpy engine against the race's numpy engine and a minimal program.

Run: ``python bench/audit_throughput.py [--replications N]``. On one scenario (the defaults, a stop at
3000 s, a poller of unknown phase) and the same draws (``stoprace.sim.draws``), prints jobs per second for

1. the race's numpy engine (``stoprace.sim.vector``): outcomes only, no poller;
2. a minimal numpy program: a waiter that fails on STOP_REQUESTED, decided by array comparisons under
   the default policy's rules (no model, no classes, no tallies);
3. the audit's numpy engine (``stoprace.sim.audit``, vector), the same waiter: verdicts, final statuses
   and the four misreports with their tallies;

and the ratios audit / race and audit / minimal. Single-threaded.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from stoprace.sim import vector
from stoprace.sim.audit import AuditScenario, audit, state_sets
from stoprace.sim.audit.jobs import draw_audit
from stoprace.sim.scenario import RaceScenario

WAITER = state_sets(
    ("SUBMITTED", "TRAINING"),
    ("TRAINED", "TRAINED_WITH_WARNING"),
    ("STOP_REQUESTED", "STOPPED", "IN_ERROR", "DELETING"),
    60.0,
    300,
)


def minimal(scenario: AuditScenario) -> int:
    """False failures by array comparisons (the default policy's rules: a stop that meets a training job
    makes it STOP_REQUESTED, which lasts to the stop's effect or, if billed training ends first, to the
    job's end with its model): a poll inside that window, on a job that does not fail."""
    found = 0
    for inputs, first in draw_audit(scenario, 0):
        t = inputs.times
        start, billed_end, end, stop, effect = t[:, 0], t[:, 2], t[:, 3], t[:, 4], t[:, 5]
        lost = billed_end <= effect  # billed training ended first: the job ends with its model
        window_end = np.where(lost, end, effect)  # STOP_REQUESTED from the stop until then
        k = np.maximum(0, np.ceil((stop - first) / WAITER.delay))
        seen = (start <= stop) & (stop < end) & (first + k * WAITER.delay < window_end)
        found += int((seen & (k < WAITER.max_attempts) & lost & (inputs.end_trigger != 2)).sum())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1_000_000)
    n = parser.parse_args().replications
    race = RaceScenario(stop_at=(3000.0,), replications=n)
    scenario = AuditScenario(race=race, poll_start="uniform:low=0,high=60")
    timings = {}
    for name, work in (
        ("race numpy engine", lambda: vector.simulate(race)),
        ("minimal numpy waiter", lambda: minimal(scenario)),
        ("audit numpy engine", lambda: audit(scenario, WAITER)),
    ):
        work()  # warm up (class tables, imports)
        started = time.perf_counter()
        result = work()
        timings[name] = time.perf_counter() - started
        print(f"{name:22} {n / timings[name]:>14,.0f} jobs/s  ({timings[name]:.2f} s)")
        if name == "audit numpy engine":
            print(f"{'':22} false failures {result.rows[0].counts['false_failure']}")
        if name == "minimal numpy waiter":
            print(f"{'':22} false failures {result}")
    audit_time = timings["audit numpy engine"]
    print(
        f"audit / race numpy engine: {audit_time / timings['race numpy engine']:.2f}x the time; "
        f"audit / minimal: {audit_time / timings['minimal numpy waiter']:.2f}x"
    )


if __name__ == "__main__":
    main()
