"""stoprace audit: the two engines agree job by job, the shares match closed forms within their 99.9%
intervals, the findings' fixes work, and bad input exits 2 with one line."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import stoprace_command
from scipy import stats

from stoprace.sim.audit import (
    AuditScenario,
    GaveUp,
    PollerError,
    audit,
    callable_verdict,
    state_sets,
    waiter_from_file,
)
from stoprace.sim.audit.poller import CallablePoller, status_states
from stoprace.sim.audit.report import audit_report, findings, gate
from stoprace.sim.scenario import RaceScenario
from stoprace.sim.stats import wilson_interval

ROOT = Path(__file__).resolve().parent.parent
WAITERS = ROOT / "docs" / "examples" / "classifier_waiters.json"
RETRY = ("SUBMITTED", "TRAINING")
WITH_MODEL = ("TRAINED", "TRAINED_WITH_WARNING")
FAILS_ON_STOP = ("STOP_REQUESTED", "STOPPED", "IN_ERROR", "DELETING")


def fails_on_stop_requested(delay=60.0, attempts=300):
    """The mistake some orchestrators ship (evidence: airflow-waiter): STOP_REQUESTED counted as a failure."""
    return state_sets(RETRY, WITH_MODEL, FAILS_ON_STOP, delay, attempts)


def corrected(delay=60.0, attempts=300):
    return state_sets((*RETRY, "STOP_REQUESTED"), WITH_MODEL, FAILS_ON_STOP[1:], delay, attempts)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return stoprace_command("audit", *args)


def _fixed_race(end, stop, n, seed):
    """Jobs that train exactly ``end`` seconds from submission, stopped at ``stop`` with a stop that
    never takes effect in time: the closed forms' scenario."""
    return RaceScenario(
        queue_delay="fixed:0",
        provisioning="fixed:0",
        training_duration=f"fixed:{end}",
        finalization="fixed:0",
        stop_latency="fixed:1000",
        p_warning=0,
        p_failure=0,
        stop_at=(stop,),
        replications=n,
        seed=seed,
    )


# -- the engines -------------------------------------------------------------------------------------


@pytest.mark.parametrize("poller", ["fails", pytest.param("file", marks=pytest.mark.slow)])
def test_both_engines_agree_job_by_job(poller):
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    chosen = fails_on_stop_requested(60, 90) if poller == "fails" else waiter_from_file(WAITERS, None, 60, 90)
    scenario = AuditScenario(
        race=RaceScenario(replications=150, stop_at=(1800.0, 3300.0), seed=8),
        poll_start="uniform:low=0,high=60",
    )
    vector = audit(scenario, chosen, "vector", keep_jobs=True)
    exact = audit(scenario, chosen, "exact", keep_jobs=True)
    for v_row, e_row in zip(vector.rows, exact.rows, strict=True):
        v, e = v_row.kept[0], e_row.kept[0]
        assert v.verdict == e.verdict
        assert v.seen == e.seen
        assert v.final == e.final
        assert np.array_equal(v.polls, e.polls)
        np.testing.assert_allclose(v.at, e.at, atol=1e-6)
        np.testing.assert_allclose(v.end, e.end, atol=1e-6)
        np.testing.assert_allclose(v.billed, e.billed, atol=1e-6)
        # Every tally is equal; the lag's mean differs only by the model clock's microseconds.
        v_dict, e_dict = v_row.as_dict(), e_row.as_dict()
        assert v_dict.pop("mean_lag_seconds") == pytest.approx(e_dict.pop("mean_lag_seconds"), abs=1e-6)
        assert v_dict == e_dict
    assert sum(r.counts["false_failure"] for r in vector.rows) > 0 or poller == "file"


def test_the_exact_engine_runs_botocores_waiter_code(tmp_path):
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    # The same file with one acceptor changed (STOP_REQUESTED: retry -> failure) changes the verdicts.
    document = json.loads(WAITERS.read_text())
    for acceptor in document["waiters"]["ClassifierTrained"]["acceptors"]:
        if acceptor.get("expected") == "STOP_REQUESTED":
            acceptor["state"] = "failure"
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(document))
    scenario = AuditScenario(race=RaceScenario(replications=60, stop_at=(3300.0,), seed=2))
    before = audit(scenario, waiter_from_file(WAITERS, None, 60, 120), "exact")
    after = audit(scenario, waiter_from_file(changed, None, 60, 120), "exact")
    assert before.rows[0].counts["false_failure"] == 0
    assert after.rows[0].counts["false_failure"] > 0


