"""Airflow's Amazon provider, unmodified, meets the race of a PII detection job under ``mock_comprehend``.

``ComprehendStartPiiEntitiesDetectionJobOperator`` (waiting with the provider's own waiter,
``pii_entities_detection_job_complete``) and ``ComprehendStartPiiEntitiesDetectionJobCompletedSensor`` run
as the provider ships them, in virtual time, for every ending of a job: completed, failed, a stop that
wins, a stop that loses polled while ``STOP_REQUESTED``, one that loses between two polls, and a job that
waits in the queue (then fails). Each case states the verdict the provider reaches and whether the job's
fate bears it out; the wrong ones are the provider's, and the test holds them so that a change in the
provider (or the model) is noticed.

Airflow pins much of its environment, so these tests run in their own (``bash .ci/airflow``); elsewhere they
skip.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest

pytest.importorskip("airflow.providers.amazon", reason="Airflow's Amazon provider runs in .ci/airflow")

from airflow.providers.amazon.aws.operators.comprehend import (
    ComprehendStartPiiEntitiesDetectionJobOperator,
)
from airflow.providers.amazon.aws.sensors.comprehend import (
    ComprehendStartPiiEntitiesDetectionJobCompletedSensor,
)
from botocore.exceptions import WaiterError

from stoprace.sim.mock import mock_comprehend
from stoprace.sim.text.scenario import TextScenario

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/pii-access"
#: 1,000 documents of 2,000 characters at 6,000 a second: processing takes 333.3 s; with a minute's
#: queue the job completes 393.3 s after submission. The waiter polls at 0, 120, 240, 360, 480 s.
JOB = {"documents": 1000, "document_size": "fixed:2000", "rate": 6000.0, "queue_delay": "fixed:60"}


@dataclass(frozen=True)
class Case:
    """One ending: when someone else stops the job (and how long the stop takes), when it fails, and
    when the sensor begins to poll (its pokes are then 120 s apart)."""

    stop_at: float | None = None
    latency: float = 30.0
    fail_at: float | None = None
    sensor_from: float = 110.0
    queue: float = 60.0


CASES = {
    "completed": Case(),
    "failed": Case(fail_at=200.0),
    "stop wins": Case(stop_at=150.0, latency=30.0),
    "stop loses, polled mid-race": Case(stop_at=340.0, latency=60.0),
    "stop loses, unpolled": Case(stop_at=370.0, latency=60.0),
    "waits in the queue, then fails": Case(queue=300.0, fail_at=500.0, sensor_from=0.0),
}

#: (verdict, whether the job's fate bears it out) of the operator's waiter and of the sensor.
EXPECTED = {
    "completed": (("success", True), ("success", True)),
    "failed": (("failure", True), ("failure", True)),
    "stop wins": (("failure", True), ("failure", True)),
    # Both count STOP_REQUESTED as a failure: the job then completes, and every document is billed.
    "stop loses, polled mid-race": (("failure", False), ("failure", False)),
    "stop loses, unpolled": (("success", True), ("success", True)),
    # The sensor takes SUBMITTED as done (only IN_PROGRESS is intermediate): success before the job starts.
    "waits in the queue, then fails": (("failure", True), ("success", False)),
}
RIGHT = {"COMPLETED": "success", "FAILED": "failure", "STOPPED": "failure"}


def _operator(wait_for_completion: bool) -> ComprehendStartPiiEntitiesDetectionJobOperator:
    """The provider's operator starting a PII detection job, as a DAG would declare it."""
    return ComprehendStartPiiEntitiesDetectionJobOperator(
        task_id="detect_pii",
        input_data_config={"S3Uri": "s3://input-documents/", "InputFormat": "ONE_DOC_PER_FILE"},
        output_data_config={"S3Uri": "s3://pii-results/"},
        mode="ONLY_OFFSETS",
        data_access_role_arn=ROLE,
        language_code="en",
        wait_for_completion=wait_for_completion,
        aws_conn_id=None,
        region_name=REGION,
    )


def _run(case: Case, use_sensor: bool) -> tuple[str, str]:
    """The verdict of the operator's waiter (or of the sensor) and the job's final status."""
    text = TextScenario(**{**JOB, "queue_delay": f"fixed:{case.queue}"}, stop_latency=f"fixed:{case.latency}")
    with mock_comprehend(text=text) as mock:
        service = mock.service(REGION, create=True)

        def everyone(action: str) -> None:
            for job_id in service.arns():
                if action == "stop":
                    service.stop_pii_entities_detection_job(JobId=job_id)
                else:
                    service.fire(job_id, "fail", message="the input could not be read")

        if case.stop_at is not None:
            mock.at(case.stop_at, lambda: everyone("stop"))
        if case.fail_at is not None:
            mock.at(case.fail_at, lambda: everyone("fail"))
        operator = _operator(wait_for_completion=not use_sensor)
        try:
            job_id = operator.execute({})
            if use_sensor:
                time.sleep(case.sensor_from)  # virtual: the sensor's task starts later
                sensor = ComprehendStartPiiEntitiesDetectionJobCompletedSensor(
                    task_id="wait_for_pii", job_id=job_id, aws_conn_id=None, region_name=REGION
                )
                sensor.execute({})
            verdict = "success"
        except WaiterError as err:
            verdict = "timeout" if "Max attempts" in str(err) else "failure"
        except Exception as err:
            verdict = "timeout" if "Timeout" in type(err).__name__ else "failure"
        time.sleep(3600)  # virtual: the job reaches its fate
        (job_id,) = service.arns()
        return verdict, str(service.status(job_id))


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("client", ["operator's waiter", "sensor"])
def test_the_providers_verdict_on_each_ending(name, client):
    verdict, fate = _run(CASES[name], use_sensor=client == "sensor")
    expected, right = EXPECTED[name][client == "sensor"]
    assert verdict == expected, (name, client, verdict, fate)
    assert (RIGHT[fate] == verdict) == right, (name, client, verdict, fate)


