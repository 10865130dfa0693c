"""The numpy engine gives the simpy engine's outcomes, job by job."""

from __future__ import annotations

import numpy as np
import pytest

import stoprace.sim.draws
from stoprace.model import Policy
from stoprace.sim import race, vector
from stoprace.sim.draws import draw_batches
from stoprace.sim.scenario import RaceScenario

SCENARIOS = [
    RaceScenario(replications=1500, stop_at=(0.0, 600.0, 3000.0, 4000.0, 9000.0)),
    RaceScenario(  # fixed times: ties everywhere
        queue_delay="fixed:60",
        training_duration="fixed:3000",
        stop_latency="fixed:60",
        replications=500,
        stop_at=(0.0, 30.0, 60.0, 2999.0, 3000.0, 3060.0, 3100.0),
    ),
    RaceScenario(
        queue_delay="fixed:0",
        training_duration="gamma:shape=2,scale=1800",
        stop_latency="uniform:low=0,high=600",
        p_warning=0.3,
        p_failure=0.3,
        replications=1500,
        stop_at=(0.0, 1000.0, 3000.0),
    ),
    RaceScenario(  # provisioning and finalization of random lengths, stops in every phase
        queue_delay="exponential:mean=60",
        provisioning="exponential:mean=120",
        training_duration="gamma:shape=2,scale=600",
        finalization="uniform:low=50,high=80",
        stop_latency="exponential:mean=90",
        p_failure=0.2,
        replications=1500,
        stop_at=(30.0, 150.0, 1200.0),
    ),
    RaceScenario(  # fixed phases: ties between the stop and every training event
        queue_delay="fixed:60",
        provisioning="fixed:30",
        training_duration="fixed:1000",
        finalization="fixed:65",
        stop_latency="fixed:30",
        replications=300,
        stop_at=(60.0, 90.0, 1060.0, 1090.0, 1125.0, 1155.0),
    ),
]
POLICIES = [
    Policy(),
    Policy(stop_when_submitted="ignore", race_outcomes="trained_or_stopped"),
    Policy(stop_when_submitted="reject", stopped_training_end="at_stop_request"),
    Policy(billing_start="with_training", billing_end="with_end", stopped_training_end="at_stop_request"),
]


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: str(p.changes() or "default"))
def test_same_per_job_outcomes_as_the_simpy_engine(scenario, policy):
    scenario = scenario.replace(policy=policy)
    for index in range(len(scenario.stop_at)):
        for inputs in draw_batches(scenario, index):
            reference = race.simulate_batch(policy, inputs)
            fast = vector.simulate_batch(policy, inputs)
            assert fast.paths == reference.paths
            assert fast.billed.tobytes() == reference.billed.tobytes()
            assert fast.start.tobytes() == reference.start.tobytes()
            assert fast.end.tobytes() == reference.end.tobytes()


def test_same_aggregates_and_json_as_the_simpy_engine():
    scenario = SCENARIOS[0]
    reference = race.simulate(scenario).as_dict()
    fast = vector.simulate(scenario).as_dict()
    assert reference.pop("engine") == "simpy"
    assert fast.pop("engine") == "vector"
    assert fast == reference


def test_batches_bound_memory_and_do_not_change_the_jobs(monkeypatch):
    scenario = RaceScenario(replications=3500, stop_at=(3000.0,))
    whole = vector.simulate(scenario).as_dict()
    one_batch = next(draw_batches(scenario, 0))
    monkeypatch.setattr(stoprace.sim.draws, "BATCH", 1000)
    batches = list(draw_batches(scenario, 0))
    assert [len(b) for b in batches] == [1000, 1000, 1000, 500]
    assert np.concatenate([b.times for b in batches]).tobytes() == one_batch.times.tobytes()
    assert np.concatenate([b.end_trigger for b in batches]).tobytes() == one_batch.end_trigger.tobytes()
    chunked = vector.simulate(scenario).as_dict()
    # The same jobs: the same paths; only the order of summing billed seconds differs.
    assert chunked["rows"][0]["paths"] == whole["rows"][0]["paths"]
    mean = whole["rows"][0]["mean_billed_seconds"]
    assert chunked["rows"][0]["mean_billed_seconds"] == pytest.approx(mean, rel=1e-12)
