"""``stoprace serve`` under load: concurrent clients with throttling lose and double nothing and end where a
serial replay ends; scheduled actions; the state file keeps every acknowledged call across a kill -9."""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest

pytest.importorskip("uvicorn", reason="stoprace serve needs the server extra")
botocore_session = pytest.importorskip("botocore.session", reason="the documented errors come from botocore")

from stoprace.sim.scenario import RaceScenario  # noqa: E402
from stoprace.sim.serve import Server, ServerApp  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/comprehend"
SCENARIO = RaceScenario(queue_delay="exponential:mean=30", training_duration="lognormal:median=600,sigma=0.5")
FINISHED = {"TRAINED", "TRAINED_WITH_WARNING", "IN_ERROR", "STOPPED"}
AUTH = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/eu-west-1/comprehend/aws4_request, Signature=0"


class Client:
    """A lean keep-alive client of the JSON protocol and the control API."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, operation: str, **params: object) -> tuple[int, dict]:
        headers = {
            "X-Amz-Target": f"Comprehend_20171127.{operation}",
            "Content-Type": "application/x-amz-json-1.1",
            "Authorization": AUTH,
        }
        self.connection.request("POST", "/", json.dumps(params), headers)
        answer = self.connection.getresponse()
        return answer.status, json.loads(answer.read())

    def control(self, method: str, path: str, body: object = None) -> dict:
        self.connection.request(method, f"/_stoprace/{path}", None if body is None else json.dumps(body))
        return json.loads(self.connection.getresponse().read())


def _create(client: Client, name: str) -> tuple[int, dict]:
    return client.call(
        "CreateDocumentClassifier",
        DocumentClassifierName=name,
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": f"s3://training-data/{name}.csv"},
        LanguageCode="en",
    )


def _documented() -> dict[str, set[str]]:
    """Each operation's documented error codes, from botocore's model of the real service."""
    model = botocore_session.get_session().get_service_model("comprehend")
    return {
        op: {shape.name for shape in model.operation_model(op).error_shapes}
        for op in (
            "CreateDocumentClassifier",
            "DescribeDocumentClassifier",
            "ListDocumentClassifiers",
            "StopTrainingDocumentClassifier",
        )
    }


def _worker(port: int, index: int, calls: int, log: list) -> None:
    """``calls`` mixed calls (create, describe, list, stop) of one client; client 0 also moves the clock.
    A dropped connection (the server killed) ends it: that call was never acknowledged."""
    try:
        _mixed(Client(port), index, calls, log)
    except (OSError, http.client.HTTPException, ValueError):
        return


def _mixed(client: Client, index: int, calls: int, log: list) -> None:
    rng, mine = random.Random(index), []
    for step in range(calls):
        if index == 0 and step % 25 == 0:
            client.control("POST", "clock/advance", {"seconds": 30})
        action = rng.choice(["create", "describe", "describe", "list", "stop"])
        if action == "create" or not mine:
            name = f"c{index}-{step}" if rng.random() < 0.9 else f"c{index}-{step - 1}"  # some names reused
            status, body = _create(client, name)
            log.append(("CreateDocumentClassifier", status, body, name))
            if status == 200:
                mine.append(body["DocumentClassifierArn"])
        elif action == "describe":
            status, body = client.call("DescribeDocumentClassifier", DocumentClassifierArn=rng.choice(mine))
            log.append(("DescribeDocumentClassifier", status, body, None))
        elif action == "list":
            status, body = client.call("ListDocumentClassifiers", MaxResults=5)
            log.append(("ListDocumentClassifiers", status, body, None))
        else:
            arn = rng.choice(mine)
            status, body = client.call("StopTrainingDocumentClassifier", DocumentClassifierArn=arn)
            log.append(("StopTrainingDocumentClassifier", status, body, arn))


LIMITS = {
    "CreateDocumentClassifier": (2.0, 20),
    "DescribeDocumentClassifier": (20.0, 200),
    "ListDocumentClassifiers": (5.0, 20),
    "StopTrainingDocumentClassifier": (2.0, 20),
}


@pytest.mark.slow
def test_32_clients_with_throttling_lose_and_double_nothing_and_end_as_a_serial_replay(tmp_path):
    journal = tmp_path / "state.jsonl"
    with Server(scenario=SCENARIO, rate_limits=LIMITS, state_file=str(journal)) as server:
        logs: list[list] = [[] for _ in range(32)]
        threads = [threading.Thread(target=_worker, args=(server.port, i, 500, logs[i])) for i in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        jobs = {job["id"]: job for job in Client(server.port).control("GET", "jobs")["jobs"]}
        served = {arn: server.app.mock.service("eu-west-1").path(arn) for arn in jobs}
    answers = [entry for log in logs for entry in log]
    assert len(answers) == 32 * 500
    documented = _documented()
    codes = Counter((op, status, body.get("__type")) for op, status, body, _ in answers)
    for (operation, status, code), _count in codes.items():
        assert status == 200 or code in documented[operation], (operation, status, code)
    assert codes[("CreateDocumentClassifier", 400, "TooManyRequestsException")] > 0  # throttling was on
    assert codes[("CreateDocumentClassifier", 400, "ResourceInUseException")] > 0  # a name reused
    created = [
        body["DocumentClassifierArn"]
        for op, status, body, _ in answers
        if op.startswith("Create") and status == 200
    ]
    assert len(created) == len(set(created)) == len(jobs)  # none doubled, none lost
    assert set(created) == set(jobs)
    stops = Counter(arn for op, status, _, arn in answers if op.startswith("Stop") and status == 200)
    assert stops
    for arn in stops:  # a stop is ignored only by a job that has finished (or was stopped already)
        assert "STOP_REQUESTED" in jobs[arn]["path"] or jobs[arn]["status"] in FINISHED, jobs[arn]
    # Every acknowledged change is in the state file, once.
    written = [json.loads(line) for line in journal.read_text().splitlines()[1:]]
    calls = [entry["call"] for entry in written if "call" in entry]
    assert [c[4]["DocumentClassifierName"] for c in calls if c[3].startswith("Create")] == [
        arn.rsplit("/", 1)[1] for arn in jobs
    ]
    assert Counter(c[4]["DocumentClassifierArn"] for c in calls if c[3].startswith("Stop")) == stops
    # A serial replay of the acknowledged changes, in the order the server applied them, ends the same.
    replayed = ServerApp(scenario=SCENARIO, rate_limits=LIMITS, state_file=str(journal))
    again = replayed.mock.service("eu-west-1")
    assert {arn: again.path(arn) for arn in again.arns()} == served
    assert replayed.clock.elapsed == pytest.approx(30 * 20)


def test_scheduled_stop_and_fault_fire_at_their_times():
    with Server(scenario=RaceScenario(queue_delay="fixed:60", training_duration="fixed:3600")) as server:
        client = Client(server.port)
        arn = _create(client, "news")[1]["DocumentClassifierArn"]
        scheduled = client.control("POST", "schedule", {"action": "stop", "at": 1800, "id": arn})["scheduled"]
        assert scheduled["done"] is None
        client.control(
            "POST",
            "schedule",
            {
                "action": "fault",
                "after": 100,
                "operation": "DescribeDocumentClassifier",
                "error": "InternalServerException",
                "count": 2,
            },
        )
        assert client.call("DescribeDocumentClassifier", DocumentClassifierArn=arn)[0] == 200  # not yet
        client.control("POST", "clock/advance", {"seconds": 1799})
        assert [
            client.call("DescribeDocumentClassifier", DocumentClassifierArn=arn)[0] for _ in range(3)
        ] == [500, 500, 200]
        assert (
            client.call("DescribeDocumentClassifier", DocumentClassifierArn=arn)[1][
                "DocumentClassifierProperties"
            ]["Status"]
            == "TRAINING"
        )
        client.control("POST", "clock/advance", {"seconds": 1})
        status = client.call("DescribeDocumentClassifier", DocumentClassifierArn=arn)[1][
            "DocumentClassifierProperties"
        ]["Status"]
        assert status == "STOP_REQUESTED"
        actions = client.control("GET", "schedule")["actions"]
        assert actions[0]["done"] == {"status": 200}
        assert actions[1]["remaining"] == 0
        final = client.control("POST", "clock/run-until-final", {"id": arn})
        assert final["status"] == "STOPPED"
        assert final["finished"]


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"action": "stop", "id": "nope"}, "existing job"),
        ({"action": "fault", "operation": "Nope"}, "operation"),
        ({"action": "fault", "operation": "ListDocumentClassifiers", "error": "Boom"}, "error must be"),
        ({"action": "fault", "operation": "ListDocumentClassifiers", "count": 0}, "count"),
        ({"action": "launch"}, "action must be"),
        ({"action": "stop", "at": -1}, "at must be at least 0"),
        ({"action": "stop", "at": 1, "after": 1}, "not both"),
        ([1, 2], "JSON object"),
    ],
)
def test_a_bad_scheduled_action_is_refused_with_what_is_allowed(stoprace_server, body, says):
    client = Client(stoprace_server.port)
    client.connection.request("POST", "/_stoprace/schedule", json.dumps(body))
    answer = client.connection.getresponse()
    assert answer.status == 400
    assert says in json.loads(answer.read())["message"]
    assert client.control("GET", "schedule")["actions"] == []


def _start(state_file, *extra: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "stoprace", "serve", "--port", "0", "--state-file", str(state_file), *extra],
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stderr.readline()
    port = re.search(r"127\.0\.0\.1:(\d+)", line)
    assert port, line
    return process, int(port.group(1))


@pytest.mark.slow
def test_kill_minus_9_during_that_load_loses_no_acknowledged_create_or_stop(tmp_path):
    """The same 32 x 500 mixed calls with throttling against the command, killed with SIGKILL midway;
    restarted on its state file, it has every create and every stop it acknowledged."""
    state = tmp_path / "state.jsonl"
    limits = [f"--rate-limit={op}={rate}:{burst}" for op, (rate, burst) in LIMITS.items()]
    process, port = _start(state, *limits)
    logs: list[list] = [[] for _ in range(32)]
    threads = [threading.Thread(target=_worker, args=(port, i, 500, logs[i])) for i in range(32)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 120
    while sum(map(len, logs)) < 4000 and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    for thread in threads:
        thread.join()
    answers = [entry for log in logs for entry in log]
    assert 4000 <= len(answers) < 32 * 500  # killed during the load
    process, port = _start(state, *limits)
    try:
        jobs = {job["id"]: job for job in Client(port).control("GET", "jobs")["jobs"]}
    finally:
        process.terminate()
        process.wait(timeout=30)
    created = [
        body["DocumentClassifierArn"]
        for op, status, body, _ in answers
        if op.startswith("Create") and status == 200
    ]
    stopped = {arn for op, status, _, arn in answers if op.startswith("Stop") and status == 200}
    assert created
    assert stopped
    assert set(created) <= set(jobs)  # every acknowledged create is there (and at most one call more)
    assert len(jobs) - len(created) <= 32  # each client had at most one call in flight
    for arn in stopped:
        assert "STOP_REQUESTED" in jobs[arn]["path"] or jobs[arn]["status"] in FINISHED, jobs[arn]


def test_a_state_file_survives_a_torn_last_line_and_a_bad_one_is_refused(tmp_path):
    state = tmp_path / "state.jsonl"
    with Server(scenario=SCENARIO, state_file=str(state)) as server:
        arn = _create(Client(server.port), "kept")[1]["DocumentClassifierArn"]
        server.advance(100)
    with state.open("a") as torn:
        torn.write('{"t": 100.0, "call": ["comprehend", "1234')  # a kill mid-write: never acknowledged
    again = ServerApp(scenario=SCENARIO, state_file=str(state))
    assert (again.replayed, again.clock.elapsed) == (2, 100.0)
    assert again.mock.service("eu-west-1").arns() == [arn]
    header = state.read_text().splitlines()[0]
    for body, says in (
        ('{"to": "soon"}', "change 1 cannot be replayed"),
        ('{"call": ["comprehend", "1", "r", "Nope", {}], "t": 0}', "change 1 cannot be replayed"),
        ("[1]\n{}", "is not a stoprace serve journal (line 2)"),
    ):
        state.write_text(f"{header}\n{body}\n")
        with pytest.raises(ValueError, match=re.escape(says)):
            ServerApp(scenario=SCENARIO, state_file=str(state))
    state.write_text(f"{header}\n")
    other = subprocess.run(
        [sys.executable, "-m", "stoprace", "serve", "--state-file", str(state), "--seed", "4"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert other.returncode == 2
    assert other.stderr.count("\n") == 1
    assert "written by a server with other options" in other.stderr
    assert "seed: " in other.stderr
