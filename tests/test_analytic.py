"""Analytic race probabilities: the integrator against a closed form, and both engines against it."""

from __future__ import annotations

import pytest

from model import Policy
from sim import analytic, race, vector
from sim.scenario import RaceScenario
from sim.stats import wilson_interval

CONFIDENCE = 0.999


@pytest.mark.parametrize(
    ("duration", "latency", "stop"), [(3600, 600, 1800.0), (1200, 300, 100.0), (600, 900, 0.0)]
)
def test_the_integrator_reproduces_the_exponential_closed_form(duration, latency, stop):
    scenario = RaceScenario(
        queue_delay="fixed:0", training_duration=f"exponential:mean={duration}",
        stop_latency=f"exponential:mean={latency}", p_warning=0.0, p_failure=0.0,
    )
    expected = analytic.exponential_p_race_lost(duration, latency)
    assert analytic.p_race_lost(scenario, stop) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(latency / (latency + duration))


def test_no_probability_where_no_job_can_be_training():
    scenario = RaceScenario(queue_delay="fixed:600", training_duration="fixed:600")
    assert analytic.p_race_lost(scenario, 100.0) is None  # still queued
    assert analytic.p_race_lost(scenario, 5000.0) is None  # already trained


SCENARIOS = [
    RaceScenario(stop_at=(2400.0, 3600.0)),  # the default: log-normal hour, warnings and failures
    RaceScenario(training_duration="gamma:shape=2,scale=1800", queue_delay="exponential:mean=300",
                 stop_at=(1000.0, 5000.0)),
    RaceScenario(training_duration="fixed:3000", queue_delay="exponential:mean=300",
                 stop_latency="uniform:low=0,high=600", stop_at=(2800.0, 3100.0)),
    RaceScenario(training_duration="weibull:shape=1.5,scale=3600", stop_latency="fixed:300",
                 queue_delay="fixed:60", policy=Policy(race_outcomes="trained_or_stopped"),
                 p_warning=0.3, stop_at=(3000.0,)),
]


def _inside(row, expected):
    low, high = wilson_interval(row.race_lost, row.stop_requested, CONFIDENCE)
    return low <= expected <= high


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.training_duration.family)
def test_the_numpy_engine_agrees_with_the_integral(scenario):
    result = vector.simulate(scenario.replace(replications=200_000, seed=101))
    for row in result.rows:
        expected = analytic.p_race_lost(scenario, row.stop_at)
        assert _inside(row, expected), (row.stop_at, row.p_race_lost, expected)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.training_duration.family)
def test_the_simpy_engine_agrees_with_the_integral(scenario):
    scenario = scenario.replace(replications=8_000, seed=202, stop_at=scenario.stop_at[:1])
    row = race.simulate(scenario).rows[0]
    assert _inside(row, analytic.p_race_lost(scenario, row.stop_at))
