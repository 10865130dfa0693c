"""Fleets: the token bucket, botocore's retry rules, the stop-worker queue against Erlang C, and
determinism."""

from __future__ import annotations

import gc
import json
import math
from statistics import NormalDist

import numpy as np
import pytest

from stoprace.model.errors import TooManyRequestsException, released
from stoprace.sim.fleet import FleetScenario, TokenBucket, fleet_table, simulate
from stoprace.sim.retry import RULES, Retrier, RetryQuota

# -- the token bucket ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "burst", "window"), [(1.0, 1, 100.0), (2.5, 7, 40.0), (0.1, 3, 600.0)])
def test_a_full_bucket_admits_exactly_rate_times_window_plus_burst(rate, burst, window):
    bucket = TokenBucket(rate, burst)
    times = np.linspace(0.0, window, 20_001)  # far more attempts than it may admit
    admitted = sum(bucket.take(float(t)) for t in times)
    assert admitted == math.floor(rate * window) + burst


def test_an_empty_bucket_refills_at_its_rate():
    bucket = TokenBucket(1.0, 2)
    assert [bucket.take(0.0) for _ in range(3)] == [True, True, False]
    assert not bucket.take(0.5)
    assert bucket.take(1.0)
    assert [bucket.take(100.0) for _ in range(3)] == [True, True, False]  # never holds more than burst


@pytest.mark.parametrize(("rate", "burst"), [(0.0, 1), (-1.0, 1), (math.inf, 1), (1.0, 0), (1.0, 1.5)])
def test_a_bad_bucket_is_refused(rate, burst):
    with pytest.raises(ValueError, match="rate limit"):
        TokenBucket(rate, burst)


# -- botocore's retry rules ---------------------------------------------------------------------------


def test_legacy_waits_a_fresh_random_fraction_of_a_doubling_step():
    retrier, twin = Retrier("legacy", np.random.default_rng(3)), np.random.default_rng(3)
    assert retrier.max_attempts == 5
    for attempt in range(1, 5):
        assert retrier.delay(attempt, "InternalServerException", 500) == twin.random() * 2 ** (attempt - 1)


@pytest.mark.parametrize(
    ("release", "code", "scale"),
    [
        ("1.43", "TooManyRequestsException", 1.0),
        ("1.43", "InternalServerException", 1.0),
        ("1.44", "TooManyRequestsException", 1.0),
        ("1.44", "InternalServerException", 0.05),
    ],
)
def test_standard_waits_with_full_jitter_capped_at_20_seconds(release, code, scale):
    retrier = Retrier("standard", np.random.default_rng(4), RULES[release])
    twin = np.random.default_rng(4)
    assert retrier.max_attempts == 3
    for attempt in (1, 2, 5, 6, 9, 14):
        assert retrier.delay(attempt, code) == twin.random() * min(scale * 2 ** (attempt - 1), 20)


@pytest.mark.parametrize(
    ("mode", "code", "status", "retried"),
    [
        (
            "legacy",
            "TooManyRequestsException",
            400,
            False,
        ),  # evidence retry-legacy: not in legacy's throttling list
        ("legacy", "TooManyRequestsException", 429, True),  # ...but HTTP 429 is
        ("legacy", "InternalServerException", 500, True),
        ("legacy", "ThrottlingException", 400, True),
        ("legacy", "ResourceNotFoundException", 400, False),
        ("standard", "TooManyRequestsException", 400, True),
        ("standard", "InternalServerException", 500, True),
        ("standard", "ResourceNotFoundException", 400, False),
        ("standard", "InvalidRequestException", 400, False),
        ("adaptive", "TooManyRequestsException", 400, True),
        ("adaptive", "InvalidRequestException", 400, False),
    ],
)
def test_which_errors_each_mode_retries(mode, code, status, retried):
    assert Retrier(mode, np.random.default_rng(0)).retryable(code, status) is retried


