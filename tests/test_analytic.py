"""Analytic race probabilities: the integrator against a closed form, and both engines against it."""

from __future__ import annotations

import functools

import pytest

from stoprace.model import Policy
from stoprace.sim import analytic, race, vector
from stoprace.sim.scenario import RaceScenario
from stoprace.sim.stats import wilson_interval

CONFIDENCE = 0.999


@pytest.mark.parametrize(
    ("duration", "latency", "stop"), [(3600, 600, 1800.0), (1200, 300, 100.0), (600, 900, 0.0)]
)
def test_the_integrator_reproduces_the_exponential_closed_form(duration, latency, stop):
    scenario = RaceScenario(
        queue_delay="fixed:0",
        training_duration=f"exponential:mean={duration}",
        stop_latency=f"exponential:mean={latency}",
        finalization="fixed:0",
        p_warning=0.0,
        p_failure=0.0,
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
    RaceScenario(
        training_duration="gamma:shape=2,scale=1800",
        queue_delay="exponential:mean=300",
        stop_at=(1000.0, 5000.0),
    ),
    RaceScenario(
        training_duration="fixed:3000",
        queue_delay="exponential:mean=300",
        stop_latency="uniform:low=0,high=600",
        stop_at=(2800.0, 3100.0),
    ),
    RaceScenario(
        training_duration="weibull:shape=1.5,scale=3600",
        stop_latency="fixed:300",
        queue_delay="fixed:60",
        policy=Policy(race_outcomes="trained_or_stopped"),
        p_warning=0.3,
        stop_at=(3000.0,),
    ),
    # Stops that often find the job still queued, under each treatment of a queued job's stop, with
    # billing that ends at the stop request and a failure point that is not uniform.
    RaceScenario(
        queue_delay="exponential:mean=900",
        training_duration="lognormal:median=1800,sigma=0.6",
        stop_latency="gamma:shape=2,scale=150",
        p_failure=0.2,
        failure_point="fixed:0.5",
        policy=Policy(stopped_training_end="at_stop_request"),
        stop_at=(600.0, 2000.0),
    ),
    RaceScenario(
        queue_delay="uniform:low=0,high=1200",
        training_duration="exponential:mean=2400",
        p_failure=0.1,
        failure_point="uniform:low=0.2,high=0.6",
        stop_at=(600.0,),
        policy=Policy(stop_when_submitted="ignore", race_outcomes="trained_or_stopped"),
    ),
    RaceScenario(
        queue_delay="exponential:mean=600",
        training_duration="fixed:1500",
        stop_latency="fixed:200",
        p_failure=0.1,
        policy=Policy(stop_when_submitted="reject"),
        stop_at=(700.0, 1400.0),
    ),
    # Provisioning and finalization of continuous lengths, with and without the phases in the policy.
    RaceScenario(
        provisioning="exponential:mean=120",
        training_duration="gamma:shape=2,scale=600",
        stop_latency="exponential:mean=120",
        p_failure=0.1,
        stop_at=(150.0, 1200.0),
    ),
    RaceScenario(
        provisioning="fixed:90",
        finalization="uniform:low=50,high=80",
        training_duration="gamma:shape=2,scale=600",
        stop_latency="exponential:mean=120",
        p_failure=0.0,
        stop_at=(150.0, 1200.0),
        policy=Policy(
            billing_start="with_training", billing_end="with_end", stopped_training_end="at_stop_request"
        ),
    ),
    # Fixed phases and latency (the exact sums), stops that land in provisioning and in finalization.
    RaceScenario(
        queue_delay="exponential:mean=300",
        provisioning="fixed:90",
        training_duration="fixed:3000",
        finalization="fixed:65",
        stop_latency="fixed:60",
        p_failure=0.2,
        stop_at=(200.0, 3400.0),
        policy=Policy(race_outcomes="trained_or_stopped", stopped_training_end="at_stop_request"),
    ),
    # Entity recognizers: their recorded timings (ten minutes of training), stopped while queued, early
    # and late, and with a stop as slow as the training.
    RaceScenario.for_resource("entity-recognizer", stop_at=(120.0, 480.0, 900.0)),
    RaceScenario.for_resource(
        "entity-recognizer", stop_latency="gamma:shape=2,scale=300", p_failure=0.1, stop_at=(600.0,)
    ),
]
IDS = [
    "default",
    "gamma",
    "fixed",
    "weibull",
    "queued-accept",
    "queued-ignore",
    "queued-reject",
    "phases",
    "phases-billed",
    "phases-fixed",
    "recognizer",
    "recognizer-slow-stop",
]


# The integral over a continuous provisioning and finalization costs seconds a stop time: slow lane.
CASES = [
    pytest.param(scenario, id=name, marks=[pytest.mark.slow] if name == "phases" else [])
    for scenario, name in zip(SCENARIOS, IDS, strict=True)
]


#: The integral of a case at a stop time, computed once for the module's tests (one worker runs them all):
#: the engines' tests and the sum-to-one test ask for the same stop times.
_outcome = functools.cache(analytic.race_outcome)


def _inside(row, expected):
    low, high = wilson_interval(row.race_lost, row.stop_requested, CONFIDENCE)
    return low <= expected <= high


def _agrees(row, scenario):
    """Every check of one simulated row against the integral, as (what, simulated, expected, ok)."""
    outcome = _outcome(scenario, row.stop_at)
    checks = []
    if outcome.p_race_lost is not None:
        expected = outcome.p_race_lost
        checks.append(("p_race_lost", row.p_race_lost, expected, _inside(row, expected)))
    for status in sorted(set(row.final) | set(outcome.final)):
        expected = outcome.final.get(status, 0.0)
        low, high = wilson_interval(row.final.get(status, 0), row.jobs, CONFIDENCE)
        checks.append((status, row.final.get(status, 0) / row.jobs, expected, low <= expected <= high))
    low, high = row.billed_ci(CONFIDENCE)
    expected = outcome.mean_billed_seconds
    checks.append(("billed", row.mean_billed_seconds, expected, low <= expected <= high))
    return checks


