"""Values outside their domain, given to the model's helpers and to every file a command reads: each is
refused with an error of the documented kind that names what was wrong, and nothing changes."""

from __future__ import annotations

import os
import re
import threading
from datetime import datetime

import pytest
from helpers import create_request

from stoprace.model import ComprehendService, ManualClock
from stoprace.model.errors import ModelError
from stoprace.model.lifecycle import FAILURE_MESSAGE
from stoprace.sim.files import read_limited


@pytest.mark.parametrize(
    ("options", "error", "says"),
    [
        ({"region": ""}, ValueError, "region must be 1 to 63 letters"),
        ({"region": "us-east-1-"}, ValueError, "not beginning or ending with a hyphen"),
        ({"region": "eu:west"}, ValueError, "region must be"),
        ({"region": "a" * 64}, ValueError, "region must be"),
        ({"region": 1}, TypeError, "region must be a string, not int"),
        ({"account_id": 123456789012}, TypeError, "account_id must be a string, not int"),
        ({"account_id": "12345"}, ValueError, "account_id must be 12 digits"),
        (
            {"partition": "aws-" + "x" * 40, "region": "r" * 40},
            ValueError,
            "too long to form a classifier ARN",
        ),
        ({"partition": "aws/cn"}, ValueError, "partition must be 'aws' or 'aws-<name>'"),
        ({"partition": None}, TypeError, "partition must be a string, not NoneType"),
        ({"lifecycle": "EDGES"}, TypeError, "lifecycle must be a tuple"),
        ({"max_active_jobs": 1.5}, ValueError, "max_active_jobs must be a whole number"),
        ({"policy": {"billing": "x"}}, TypeError, "policy must be a stoprace.model.Policy"),
    ],
)
def test_a_service_that_cannot_exist_is_refused(options, error, says):
    with pytest.raises(error, match=says):
        ComprehendService(**options)


def test_the_longest_region_and_partition_that_fit_an_arn_are_taken():
    service = ComprehendService(partition="aws-iso-b", region="us-isob-east-1", clock=ManualClock())
    name, version = "n" * 63, "v" * 63
    arn = service.create_document_classifier(**create_request(name), VersionName=version)[
        "DocumentClassifierArn"
    ]
    assert arn.startswith("arn:aws-iso-b:comprehend:us-isob-east-1:")
    assert len(arn) <= 256


def test_a_clock_is_not_moved_past_what_a_timestamp_holds_and_nothing_changes():
    clock = ManualClock()
    ran = []
    clock.call_at(60, lambda: ran.append(clock.elapsed))
    before = clock()
    with pytest.raises(ValueError, match=r"cannot move 1e\+12 s past .*dates up to 9999-12-31"):
        clock.advance(1e12)
    assert (clock(), ran) == (before, [])  # not moved, the action at 60 s not run
    with pytest.raises(ValueError, match="an action cannot be scheduled"):
        clock.call_at(1e300, lambda: None)
    assert clock.next_due == 60.0  # nothing scheduled by the refusal
    with pytest.raises(TypeError, match="start must be a datetime, not str"):
        ManualClock("2025-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs a datetime, not float"):
        clock.set(1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="rank must be a whole number"):
        clock.call_at(5, lambda: None, rank="first")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        ManualClock(datetime(2025, 1, 1))
    assert clock.advance(60)
    assert ran == [60.0]


def test_fire_refuses_details_of_the_wrong_type_and_takes_none_as_not_given():
    service = ComprehendService(clock=ManualClock())
    arn = service.create_document_classifier(**create_request("a"))["DocumentClassifierArn"]
    service.fire(arn, "start_training")
    service.fire(arn, "begin_billing")
    for message, says in ((5, "got int"), ("", "got 0 characters"), ("x" * 5000, "got 5,000 characters")):
        with pytest.raises(ModelError, match=f"message must be a string of 1 to 2048 characters, {says}"):
            service.fire(arn, "fail_training", message=message)
        assert service.status(arn).value == "TRAINING"  # nothing changed
    with pytest.raises(ModelError, match="takes no details; got colour"):
        service.fire(arn, "end_billing", colour="red")
    assert service.fire(arn, "fail_training", message=None).value == "IN_ERROR"  # None: as if not given
    props = service.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]
    assert props["Message"] == FAILURE_MESSAGE  # the default failure message


@pytest.fixture
def odd_paths(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    return {"FIFO (named pipe)": fifo, "character device": "/dev/zero", "directory": tmp_path}


def test_only_regular_files_are_read_and_a_fifo_does_not_block(odd_paths):
    from pathlib import Path  # noqa: PLC0415

    for kind, path in odd_paths.items():
        with pytest.raises(
            ValueError, match=re.escape(f"{path}: a {kind}, not a regular file: not a scenario")
        ):
            read_limited(Path(path), 1024, "a scenario file")


def test_a_file_that_grows_while_read_is_read_to_the_limit_only(tmp_path):
    path = tmp_path / "growing.json"
    path.write_bytes(b"[" + b"1," * 1000)
    done = threading.Event()

    def grow() -> None:
        with path.open("ab") as handle:
            while not done.is_set():
                handle.write(b"1," * 10_000)
                handle.flush()

    writer = threading.Thread(target=grow)
    writer.start()
    try:
        outcomes = []
        for _ in range(20):
            try:
                outcomes.append(len(read_limited(path, 2**20, "a history file")))
            except ValueError as err:
                outcomes.append(str(err))
    finally:
        done.set()
        writer.join()
    assert all(o == f"{path}: larger than 1 MiB: not a history file" or o <= 2**20 for o in outcomes)  # type: ignore[operator]