@pytest.mark.parametrize(("release", "throttled", "other"), [("1.43", 5, 5), ("1.44", 5, 14)])
def test_the_retry_quota_runs_out_gives_back_the_last_cost_and_refills(release, throttled, other):
    retrier = Retrier("standard", np.random.default_rng(0), RULES[release])
    assert retrier.retry_cost("TooManyRequestsException", 400) == throttled
    assert retrier.retry_cost("InternalServerException", 500) == other
    retries = 0
    while retrier.should_retry("InternalServerException", 500, 1):
        retries += 1
    assert retries == 500 // other
    assert retrier.quota is not None
    left = retrier.quota.available
    retrier.succeeded()  # a call without retries gives back 1
    assert retrier.quota.available == left + 1
    retrier.succeeded(other)  # one whose last retry cost `other` gives that back
    assert retrier.quota.available == left + 1 + other
    full = RetryQuota()
    full.release(14)
    assert full.available == 500  # never above the capacity


def test_adaptive_mode_slows_a_throttled_fleet_down():
    common = {
        "jobs": 60,
        "submit_rate": None,
        "rate_limits": {"stop": (0.2, 1)},
        "botocore": "1.44",
        "stop_after": 600.0,
        "poll_interval": None,
        "seed": 5,
    }
    standard = simulate(FleetScenario(retry_mode="standard", **common)).as_dict()
    adaptive = simulate(FleetScenario(retry_mode="adaptive", **common)).as_dict()
    # The client-side limiter waits before sending instead of being throttled: fewer refused stops.
    assert (
        adaptive["api_calls"]["StopTrainingDocumentClassifier"]["TooManyRequestsException"]
        < standard["api_calls"]["StopTrainingDocumentClassifier"]["TooManyRequestsException"]
    )
    assert adaptive["stop_never_accepted"] <= standard["stop_never_accepted"]


def test_the_botocore_version_picks_the_default_mode():
    assert FleetScenario(botocore="1.43").retry_mode == "legacy"
    assert FleetScenario(botocore="1.44.8").retry_mode == "standard"
    assert FleetScenario(botocore="1.43", retry_mode="adaptive").retry_mode == "adaptive"
    assert FleetScenario(botocore="1.44.2").as_dict()["botocore"] == "1.44"
    with pytest.raises(ValueError, match=r"1\.34 and newer"):
        FleetScenario(botocore="1.20")


def test_the_fleet_calls_the_sdk_as_botocore_would():
    # Every stop is throttled (one token, almost no refill); nothing else is limited or faulty.
    common = {
        "jobs": 30,
        "submit_rate": 1.0,
        "poll_interval": None,
        "p_server_error": 0.0,
        "rate_limits": {"stop": (1e-9, 1)},
        "training_duration": "fixed:100000",
        "seed": 5,
    }
    legacy = simulate(FleetScenario(retry_mode="legacy", **common))
    standard = simulate(FleetScenario(retry_mode="standard", **common))
    stop = "StopTrainingDocumentClassifier"
    assert legacy.api_calls[stop] == {"ok": 1, "TooManyRequestsException": 29}  # no retries at all
    assert standard.api_calls[stop] == {"ok": 1, "TooManyRequestsException": 29 * 3}  # 3 attempts each
    assert sum(legacy.stop_lost.values()) == sum(standard.stop_lost.values()) == 29
    app = simulate(
        FleetScenario(retry_mode="legacy", app_retry=True, **{**common, "rate_limits": {"stop": (0.05, 1)}})
    )
    assert app.stop_accepted == app.stop_decided == 30
    assert app.share_never_accepted == 0.0


def test_server_errors_are_retried_by_both_modes():
    common = {
        "jobs": 200,
        "submit_rate": 2.0,
        "poll_interval": None,
        "p_server_error": 0.3,
        "rate_limits": {},
        "training_duration": "fixed:100000",
        "seed": 8,
    }
    legacy = simulate(FleetScenario(retry_mode="legacy", **common))
    never = simulate(FleetScenario(retry_mode="legacy", **{**common, "p_server_error": 0.0}))
    assert never.stop_accepted == 200
    # A stop is lost only when all 5 attempts fail: about 0.3**5 of them.
    assert legacy.stop_accepted >= 195
    assert legacy.api_calls["StopTrainingDocumentClassifier"]["InternalServerException"] > 0


# -- the stop-worker queue against Erlang C ---------------------------------------------------------


def erlang_c_wait(arrival: float, service_mean: float, servers: int) -> float:
    """The mean wait in queue of an M/M/K queue (Erlang C)."""
    a = arrival * service_mean
    rho = a / servers
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait / (servers / service_mean - arrival)