# -- stoprace audit of the provider's own sensor and waiter -----------------------------------------


def _audit(*args: str) -> dict:
    import json  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import sys  # noqa: PLC0415

    done = subprocess.run(
        [sys.executable, "-m", "stoprace", "audit", "--replications", "4000", "--json", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _shares(report: dict, name: str) -> list[float]:
    return [row[f"p_{name}"] for row in report["rows"]]


def test_the_audit_of_the_providers_waiter_finds_its_false_failures():
    from importlib import resources  # noqa: PLC0415

    waiters = resources.files("airflow.providers.amazon.aws") / "waiters" / "comprehend.json"
    report = _audit("--waiter-file", str(waiters), "--waiter", "pii_entities_detection_job_complete")
    assert set(report["poller"]["states"]["failure"]) == {"FAILED", "STOP_REQUESTED", "STOPPED"}
    found = {f["misreport"]: f for f in report["findings"]}
    assert set(found) == {"false_failure", "premature"}  # it waits through SUBMITTED, so no false success
    assert found["false_failure"]["on_statuses"] == ["STOP_REQUESTED"]
    assert found["false_failure"]["worst_share"] > 0.05
    assert found["false_failure"]["worst_share_after_fix"] == 0
    assert max(_shares(report, "false_success")) == 0


def test_the_audit_of_the_providers_sensor_finds_its_success_before_the_start():
    sensor = ComprehendStartPiiEntitiesDetectionJobCompletedSensor
    statuses = ("SUBMITTED", "IN_PROGRESS", "COMPLETED", "FAILED", "STOP_REQUESTED", "STOPPED")
    # As its poke decides: a failure state fails; any state that is not intermediate succeeds.
    success = [s for s in statuses if s not in sensor.INTERMEDIATE_STATES and s not in sensor.FAILURE_STATES]
    assert success == ["SUBMITTED", "COMPLETED"]
    report = _audit(
        "--resource", "pii-entities-detection-job",
        "--retry", ",".join(sensor.INTERMEDIATE_STATES),
        "--success", ",".join(success),
        "--failure", ",".join(sensor.FAILURE_STATES),
        "--delay", "120", "--max-attempts", "75",
    )  # fmt: skip
    found = {f["misreport"]: f for f in report["findings"]}
    assert found["false_success"]["on_statuses"] == ["SUBMITTED"]
    assert found["false_success"]["worst_share"] > 0.9  # a job polled at once is queued: "done"
    assert found["false_success"]["worst_share_after_fix"] == 0
    assert min(_shares(report, "premature")) == 1.0  # every verdict is taken before the job's end


# -- the operator and the sensor over HTTP, through an endpoint URL -------------------------------------


@pytest.mark.parametrize(
    ("stop_at", "fate", "verdict"), [(150.0, "STOPPED", "failure"), (370.0, "COMPLETED", "success")]
)
def test_the_operator_and_sensor_over_http_meet_the_race(monkeypatch, stop_at, fate, verdict):
    """The operator starts the job and the sensor pokes it over HTTP (``AWS_ENDPOINT_URL``, which botocore
    reads), against ``stoprace serve``; a stop scheduled through the control API wins or loses the race."""
    pytest.importorskip("uvicorn", reason="stoprace serve needs the server extra")
    from airflow.exceptions import AirflowException  # noqa: PLC0415
    from helpers import control  # noqa: PLC0415

    from stoprace.sim.serve import Server  # noqa: PLC0415

    text = TextScenario(**JOB, stop_latency="fixed:60")
    with Server(text=text) as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
        operator = _operator(wait_for_completion=False)
        job_id = operator.execute({})
        control(server.url, "POST", "schedule", {"action": "stop", "at": stop_at, "id": job_id})
        control(server.url, "POST", "clock/advance", {"seconds": 3600})
        sensor = ComprehendStartPiiEntitiesDetectionJobCompletedSensor(
            task_id="wait_for_pii", job_id=job_id, aws_conn_id=None, region_name=REGION
        )
        try:
            said = "success" if sensor.poke({}) else "waiting"
        except AirflowException:
            said = "failure"
        jobs = {job["id"]: job for job in control(server.url, "GET", "jobs")["jobs"]}
    assert said == verdict
    assert jobs[job_id]["status"] == fate
    assert "STOP_REQUESTED" in jobs[job_id]["path"]
