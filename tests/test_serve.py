"""``stoprace serve``: boto3 clients over HTTP meet the race; the control API moves time; bad wire input is
answered as AWS answers it, and the server keeps serving."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

pytest.importorskip("uvicorn", reason="stoprace serve needs the server extra")
boto3 = pytest.importorskip("boto3", reason="the clients need the aws extra")

from helpers import control, wire_scenario  # noqa: E402

from stoprace.sim.serve import MAX_BODY, Server  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/comprehend"
SCENARIO = wire_scenario()


def _client(url, service="comprehend", key="AKIDEXAMPLE"):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id=key,
        aws_secret_access_key="x",
    )


def _create(client, name):
    return client.create_document_classifier(
        DocumentClassifierName=name,
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": f"s3://training-data/{name}.csv"},
        LanguageCode="en",
    )["DocumentClassifierArn"]


@pytest.mark.parametrize(("stop_at", "fate"), [(1800, "STOPPED"), (3600, "TRAINED")])
def test_a_boto3_client_over_http_meets_both_outcomes_of_the_race(stop_at, fate):
    with Server(scenario=SCENARIO) as server:
        client = _client(server.url)
        arn = _create(client, "news")
        control(server.url, "POST", "clock/advance", {"seconds": stop_at})
        client.stop_training_document_classifier(DocumentClassifierArn=arn)
        status = client.describe_document_classifier(DocumentClassifierArn=arn)[
            "DocumentClassifierProperties"
        ]
        assert status["Status"] == "STOP_REQUESTED"
        control(server.url, "POST", "clock/advance", {"seconds": 600})
        final = client.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]
        assert final["Status"] == fate  # TRAINED: training ended at 3,660 s, before the stop took effect
        jobs = control(server.url, "GET", "jobs")["jobs"]
        assert [j["path"][-1] for j in jobs] == [fate]


def test_translate_and_an_analysis_job_over_http_and_accounts_by_access_key(monkeypatch):
    with Server() as server:
        translate = _client(server.url, "translate")
        started = translate.start_text_translation_job(
            JobName="docs",
            InputDataConfig={"S3Uri": "s3://input-docs/", "ContentType": "text/plain"},
            OutputDataConfig={"S3Uri": "s3://output-docs/"},
            DataAccessRoleArn=ROLE,
            SourceLanguageCode="en",
            TargetLanguageCodes=["fr"],
        )
        assert started["JobStatus"] == "SUBMITTED"
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)  # every current SDK reads it
        comprehend = boto3.client(
            "comprehend", region_name="us-east-1", aws_access_key_id="AKIDOTHER", aws_secret_access_key="x"
        )
        job = comprehend.start_sentiment_detection_job(
            InputDataConfig={"S3Uri": "s3://input-docs/"},
            OutputDataConfig={"S3Uri": "s3://output-docs/"},
            DataAccessRoleArn=ROLE,
            LanguageCode="en",
        )
        assert job["JobArn"].startswith("arn:aws:comprehend:us-east-1:123456789012:sentiment-detection-job/")
    with Server(accounts={"AKIDOTHER": "111122223333"}) as server:
        arn = _create(_client(server.url, key="AKIDOTHER"), "mine")
        assert arn.startswith("arn:aws:comprehend:eu-west-1:111122223333:")
    with pytest.raises(ValueError, match="must be 12 digits"):
        Server(accounts={"AKID": "123"})


def _post(server, body, target="Comprehend_20171127.DescribeDocumentClassifier", path="/"):
    request = urllib.request.Request(
        server.url + path,
        data=body,
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read()), answer.headers
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read()), err.headers


def test_bad_wire_input_is_answered_as_aws_answers_it_and_the_server_keeps_serving():
    with Server() as server:
        for body, target, status, code in (
            (b"{not json", "Comprehend_20171127.DescribeDocumentClassifier", 400, "SerializationException"),
            (b"[1, 2]", "Comprehend_20171127.DescribeDocumentClassifier", 400, "SerializationException"),
            (b"{}", "Comprehend_20171127.DetectSentiment", 400, "UnknownOperationException"),
            (b"{}", "NoSuchService.Operation", 400, "UnknownOperationException"),
            (b"{}", "Comprehend_20171127.DescribeDocumentClassifier", 400, "ValidationException"),
            (b'{"Unknown": 1}', "Comprehend_20171127.ListDocumentClassifiers", 400, "ValidationException"),
        ):
            got, payload, headers = _post(server, body, target)
            assert (got, payload["__type"]) == (status, code), body
            assert headers["x-amzn-RequestId"].startswith("stoprace-")
        got, payload, _ = _post(server, b"x" * (MAX_BODY + 1))
        assert got == 413
        got, payload, _ = _post(server, b"{}", path="/_stoprace/../../etc/passwd")
        assert got == 404
        for body in ({"seconds": -1}, {"seconds": "soon"}, {}):
            with pytest.raises(urllib.error.HTTPError) as refused:
                control(server.url, "POST", "clock/advance", body)
            assert refused.value.code == 400
        assert control(server.url, "GET", "health")["ok"] is True


def test_concurrent_creates_are_all_kept_once():
    with Server() as server:
        errors = []

        def create(i):
            try:
                _create(_client(server.url), f"job-{i}")
            except Exception as err:
                errors.append(err)

        threads = [threading.Thread(target=create, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        listed = control(server.url, "GET", "jobs")["jobs"]
        assert sorted(j["id"].rsplit("/", 1)[-1] for j in listed) == sorted(f"job-{i}" for i in range(16))
        control(server.url, "POST", "reset")
        assert control(server.url, "GET", "jobs")["jobs"] == []


def test_the_pytest_fixture_serves(stoprace_server):
    arn = _create(_client(stoprace_server.url), "from-the-fixture")
    stoprace_server.advance(7200)
    properties = _client(stoprace_server.url).describe_document_classifier(DocumentClassifierArn=arn)
    assert properties["DocumentClassifierProperties"]["Status"] in (
        "TRAINED",
        "TRAINED_WITH_WARNING",
        "IN_ERROR",
    )


@pytest.mark.slow
def test_the_command_serves_a_scenario_file_and_its_options_until_stopped(tmp_path):
    """The jobs run as the scenario says: a file (as ``stoprace fit --out`` writes) and options over it."""
    scenario = tmp_path / "scenario.toml"
    scenario.write_text('queue_delay = "fixed:0"\ntraining_duration = "fixed:999999"\np_failure = 0.0\n')
    options = ["--training-duration", "fixed:600", "--p-warning", "0", "--finalization", "fixed:0"]
    options += ["--documents", "1", "--document-size", "fixed:36000", "--rate", "1"]  # text jobs: 10 hours
    process = subprocess.Popen(
        [sys.executable, "-m", "stoprace", "serve", "--port", "0", "--scenario", str(scenario), *options],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stderr.readline()  # type: ignore[union-attr]
        url = line.split()[2]
        client = _client(url)
        arn = _create(client, "from-a-file")
        statuses = []
        for seconds in (300, 301):
            control(url, "POST", "clock/advance", {"seconds": seconds})
            described = client.describe_document_classifier(DocumentClassifierArn=arn)
            statuses.append(described["DocumentClassifierProperties"]["Status"])
        assert statuses == ["TRAINING", "TRAINED"]  # no queue (the file), 600 s of training (the option)
        job = client.start_sentiment_detection_job(
            InputDataConfig={"S3Uri": "s3://input-docs/"},
            OutputDataConfig={"S3Uri": "s3://output-docs/"},
            DataAccessRoleArn=ROLE,
            LanguageCode="en",
        )["JobId"]
        for seconds, status in ((7200, "IN_PROGRESS"), (20 * 3600, "COMPLETED")):  # the default takes 333 s
            control(url, "POST", "clock/advance", {"seconds": seconds})
            described = client.describe_sentiment_detection_job(JobId=job)["SentimentDetectionJobProperties"]
            assert described["JobStatus"] == status
    finally:
        process.terminate()
        # A graceful stop, then uvicorn ends as the signal says (as a process killed by it would).
        assert process.wait(timeout=10) == -signal.SIGTERM


def test_rate_limits_and_faults_on_the_wire_meet_the_sdks_retries():
    from botocore.config import Config  # noqa: PLC0415

    with Server(rate_limits={"DescribeDocumentClassifier": (0.001, 1)}) as server:
        client = boto3.client(
            "comprehend", endpoint_url=server.url, region_name="eu-west-1", aws_access_key_id="AKID",
            aws_secret_access_key="x", config=Config(retries={"mode": "standard", "max_attempts": 2}),
        )  # fmt: skip
        arn = _create(client, "limited")
        client.describe_document_classifier(DocumentClassifierArn=arn)  # the burst's one call
        with pytest.raises(client.exceptions.TooManyRequestsException):
            client.describe_document_classifier(DocumentClassifierArn=arn)  # retried once, throttled again
        server.advance(2000)  # the bucket refills on the virtual clock
        client.describe_document_classifier(DocumentClassifierArn=arn)
    with Server(p_server_error=1.0) as server:
        client = boto3.client(
            "comprehend", endpoint_url=server.url, region_name="eu-west-1", aws_access_key_id="AKID",
            aws_secret_access_key="x", config=Config(retries={"mode": "standard", "max_attempts": 1}),
        )  # fmt: skip
        with pytest.raises(client.exceptions.InternalServerException):
            client.list_document_classifiers()
    with pytest.raises(ValueError, match="rate limit for unknown operation 'Describe'"):
        Server(rate_limits={"Describe": (1.0, 1)})


def test_run_until_final_moves_the_clock_until_the_job_has_finished():
    with Server(scenario=SCENARIO) as server:
        arn = _create(_client(server.url), "to-the-end")
        done = control(server.url, "POST", "clock/run-until-final", {"id": arn, "step": 120})
        assert done["status"] == "TRAINED"
        assert done["finished"] is True
        assert 3660 <= done["advanced"] <= 3660 + 120
        with pytest.raises(urllib.error.HTTPError) as missing:
            control(server.url, "POST", "clock/run-until-final", {"id": "nope"})
        assert missing.value.code == 404