@pytest.mark.slow
def test_the_wait_for_a_stop_worker_is_erlang_c():
    """Poisson stop requests (Poisson submissions, each stopped a fixed time later), exponential
    handling, K workers: the mean wait for a worker matches Erlang C within a 99.9% interval over
    independent replications (the first stops of each run dropped as warm-up)."""
    arrival, handling, workers = 0.8, 3.5, 4  # utilisation 0.7
    expected = erlang_c_wait(arrival, handling, workers)
    means, busy = [], []
    for seed in range(12):
        scenario = FleetScenario(
            jobs=3000,
            submit_rate=arrival,
            training_duration="fixed:1000000",
            queue_delay="fixed:0",
            p_warning=0.0,
            p_failure=0.0,
            stop_workers=workers,
            stop_handling=f"exponential:mean={handling}",
            rate_limits={},
            p_server_error=0.0,
            poll_interval=None,
            stop_after=60.0,
            seed=seed,
        )
        result = simulate(scenario)
        assert len(result.worker_wait) == 3000
        means.append(float(result.worker_wait[300:].mean()))
        busy.append(result.as_dict()["constraints"]["stop_workers"]["utilisation"])
    z = NormalDist().inv_cdf(0.9995)
    m, s = np.mean(means), np.std(means, ddof=1) / math.sqrt(len(means))
    assert m - z * s <= expected <= m + z * s, (m, s, expected)
    # The summary's utilisation is the offered load, arrival x handling / workers
    m, s = np.mean(busy), np.std(busy, ddof=1) / math.sqrt(len(busy))
    assert m - z * s <= arrival * handling / workers <= m + z * s, (m, s)


# -- results -----------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_json():
    scenario = FleetScenario(jobs=60, submit_rate=0.5, stop_after=900.0, seed=11)
    first = json.dumps(simulate(scenario).as_dict(), sort_keys=True)
    assert first == json.dumps(simulate(scenario).as_dict(), sort_keys=True)
    assert first != json.dumps(simulate(scenario.replace(seed=12)).as_dict(), sort_keys=True)


def test_every_job_is_accounted_for_and_stops_lengthen_with_a_storm():
    calm = simulate(FleetScenario(jobs=100, submit_rate=0.05, stop_workers=4, seed=3))
    storm = simulate(
        FleetScenario(jobs=100, submit_rate=None, stop_workers=4, seed=3, rate_limits={}, app_retry=True)
    )
    for result in (calm, storm):
        assert sum(result.final.values()) == 100
        assert result.stop_decided == result.stop_accepted + sum(result.stop_lost.values())
    assert np.mean(storm.dwell) > 5 * np.mean(calm.dwell)


def test_every_stop_that_did_not_stop_its_job_has_one_cause():
    """The summary's failed stops add up: those never accepted, by why the SDK gave up, and the accepted
    ones whose job finished first, while waiting for a worker or while handled."""
    for scenario in (
        FleetScenario(jobs=300, seed=5),  # legacy: throttled stops are lost at once
        FleetScenario(jobs=300, seed=5, retry_mode="standard", p_server_error=0.2),
        FleetScenario(jobs=300, seed=5, retry_mode="adaptive", stop_workers=1, training_slots=50),
    ):
        report = simulate(scenario).as_dict()
        c = report["constraints"]
        stopped = sum(n for path, n in report["paths"].items() if path.endswith(">STOPPED"))
        overtaken = c["stop_workers"]["overtaken_waiting"] + c["stop_workers"]["overtaken_handling"]
        assert overtaken == report["stop_accepted"] - stopped
        assert sum(c["failed_stops"].values()) == report["stop_never_accepted"] + overtaken
        assert c["binding"][0] == max(c["failed_stops"], key=c["failed_stops"].get)
        # the SDK gave up once on each stop never accepted
        assert sum(c["gave_up"]["StopTrainingDocumentClassifier"].values()) == report["stop_never_accepted"]
        retried = c["retries"].get("StopTrainingDocumentClassifier", {})
        failed_calls = sum(
            n for code, n in report["api_calls"]["StopTrainingDocumentClassifier"].items() if code != "ok"
        )
        # each failed call was retried or was the SDK's last
        assert sum(retried.values()) + report["stop_never_accepted"] == failed_calls


