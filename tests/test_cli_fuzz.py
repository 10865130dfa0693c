"""A fuzz test of the command line: argument lists drawn from a grammar of plausible and implausible
values (numbers at the edges, NaN, infinity, huge and negative values, times with and without units,
malformed specs, paths that cannot be written, damaged files, a FIFO, a device, JSON and TOML nested a
hundred thousand deep, TOML's dates, times, tables and huge integers) end in exit 0 or 2 (1 where a
command reports a finding), one line on
standard error for a user error, and never a traceback. The work stays bounded: the counts of jobs and
replications come from a small pool, and the fleet's event guard stops a run that stalls."""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import stoprace.sim.fleet
from stoprace.sim.cli import build_parser, main

NUMBERS = ["0", "-1", "1", "2.5", "60", "3600", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "x", ""]
# Times with units, good and bad (taken wherever seconds are, as a time; elsewhere refused as a number)
NUMBERS += ["90s", "20m", "1h30m", "1.5h", "9999999999h", "h", "m30", "1h-5m", "30m,1h", "10m:2h:10m"]
SPECS = [
    "fixed:0",
    "fixed:60",
    "fixed:-1",
    "uniform:low=5,high=1",
    "uniform:low=0,high=60",
    "lognormal:median=1e300,sigma=50",
    "exponential:mean=0",
    "gamma:shape=1e-300,scale=1",
    "weibull:shape=0.5,scale=100",
    "uniform:low=0,high=1e-12",
    "bogus",
    "fixed:",
    "empirical:{missing}",
]
STOPS = ["0:1e12:1", "0:inf:1", "1800,3600", "3000", "", "-5", "10:0:1", "0:7200:0", "none"]
COUNTS = ["0", "-3", "1", "7", "40", "x", "1e3"]
PATHS = ["{missing}/x", "{file}", "{directory}", "{damaged}", "/proc/stoprace/x", "{directory}/fresh"]
# What is not a regular file, what nests too deeply, and every value type TOML can hold (dates, times,
# arrays of tables, nested tables, huge integers) in scenario and sweep files.
PATHS += ["{fifo}", "/dev/zero", "{deep_json}", "{deep_toml}", "{dates}", "{tables}", "{huge}", "{fitted}"]
TOML_FILES = {
    "dates": "queue_delay = 1979-05-27T07:32:00Z\np_failure = 07:32:00\nseed = 1979-05-27\n"
    "[grid]\nstop_at = [1979-05-27]\n",
    "tables": "[[queue_delay]]\nx = 1\n[base.policy]\nstop_when_submitted = {a = 1}\n"
    "[grid]\nstop_at = [[1, 2], [3]]\n",
    "huge": "stop_workers = 99999999999999999999999\nseed = 99999999999999999999\n[base]\n"
    "replications = 99999999999999999999\n[grid]\nstop_at = [1e400]\n",
    "fitted": 'stop_latency = "exponential:mean=600"\nstop_handling = "exponential:mean=30"\n'
    "stop_workers = 4\n",
}
POLICIES = [
    "stop_when_submitted=ignored",
    "billing_end=with_end",
    "race_outcomes=trained_or_stopped",
    "x=y",
    "stop_when_submitted",
    "=",
    "billing_start=nope",
]
RATE_LIMITS = ["stop=5", "stop=1:2", "describe=none", "create=0.5:1", "stop=0", "stop=1:0", "bogus=1", "stop"]
STATUS_SETS = ["TRAINED", "TRAINED,TRAINED_WITH_WARNING", "STOP_REQUESTED,STOPPED", "DONE", ""]

# Options whose value sets the amount of work: drawn from COUNTS only, so every run stays small.
_COUNT_OPTIONS = {
    "--replications",
    "--jobs",
    "--max-attempts",
    "--training-slots",
    "--stop-workers",
    "--workers",
    "--dask-local",
    "--bootstrap",
}
# Not fuzzed: they reach a network or a cluster, or run the whole exhaustive check.
_SKIPPED = {"--scheduler", "--backend", "--dask-local", "--client", "--with-spin"}
_COMMANDS = ("race", "fleet", "audit", "sweep", "diagram", "model", "check", "fit", "export")
# History files for `fit`: AWS's shapes (tests/data/history), and their directory, beside missing,
# damaged and foreign ones.
_HISTORY_DIR = Path(__file__).parent / "data" / "history"
_HISTORY = [str(_HISTORY_DIR), *(str(p) for p in sorted(_HISTORY_DIR.iterdir()))]


def _options() -> dict[str, list[str]]:
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    found = {}
    for name in _COMMANDS:
        found[name] = [
            o
            for a in commands[name]._actions
            for o in a.option_strings
            if o.startswith("--") and o not in ("--help", *_SKIPPED)
        ]
    return found