# -- closed forms -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stop", [3585.0, 3570.0, 3555.0, 3540.0, 3480.0])
def test_false_failures_match_the_chance_a_poll_sees_stop_requested(stop):
    # Training ends at E = 3600 s; the stop, sent at S, would take 1000 s: the job is STOP_REQUESTED for
    # E - S seconds, then TRAINED. Polls every D = 60 s at a uniform phase see it with chance
    # min((E - S) / D, 1).
    n, end, delay = 40_000, 3600.0, 60.0
    race = _fixed_race(end, stop, n, seed=5)
    scenario = AuditScenario(race=race, poll_start=f"uniform:low=0,high={delay}")
    row = audit(scenario, fails_on_stop_requested(delay)).rows[0]
    low, high = row.interval("false_failure", 0.999)
    assert low <= min((end - stop) / delay, 1.0) <= high
    assert audit(scenario, corrected(delay)).rows[0].counts["false_failure"] == 0


@pytest.mark.slow
def test_the_exact_engine_meets_the_same_closed_form():
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    n, end, delay, stop = 300, 3600.0, 60.0, 3570.0  # chance min((E - S) / D, 1) = 0.5
    race = _fixed_race(end, stop, n, seed=6)
    scenario = AuditScenario(race=race, poll_start=f"uniform:low=0,high={delay}")
    row = audit(scenario, fails_on_stop_requested(delay, 70), "exact").rows[0]
    low, high = row.interval("false_failure", 0.999)
    assert low <= (end - stop) / delay <= high


def test_a_short_budget_gives_up_as_often_as_the_lognormal_tail():
    # 60 attempts x 60 s from submission: the last describe at 3540 s. Nobody stops; training is
    # log-normal with a median of an hour, so the waiter gives up on every job still training then.
    n = 200_000
    race = RaceScenario(
        queue_delay="fixed:0",
        provisioning="fixed:0",
        finalization="fixed:0",
        training_duration="lognormal:median=3600,sigma=0.35",
        p_warning=0,
        p_failure=0,
        replications=n,
        seed=9,
    )
    row = audit(AuditScenario(race=race, stopped=False), corrected(60.0, 60)).rows[0]
    tail = stats.lognorm.sf(59 * 60, s=0.35, scale=3600)
    low, high = row.interval("gave_up_early", 0.999)
    assert low <= tail <= high
    assert row.counts["false_failure"] == row.counts["false_success"] == row.counts["premature"] == 0


# -- findings and the gate -------------------------------------------------------------------------------


def test_findings_name_the_cause_and_the_fix_and_measure_it():
    scenario = AuditScenario(
        race=RaceScenario(replications=20_000, stop_at=(3000.0, 4200.0)), poll_start="uniform:low=0,high=60"
    )
    result = audit(scenario, fails_on_stop_requested(60, 60))
    report = audit_report(result, findings(result, lambda fixed: audit(scenario, fixed)))
    by_name = {f["misreport"]: f for f in report["findings"]}
    assert set(by_name) == {"false_failure", "gave_up_early", "premature"}
    assert "--failure STOP_REQUESTED" in by_name["false_failure"]["cause"]
    assert "STOP_REQUESTED" in by_name["false_failure"]["fix"]
    assert by_name["false_failure"]["share_after_fix"] == 0.0
    assert by_name["false_failure"]["billed_hours_reported_failed"] > 0
    assert by_name["gave_up_early"]["share_after_fix"] < by_name["gave_up_early"]["share"] / 10
    assert gate(report, 0.01)  # above 1% with 99.9% confidence
    assert not gate(report, 0.99)
    assert set(report) == {"scenario", "poller", "engine", "seed", "replications", "rows", "findings"}
    assert set(report["rows"][0]) >= {
        "stop_at",
        "jobs",
        "outcomes",
        "p_false_failure",
        "p_false_success",
        "p_gave_up_early",
        "p_premature",
        "ci95",
        "mean_polls",
        "mean_lag_seconds",
    }


def test_the_same_seed_gives_the_same_bytes():
    scenario = AuditScenario(
        race=RaceScenario(replications=5000, stop_at=(3000.0,)), poll_start="uniform:low=0,high=60"
    )
    first = audit_report(audit(scenario, fails_on_stop_requested()), [])
    again = audit_report(audit(scenario, fails_on_stop_requested()), [])
    assert json.dumps(first) == json.dumps(again)


# -- the command ---------------------------------------------------------------------------------------