def test_a_storm_says_the_retry_quota_drained_by_describes_lost_the_stops():
    """200 jobs at once, each stopped 30 minutes in against a stop limit of 1/s, standard retries: the
    quota the throttled describes spent leaves no retry for the stops, and the summary says so."""
    report = simulate(FleetScenario(jobs=200, submit_rate=None, retry_mode="standard")).as_dict()
    c = report["constraints"]
    assert c["binding"] == ["retry quota"]
    assert c["failed_stops"]["retry quota"] == report["stop_never_accepted"] == report["stop_decided"] - 1
    spent = {op: sum(codes.values()) for op, codes in c["retries"].items()}
    assert max(spent, key=spent.get) == "DescribeDocumentClassifier"
    text = fleet_table(report)
    assert (
        "what bound: retry quota: 195 of 196 stops never accepted: the client-wide retry quota was empty"
        in text
    )
    # Legacy retries: the same storm is lost to the rate limit itself (throttling is not retried)
    legacy = simulate(FleetScenario(jobs=200, submit_rate=None, retry_mode="legacy")).as_dict()
    assert legacy["constraints"]["binding"] == ["stop rate limit"]
    assert "which legacy retries do not retry" in fleet_table(legacy)


def test_a_fleet_waiting_on_its_stop_workers_says_so():
    """1,000 jobs at 1/s with an unlimited stop rate: stops come faster than 4 workers handle them (30 s
    each), the workers are busy nearly all the time and races are lost in their queue."""
    report = simulate(FleetScenario(jobs=1000, rate_limits={}, p_server_error=0.0)).as_dict()
    c = report["constraints"]
    assert c["binding"][0] == "stop workers"
    assert c["stop_workers"]["utilisation"] > 0.95
    assert c["stop_workers"]["mean_wait_seconds"] > 10 * c["stop_workers"]["mean_handling_seconds"]
    assert "what bound: stop workers:" in fleet_table(report)


def test_a_budget_stops_at_the_first_poll_past_it():
    scenario = FleetScenario(
        jobs=40,
        submit_rate=0.1,
        stop_after=None,
        budget_usd=1.5,
        poll_interval=60.0,
        rate_limits={},
        p_server_error=0.0,
        queue_delay="fixed:0",
        seed=2,
    )
    result = simulate(scenario, keep_timeline=True)
    assert result.timeline is not None
    for _submit, start, _, decided, _, _ in result.timeline:
        if decided is not None:
            assert start is not None
            # 1.5 USD at 3 USD/h, polled each minute (times are kept to the microsecond, as AWS does)
            assert 1800.0 - 1e-6 <= decided - start < 1800.0 + 60.0 + 1e-6


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"jobs": 0}, "jobs must be a whole number"),
        ({"rate_limits": {"list": (1.0, 1)}}, "unknown operation 'list'"),
        ({"rate_limits": {"stop": (0.0, 1)}}, "rate > 0"),
        ({"budget_usd": 5.0}, "not both"),
        ({"retry_mode": "fast"}, "retry_mode must be one of legacy, standard, adaptive or default"),
        ({"p_server_error": 1.5}, "probability"),
        ({"stop_handling": "normal:1"}, "unknown family"),
        ({"submit_rate": 0.0}, "submit_rate must be"),
    ],
)
def test_bad_scenarios_are_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        FleetScenario(**changes)


def test_a_run_that_stops_advancing_time_stops_with_a_clear_error(monkeypatch):
    import stoprace.sim.fleet  # noqa: PLC0415

    monkeypatch.setattr(stoprace.sim.fleet, "MAX_EVENTS_PER_SECOND", 50)
    monkeypatch.setattr(stoprace.sim.fleet, "EVENTS_PER_LIVE_JOB", 0)  # 200 creates at one instant exceed it
    with pytest.raises(
        stoprace.sim.fleet.SimulationStalled,
        match="stopped advancing time: over 50 events within one simulated second at 0 s",
    ):
        simulate(FleetScenario(jobs=200, submit_rate=None))


