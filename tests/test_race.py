"""The simpy engine: the reference race, driven by the model's triggers."""

from __future__ import annotations

import numpy as np
import pytest

from stoprace.model import Policy
from stoprace.sim import race, vector
from stoprace.sim.draws import JobInputs
from stoprace.sim.scenario import RaceScenario
from stoprace.sim.stats import wilson_interval


def one_job(times, end_trigger=0, policy=Policy()):  # noqa: B008
    """Race one job. ``times``: (training starts, training ends, stop sent, stop takes effect), with no
    provisioning or finalization; or all six event times of stoprace.sim.draws.EVENTS."""
    if len(times) == 4:
        start, end, stop, effect = times
        times = (start, start, end, end, stop, effect)
    inputs = JobInputs(
        times=np.array([times], dtype=float), end_trigger=np.array([end_trigger], dtype=np.int8)
    )
    out = race.simulate_batch(policy, inputs)
    return out.paths[0], float(out.billed[0])


# times: (training starts, training ends, stop sent, stop takes effect)
def test_completion_before_the_stop_takes_effect_loses_the_race():
    assert one_job((60, 3000, 2900, 3100)) == ("SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED", 2940.0)


def test_stop_taking_effect_first_wins_the_race():
    assert one_job((60, 3000, 2700, 2800)) == ("SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED", 2740.0)


def test_stop_after_completion_changes_nothing():
    assert one_job((60, 3000, 3500, 3600)) == ("SUBMITTED>TRAINING>TRAINED", 2940.0)


def test_tie_completion_at_the_instant_the_stop_takes_effect_wins():
    assert one_job((60, 3000, 2900, 3000))[0] == "SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED"


def test_tie_stop_sent_as_training_starts_hits_a_training_job():
    assert one_job((60, 3000, 60, 100))[0] == "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED"


def test_tie_stop_sent_as_training_ends_hits_a_finished_job():
    assert one_job((60, 3000, 3000, 3001))[0] == "SUBMITTED>TRAINING>TRAINED"


@pytest.mark.parametrize(
    ("choice", "path", "billed"),
    [
        ("accept", "SUBMITTED>STOP_REQUESTED>STOPPED", 0.0),
        ("ignore", "SUBMITTED>TRAINING>TRAINED", 2940.0),
        ("reject", "SUBMITTED>TRAINING>TRAINED", 2940.0),
    ],
)
def test_stop_while_submitted_follows_the_policy(choice, path, billed):
    assert one_job((60, 3000, 30, 90), policy=Policy(stop_when_submitted=choice)) == (path, billed)


@pytest.mark.parametrize(("trigger", "status"), [(1, "TRAINED_WITH_WARNING"), (2, "IN_ERROR")])
def test_warnings_and_failures_can_win_the_race(trigger, status):
    assert one_job((60, 3000, 2900, 3100), trigger)[0] == f"SUBMITTED>TRAINING>STOP_REQUESTED>{status}"
    narrow = Policy(race_outcomes="trained_or_stopped")
    assert one_job((60, 3000, 2900, 3100), trigger, narrow)[0] == "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED"


# times: (training starts, billing begins, billing ends, the job ends, stop sent, stop takes effect)
def test_a_stop_during_finalization_loses_the_race_and_saves_nothing():
    lost = "SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED"
    assert one_job((60, 60, 3000, 3065, 3010, 3030)) == (lost, 2940.0)
    # Without the phase, the same minute is billed training, and the stop wins it.
    billed = Policy(billing_end="with_end")
    assert one_job((60, 60, 3000, 3065, 3010, 3030), policy=billed) == (
        "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED",
        2970.0,
    )


def test_a_stop_during_provisioning_saves_the_whole_bill():
    stopped = "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED"
    assert one_job((60, 180, 3000, 3065, 100, 150)) == (stopped, 0.0)
    # If billing begins while the stop is pending, it is billed until the stop takes effect.
    assert one_job((60, 180, 3000, 3065, 100, 200)) == (stopped, 20.0)
    assert one_job((60, 180, 3000, 3065, 100, 150), policy=Policy(billing_start="with_training")) == (
        stopped,
        90.0,
    )


def test_billing_of_a_stopped_job_follows_the_policy():
    early = Policy(stopped_training_end="at_stop_request")
    stopped = "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED"
    assert one_job((60, 3000, 2700, 2800), policy=early) == (stopped, 2640.0)


def test_exponential_race_matches_the_closed_form():
    # Exponential durations are memoryless: at the stop, remaining training is exponential (mean D),
    # so the completion beats an exponential stop latency (mean L) with probability L / (L + D).
    scenario = RaceScenario(
        queue_delay="fixed:0",
        training_duration="exponential:mean=3600",
        stop_latency="exponential:mean=600",
        finalization="fixed:0",
        p_warning=0.0,
        p_failure=0.0,
        stop_at=(1800.0,),
        replications=20_000,
        seed=11,
    )
    row = race.simulate(scenario).rows[0]
    low, high = wilson_interval(row.race_lost, row.stop_requested, 0.999)
    assert low <= 600 / (600 + 3600) <= high


def test_same_seed_same_results_and_a_new_seed_differs():
    scenario = RaceScenario(replications=3000, stop_at=(2400.0, 3600.0))
    assert race.simulate(scenario).as_dict() == race.simulate(scenario).as_dict()
    assert race.simulate(scenario).as_dict() != race.simulate(scenario.replace(seed=1)).as_dict()


def test_per_job_records_as_a_tidy_table():
    scenario = RaceScenario(replications=300, stop_at=(1800.0, 3600.0))
    frame = race.simulate(scenario, keep_jobs=True).to_dataframe()
    assert len(frame) == 600
    assert list(frame.columns) == [
        "stop_at",
        "job",
        "path",
        "final",
        "submit",
        "training_start",
        "stop_request",
        "end",
        "billed_seconds",
        "race_lost",
    ]
    trained = frame.dropna(subset=["training_start"])
    assert (trained["training_start"] <= trained["end"]).all()
    assert (frame["billed_seconds"] >= 0).all()
    assert (frame["end"] >= frame["submit"]).all()
    assert frame["race_lost"].sum() == sum(r.race_lost for r in race.simulate(scenario).rows)
    never = frame[frame["path"] == "SUBMITTED>STOP_REQUESTED>STOPPED"]
    assert never["training_start"].isna().all()
    assert (never["billed_seconds"] == 0).all()


def test_records_are_only_kept_when_asked():
    with pytest.raises(ValueError, match="keep_jobs=True"):
        race.simulate(RaceScenario(replications=10)).to_dataframe()


def test_progress_reports_every_job():
    seen = []
    scenario = RaceScenario(replications=500, stop_at=(1.0, 2.0))
    race.simulate(scenario, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (1000, 1000)


@pytest.mark.parametrize("engine", [race, vector])
def test_the_bill_a_stop_did_not_save_is_billed_training_after_it(engine):
    fixed = RaceScenario(
        queue_delay="fixed:0",
        provisioning="fixed:0",
        training_duration="fixed:3600",
        finalization="fixed:65",
        stop_latency="fixed:300",
        p_warning=0,
        p_failure=0,
        stop_at=(1800.0, 3500.0, 4000.0),
        replications=50,
    )
    after = [row.mean_billed_after_stop_seconds for row in engine.simulate(fixed).rows]
    # stopped at 1800 s: billed until the stop takes effect, 300 s on; at 3500 s training ends first,
    # 100 s on (a lost race); at 4000 s billed training had ended: nothing after the stop
    assert after == [300.0, 100.0, 0.0]