OPTIONS = _options()


def _value(option: str) -> st.SearchStrategy[str]:
    if option in _COUNT_OPTIONS:
        return st.sampled_from(COUNTS)
    if option == "--stop-at":
        return st.sampled_from(STOPS)
    if option == "--policy":
        return st.sampled_from(POLICIES)
    if option == "--rate-limit":
        return st.sampled_from(RATE_LIMITS)
    if option in ("--retry", "--success", "--failure"):
        return st.sampled_from(STATUS_SETS)
    if option == "--scenario":
        return st.sampled_from(["one_job", "name_reuse", *PATHS])
    if option in ("--out", "--output", "--file", "--annotate", "--waiter-file"):
        return st.sampled_from(PATHS)
    return st.sampled_from(NUMBERS + SPECS)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from(_COMMANDS))
    args = [command]
    for option in draw(st.lists(st.sampled_from(OPTIONS[command]), max_size=5, unique=True)):
        args.append(option)
        flag = option in ("--json", "--app-retry", "--stamps", "--single", "--markdown")
        if not flag:
            args.append(draw(_value(option)))
    if command in ("race", "audit", "sweep") and "--replications" not in args:
        args += ["--replications", "20"] if command != "sweep" else ["--set", "replications=20"]
    if command == "fleet" and "--jobs" not in args:
        args += ["--jobs", "10"]
    if command == "audit" and not {"--waiter-file", "--retry", "--success", "--failure"} & set(args):
        args += ["--success", "TRAINED"]
    if command == "check" and "--single" not in args:
        args.append("--single")  # one policy: the full check takes a minute
    if command == "export":
        args.insert(1, draw(st.sampled_from(["promela", "tla", ""])))
    if command == "fit":
        args += draw(st.lists(st.sampled_from([*_HISTORY, *PATHS]), min_size=1, max_size=3))
    if command == "sweep" and "--grid" not in args and "--file" not in args:
        args += ["--grid", "stop_latency=fixed:1"]
    return args


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "file").write_text("not a directory\n")
    (root / "damaged.json").write_bytes(b"\x00\xff{not json")
    (root / "dir").mkdir()
    os.mkfifo(root / "fifo.json")  # no writer: opening it to read would block for ever
    (root / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (root / "deep.toml").write_text("queue_delay = " + "[" * 100_000 + "]" * 100_000)
    for name, text in TOML_FILES.items():
        (root / f"{name}.toml").write_text(text)
    return {
        "missing": str(root / "missing"),
        "file": str(root / "file"),
        "directory": str(root / "dir"),
        "damaged": str(root / "damaged.json"),
        "fifo": str(root / "fifo.json"),
        "deep_json": str(root / "deep.json"),
        "deep_toml": str(root / "deep.toml"),
        **{name: str(root / f"{name}.toml") for name in TOML_FILES},
    }


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(line=command_lines())
def test_any_command_line_ends_in_0_1_or_2_without_a_traceback(places, line, monkeypatch):
    monkeypatch.chdir(places["directory"])
    # The fleet's stall guard, tightened: a run whose time crawls (retries every picosecond) ends in a few
    # thousand events, not a million.
    monkeypatch.setattr(stoprace.sim.fleet, "MAX_EVENTS_PER_SECOND", 5_000)
    monkeypatch.setattr(stoprace.sim.fleet, "EVENTS_PER_LIVE_JOB", 100)
    monkeypatch.setattr(
        stoprace.sim.fleet, "MAX_EVENTS", 20_000
    )  # and one that never ends, in a few thousand
    monkeypatch.setattr(stoprace.sim.fleet, "EVENTS_PER_JOB", 2_000)
    argv = [part.format(**places) for part in line]
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        warnings.catch_warnings(record=True) as warned,
    ):
        warnings.simplefilter("always")
        try:
            status = main(argv)
        except SystemExit as exit_:  # argparse's own errors and --help
            status = exit_.code if isinstance(exit_.code, int) else 2
    assert not warned, (argv, [f"{w.category.__name__}: {w.message}" for w in warned])  # none reach the user
    assert status in (0, 1, 2), (argv, status)
    if status == 1:
        assert argv[0] in ("audit", "check"), argv  # only a finding exits 1
    if status == 2:
        assert len(err.getvalue().strip().splitlines()) == 1, (argv, err.getvalue())
    assert "Traceback" not in err.getvalue()
    assert os.path.isdir(places["directory"])


def test_the_grammar_reaches_every_command():
    served = {"serve"}  # runs until stopped: tests/test_serve.py starts and stops it
    assert (
        set(OPTIONS) == set(_COMMANDS) == set(build_parser()._subparsers._group_actions[0].choices) - served
    )
    assert all(OPTIONS[c] for c in ("race", "fleet", "audit", "sweep", "diagram"))
