"""The examples users copy (``docs/examples/``), run unchanged against the model in virtual time, for
every way a job can end; and the virtual time they rely on."""

from __future__ import annotations

import asyncio
import importlib.util
import logging
import queue
import sys
import time
from pathlib import Path
from time import sleep  # noqa: F401 - virtual_time must reach by-name imports too

import pytest

from stoprace.model import ComprehendService, ManualClock
from stoprace.model.virtual import virtual_time
from stoprace.sim.scenario import RaceScenario

boto3 = pytest.importorskip("boto3", reason="the examples need the aws extra")

from stoprace.sim import autopilot  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT, REGION = "111122223333", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/comprehend-access"
DATA = "s3://training-data/tickets.csv"


def load(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "examples" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


custom_waiter, sensor_loop = load("custom_waiter"), load("sensor_loop")

# Every ending: (scenario settings, who stops and when, the final status, whether the stop lost the race).
# Queue 60 s, billed training 3600 s (ends at 3660 s), the job ends 65 s later (3725 s).
BASE = {
    "queue_delay": "fixed:60",
    "training_duration": "fixed:3600",
    "finalization": "fixed:65",
    "stop_latency": "fixed:120",
    "p_warning": 0.0,
    "p_failure": 0.0,
}
ENDINGS = {
    "TRAINED": ({}, None, "TRAINED"),
    "TRAINED_WITH_WARNING": (
        {"p_warning": 1.0, "warning_message": "2 labels have few examples"},
        None,
        "TRAINED_WITH_WARNING",
    ),
    "IN_ERROR": ({"p_failure": 1.0, "failure_message": "No training data found"}, None, "IN_ERROR"),
    "STOPPED": ({}, 1800.0, "STOPPED"),
    "lost race": ({}, 3600.0, "TRAINED"),  # the stop takes effect at 3720 s; billing ended at 3660 s
}


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return boto3.client("comprehend", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")


def bridged(client, settings):
    service = ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION)
    return service, autopilot.attach(client, service, RaceScenario(**{**BASE, **settings}))


@pytest.mark.parametrize("ending", ENDINGS)
def test_the_custom_waiter_example_for_every_ending(client, caplog, ending):
    settings, stop_at, final = ENDINGS[ending]
    service, bridge = bridged(client, settings)
    arn = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/tickets"
    if stop_at is not None:  # someone else stops it, at a virtual time
        bridge.at(stop_at, lambda: client.stop_training_document_classifier(DocumentClassifierArn=arn))
    with caplog.at_level(logging.INFO, logger="classifier"), bridge.virtual_time():
        props = custom_waiter.train(client, "tickets", ROLE, DATA)
    assert props["Status"] == final
    assert service.path(arn)[-1].value == final
    if final.startswith("TRAINED"):
        assert props["ClassifierMetadata"]["NumberOfLabels"] == 3
        assert "accuracy 0.986" in caplog.text
    if ending == "lost race":
        assert [s.value for s in service.path(arn)][-2:] == ["STOP_REQUESTED", "TRAINED"]
    if final == "TRAINED_WITH_WARNING":
        assert "trained with a warning: 2 labels have few examples" in caplog.text
    if final == "IN_ERROR":
        assert "ended IN_ERROR: No training data found" in caplog.text
    # The waiter polled every 60 s of virtual time: the job's end was seen within one delay.
    assert 0 <= service.clock.elapsed - (props["EndTime"] - service.clock.start).total_seconds() <= 60


@pytest.mark.parametrize("ending", ENDINGS)
def test_the_sensor_example_misreports_only_the_lost_race_and_the_stop(client, ending):
    settings, stop_at, final = ENDINGS[ending]
    service, bridge = bridged(client, settings)
    arn = client.create_document_classifier(
        DocumentClassifierName="tickets",
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": DATA},
        LanguageCode="en",
    )["DocumentClassifierArn"]
    if stop_at is not None:
        bridge.at(stop_at, lambda: service.stop_training_document_classifier(DocumentClassifierArn=arn))
    with bridge.virtual_time():
        try:
            verdict = sensor_loop.wait_for_training(client, arn)
        except RuntimeError as err:
            verdict = str(err).rsplit(": ", 1)[-1]
        time.sleep(600)  # the job goes on after the sensor has given its verdict
    truth = service.status(arn).value
    assert truth == final
    if ending == "lost race":  # the sensor says failed; the job was trained and billed anyway
        assert (verdict, truth) == ("STOP_REQUESTED", "TRAINED")
    elif ending == "STOPPED":  # right in the end, but on a status that was not final yet
        assert (verdict, truth) == ("STOP_REQUESTED", "STOPPED")
    else:
        assert verdict == truth


def test_the_service_moves_on_with_the_clock_without_a_request(client):
    service, bridge = bridged(client, {})
    arn = client.create_document_classifier(
        DocumentClassifierName="tickets",
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": DATA},
        LanguageCode="en",
    )["DocumentClassifierArn"]
    with bridge.virtual_time():
        time.sleep(5000)
    assert service.status(arn).value == "TRAINED"
    props = service.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]
    start = service.clock.start
    stamps = ("TrainingStartTime", "TrainingEndTime", "EndTime")
    # each event at its own time, not at the next request's
    assert [(props[k] - start).total_seconds() for k in stamps] == [60.0, 3660.0, 3725.0]


def test_virtual_time_covers_time_asyncio_and_restores_everything():
    clock = ManualClock()
    real = (time.sleep, time.monotonic, time.time, asyncio.sleep)
    seen = []

    async def poll():
        loop = asyncio.get_running_loop()
        before = loop.time()
        await asyncio.sleep(120)
        return loop.time() - before

    with virtual_time(clock):
        t0, m0 = time.time(), time.monotonic()
        time.sleep(30)
        seen.append((time.time() - t0, time.monotonic() - m0))
        seen.append(asyncio.run(poll()))
    assert seen == [(30.0, 30.0), 120.0]
    assert clock.elapsed == 150.0
    assert (time.sleep, time.monotonic, time.time, asyncio.sleep) == real
    with virtual_time(clock):  # the standard library's real waits stay real: a timeout still times out
        with pytest.raises(queue.Empty):
            queue.Queue().get(timeout=0.05)
        sleep_by_name = vars(sys.modules[__name__])["sleep"]
        assert sleep_by_name is time.sleep  # a by-name import outside the standard library follows
    with virtual_time(clock), pytest.raises(RuntimeError, match="do not nest"), virtual_time(clock):
        pass
    with pytest.raises(TypeError, match="ManualClock"), virtual_time(lambda: None):  # type: ignore[arg-type]
        pass
