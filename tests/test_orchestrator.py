"""docs/examples/orchestrator.py through the boto3 bridge, over many generated timings: it never
misreports the outcome (a lost race included) and never leaves a job running or an unwanted model."""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoprace.model import ComprehendService, ManualClock, TooManyRequestsException
from stoprace.model.lifecycle import race_lost
from stoprace.sim.scenario import RaceScenario

boto3 = pytest.importorskip("boto3", reason="the orchestrator tests need the aws extra")

from stoprace.sim.autopilot import attach  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("orchestrator", ROOT / "docs" / "examples" / "orchestrator.py")
assert _spec is not None
assert _spec.loader is not None
orchestrator = importlib.util.module_from_spec(_spec)
sys.modules["orchestrator"] = orchestrator  # dataclasses look their module up while it loads
_spec.loader.exec_module(orchestrator)

REQUEST = {
    "DocumentClassifierName": "tickets",
    "DataAccessRoleArn": "arn:aws:iam::111122223333:role/comprehend-access",
    "InputDataConfig": {"S3Uri": "s3://training-data/tickets.csv"},
    "LanguageCode": "en",
}
CLIENT = None


def comprehend():
    global CLIENT  # noqa: PLW0603 - one boto3 client for every example: creating one is slow
    if CLIENT is None:
        CLIENT = boto3.client(
            "comprehend", region_name="us-east-1", aws_access_key_id="unused", aws_secret_access_key="unused"
        )
    return CLIENT


seconds = st.integers(min_value=0, max_value=7200).map(float)


@pytest.mark.slow
@given(
    queue=seconds,
    duration=st.integers(300, 7200).map(float),
    latency=st.integers(1, 1800).map(float),
    deadline=seconds,
    poll=st.sampled_from([120.0, 300.0, 600.0]),
    ending=st.sampled_from(["finish", "warning", "fail"]),
    throttled=st.sampled_from([0.0, 0.3]),
    seed=st.integers(0, 2**16),
)
def test_the_orchestrator_never_misreports_or_leaks(
    queue, duration, latency, deadline, poll, ending, throttled, seed
):
    scenario = RaceScenario(
        queue_delay=f"fixed:{queue}",
        training_duration=f"fixed:{duration}",
        stop_latency=f"fixed:{latency}",
        p_warning=1.0 if ending == "warning" else 0.0,
        p_failure=1.0 if ending == "fail" else 0.0,
        failure_point="fixed:0.5",
    )
    faults = random.Random(seed)
    model = ComprehendService(
        clock=ManualClock(),
        account_id="111122223333",
        region="us-east-1",
        admission=lambda operation, params: TooManyRequestsException if faults.random() < throttled else None,
    )
    client = comprehend()
    bridge = attach(client, model, scenario, seed=seed)
    try:
        with bridge.virtual_time():  # botocore's own retries (standard mode from 1.44) wait virtually too
            outcome = orchestrator.train_with_deadline(
                client,
                REQUEST,
                deadline,
                poll=poll,
                clock=lambda: model.clock.elapsed,
                sleep=bridge.sleep,
                rng=random.Random(seed),
            )
    finally:
        bridge.detach()
    path = [str(s) for s in model.path(outcome.arn)]
    finished = [s for s in path if s in orchestrator.FINISHED]
    assert len(finished) == 1
    # What it reports is what happened.
    assert outcome.status == finished[0]
    if race_lost(path):
        assert outcome.race_lost  # a lost race is never reported as a stop
    if outcome.race_lost:
        assert outcome.stop_requested
        assert outcome.status in ("TRAINED", "TRAINED_WITH_WARNING")
    if outcome.status == "STOPPED":
        assert outcome.stop_requested
    trained = outcome.status in ("TRAINED", "TRAINED_WITH_WARNING")
    assert outcome.usable == (trained and not outcome.stop_requested)
    # Nothing left behind: the job finished, and a model that outran its stop is being deleted.
    assert path[-1] in (*orchestrator.FINISHED, "DELETING")
    assert (path[-1] == "DELETING") == outcome.race_lost == outcome.deleted


def test_a_stop_that_loses_the_race_is_reported_and_the_model_deleted():
    scenario = RaceScenario(
        queue_delay="fixed:0",
        training_duration="fixed:3700",
        stop_latency="fixed:300",
        p_warning=0.0,
        p_failure=0.0,
    )
    model = ComprehendService(clock=ManualClock(), account_id="111122223333", region="us-east-1")
    bridge = attach(comprehend(), model, scenario)
    try:
        with bridge.virtual_time():
            outcome = orchestrator.train_with_deadline(
                comprehend(),
                REQUEST,
                3600,
                poll=60,
                sleep=bridge.sleep,
                clock=lambda: model.clock.elapsed,
                rng=random.Random(1),
            )
    finally:
        bridge.detach()
    reported = (outcome.status, outcome.stop_requested, outcome.race_lost, outcome.deleted)
    assert reported == ("TRAINED", True, True, True)
    assert [str(s) for s in model.path(outcome.arn)] == [
        "SUBMITTED",
        "TRAINING",
        "STOP_REQUESTED",
        "TRAINED",
        "DELETING",
    ]
