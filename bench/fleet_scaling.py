"""Fleet scaling: events per second, and how runtime and memory grow from 10,000 to 100,000 jobs.

Run: ``python bench/fleet_scaling.py [--small N] [--large N]``. Each size runs in a fresh process (so
its peak memory is its own) on the same scenario: jobs submitted as a Poisson stream at 1 a second,
polled every 10 minutes, stopped 30 minutes after submission, with the default rate limits, faults and
legacy retries. Prints runtime, simpy events processed and events per second for each size, peak
memory per job, and the ratio of runtimes (target: at most 12x for 10x the jobs, i.e. linear cost).
Per-job timelines are not kept (``keep_timeline=False``), so nothing grows with the number of events.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

from sim.fleet import FleetScenario, simulate

SCENARIO = FleetScenario(submit_rate=1.0, poll_interval=600.0, stop_after=1800.0)


def one(jobs: int) -> dict[str, float]:
    """Run ``jobs`` jobs in this process; return seconds, events and peak memory (MiB)."""
    started = time.perf_counter()
    result = simulate(SCENARIO.replace(jobs=jobs))
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"jobs": jobs, "seconds": seconds, "events": result.events, "peak_mib": peak_mib,
            "p_race_lost": result.p_race_lost or 0.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000, help="jobs, small run (default: %(default)s)")
    parser.add_argument("--large", type=int, default=100_000, help="jobs, large run (default: %(default)s)")
    parser.add_argument("--single", type=int, default=None, help=argparse.SUPPRESS)  # one size, as JSON
    args = parser.parse_args()
    if args.single is not None:
        print(json.dumps(one(args.single)))
        return

    print(f"scenario: {SCENARIO.submit_rate:g} jobs/s, polls every {SCENARIO.poll_interval:g} s, "
          f"stop after {SCENARIO.stop_after:g} s, {SCENARIO.retry_mode} retries")
    runs = []
    for jobs in (args.small, args.large):
        out = subprocess.run([sys.executable, __file__, "--single", str(jobs)], check=True,
                             capture_output=True, text=True)
        run = json.loads(out.stdout)
        runs.append(run)
        print(f"{jobs:>8,} jobs: {run['seconds']:7.2f} s, {run['events']:>11,} events, "
              f"{run['events'] / run['seconds']:>9,.0f} events/s, {run['events'] / jobs:5.1f} events/job, "
              f"peak {run['peak_mib']:6.0f} MiB ({run['peak_mib'] * 1024 / jobs:5.1f} KiB/job)")
    small, large = runs
    factor = large["jobs"] / small["jobs"]
    ratio = large["seconds"] / small["seconds"]
    print(f"runtime ratio {ratio:.2f} for {factor:g}x the jobs (target <= {1.2 * factor:g})")
    print(f"events per job: {small['events'] / small['jobs']:.2f} and {large['events'] / large['jobs']:.2f}")


if __name__ == "__main__":
    main()