def test_the_command_audits_and_gates(tmp_path):
    sets = [
        "--retry",
        "SUBMITTED,TRAINING",
        "--success",
        "TRAINED,TRAINED_WITH_WARNING",
        "--failure",
        "STOP_REQUESTED,STOPPED,IN_ERROR",
        "--replications",
        "4000",
        "--stop-at",
        "3000",
    ]
    result = run(*sets, "--json", "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["rows"][0]["p_false_failure"] > 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["audit.csv", "audit.json", "audit.png"]
    gated = run(*sets, "--fail-above", "0.01")
    assert gated.returncode == 1
    assert "false failure" in gated.stderr
    fine = run(
        "--waiter-file", str(WAITERS), "--replications", "4000", "--stop-at", "3000", "--fail-above", "0.01"
    )
    assert fine.returncode == 0, fine.stderr
    assert "no misreports" in fine.stdout


def test_a_callable_runs_unchanged_found_from_the_current_directory(monkeypatch):
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    monkeypatch.chdir(ROOT / "docs" / "examples")
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(ROOT / "docs" / "examples"))])
    # no --engine: a callable runs in the exact engine by default
    result = run(
        "--client", "sensor_loop:wait_for_training", "--replications", "40", "--stop-at", "3000", "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["poller"] == {"kind": "callable", "name": "sensor_loop:wait_for_training"}
    assert report["engine"] == "exact"
    assert "failure" in report["rows"][0]["outcomes"]  # the sensor raises on STOP_REQUESTED...
    assert report["rows"][0]["p_premature"] > 0  # ...before the job has ended


def test_a_callable_is_found_by_its_file_path(tmp_path):
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    path = ROOT / "docs" / "examples" / "sensor_loop.py"
    result = run(
        "--client", f"{path}:wait_for_training", "--replications", "20", "--stop-at", "3000", "--json"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rows"][0]["jobs"] == 20


def _budgeted(client, arn, *, attempts=45, delay=60.0):
    """The state sets' logic below, written as a function: fail on STOP_REQUESTED, give up after
    ``attempts`` describes ``delay`` seconds apart (botocore's waiter loop, written by hand)."""
    for attempt in range(1, attempts + 1):
        status = client.describe_document_classifier(DocumentClassifierArn=arn)[
            "DocumentClassifierProperties"
        ]["Status"]
        if status in WITH_MODEL:
            return status
        if status in FAILS_ON_STOP:
            raise RuntimeError(f"{arn}: {status}")
        if attempt == attempts:
            raise GaveUp(f"{arn} still {status}")
        time.sleep(delay)
    raise AssertionError("unreachable")


@pytest.mark.slow  # two whole audits compared: the full suite's
def test_a_callable_and_state_sets_with_the_same_logic_give_the_same_verdicts():
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    race = RaceScenario(stop_at=(3000.0,), replications=150, seed=11)
    scenario = AuditScenario(race=race, poll_start="uniform:low=0,high=60")
    as_sets = audit(scenario, fails_on_stop_requested(60.0, 45), "exact", keep_jobs=True)
    as_code = audit(scenario, CallablePoller("budgeted", _budgeted), "exact", keep_jobs=True)
    (sets_row,), (code_row,) = as_sets.rows, as_code.rows
    for sets_batch, code_batch in zip(sets_row.kept, code_row.kept, strict=True):
        assert sets_batch.verdict == code_batch.verdict
        assert sets_batch.polls.tolist() == code_batch.polls.tolist()
        assert sets_batch.at.tolist() == code_batch.at.tolist()
    assert {v for batch in code_row.kept for v in batch.verdict} == {"success", "failure", "timeout"}
    assert code_row.counts == sets_row.counts  # the same misreports, gave_up_early among them
    assert code_row.counts["gave_up_early"] > 0
    budget = next(f for f in findings(as_code, None) if f["misreport"] == "gave_up_early")["fix"]
    minutes = math.ceil(code_row.span_quantile(0.999) / 60)
    assert budget.startswith(f"keep waiting at least {minutes} min from the first describe")
    assert minutes > 45  # longer than the 45 x 60 s the function allowed itself


def test_a_callables_verdict_is_how_it_ends():
    class AirflowSensorTimeout(Exception):  # named as orchestrators name theirs
        pass

    class WaiterError(Exception):  # botocore's, by name and its kwargs
        def __init__(self, reason):
            self.kwargs = {"reason": reason}

    assert callable_verdict(None) == "success"
    assert callable_verdict(TimeoutError()) == callable_verdict(GaveUp()) == "timeout"
    assert callable_verdict(AirflowSensorTimeout()) == "timeout"
    assert callable_verdict(WaiterError("Max attempts exceeded")) == "timeout"
    assert callable_verdict(WaiterError("Waiter encountered a terminal failure state")) == "failure"
    assert callable_verdict(RuntimeError("IN_ERROR")) == "failure"


def _waiter_file(tmp_path, document):
    path = tmp_path / "w.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "give one poller"),
        (("--success", "TRAINED", "--client", "x:y"), "give one poller"),
        (("--success", "DONE"), "'DONE' is not a status"),
        (("--success", "TRAINED", "--failure", "TRAINED"), "in both"),
        (("--retry", "TRAINING"), "need a --success or a --failure"),
        (("--success", "TRAINED", "--delay", "0"), "--delay must be"),
        (("--success", "TRAINED", "--max-attempts", "0"), "--max-attempts must be"),
        (("--client", "no_such_module_here:f"), "cannot import"),
        (("--client", "json"), "MODULE:FUNCTION"),
        (("--client", "json:dumps", "--engine", "vector"), "only in the exact engine"),
        (("--success", "TRAINED", "--stop-at", "later"), "not a list of times"),
        (("--success", "TRAINED", "--fail-above", "2"), "--fail-above"),
        (("--success", "TRAINED", "--poll-start", "soon"), "--poll-start: distribution 'soon'"),
    ],
)
def test_bad_input_exits_2_with_one_line(args, message):
    result = run(*args, "--replications", "10")
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("not json", "not JSON (Expecting value: line 1 column 1 (char 0)): not a waiter file"),
        ({"version": 1, "waiters": {}}, "not a botocore waiter model"),
        ({"version": 2, "waiters": {"A": {}, "B": {}}}, "several waiters; choose one with --waiter: A, B"),
        (
            {
                "version": 2,
                "waiters": {
                    "W": {
                        "operation": "DescribeEndpoint",
                        "delay": 1,
                        "maxAttempts": 2,
                        "acceptors": [],
                    }
                },
            },
            "calls 'DescribeEndpoint'; stoprace audits waiters on DescribeDocumentClassifier, "
            "DescribeEntityRecognizer",
        ),
        (
            {
                "version": 2,
                "waiters": {
                    "W": {
                        "operation": "DescribeDocumentClassifier",
                        "delay": 1,
                        "maxAttempts": 2,
                        "acceptors": [{"matcher": "path", "state": "done", "expected": 1, "argument": "a"}],
                    }
                },
            },
            "state must be one of",
        ),
    ],
)
def test_bad_waiter_files_exit_2_with_one_line(tmp_path, document, message):
    result = run("--waiter-file", _waiter_file(tmp_path, document), "--replications", "10")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_an_unknown_waiter_name_lists_the_ones_available():
    with pytest.raises(PollerError, match="no waiter 'Nope'; the file has: ClassifierTrained"):
        waiter_from_file(WAITERS, "Nope")
    result = run("--waiter-file", str(WAITERS), "--waiter", "Nope")
    assert result.returncode == 2
    assert "the file has: ClassifierTrained" in result.stderr