def test_retries_with_almost_no_wait_stop_with_a_clear_error(monkeypatch):
    """Application retries every picosecond or so advance time, but not by a second in a million events."""
    import stoprace.sim.fleet  # noqa: PLC0415

    monkeypatch.setattr(stoprace.sim.fleet, "MAX_EVENTS_PER_SECOND", 20_000)
    scenario = FleetScenario(
        jobs=5,
        submit_rate=None,
        app_retry=True,
        stop_after=60.0,
        app_retry_interval="uniform:low=0,high=1e-12",
        rate_limits={"stop": (0.001, 1)},
    )
    with pytest.raises(
        stoprace.sim.fleet.SimulationStalled, match=r"over 25,000 events within one simulated second"
    ):
        simulate(scenario)


def test_a_run_that_would_never_end_stops_with_a_clear_error(monkeypatch):
    """A stop handled in 10^300 s, its job polled every minute: time advances, the run would not end."""
    import stoprace.sim.fleet  # noqa: PLC0415

    monkeypatch.setattr(stoprace.sim.fleet, "MAX_EVENTS", 5_000)
    monkeypatch.setattr(stoprace.sim.fleet, "EVENTS_PER_JOB", 100)
    scenario = FleetScenario(jobs=3, stop_workers=1, stop_handling="lognormal:median=1e300,sigma=50")
    with pytest.raises(stoprace.sim.fleet.SimulationStalled, match="would not end: over 5,300 events"):
        simulate(scenario)


def test_the_stall_limit_grows_with_the_jobs_alive(monkeypatch):
    """The same burst of creates that stalls a small limit passes once each live job adds its share."""
    import stoprace.sim.fleet  # noqa: PLC0415

    monkeypatch.setattr(stoprace.sim.fleet, "MAX_EVENTS_PER_SECOND", 50)
    monkeypatch.setattr(stoprace.sim.fleet, "EVENTS_PER_LIVE_JOB", 20)
    assert sum(simulate(FleetScenario(jobs=200, submit_rate=None)).final.values()) == 200


def test_jobs_are_drawn_in_chunks_with_the_same_numbers_and_forgotten_once_finished(monkeypatch):
    import stoprace.sim.fleet  # noqa: PLC0415

    scenario = FleetScenario(jobs=300, submit_rate=0.05, seed=11, p_failure=0.1, p_warning=0.1)
    whole = simulate(scenario, keep_timeline=True)
    monkeypatch.setattr(stoprace.sim.fleet, "CHUNK", 7)
    fleet = stoprace.sim.fleet._Fleet(scenario, keep_timeline=True)
    chunked = fleet.run(None)
    assert json.dumps(chunked.as_dict()) == json.dumps(whole.as_dict())
    assert chunked.timeline == whole.timeline
    assert fleet.service.api.arns() == []
    assert (fleet.service.by_arn, fleet.alive) == ({}, 0)
    assert 0 < chunked.peak_alive < scenario.jobs / 3  # a stream: far fewer alive than run


def test_retries_with_no_wait_are_refused_up_front():
    with pytest.raises(ValueError, match="always 0 s"):
        FleetScenario(app_retry=True, app_retry_interval="fixed:0")


def test_a_throttled_fleet_leaves_its_refusals_to_reference_counting_not_the_garbage_collector():
    # A caught error keeps the frames it passed through, which keep it: a cycle per refusal, until the
    # collector runs. Released where the fleet's client catches them, thousands of refusals leave fewer
    # objects to collect than there were refusals (before: about 17 an error).
    scenario = FleetScenario(jobs=100, submit_rate=None, stop_after=1800.0, retry_mode="legacy")
    gc.collect()
    gc.disable()
    try:
        result = simulate(scenario)
        refused = sum(
            n for codes in result.as_dict()["api_calls"].values() for c, n in codes.items() if c != "ok"
        )
        assert refused > 1000
        assert gc.collect() < refused
    finally:
        gc.enable()


def test_a_released_error_holds_no_frames_along_its_chain():
    def fail():
        try:
            raise KeyError("inner")
        except KeyError as inner:
            raise TooManyRequestsException("outer") from inner

    with pytest.raises(TooManyRequestsException) as caught:
        fail()
    error = released(caught.value)
    assert error is caught.value
    assert error.__traceback__ is None
    assert error.__cause__.__traceback__ is None
