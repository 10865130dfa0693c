"""Sweeps: identical results on every backend, resumable after a kill, refusing foreign results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stoprace.sim.sweep import Sweep, SweepError, load_results, run_cell, run_sweep, sweep_from_toml

ROOT = Path(__file__).resolve().parent.parent
SWEEP = Sweep(
    "race",
    base={"replications": 4000, "stop_at": [1800.0, 3600.0]},
    grid={
        "stop_latency": ["exponential:mean=60", "exponential:mean=300", "fixed:120"],
        "training_duration": ["lognormal:median=3600,sigma=0.2", "gamma:shape=4,scale=900"],
    },
    seed=7,
)


def stoprace(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "stoprace", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def test_the_same_sweep_gives_identical_results_on_every_backend(tmp_path):
    serial = run_sweep(SWEEP, tmp_path / "serial.csv", backend="serial")
    processes = run_sweep(SWEEP, tmp_path / "processes.csv", backend="processes", workers=2)
    assert serial.computed == processes.computed == 6
    expected = (tmp_path / "serial.csv").read_bytes()
    assert (tmp_path / "processes.csv").read_bytes() == expected
    pytest.importorskip("distributed", reason="the Dask backend needs the dask extra")
    dask = run_sweep(SWEEP, tmp_path / "dask.csv", backend="dask", dask_local=2)
    assert dask.computed == 6
    assert (tmp_path / "dask.csv").read_bytes() == expected
    assert len(load_results(tmp_path / "serial.csv")) == 12  # 6 cells x 2 stop times


def test_a_cells_result_depends_on_its_settings_not_on_its_place(tmp_path):
    reordered = Sweep(
        SWEEP.kind,
        base=SWEEP.base,
        seed=SWEEP.seed,
        grid={k: list(reversed(v)) for k, v in SWEEP.grid.items()},
    )
    run_sweep(SWEEP, tmp_path / "a.csv", backend="serial")
    run_sweep(reordered, tmp_path / "b.csv", backend="serial")

    def by_settings(path):
        return {
            (r["stop_latency"], r["training_duration"], r["stop_at"]): {k: r[k] for k in r if k != "cell"}
            for r in load_results(path)
        }

    assert by_settings(tmp_path / "a.csv") == by_settings(tmp_path / "b.csv")
    other_seed = Sweep(SWEEP.kind, base=SWEEP.base, grid=SWEEP.grid, seed=8)
    assert [c.seed for c in other_seed.cells()] != [c.seed for c in SWEEP.cells()]


def test_a_resumed_sweep_skips_finished_cells_and_drops_a_torn_line(tmp_path):
    whole = tmp_path / "whole.csv"
    run_sweep(SWEEP, whole, backend="serial")
    part = tmp_path / "part.csv"
    run_sweep(SWEEP, part, backend="serial")
    lines = part.read_text().splitlines(keepends=True)
    # Keep the header and the first two cells (4 rows), then half a line, as a kill mid-write leaves it.
    part.write_text("".join(lines[:5]) + lines[5][: len(lines[5]) // 2])
    resumed = run_sweep(SWEEP, part, backend="serial")
    assert (resumed.resumed, resumed.computed) == (2, 4)
    assert part.read_bytes() == whole.read_bytes()


def test_a_results_file_of_another_sweep_is_refused(tmp_path):
    path = tmp_path / "results.csv"
    run_sweep(SWEEP, path, backend="serial")
    other = Sweep(SWEEP.kind, base={**SWEEP.base, "replications": 5000}, grid=SWEEP.grid, seed=SWEEP.seed)
    with pytest.raises(SweepError, match="different sweep definition"):
        run_sweep(other, path, backend="serial")
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("a,b\n1,2\n")
    with pytest.raises(SweepError, match="not written by a sweep"):
        run_sweep(SWEEP, foreign, backend="serial")
    assert foreign.read_text() == "a,b\n1,2\n"  # left as it was


@pytest.mark.slow
def test_killed_midway_and_resumed_from_the_command_line_gives_the_same_results(tmp_path):
    latencies = "|".join(f"exponential:mean={m}" for m in (60, 180, 600, 1200))
    args = [
        "sweep",
        "race",
        "--grid",
        f"stop_latency={latencies}",
        "stop_at=1200:6000:1200",
        "--set",
        "replications=150000",
        "--backend",
        "serial",
        "--seed",
        "3",
    ]
    (tmp_path / "whole").mkdir()
    (tmp_path / "killed").mkdir()
    whole = stoprace(*args, "--out", "results.csv", cwd=tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr
    assert "(20 cells, 20 rows" in whole.stdout
    assert (tmp_path / "whole" / "results.png").is_file()

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    results = tmp_path / "killed" / "results.csv"
    quiet = subprocess.DEVNULL
    victim = subprocess.Popen(
        [sys.executable, "-m", "stoprace", *args, "--out", "results.csv"],
        cwd=tmp_path / "killed",
        env=env,
        stdout=quiet,
        stderr=quiet,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and victim.poll() is None:
        if results.exists() and len(results.read_text().splitlines()) >= 6:  # header and 5 cells
            break
        time.sleep(0.02)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    done = len(results.read_text().splitlines()) - 1
    assert 5 <= done < 20, done
    resumed = stoprace(*args, "--out", "results.csv", cwd=tmp_path / "killed")
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed: {done} of 20 cells were already in results.csv; computed {20 - done}" in resumed.stdout
    assert results.read_bytes() == (tmp_path / "whole" / "results.csv").read_bytes()


def _processes_with(token: str) -> list[int]:
    """The processes whose command line holds ``token`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if token in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:  # gone meanwhile
                continue
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="reads processes from Linux's /proc")
def test_a_killed_sweep_leaves_no_worker_processes_behind(tmp_path):
    """SIGKILL gives the sweep no chance to stop its pool: its workers notice their parent is gone."""
    out = tmp_path / "orphans.csv"
    args = [
        "sweep",
        "race",
        "--grid",
        "stop_latency=exponential:mean=60|exponential:mean=600",
        "stop_at=600:6000:600",
        "--set",
        "replications=400000",
        "--backend",
        "processes",
        "--workers",
        "2",
        "--out",
        str(out),
    ]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    victim = subprocess.Popen(
        [sys.executable, "-m", "stoprace", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_processes_with(str(out))) < 3 and victim.poll() is None:
        time.sleep(0.05)
    assert victim.poll() is None, "the sweep ended before its workers could be seen"
    assert len(_processes_with(str(out))) == 3  # the sweep and its two workers
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    deadline = time.monotonic() + 60  # a worker looks for its parent twice a second
    while time.monotonic() < deadline and _processes_with(str(out)):
        time.sleep(0.1)
    assert _processes_with(str(out)) == []


def test_a_sweep_file(tmp_path):
    spec = tmp_path / "sweep.toml"
    spec.write_text(
        'kind = "race"\nseed = 5\n[base]\nreplications = 3000\nstop_at = [3000]\n'
        '[grid]\nstop_latency = ["exponential:mean=60", "exponential:mean=600"]\n'
        'policy = { race_outcomes = ["all", "trained_or_stopped"] }\n'
    )
    result = stoprace("sweep", "--file", str(spec), "--out", "r.csv", "--backend", "serial", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = load_results(tmp_path / "r.csv")
    assert [r["policy.race_outcomes"] for r in rows] == ["all", "trained_or_stopped"] * 2
    assert (tmp_path / "r.png").is_file()


def test_a_fleet_sweep(tmp_path):
    sweep = Sweep("fleet", base={"jobs": 40, "submit_rate": 0.5}, grid={"retry_mode": ["legacy", "standard"]})
    run_sweep(sweep, tmp_path / "fleet.csv", backend="serial")
    rows = load_results(tmp_path / "fleet.csv")
    assert [r["retry_mode"] for r in rows] == ["legacy", "standard"]
    assert all(int(r["jobs"]) == 40 for r in rows)
    assert run_cell("fleet", sweep.cells()[0].scenario_params())[0]["jobs"] == 40


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "stop_latncy=fixed:1|fixed:2"], "unknown race field 'stop_latncy'"),
        (["--grid", "stop_at=600:100:600"], "END >= START and STEP > 0"),
        (["--grid", "stop_latency=normal:mean=3"], "unknown family 'normal'"),
        (["--grid", "replications=many"], "replications='many' is not a valid int"),
        (["--set", "replications=100"], "needs a grid"),
        (["--grid", "policy.race_outcomes=sometimes"], "race_outcomes"),
        (["--grid", "seed=1|2"], "seed"),
    ],
)
def test_bad_grids_exit_2_with_one_line(tmp_path, args, message):
    result = stoprace("sweep", *args, "--out", "r.csv", cwd=tmp_path)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "r.csv").exists()


def test_toml_errors_are_clear():
    with pytest.raises(SweepError, match="unknown keys in the sweep file: grids"):
        sweep_from_toml('kind = "race"\n[grids]\nstop_at = [1]\n')
    with pytest.raises(SweepError, match="not valid TOML"):
        sweep_from_toml("kind = \n")


def test_the_results_file_records_its_definition(tmp_path):
    run_sweep(SWEEP, tmp_path / "r.csv", backend="serial")
    meta = json.loads((tmp_path / "r.csv.sweep.json").read_text())
    assert meta["fingerprint"] == SWEEP.fingerprint()
    assert meta["definition"]["grid"]["stop_latency"][0] == "exponential:mean=60"


def test_a_grid_past_the_cell_limit_is_refused_before_any_cell_is_built():
    from stoprace.sim.sweep.definition import MAX_CELLS  # noqa: PLC0415

    grid = {
        "p_warning": [0.0, 0.5],
        "p_failure": [i / 1000 for i in range(1000)],
        "stop_latency": [f"fixed:{i}" for i in range(100)],
        "queue_delay": ["fixed:1", "fixed:2"],
    }
    with pytest.raises(SweepError, match=f"400,000 cells; at most {MAX_CELLS:,}"):
        Sweep("race", grid=grid)


def test_a_sweep_of_text_jobs_runs_their_race_under_their_policy(tmp_path):
    from stoprace.model.policy import JobPolicy  # noqa: PLC0415
    from stoprace.sim.sweep.definition import build_scenario  # noqa: PLC0415
    from stoprace.sim.sweep.run import run_cell  # noqa: PLC0415

    params = {"kind": "text-translation-job", "replications": 200, "stop_at": [60.0, 300.0],
              "policy.stop_when_submitted": "reject", "seed": 7}  # fmt: skip
    scenario = build_scenario("text", params)
    assert scenario.kind.name == "text-translation-job"
    assert scenario.policy == JobPolicy(stop_when_submitted="reject")
    rows = run_cell("text", params)
    assert [row["stop_at"] for row in rows] == [60.0, 300.0]
    assert all(row["jobs"] == 200 for row in rows)
    assert all(
        row["STOPPED"] + row["COMPLETED"] + row["COMPLETED_WITH_ERROR"] + row["FAILED"] == 200 for row in rows
    )
    assert rows == run_cell("text", params)  # the same seed, the same numbers
    from stoprace.sim.sweep import SweepError, parse_value  # noqa: PLC0415

    with pytest.raises(SweepError, match="unknown policy field 'deletable'"):
        parse_value("text", "policy.deletable", "documented")
