"""Sweep backends: the speed-up of local processes over one process, and Dask's overhead per cell.

Run: ``python bench/sweep_backends.py [--cells N] [--replications N]``. Two sweeps, each run on every
backend into fresh files (the results are checked to be byte-identical):

1. heavy cells (``--replications`` jobs at 4 stop times each): the speed-up of ``processes`` (one per
   core) and of a Dask ``LocalCluster`` (one worker per core) over ``serial``;
2. trivial cells (1 job each), at ``--cells`` and at ten times as many: each backend's start-up (the
   pool or cluster) and its overhead per cell, from the difference.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from stoprace.sim.sweep import Sweep, run_sweep


def grid(cells: int, replications: int) -> Sweep:
    latencies = [f"exponential:mean={30 + 30 * i}" for i in range(cells)]
    return Sweep(
        "race",
        base={"replications": replications, "stop_at": [1800.0, 2700.0, 3600.0, 4500.0]},
        grid={"stop_latency": latencies},
        seed=1,
    )


def timed(sweep: Sweep, folder: Path, backend: str) -> tuple[float, bytes]:
    path = folder / f"{backend}-{sweep.fingerprint()[:12]}.csv"
    started = time.perf_counter()
    run_sweep(sweep, path, backend=backend, dask_local=os.cpu_count())
    return time.perf_counter() - started, path.read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=24, help="cells per sweep (default: %(default)s)")
    parser.add_argument("--replications", type=int, default=400_000, help="jobs per heavy cell")
    args = parser.parse_args()
    backends = ["serial", "processes", "dask"]
    print(f"{os.cpu_count()} cores; {args.cells} cells per sweep")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sweeps = (("heavy", grid(args.cells, args.replications)), ("trivial", grid(args.cells, 1)))
        for label, sweep in sweeps:
            times, outputs = {}, set()
            for backend in backends:
                times[backend], output = timed(sweep, folder, backend)
                outputs.add(output)
            assert len(outputs) == 1, "backends disagree"
            line = ", ".join(f"{b} {t:.2f} s ({1000 * t / args.cells:.0f} ms/cell)" for b, t in times.items())
            print(f"{label} cells: {line}")
            print(
                f"  speed-up over serial: processes {times['serial'] / times['processes']:.2f}x, "
                f"dask {times['serial'] / times['dask']:.2f}x"
            )
            if label == "trivial":
                many = grid(10 * args.cells, 1)
                for backend in backends:
                    more, _ = timed(many, folder, backend)
                    per_cell = (more - times[backend]) / (9 * args.cells)
                    print(
                        f"  {backend}: {1000 * per_cell:.2f} ms per extra cell, "
                        f"{times[backend] - per_cell * args.cells:.2f} s to start"
                    )
    print("identical results on every backend")


if __name__ == "__main__":
    main()
