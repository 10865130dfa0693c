import dataclasses

import pytest

from stoprace.model import Policy
from stoprace.sim.distributions import parse_distribution
from stoprace.sim.scenario import RaceScenario


def test_defaults_are_a_realistic_hour_long_job():
    scenario = RaceScenario()
    assert scenario.training_duration.spec == "lognormal:median=3600,sigma=0.35"
    assert float(scenario.training_duration.cdf(40 * 60)) > 0.1  # 40 to 80 minutes is common
    assert float(scenario.training_duration.sf(80 * 60)) > 0.1
    assert scenario.policy == Policy()
    assert scenario.stop_at == (3000.0,)


def test_specs_are_parsed_and_stop_times_normalised():
    scenario = RaceScenario(queue_delay="fixed:0", stop_latency="exponential:mean=60", stop_at=[600, 1200])
    assert scenario.queue_delay == parse_distribution("fixed:0")
    assert scenario.stop_at == (600.0, 1200.0)
    assert RaceScenario(stop_at=900).stop_at == (900.0,)


def test_scenarios_are_frozen_and_replace_validates():
    scenario = RaceScenario()
    with pytest.raises(dataclasses.FrozenInstanceError):
        scenario.seed = 3  # type: ignore[misc]
    assert scenario.replace(seed=3).seed == 3
    with pytest.raises(ValueError, match="replications"):
        scenario.replace(replications=0)


def test_as_dict_is_plain_data():
    data = RaceScenario(stop_at=(60.0,)).as_dict()
    assert data["training_duration"] == "lognormal:median=3600,sigma=0.35"
    assert data["stop_at"] == [60.0]
    assert data["policy"]["stop_when_submitted"] == "accept"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"p_warning": -0.1}, "p_warning must be a probability"),
        ({"p_failure": 2}, "p_failure must be a probability"),
        ({"p_failure": True}, "p_failure must be a probability"),
        ({"stop_at": ()}, "at least one stop time"),
        ({"stop_at": (-1,)}, "stop_at times must be finite"),
        ({"stop_at": (float("nan"),)}, "stop_at times must be finite"),
        ({"replications": 2.5}, "replications must be a whole number"),
        ({"seed": -1}, "seed must be a whole number"),
        ({"training_duration": "normal:mean=1"}, "unknown family"),
        ({"failure_point": "uniform:low=0,high=2"}, "fraction of the training time"),
        ({"failure_point": "exponential:mean=0.5"}, "fraction of the training time"),
    ],
)
def test_bad_fields_are_refused_by_name(changes, message):
    with pytest.raises(ValueError, match=message):
        RaceScenario(**changes)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"training_duration": 3600}, "must be a distribution spec"),
        ({"policy": {"deletable": "finished"}}, "policy must be a stoprace.model.Policy"),
    ],
)
def test_a_field_of_the_wrong_type_is_a_type_error_as_everywhere(changes, message):
    from stoprace.model import ComprehendService, TrainingJob  # noqa: PLC0415

    with pytest.raises(TypeError, match=message):
        RaceScenario(**changes)
    if "policy" in changes:  # the same misuse gets the same error from the model
        with pytest.raises(TypeError, match=message):
            ComprehendService(policy=changes["policy"])
        with pytest.raises(TypeError, match=message):
            TrainingJob(changes["policy"], at=0)