@pytest.mark.parametrize("scenario", CASES)
def test_the_numpy_engine_agrees_with_the_integral(scenario):
    result = vector.simulate(scenario.replace(replications=200_000, seed=101))
    for row in result.rows:
        failed = [c for c in _agrees(row, scenario) if not c[3]]
        assert not failed, (row.stop_at, failed)


@pytest.mark.parametrize("scenario", CASES)
def test_the_simpy_engine_agrees_with_the_integral(scenario):
    run = scenario.replace(replications=8_000, seed=202, stop_at=scenario.stop_at[:1])
    row = race.simulate(run).rows[0]
    failed = [c for c in _agrees(row, scenario) if not c[3]]  # the case's own integral, computed once
    assert not failed, failed


@pytest.mark.parametrize("scenario", CASES)
def test_probabilities_of_every_path_add_up_to_one(scenario):
    for stop in (*scenario.stop_at, 0.0, 50_000.0):
        outcome = _outcome(scenario, stop)
        assert sum(outcome.paths.values()) == pytest.approx(1.0, abs=1e-9)
        assert all(p >= -1e-12 for p in outcome.paths.values())
        assert outcome.mean_billed_seconds >= 0.0


def test_a_stop_long_after_training_changes_nothing():
    scenario = RaceScenario(
        queue_delay="fixed:0", training_duration="uniform:low=100,high=200", p_warning=0.0, p_failure=0.0
    )
    outcome = analytic.race_outcome(scenario, 1000.0)
    assert outcome.paths == pytest.approx({"SUBMITTED>TRAINING>TRAINED": 1.0})
    assert outcome.mean_billed_seconds == pytest.approx(150.0)
    assert outcome.p_race_lost is None


def test_billing_by_hand_for_fixed_times():
    # Trains from 100 s; the stop at 1000 s takes effect at 1300 s, before the end at 2100 s.
    scenario = RaceScenario(
        queue_delay="fixed:100",
        training_duration="fixed:2000",
        stop_latency="fixed:300",
        p_warning=0.0,
        p_failure=0.0,
    )
    assert analytic.race_outcome(scenario, 1000.0).mean_billed_seconds == pytest.approx(1200.0)
    at_request = scenario.replace(policy=Policy(stopped_training_end="at_stop_request"))
    assert analytic.race_outcome(at_request, 1000.0).mean_billed_seconds == pytest.approx(900.0)
    # A stop at 1900 s would take effect at 2200 s: training ends first, at 2100 s (race lost).
    late = analytic.race_outcome(scenario, 1900.0)
    assert late.paths == pytest.approx({"SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED": 1.0})
    assert late.mean_billed_seconds == pytest.approx(2000.0)


def test_the_tie_rule_holds_in_the_integral_too():
    # Training ends at exactly the instant the stop takes effect: completion wins (stoprace.sim.draws).
    scenario = RaceScenario(
        queue_delay="fixed:0",
        training_duration="fixed:1000",
        stop_latency="fixed:400",
        finalization="fixed:0",
        p_warning=0.0,
        p_failure=0.0,
    )
    assert analytic.race_outcome(scenario, 600.0).p_race_lost == 1.0
    assert analytic.race_outcome(scenario, 1000.0).p_race_lost is None  # ends as the stop is sent
    # With a finalization, a stop sent as billed training ends finds the job TRAINING, and loses.
    finalizing = scenario.replace(finalization="fixed:65")
    assert analytic.race_outcome(finalizing, 1000.0).p_race_lost == 1.0
    assert analytic.race_outcome(finalizing, 1065.0).p_race_lost is None


def test_an_empirical_duration(tmp_path):
    samples = tmp_path / "durations.txt"
    samples.write_text("\n".join(str(v) for v in (1800, 2400, 3000, 3600, 4200, 6000)))
    scenario = RaceScenario(
        training_duration=f"empirical:{samples}",
        stop_latency="exponential:mean=400",
        stop_at=(2900.0,),
        replications=200_000,
        seed=7,
    )
    row = vector.simulate(scenario).rows[0]
    failed = [c for c in _agrees(row, scenario) if not c[3]]
    assert not failed, failed


def test_two_continuous_phases_give_no_integral_and_say_why():
    scenario = RaceScenario(provisioning="exponential:mean=120", finalization="uniform:low=50,high=80")
    assert "provisioning and finalization" in analytic.unavailable(scenario)
    with pytest.raises(ValueError, match="no analytic result"):
        analytic.race_outcome(scenario, 600.0)


def test_too_many_empirical_values_give_no_integral_and_say_why(tmp_path):
    from stoprace.sim.report import race_report  # noqa: PLC0415

    samples = tmp_path / "durations.txt"
    count = analytic.MAX_EMPIRICAL_VALUES + 1
    samples.write_text("\n".join(str(3000 + i) for i in range(count)))
    scenario = RaceScenario(training_duration=f"empirical:{samples}", replications=1000, stop_at=(3000.0,))
    assert str(count) in analytic.unavailable(scenario)
    with pytest.raises(ValueError, match="no analytic result"):
        analytic.race_outcome(scenario, 3000.0)
    report = race_report(vector.simulate(scenario))
    assert str(count) in report["analytic_note"]
    assert report["rows"][0]["analytic_p_race_lost"] is None
    assert report["rows"][0]["analytic_final"] is None
