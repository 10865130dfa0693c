"""The audit of clients waiting on jobs that process text: the vector verdicts equal a plain poll loop over
the model's jobs, a right reading has no misreport, and the command line takes the text kinds."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from stoprace.model.analysis import TextJob, edges_for
from stoprace.sim.audit.poller import state_sets, status_states
from stoprace.sim.text.audit import _verdicts, text_audit, text_audit_report
from stoprace.sim.text.engines import EVENTS, draw_batches
from stoprace.sim.text.scenario import TextScenario

KIND = "pii-entities-detection-job"
#: The waiter Airflow's provider ships for this job, as state sets: STOP_REQUESTED is a failure.
STRICT = state_sets(
    ("SUBMITTED", "IN_PROGRESS"),
    ("COMPLETED",),
    ("FAILED", "STOP_REQUESTED", "STOPPED"),
    120,
    75,
    resource=KIND,
)
RIGHT = state_sets(
    ("SUBMITTED", "IN_PROGRESS", "STOP_REQUESTED"),
    ("COMPLETED",),
    ("FAILED", "STOPPED"),
    120,
    75,
    resource=KIND,
)
SCENARIO = TextScenario(kind=KIND, documents=300, replications=400, stop_at=(60.0, 150.0, 220.0))


def _polled(scenario, times, first, states, delay, attempts):
    """One job's verdict by a plain loop: fire its events in order as the polls pass them."""
    job = TextJob(scenario.policy, at=0.0, edges=edges_for(scenario.kind.statuses))
    events = sorted(range(len(EVENTS)), key=lambda k: (times[k], k))
    for attempt in range(attempts):
        at = first + attempt * delay
        while events and times[events[0]] <= at:
            k = events.pop(0)
            if job.can_fire(EVENTS[k]):
                job.fire(EVENTS[k], at=times[k])
        state = states.get(job.state)
        if state in ("success", "failure"):
            return state, job.state
    return "timeout", job.state


@pytest.mark.parametrize("poller", [STRICT, RIGHT], ids=["strict", "right"])
def test_the_vector_verdicts_are_a_plain_poll_loops(poller):
    states = status_states(poller)
    for index in range(len(SCENARIO.stop_at)):
        for draws in draw_batches(SCENARIO, index):
            first = np.round(np.random.default_rng(index).uniform(0, 120, len(draws)), 6)
            batch = _verdicts(SCENARIO, draws, first, states, poller)
            for i in range(len(draws)):
                expected = _polled(
                    SCENARIO, draws.times[i].tolist(), first[i], states, poller.delay, poller.max_attempts
                )
                assert (batch.verdict[i], batch.seen[i]) == expected, (index, i)


def test_the_right_reading_has_no_misreport_and_the_strict_one_fails_lost_races():
    right = text_audit_report(text_audit(SCENARIO, RIGHT, poll_start="uniform:low=0,high=120"))
    assert right["findings"] == []
    strict = text_audit_report(text_audit(SCENARIO, STRICT, poll_start="uniform:low=0,high=120"))
    found = {f["misreport"]: f for f in strict["findings"]}
    assert found["false_failure"]["on_statuses"] == ["STOP_REQUESTED"]
    assert found["false_failure"]["worst_share_after_fix"] == 0
    assert found["false_failure"]["usd_billed_per_false_failure"] > 0
    for row in strict["rows"]:  # every false failure is a lost race, seen while STOP_REQUESTED
        assert set(row["outcomes"].get("failure", {})) <= {"COMPLETED", "FAILED", "STOPPED"}


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "stoprace", "audit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_the_command_line_audits_text_jobs_and_says_what_it_cannot():
    done = _cli(
        "--resource", KIND, "--retry", "SUBMITTED,IN_PROGRESS", "--success", "COMPLETED",
        "--failure", "FAILED,STOP_REQUESTED,STOPPED", "--replications", "300", "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["poller"]["resource"] == KIND
    assert [f["misreport"] for f in report["findings"]][:1] == ["false_failure"]
    for args, message in (
        (("--resource", KIND, "--success", "TRAINED"), "'TRAINED' is not a status of a PII entities"),
        (
            ("--success", "TRAINED", "--documents", "5"),
            "--documents is an option of the jobs that process text",
        ),
    ):
        failed = _cli(*args)
        assert failed.returncode == 2, failed.stderr
        assert message in failed.stderr
        assert "Traceback" not in failed.stderr


def test_the_exact_engine_runs_botocores_waiter_and_agrees_job_by_job():
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    from stoprace.sim.text.audit import TextExact  # noqa: PLC0415

    scenario = SCENARIO.replace(replications=60, stop_at=(150.0,))
    states = status_states(STRICT)
    exact = TextExact(STRICT, scenario)
    for draws in draw_batches(scenario, 0):
        first = np.round(np.random.default_rng(5).uniform(0, 120, len(draws)), 6)
        by_numpy, by_botocore = (
            _verdicts(scenario, draws, first, states, STRICT),
            exact.verdicts(draws, first),
        )
        assert by_botocore.verdict == by_numpy.verdict
        assert by_botocore.seen == by_numpy.seen
        assert by_botocore.final == by_numpy.final
        assert np.array_equal(by_botocore.polls, by_numpy.polls)


def _strict_sensor(client, job_id):
    """The strict waiter's logic written as a client's own loop."""
    import time  # noqa: PLC0415

    for _ in range(75):
        status = client.describe_pii_entities_detection_job(JobId=job_id)[
            "PiiEntitiesDetectionJobProperties"
        ]["JobStatus"]
        if status == "COMPLETED":
            return
        if status in ("FAILED", "STOP_REQUESTED", "STOPPED"):
            raise RuntimeError(status)
        time.sleep(120)
    raise TimeoutError(job_id)


def test_a_callable_with_the_waiters_logic_gives_its_verdicts():
    pytest.importorskip("boto3", reason="the exact engine needs the aws extra")
    from stoprace.sim.audit.poller import CallablePoller  # noqa: PLC0415

    scenario = SCENARIO.replace(replications=80, stop_at=(150.0, 220.0))
    client = CallablePoller("tests:_strict_sensor", _strict_sensor, KIND)
    by_code = text_audit(scenario, client, engine="exact")
    by_sets = text_audit(scenario, STRICT)
    assert [row.outcomes for row in by_code.rows] == [row.outcomes for row in by_sets.rows]
    with pytest.raises(ValueError, match="only in the exact engine"):
        text_audit(scenario, client)
