"""The `stoprace` command, run as a user runs it: a subprocess, exit status, stdout and stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model import EDGES, Policy
from model import check as model_check
from sim import cli


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, timeout=60, check=False
    )


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
    result = run("check", "--json", "--policy", *[
        f"{f}={v}" for f, v in Policy().as_dict().items() if f not in ("deletable", "race_outcomes")
    ])
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

    monkeypatch.setattr(cli, "check", check_broken)
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
