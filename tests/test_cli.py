"""The `stoprace` command, run as a user runs it: a subprocess, exit status, stdout and stderr."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from model import EDGES


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
