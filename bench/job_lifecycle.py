"""Job lifecycle cost: creating a TrainingJob, and running it through a lost race, against a minimal
hand-written program doing the same.

Run: ``python bench/job_lifecycle.py [--jobs N]``. Prints jobs per second for

1. creating ``TrainingJob`` s (no Machine per job: the policy's Machine is shared);
2. creating each and firing ``start_training``, ``stop``, ``finish_training`` (a lost race), under the
   policy without the phases of ``TRAINING`` (the same three steps as a minimal program);
3. the same lost race under the default policy, which takes two more steps (``begin_billing`` and
   ``end_billing``);
4. a minimal program: a dict from (status, trigger) to the next status, a list for the path and a dict
   for the times, doing the three steps of 2;

and the ratio of 2 to 4. Every simulator creates and fires jobs like this, so a change to the
lifecycle's machinery shows here first. Best of three runs each.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from stoprace.model import Policy, TrainingJob

_UNPHASED = Policy(billing_start="with_training", billing_end="with_end")

_NEXT = {
    ("SUBMITTED", "start_training"): "TRAINING",
    ("TRAINING", "stop"): "STOP_REQUESTED",
    ("STOP_REQUESTED", "finish_training"): "TRAINED",
}
_STEPS = (("start_training", 1.0), ("stop", 2.0), ("finish_training", 3.0))
_PHASED_STEPS = (
    ("start_training", 1.0),
    ("begin_billing", 1.5),
    ("stop", 2.0),
    ("end_billing", 2.5),
    ("finish_training", 3.0),
)


def create(n: int) -> None:
    for _ in range(n):
        TrainingJob(at=0.0)


def lost_race(n: int) -> None:
    for _ in range(n):
        job = TrainingJob(_UNPHASED, at=0.0)
        for trigger, at in _STEPS:
            job.fire(trigger, at=at)


def lost_race_phased(n: int) -> None:
    for _ in range(n):
        job = TrainingJob(at=0.0)
        for trigger, at in _PHASED_STEPS:
            job.fire(trigger, at=at)


def minimal(n: int) -> None:
    for _ in range(n):
        state, path, times = "SUBMITTED", ["SUBMITTED"], {"SubmitTime": 0.0}
        for trigger, at in _STEPS:
            state = _NEXT[state, trigger]
            path.append(state)
            times[trigger] = at


def best(work: Callable[[int], None], n: int) -> float:
    timings = []
    for _ in range(3):
        began = time.perf_counter()
        work(n)
        timings.append(time.perf_counter() - began)
    return min(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=50_000, help="jobs per run (default: %(default)s)")
    n = parser.parse_args().jobs
    results = {}
    runs = (
        ("create TrainingJob", create),
        ("create + lost race", lost_race),
        ("  the same, with phases", lost_race_phased),
        ("minimal", minimal),
    )
    for name, work in runs:
        seconds = best(work, n)
        results[name] = seconds
        print(f"{name:<22} {seconds:8.3f} s  {n / seconds:>12,.0f} jobs/s")
    print(f"ratio lost race / minimal: {results['create + lost race'] / results['minimal']:.1f}")


if __name__ == "__main__":
    main()
