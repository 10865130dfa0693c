"""Fleets of jobs that process text: with nothing in the way they are the text race (checked against its
integral), and rate limits, stop workers and a quota of running jobs change what a stop achieves."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from stoprace.sim.stats import wilson_interval
from stoprace.sim.text.analytic import analyse
from stoprace.sim.text.fleet import TextFleetScenario, simulate_text_fleet
from stoprace.sim.text.scenario import TextScenario


@pytest.mark.parametrize(
    ("stop", "latency"), [(120.0, "fixed:30"), (150.0, "exponential:mean=40"), (60.0, "fixed:10")]
)
def test_an_unhindered_fleet_is_the_race_and_agrees_with_the_integral(stop, latency):
    text = TextScenario(documents=200, stop_latency=latency, stop_at=(stop,))
    fleet = TextFleetScenario(
        jobs=1500, text=text, stop_after=stop, stop_workers=100_000, stop_handling=latency, seed=5
    )
    result = simulate_text_fleet(fleet)
    exact = analyse(text, stop)
    low, high = wilson_interval(result.lost, result.met, 0.999)
    assert low <= exact.p_race_lost <= high
    low, high = wilson_interval(result.met, fleet.jobs, 0.999)
    assert low <= exact.p_met <= high
    assert sum(result.final.values()) == fleet.jobs


def test_throttled_stops_and_few_workers_let_more_jobs_complete():
    base = TextFleetScenario(jobs=400, text=TextScenario(documents=300), stop_after=180.0, seed=9)
    free = simulate_text_fleet(base.replace(stop_workers=10_000))
    throttled = simulate_text_fleet(base.replace(rate_limits={"stop": (0.2, 1)}, stop_workers=1))
    assert sum(throttled.never_accepted.values()) > 0
    assert any("TooManyRequestsException" in why for why in throttled.never_accepted)
    assert throttled.final["COMPLETED"] > free.final["COMPLETED"]
    assert throttled.wasted_units > free.wasted_units
    assert simulate_text_fleet(base).as_dict() == simulate_text_fleet(base).as_dict()
    assert simulate_text_fleet(base.replace(seed=10)).as_dict() != simulate_text_fleet(base).as_dict()


def test_a_quota_of_running_jobs_keeps_stopped_jobs_in_the_queue():
    base = TextFleetScenario(jobs=100, text=TextScenario(documents=100), stop_after=120.0, seed=2)
    queued = simulate_text_fleet(base.replace(max_active=2))
    never_started = sum(n for path, n in queued.paths.items() if "IN_PROGRESS" not in path)
    assert never_started > 80  # two at a time: most are stopped before they start, with nothing billed
    assert queued.documents < simulate_text_fleet(base).documents
    with pytest.raises(ValueError, match="max_active must be a whole number"):
        base.replace(max_active=0)


@pytest.mark.slow
def test_the_command_line_runs_a_text_fleet_and_refuses_what_only_training_has():
    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "stoprace", "fleet", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    done = cli("--resource", "events-detection-job", "--jobs", "50", "--documents", "40", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scenario"]["text"]["resource"] == "events-detection-job"
    assert sum(report["final"].values()) == 50
    for args, message in (
        (
            ("--resource", "events-detection-job", "--budget-usd", "1"),
            "--budget-usd is an option of the resources",
        ),
        (
            ("--resource", "events-detection-job", "--training-duration", "fixed:5"),
            "--training-duration is an option",
        ),
        (("--documents", "3"), "--documents is an option of the jobs that process text"),
    ):
        failed = cli(*args)
        assert failed.returncode == 2
        assert message in failed.stderr
        assert "Traceback" not in failed.stderr
