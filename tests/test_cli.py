"""The `stoprace` command as a user meets it: exit status, stdout and stderr.

Most tests run the command in this process (``main(argv)``, its output captured, an argparse exit
caught), which is what ``python -m stoprace`` runs without an interpreter's start-up of a second a call;
``test_the_command_runs_as_a_program`` and the tests of :mod:`tests.test_namespace` and
:mod:`tests.test_docs` run it as a separate program.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from helpers import stoprace_command

from stoprace.model import EDGES, Policy
from stoprace.model import check as model_check
from stoprace.sim import cli
from stoprace.sim.cli.common import seconds_of

run = stoprace_command


def test_the_command_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "stoprace", "race", "--bogus"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr


def test_model_prints_the_edge_table_and_policy():
    result = run("model")
    assert result.returncode == 0, result.stderr
    assert "STOP_REQUESTED" in result.stdout
    assert "stop_when_submitted" in result.stdout
    for edge in EDGES:
        assert edge.evidence in result.stdout


def test_model_json_lists_every_edge_with_provenance():
    result = run("model", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert [(e["trigger"], e["source"], e["dest"], e["provenance"]) for e in data["edges"]] == [
        (e.trigger, list(e.source), e.dest, e.provenance.value) for e in EDGES
    ]
    assert any(
        e["source"] == ["STOP_REQUESTED"] and e["dest"] == "TRAINED" and e["provenance"] == "documented"
        for e in data["edges"]
    )


def test_model_policy_marks_disabled_edges():
    data = json.loads(run("model", "--json", "--policy", "stop_when_finished=reject").stdout)
    disabled = [e for e in data["edges"] if not e["enabled"]]
    assert any(e["trigger"] == "stop" and "TRAINED" in e["source"] for e in disabled)
    assert next(p for p in data["policy"] if p["field"] == "stop_when_finished")["value"] == "reject"


@pytest.mark.parametrize(
    "args",
    [
        ("model", "--policy", "stop_when_finished=maybe"),
        ("model", "--policy", "nonsense"),
        ("model", "--bogus"),
        ("model", "--json", "--markdown"),
        ("frobnicate",),
    ],
)
def test_bad_arguments_exit_2_with_one_line_and_no_traceback(args):
    result = run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "error" in lines[0]
    assert "Traceback" not in result.stderr


def test_a_refused_choice_lists_the_choices_as_they_are_typed(capsys):
    from stoprace.sim.cli import main  # noqa: PLC0415

    with pytest.raises(SystemExit) as exited:
        main(["fleet", "--http-statuses", "seed"])
    assert exited.value.code == 2
    assert "(choose from 'reference', 'botocore')" in capsys.readouterr().err


def test_no_command_shows_help_and_exits_2():
    result = run()
    assert result.returncode == 2
    assert "model" in result.stderr


def test_help_exits_0():
    result = run("model", "--help")
    assert result.returncode == 0
    assert "--json" in result.stdout


def test_check_single_default_policy_holds():
    result = run("check", "--single", "--json", "--workers", "1")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert data["policies"] == 1
    assert data["default_policy"]["race_lost_reachable"] is True
    assert data["default_policy"]["stopped_to_trained_reachable"] is False


def test_check_fixing_fields_varies_the_rest():
    result = run(
        "check",
        "--json",
        "--policy",
        *[f"{f}={v}" for f, v in Policy().as_dict().items() if f not in ("deletable", "race_outcomes")],
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["policies"] == 4


def test_check_text_names_the_facts():
    result = run("check", "--single", "--workers", "1")
    assert result.returncode == 0
    assert "STOP_REQUESTED -> TRAINED (the lost race) reachable: yes" in result.stdout
    assert "every property holds" in result.stdout


def test_check_exits_1_with_the_counterexample_when_a_property_breaks(monkeypatch, capsys):
    broken = tuple(e for e in EDGES if e.trigger != "finish_stop")

    def check_broken(policies, **kwargs):
        return model_check.check(policies, edges=broken, **kwargs)

    monkeypatch.setattr(cli.check, "check", check_broken)  # the command module's own name for it
    assert cli.main(["check", "--single", "--workers", "1"]) == 1
    out = capsys.readouterr().out
    assert "VIOLATIONS" in out
    assert "1. create\n  2. stop" in out


@pytest.mark.parametrize(
    "args", [("check", "--workers", "0"), ("check", "--workers", "two"), ("check", "--policy", "x=y")]
)
def test_check_bad_arguments_exit_2(args):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1


def test_race_json_has_the_documented_fields_and_is_deterministic():
    args = ("race", "--json", "--stop-at", "600,3000,99999", "--replications", "5000")
    first, second = run(*args), run(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert {"scenario", "engine", "seed", "replications", "rows"} <= set(data)
    assert data["engine"] == "vector"
    assert data["replications"] == 5000
    for row in data["rows"]:
        assert {
            "stop_at",
            "final",
            "paths",
            "stop_requested",
            "race_lost",
            "p_race_lost",
            "ci95",
            "analytic_p_race_lost",
            "mean_billed_seconds",
            "billed_ci95",
            "analytic_final",
            "analytic_mean_billed_seconds",
        } <= set(row)
        assert sum(row["final"].values()) == sum(row["paths"].values()) == 5000
        assert sum(row["analytic_final"].values()) == pytest.approx(1.0)
    late = data["rows"][2]  # every job finished long before: nobody entered STOP_REQUESTED
    assert late["stop_requested"] == 0
    assert late["p_race_lost"] is None
    assert late["ci95"] is None
    middle = data["rows"][1]
    assert middle["ci95"][0] <= middle["p_race_lost"] <= middle["ci95"][1]


def test_race_engines_agree_from_the_command_line():
    common = ("race", "--json", "--stop-at", "3000", "--replications", "1500")
    simpy_run = json.loads(run(*common, "--engine", "simpy").stdout)
    vector_run = json.loads(run(*common, "--engine", "vector").stdout)
    assert simpy_run["rows"] == vector_run["rows"]


def test_race_table_by_default():
    result = run("race", "--stop-at", "1800:3600:1800", "--replications", "2000")
    assert result.returncode == 0, result.stderr
    assert "p_race_lost" in result.stdout
    assert len(result.stdout.strip().splitlines()) == 4  # title, header, two stop times


def test_race_out_writes_results_and_figures(tmp_path):
    out = tmp_path / "study"
    result = run("race", "--stop-at", "1800,3600", "--replications", "2000", "--out", str(out))
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["billed_cost.png", "final_status.png", "p_race_lost.png", "results.csv", "results.json"]
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len((out / "results.csv").read_text().splitlines()) == 3
    assert len(json.loads((out / "results.json").read_text())["rows"]) == 2


@pytest.mark.parametrize(
    "args",
    [
        ("race", "--stop-at", "5:1:1"),
        ("race", "--stop-at", "soon"),
        ("race", "--training-duration", "normal:mean=3"),
        ("race", "--replications", "0"),
        ("race", "--p-warning", "2"),
        ("race", "--engine", "gpu"),
        ("race", "--policy", "deletable=maybe"),
        ("race", "--usd-per-hour", "-1"),
    ],
)
def test_race_bad_arguments_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_diagram_prints_mermaid_by_default():
    result = run("diagram")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[3] == "stateDiagram-v2"
    assert "STOP_REQUESTED --> TRAINED: finish_training" in result.stdout


def test_diagram_policy_leaves_disabled_edges_out():
    result = run("diagram", "--format", "dot", "--policy", "race_outcomes=trained_or_stopped")
    assert result.returncode == 0, result.stderr
    assert "STOP_REQUESTED -> TRAINED " in result.stdout
    assert "STOP_REQUESTED -> TRAINED_WITH_WARNING" not in result.stdout


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_diagram_svg_with_annotations_from_a_race(tmp_path):
    study = tmp_path / "study"
    assert run("race", "--stop-at", "3000", "--replications", "3000", "--out", str(study)).returncode == 0
    lost = json.loads((study / "results.json").read_text())["rows"][0]
    share = 100 * lost["paths"]["SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED"] / lost["stop_requested"]
    target = tmp_path / "annotated.svg"
    result = run("diagram", "--annotate", str(study / "results.json"), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert f"race lost {share:.1f}%" in target.read_text()


@pytest.mark.parametrize(
    "args",
    [
        ("diagram", "--format", "gif"),
        ("diagram", "-o", "diagram.txt"),
        ("diagram", "--annotate", "no-such-results.json"),
        ("diagram", "--stop-at", "3000"),
        ("diagram", "--policy", "race_outcomes=sometimes"),
    ],
)
def test_diagram_bad_arguments_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_diagram_without_dot_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr("stoprace.model.diagram.shutil.which", lambda name: None)
    assert cli.main(["diagram", "--format", "svg"]) == 2
    error = capsys.readouterr().err
    assert "apt-get install graphviz" in error
    assert len(error.strip().splitlines()) == 1


def test_fleet_json_is_deterministic_for_a_seed():
    args = ("fleet", "--json", "--jobs", "80", "--seed", "4")
    first, second = run(*args), run(*args)
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    data = json.loads(first.stdout)
    assert {
        "scenario",
        "seed",
        "final",
        "p_race_lost",
        "share_never_accepted",
        "stop_requested_seconds",
        "wasted_billed_hours",
        "wasted_cost_usd",
        "observe_final_seconds",
        "api_calls",
    } <= set(data)
    assert sum(data["final"].values()) == 80
    assert run("fleet", "--json", "--jobs", "80", "--seed", "5").stdout != first.stdout


def test_fleet_summary_and_outputs(tmp_path):
    result = run(
        "fleet",
        "--jobs",
        "60",
        "--submit-rate",
        "once",
        "--retry-mode",
        "standard",
        "--rate-limit",
        "stop=2:5",
        "describe=none",
        "--out",
        str(tmp_path / "storm"),
    )
    assert result.returncode == 0, result.stderr
    assert "standard retries" in result.stdout
    assert "stop 2/s burst 5" in result.stdout
    assert "describe" not in result.stdout.splitlines()[0]
    names = sorted(p.name for p in (tmp_path / "storm").iterdir())
    assert names == ["fleet.json", "fleet_dwell.png", "fleet_timeline.png"]


@pytest.mark.parametrize(
    "args",
    [
        ("fleet", "--jobs", "0"),
        ("fleet", "--submit-rate", "fast"),
        ("fleet", "--rate-limit", "list=1:1"),
        ("fleet", "--rate-limit", "stop=0:1"),
        ("fleet", "--retry-mode", "fast"),
        ("fleet", "--botocore", "1.20"),
        ("fleet", "--botocore", "latest"),
        ("fleet", "--stop-handling", "exponential:mean=-3"),
        ("fleet", "--p-server-error", "2"),
        ("fleet", "--budget-usd", "1", "--poll-interval", "0"),
        ("fleet", "--stop-after", "1800", "--budget-usd", "5"),  # two decisions: neither may be dropped
    ],
)
def test_fleet_bad_arguments_exit_2_with_one_line(args):
    result = run(*args)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


# -- every user error is one line ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("race", "--stop-at", "0:inf:1"), "of finite numbers"),
        (("sweep", "--grid", "p_warning=0:1:0.00001"), "100,001 values; at most 10,000"),
        (("fleet", "--jobs", "100000000"), "at most 10,000,000"),
        (("race", "--stop-at", "0:1e12:1"), "1,000,000,000,001 stop times; at most 10,000"),
        (("race", "--usd-per-hour", "nan"), "'nan' is not a finite number"),
        (("fleet", "--stop-after", "inf"), "'inf' is not a finite time"),
        (("race", "--out", "{existing_file}"), "exists and is not a directory"),
        (("fleet", "--out", "{existing_file}"), "exists and is not a directory"),
        (("diagram", "-o", "{missing_dir}/x.mmd"), "does not exist"),
        (("sweep", "--out", "{missing_dir}/x.csv", "--grid", "stop_latency=fixed:1"), "does not exist"),
        (("sweep", "--workers", "-1", "--grid", "stop_latency=fixed:1"), "must be at least 1"),
        (("fleet", "--submit-rate", "once", "--app-retry", "--app-retry-interval", "fixed:0"), "always 0 s"),
        (("sweep", "--file", "{bad_sweep}"), "grid must be a table"),
        (("diagram", "--annotate", "{bad_results}"), "rows[0].stop_requested"),
    ],
)
def test_user_errors_exit_2_with_one_line_before_any_work(tmp_path, args, message):
    (tmp_path / "existing").write_text("")
    (tmp_path / "bad.toml").write_text("grid = 5\n")
    (tmp_path / "bad.json").write_text('{"rows": [{"stop_at": 1, "paths": []}]}')
    places = {
        "existing_file": tmp_path / "existing",
        "missing_dir": tmp_path / "nowhere",
        "bad_sweep": tmp_path / "bad.toml",
        "bad_results": tmp_path / "bad.json",
    }
    result = run(*(a.format(**places) for a in args))
    assert result.returncode == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_a_damaged_sweep_record_or_a_foreign_line_is_one_line(tmp_path):
    out = tmp_path / "s.csv"
    grid = ("sweep", "--grid", "stop_latency=fixed:1|fixed:2", "--set", "replications=10", "--out", str(out))
    assert run(*grid).returncode == 0
    record = out.with_name("s.csv.sweep.json")
    kept = record.read_text()
    record.write_text("{damaged")
    damaged = run(*grid)
    assert damaged.returncode == 2
    assert "is damaged" in damaged.stderr
    record.write_text(kept)
    with out.open("a") as handle:
        handle.write("foreign,line\n")
    foreign = run(*grid)
    assert foreign.returncode == 2
    assert "is not a row of this sweep" in foreign.stderr


def test_an_output_that_cannot_be_written_names_its_option():
    result = run("race", "--replications", "100", "--stop-at", "1800", "--out", "/proc/stoprace-results")
    assert result.returncode == 2
    assert result.stderr.startswith("stoprace race: error: --out /proc/stoprace-results: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5400", 5400.0),
        ("90s", 90.0),
        ("20m", 1200.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("2h15m30s", 8130.0),
    ],
)
def test_times_take_seconds_or_units(text, value):
    assert seconds_of(text) == value


@pytest.mark.parametrize("text", ["", "h", "m30", "1h-5m", "30 m", "1d"])
def test_a_time_that_is_neither_is_refused(text):
    with pytest.raises(ValueError):  # noqa: PT011 - float()'s own ValueError, whatever its words
        seconds_of(text)


def test_stop_times_and_client_times_take_units():
    assert cli.common.stop_times("30m,1h") == (1800.0, 3600.0)
    assert cli.common.stop_times("10m:30m:10m") == (600.0, 1200.0, 1800.0)
    result = run("fleet", "--jobs", "5", "--stop-after", "20m", "--poll-interval", "2m", "--json")
    assert result.returncode == 0, result.stderr
    scenario = json.loads(result.stdout)["scenario"]
    assert (scenario["stop_after"], scenario["poll_interval"]) == (1200.0, 120.0)
