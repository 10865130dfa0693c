"""Race throughput: each engine against a minimal hand-written program doing the same job.

Run: ``python bench/race_throughput.py [--replications N]``. Prints replications per second for

1. a minimal simpy program: one process per job, timeouts to its events, the outcome decided inline;
2. stoprace's simpy engine (``stoprace.sim.race``), which fires the model's triggers on a TrainingJob per job;
3. a minimal numpy program: the same draws, the outcome decided by array comparisons;
4. stoprace's numpy engine (``stoprace.sim.vector``);

and the ratios engine / minimal (targets: simpy <= 1.5x, numpy <= 3x and > 5 million per second). All
four use the same scenario and the same draws (``stoprace.sim.draws``), so they do the same work; timing the
draws separately shows how much of each run they are. Single-threaded: numpy's BLAS plays no part.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np
import simpy

from stoprace.sim import race, vector
from stoprace.sim.draws import JobInputs, draw_batches
from stoprace.sim.outcome import path_flags
from stoprace.sim.scenario import RaceScenario

SCENARIO = RaceScenario(stop_at=(3000.0,))


def minimal_simpy(inputs: JobInputs) -> int:
    """Race lost count, one simpy process per job, no model (the default policy's rules: a stop meets
    the job while it is TRAINING, and loses when billed training ends before the stop takes effect)."""
    env = simpy.Environment()
    lost = [0]

    def job(times: list[float], fails: bool):  # type: ignore[no-untyped-def]
        q, _, billed_end, end, s, eff = times
        yield env.timeout(q)
        if s < q:
            return
        if end <= s:
            yield env.timeout(end - env.now)
            return
        yield env.timeout(s - env.now)
        if billed_end <= eff:
            yield env.timeout(end - env.now)
            lost[0] += not fails
        else:
            yield env.timeout(eff - env.now)

    for times, trigger in zip(inputs.times.tolist(), inputs.end_trigger.tolist(), strict=True):
        env.process(job(times, trigger == 2))
    env.run()
    return lost[0]


def minimal_numpy(inputs: JobInputs) -> int:
    """Race lost count by array comparisons, no model (the rules of :func:`minimal_simpy`)."""
    q, _, billed_end, end, s, eff = inputs.times.T
    entered = (q <= s) & (s < end)
    return int(np.count_nonzero(entered & (billed_end <= eff) & (inputs.end_trigger != 2)))


def timed(label: str, work: Callable[[], object], jobs: int) -> float:
    started = time.perf_counter()
    work()
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:8.3f} s  {jobs / seconds:14,.0f} replications/s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=200_000, help="jobs (default: %(default)s)")
    parser.add_argument(
        "--simpy-replications",
        type=int,
        default=20_000,
        help="jobs for the two simpy runs, which are slower (default: %(default)s)",
    )
    args = parser.parse_args()

    fast = SCENARIO.replace(replications=args.replications)
    slow = SCENARIO.replace(replications=args.simpy_replications)
    fast_inputs = list(draw_batches(fast, 0))
    slow_inputs = list(draw_batches(slow, 0))
    policy = SCENARIO.policy

    print(f"scenario: {SCENARIO.training_duration}, stop at {SCENARIO.stop_at[0]:g} s")
    t_draws = timed("draws alone (numpy runs)", lambda: list(draw_batches(fast, 0)), fast.replications)
    n_slow, n_fast = slow.replications, fast.replications
    t_min_simpy = timed("minimal simpy program", lambda: [minimal_simpy(b) for b in slow_inputs], n_slow)
    t_simpy = timed(
        "simpy engine (stoprace.sim.race)",
        lambda: [race.simulate_batch(policy, b) for b in slow_inputs],
        n_slow,
    )
    t_min_numpy = timed("minimal numpy program", lambda: [minimal_numpy(b) for b in fast_inputs], n_fast)
    t_numpy = timed(
        "numpy engine (stoprace.sim.vector)",
        lambda: [vector.simulate_batch(policy, b) for b in fast_inputs],
        n_fast,
    )
    print(f"ratio simpy engine / minimal simpy: {t_simpy / t_min_simpy:6.2f}  (target <= 1.5)")
    print(f"ratio numpy engine / minimal numpy: {t_numpy / t_min_numpy:6.2f}  (target <= 3)")
    print(f"  the same with the draws both need: {(t_draws + t_numpy) / (t_draws + t_min_numpy):6.2f}")
    print(f"numpy engine: {fast.replications / t_numpy:,.0f} replications/s  (target > 5,000,000)")

    lost_minimal = sum(minimal_numpy(b) for b in fast_inputs)
    lost_engine = sum(
        sum(path_flags(p)[1] for p in vector.simulate_batch(policy, b).paths) for b in fast_inputs
    )
    print(f"check: races lost, minimal numpy {lost_minimal}, numpy engine {lost_engine}")


if __name__ == "__main__":
    main()
