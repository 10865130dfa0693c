"""The text race: both engines give the same per-job outcomes, the integral agrees with them within their
99.9% intervals, the same seed gives the same bytes, and the command line runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from stoprace.model.policy import JobPolicy
from stoprace.sim.stats import mean_interval, wilson_interval
from stoprace.sim.text.analytic import analyse, supported
from stoprace.sim.text.engines import draw_batches, simpy_batch, vector_batch
from stoprace.sim.text.report import simulate, text_report
from stoprace.sim.text.scenario import TextScenario

CONFIDENCE = 0.999

#: Six job scenarios: fixed and random sizes; stops before the start, while processing, after the end.
SCENARIOS = {
    "defaults (gamma sizes)": TextScenario(documents=200, stop_at=(20.0, 90.0, 160.0, 400.0)),
    "fixed sizes": TextScenario(
        documents=200, document_size="fixed:1500", stop_latency="exponential:mean=30", stop_at=(60.0, 150.0)
    ),
    "fixed sizes, latency and a uniform queue": TextScenario(
        documents=300,
        document_size="fixed:2000",
        rate=8000,
        queue_delay="uniform:low=0,high=120",
        stop_latency="fixed:45",
        stop_at=(30.0, 100.0, 160.0),
    ),
    "exponential sizes, a fixed queue, stops before the start": TextScenario(
        documents=100,
        document_size="exponential:mean=3000",
        rate=3000,
        queue_delay="fixed:120",
        stop_at=(0.0, 60.0, 150.0, 260.0),
    ),
    "a few long documents (translation)": TextScenario(
        kind="text-translation-job",
        documents=20,
        document_size="gamma:shape=0.5,scale=20000",
        rate=1000,
        stop_at=(100.0, 300.0, 600.0),
    ),
    "stops refused in the queue": TextScenario(
        documents=150,
        policy=JobPolicy(stop_when_submitted="reject"),
        queue_delay="exponential:mean=200",
        stop_at=(50.0, 200.0),
    ),
}


def _drawn(scenario):
    for index in range(len(scenario.stop_at)):
        yield from draw_batches(scenario, index)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_engines_give_the_same_outcome_to_every_job(name):
    scenario = SCENARIOS[name].replace(replications=300)
    for draws in _drawn(scenario):
        vector, reference = vector_batch(scenario, draws), simpy_batch(scenario, draws)
        assert vector.paths == reference.paths
        assert np.array_equal(vector.documents, reference.documents)
        assert np.array_equal(vector.units, reference.units)
        assert np.array_equal(vector.end, reference.end)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_integral_agrees_with_the_engines(name):
    scenario = SCENARIOS[name].replace(replications=4000)
    assert supported(scenario) is None
    result = simulate(scenario)
    for row in result.rows:
        exact = analyse(scenario, row.stop_at)
        low, high = wilson_interval(row.met, row.jobs, CONFIDENCE)
        assert low - 1e-9 <= exact.p_met <= high + 1e-9, (row.stop_at, exact)
        low, high = wilson_interval(row.completed, row.jobs, CONFIDENCE)
        assert low - 1e-9 <= exact.p_completed <= high + 1e-9, (row.stop_at, exact)
        if row.met:
            low, high = wilson_interval(row.lost, row.met, CONFIDENCE)
            assert exact.p_race_lost is not None
            assert low - 1e-9 <= exact.p_race_lost <= high + 1e-9, (row.stop_at, exact)
        if row.documents.total_sq > row.documents.n * row.documents.mean**2 + 1e-6:  # not all equal
            low, high = mean_interval(row.documents.total, row.documents.total_sq, row.jobs, CONFIDENCE)
            assert low <= exact.documents <= high, (row.stop_at, exact)
        else:  # every job the same: none of N differed, so a share of at most the interval's top may
            share = wilson_interval(0, row.jobs, CONFIDENCE)[1]
            assert exact.documents == pytest.approx(row.documents.mean, abs=share * scenario.documents)


def test_a_stop_before_the_start_saves_everything_and_one_after_the_end_saves_nothing():
    scenario = SCENARIOS["exponential sizes, a fixed queue, stops before the start"].replace(replications=500)
    report = text_report(simulate(scenario))
    first, last = report["rows"][0], report["rows"][-1]
    assert first["final"] == {"STOPPED": 500}
    assert first["documents_processed"] == 0
    assert first["usd_billed"] == 0
    assert first["usd_saved"] > 0
    finished = analyse(scenario, 10_000.0)
    assert finished.p_completed == pytest.approx(1.0)
    assert finished.documents == pytest.approx(scenario.documents)
    assert last["p_completes"] >= first["p_completes"]


def test_units_are_billed_per_processed_document_with_the_minimum():
    scenario = TextScenario(
        documents=50, document_size="uniform:low=1,high=500", replications=200, stop_at=(150.0,)
    )
    for draws in _drawn(scenario):
        outcome = vector_batch(scenario, draws)
        for i in range(len(draws)):
            done = draws.characters[i, : outcome.documents[i]]
            assert outcome.units[i] == sum(max(3, -(-int(c) // 100)) for c in done)


def test_with_a_cycle_the_service_moves_only_on_its_ticks():
    scenario = TextScenario(documents=100, cycle=120.0, replications=400, stop_at=(100.0, 250.0))
    assert supported(scenario) is not None
    for draws in _drawn(scenario):
        vector, reference = vector_batch(scenario, draws), simpy_batch(scenario, draws)
        assert vector.paths == reference.paths
        assert np.array_equal(vector.documents, reference.documents)
        assert np.allclose(np.mod(vector.end, 120.0), 0.0)


def test_the_same_seed_gives_the_same_bytes_on_either_engine():
    scenario = SCENARIOS["defaults (gamma sizes)"].replace(replications=500)
    reports = [text_report(simulate(scenario, engine)) for engine in ("vector", "simpy", "vector")]
    texts = [json.dumps({**r, "engine": ""}, sort_keys=True) for r in reports]
    assert texts[0] == texts[1] == texts[2]
    other = json.dumps({**text_report(simulate(scenario.replace(seed=1))), "engine": ""}, sort_keys=True)
    assert other != texts[0]


def test_bad_scenarios_are_refused_by_name():
    with pytest.raises(ValueError, match="documents must be a whole number"):
        TextScenario(documents=0)
    with pytest.raises(ValueError, match="no job kind 'nope'"):
        TextScenario(kind="nope")
    with pytest.raises(ValueError, match="cycle must be"):
        TextScenario(cycle=-1)
    with pytest.raises(TypeError, match="JobPolicy"):
        TextScenario(policy="accept")


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "stoprace", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.slow
def test_the_command_line_races_text_jobs_and_refuses_the_training_options():
    done = _cli(
        "race", "--resource", "pii-entities-detection-job", "--replications", "100", "--documents", "40",
        "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scenario"]["resource"] == "pii-entities-detection-job"
    assert [r["stop_at"] for r in report["rows"]] == [float(t) for t in range(60, 601, 60)]
    assert all(r["analytic"] is not None for r in report["rows"])
    for args, message in (
        (
            ("--resource", "text-translation-job", "--p-failure", "0.1"),
            "--p-failure is an option of the resources",
        ),
        (("--documents", "10"), "--documents is an option of the jobs that process text"),
        (("--resource", "sentiment-detection-job", "--rate", "0"), "rate must be a finite number"),
    ):
        failed = _cli("race", *args)
        assert failed.returncode == 2
        assert message in failed.stderr
        assert "Traceback" not in failed.stderr
