"""Fleet scaling: events per second, and how runtime and memory grow with the number of jobs.

Run: ``python bench/fleet_scaling.py [--sizes N N ...]`` (default: 10,000 and 100,000 jobs). Each size
runs in a fresh process (so its peak memory is its own) on the same scenario: jobs submitted as a
Poisson stream at 1 a second, polled every 10 minutes, stopped 30 minutes after submission, with the
default rate limits, faults and legacy retries. The baseline is the same program running one job: the
interpreter, numpy, simpy and the model, which every run pays once.

Prints, for each size: runtime, simpy events and events per second, the most jobs alive at once, the
peak memory and the peak above the baseline; then the ratio of runtimes (target: at most 1.2x the ratio
of jobs, i.e. linear cost) and of memory above the baseline (jobs are created as they arrive and
forgotten once finished, so memory follows the jobs alive and the few numbers each finished job leaves
for the summary's quantiles: it should grow far slower than the jobs). Per-job timelines are not kept.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import subprocess
import sys
import time

from stoprace.sim.fleet import FleetScenario, simulate

SCENARIO = FleetScenario(submit_rate=1.0, poll_interval=600.0, stop_after=1800.0)


def one(jobs: int) -> dict[str, float]:
    """Run ``jobs`` jobs in this process; return seconds, events and peak memory (MiB)."""
    started = time.perf_counter()
    result = simulate(SCENARIO.replace(jobs=jobs))
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "jobs": jobs,
        "seconds": seconds,
        "events": result.events,
        "peak_mib": peak_mib,
        "alive": result.peak_alive,
        "p_race_lost": result.p_race_lost or 0.0,
    }


def _run(jobs: int) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--single", str(jobs)], check=True, capture_output=True, text=True
    )
    run: dict[str, float] = json.loads(out.stdout)
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10_000, 100_000],
        metavar="N",
        help="numbers of jobs, smallest first (default: %(default)s)",
    )
    parser.add_argument("--single", type=int, default=None, help=argparse.SUPPRESS)  # one size, as JSON
    args = parser.parse_args()
    if args.single is not None:
        print(json.dumps(one(args.single)))
        return

    print(
        f"scenario: {SCENARIO.submit_rate:g} jobs/s, polls every {SCENARIO.poll_interval:g} s, "
        f"stop after {SCENARIO.stop_after:g} s, {SCENARIO.retry_mode} retries"
    )
    base = _run(1)["peak_mib"]
    print(f"baseline (one job): peak {base:.0f} MiB")
    runs = []
    for jobs in args.sizes:
        run = _run(jobs)
        runs.append(run)
        above = run["peak_mib"] - base
        print(
            f"{jobs:>10,} jobs: {run['seconds']:8.1f} s, {run['events']:>13,} events, "
            f"{run['events'] / run['seconds']:>9,.0f} events/s, at most {run['alive']:,} alive, "
            f"peak {run['peak_mib']:6.0f} MiB, {above:6.0f} MiB above the baseline "
            f"({above * 1024**2 / jobs:6.1f} bytes/job)",
            flush=True,
        )
    for small, large in itertools.pairwise(runs):
        factor = large["jobs"] / small["jobs"]
        ratio = large["seconds"] / small["seconds"]
        grown = (large["peak_mib"] - base) / max(small["peak_mib"] - base, 1.0)
        print(
            f"{small['jobs']:,} -> {large['jobs']:,} jobs ({factor:g}x): runtime x{ratio:.2f} "
            f"(target <= {1.2 * factor:g}), memory above the baseline x{grown:.2f}"
        )


if __name__ == "__main__":
    main()