def test_a_waiter_files_states_come_from_botocores_matchers():
    states = status_states(waiter_from_file(WAITERS, None))
    assert states["STOP_REQUESTED"] == "retry"
    assert states["TRAINED"] == "success"
    assert states["IN_ERROR"] == "failure"
    assert math.isclose(waiter_from_file(WAITERS, None, 30.5, 7).delay, 30.5)
    assert wilson_interval(0, 10)[0] == 0.0


@pytest.mark.slow  # two whole audits compared: the full suite's
def test_a_recognizers_waiter_runs_in_both_engines_with_the_same_verdicts():
    """The docs' recognizer waiter (polling every 30 s, waiting through STOP_REQUESTED) on recognizers'
    recorded timings: the kind comes from the waiter's operation, and botocore's own waiter on the
    bridge decides every job as the vector engine does."""
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    chosen = waiter_from_file(ROOT / "docs" / "examples" / "recognizer_waiters.json", None)
    assert (chosen.resource, chosen.config["operation"]) == ("entity-recognizer", "DescribeEntityRecognizer")
    race = RaceScenario.for_resource("entity-recognizer", replications=150, stop_at=(300.0, 600.0), seed=8)
    scenario = AuditScenario(race=race, poll_start="uniform:low=0,high=30")
    vector = audit(scenario, chosen, "vector", keep_jobs=True)
    exact = audit(scenario, chosen, "exact", keep_jobs=True)
    for v_row, e_row in zip(vector.rows, exact.rows, strict=True):
        v, e = v_row.kept[0], e_row.kept[0]
        assert (v.verdict, v.seen, v.final) == (e.verdict, e.seen, e.final)
        assert np.array_equal(v.polls, e.polls)
        assert v_row.counts == e_row.counts
    assert {s for row in exact.rows for s in row.kept[0].final} >= {"STOPPED", "TRAINED"}  # both outcomes
    assert sum(row.counts["false_failure"] for row in exact.rows) == 0  # it waits through STOP_REQUESTED
