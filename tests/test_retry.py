"""stoprace.sim.retry against botocore's own retry code, read from and run in the installed botocore (CI runs
this module with the newest botocore and, in .ci/aio, with 1.43)."""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path

import numpy as np
import pytest

from stoprace.sim import retry

botocore = pytest.importorskip("botocore", reason="the conformance tests read botocore's retry rules")
from botocore import configprovider  # noqa: E402
from botocore.awsrequest import AWSResponse  # noqa: E402
from botocore.exceptions import CapacityNotAvailableError  # noqa: E402
from botocore.retries import adaptive, bucket, quota, standard  # noqa: E402
from botocore.session import get_session  # noqa: E402

INSTALLED = retry.rules_for("installed")
OPERATION = get_session().get_service_model("comprehend").operation_model("StopTrainingDocumentClassifier")


def _legacy_rules() -> tuple[int, set[int], set[str]]:
    config = json.loads((Path(botocore.__file__).parent / "data" / "_retry.json").read_text())
    default = config["retry"]["__default__"]
    statuses, codes = set(), set()
    for policy in default["policies"].values():
        response = config["definitions"][policy["$ref"]]["applies_when"].get("response")
        if response is None:
            continue  # socket errors: not something the model answers with
        if "service_error_code" in response:
            assert response["http_status_code"] == 400
            codes.add(response["service_error_code"])
        else:
            statuses.add(response["http_status_code"])
    assert default["delay"] == {"type": "exponential", "base": "rand", "growth_factor": 2}
    return default["max_attempts"], statuses, codes


def test_the_installed_botocores_rules_are_the_ones_used():
    default_mode = configprovider.BOTOCORE_DEFAUT_SESSION_VARIABLES["retry_mode"][2]
    assert INSTALLED.default_mode == default_mode
    print(f"botocore {botocore.__version__}: rules of {INSTALLED.release}, default mode {default_mode}")


def test_versions_are_parsed_and_bad_ones_refused():
    assert retry.rules_for("1.43") is retry.RULES["1.43"]
    assert retry.rules_for("1.34.0") is retry.RULES["1.43"]
    assert retry.rules_for("1.44.8") is retry.RULES["1.44"]
    assert retry.rules_for("1.52") is retry.RULES["1.44"]
    for bad in ("1.33", "2.0", "latest", ""):
        with pytest.raises(ValueError, match="botocore"):
            retry.rules_for(bad)


def test_legacy_mode_is_botocores_legacy_configuration():
    attempts, statuses, codes = _legacy_rules()
    assert attempts == retry.Retrier("legacy", np.random.default_rng(0)).max_attempts
    assert statuses == set(retry._LEGACY_STATUSES)
    assert codes == set(retry._LEGACY_CODES_AT_400)
    assert (
        "TooManyRequestsException" not in codes
    )  # evidence retry-legacy: a throttled Comprehend call is not retried


def test_standard_mode_is_botocores_standard_configuration():
    throttled, transient = standard.ThrottledRetryableChecker, standard.TransientRetryableChecker
    assert set(throttled._THROTTLED_ERROR_CODES) == set(retry._STANDARD_THROTTLING)
    assert set(transient._TRANSIENT_ERROR_CODES) == set(retry._STANDARD_TRANSIENT_CODES)
    assert set(transient._TRANSIENT_STATUS_CODES) == set(retry._STANDARD_STATUSES)
    assert standard.ExponentialBackoff._MAX_BACKOFF == retry._MAX_BACKOFF
    assert retry.Retrier("standard", np.random.default_rng(0)).max_attempts == standard.DEFAULT_MAX_ATTEMPTS
    assert retry.RetryQuota().capacity == quota.RetryQuota.INITIAL_CAPACITY
    assert standard.RetryQuotaChecker._NO_RETRY_INCREMENT == retry._NO_RETRY_INCREMENT


class _Fixed:
    """A generator whose every draw is ``value`` (botocore's ``random`` callable, and numpy's)."""

    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value

    __call__ = random


def _context(attempt: int, code: str, status: int, retry_after_ms: str | None = None):
    headers = {"x-amz-retry-after": retry_after_ms} if retry_after_ms is not None else {}
    return standard.RetryContext(
        attempt_number=attempt,
        operation_model=OPERATION,
        parsed_response={"Error": {"Code": code, "Message": ""}},
        http_response=AWSResponse("https://comprehend", status, headers, None),
    )


def _botocore_backoff(value: float):
    accepted = inspect.signature(standard.ExponentialBackoff).parameters
    kwargs = {"max_backoff": 20, "random": _Fixed(value)}
    if "throttling_detector" in accepted:  # newer releases scale by the kind of error
        kwargs["service_name"] = "comprehend"
        kwargs["throttling_detector"] = standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
    return standard.ExponentialBackoff(**kwargs)


@pytest.mark.parametrize("code_status", [("TooManyRequestsException", 400), ("InternalServerException", 500)])
@pytest.mark.parametrize("retry_after_ms", [None, "0", "2500", "30000", "bad"])
def test_standard_waits_are_botocores(code_status, retry_after_ms):
    code, status = code_status
    for value in (0.0, 0.3, 0.999):
        theirs = _botocore_backoff(value)
        ours = retry.Retrier("standard", _Fixed(value), rules=INSTALLED)  # type: ignore[arg-type]
        for attempt in (1, 2, 3, 6, 12):
            expected = theirs.delay_amount(_context(attempt, code, status, retry_after_ms))
            after = None
            if retry_after_ms is not None and retry_after_ms.isdigit():
                after = int(retry_after_ms) / 1000
            assert ours.delay(attempt, code, status, retry_after=after) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize("code_status", [("TooManyRequestsException", 400), ("InternalServerException", 500)])
def test_retry_costs_are_botocores(code_status):
    code, status = code_status
    checker_quota = quota.RetryQuota()
    checker = standard.RetryQuotaChecker(
        checker_quota, standard.ThrottlingErrorDetector(standard.RetryEventAdapter())
    )
    context = _context(1, code, status)
    assert checker.acquire_retry_quota(context)
    ours = retry.Retrier("standard", np.random.default_rng(0), rules=INSTALLED)
    taken = quota.RetryQuota.INITIAL_CAPACITY - checker_quota.available_capacity
    assert ours.retry_cost(code, status) == taken
    # A call that then succeeds gives back what its last retry took.
    checker.release_retry_quota(context.request_context, AWSResponse("https://comprehend", 200, {}, None))
    assert checker_quota.available_capacity == quota.RetryQuota.INITIAL_CAPACITY


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def current_time(self) -> float:
        return self.now

    def sleep(self, amount: float) -> None:
        raise AssertionError("the test never lets botocore's bucket block")


def test_adaptive_rate_limiter_is_botocores():
    # The same answers at the same times to botocore's ClientRateLimiter (on a fake clock) and to ours;
    # throttling comes in bursts, as from a throttled API.
    rng = np.random.default_rng(11)
    clock = _Clock()
    theirs = adaptive.ClientRateLimiter(
        rate_adjustor=adaptive.throttling.CubicCalculator(starting_max_rate=0, start_time=0.0),
        rate_clocker=adaptive.RateClocker(clock),
        token_bucket=bucket.TokenBucket(max_rate=1, clock=clock),
        throttling_detector=standard.ThrottlingErrorDetector(standard.RetryEventAdapter()),
        clock=clock,
    )
    ours = retry.RateLimiter(0.0)
    now = 0.0
    for step in range(400):
        now += float(rng.exponential(0.3))
        clock.now = now
        # Before sending: our wait is botocore's sleep amount; then both take the token.
        wait = ours.acquire(now)
        if theirs._enabled:  # botocore's blocking acquire: wait the sleep amount, refill, try again
            token_bucket, sent = theirs._token_bucket, now
            while True:
                try:
                    token_bucket.acquire(block=False)
                    break
                except CapacityNotAvailableError:
                    step_to = clock.now + token_bucket._sleep_amount(1)
                    clock.now = max(step_to, math.nextafter(clock.now, math.inf))  # floats: always move
            assert clock.now - sent == pytest.approx(wait, rel=1e-9, abs=1e-9), step
            now = clock.now
        else:
            assert wait == 0.0
        throttled = (step // 25) % 3 == 1 and rng.random() < 0.6
        code = "TooManyRequestsException" if throttled else None
        parsed = {"Error": {"Code": code, "Message": ""}} if code else {}
        theirs.on_receiving_response(
            response=(AWSResponse("https://comprehend", 400 if code else 200, {}, None), parsed),
            caught_exception=None,
            attempts=1,
            operation=OPERATION,
            request_dict={"context": {}},
        )
        ours.record(now, throttled)
        assert ours.enabled == theirs._enabled
        assert ours.max_rate == pytest.approx(theirs._token_bucket.max_rate, rel=1e-9)
        assert ours.measured_rate == pytest.approx(theirs._rate_clocker.measured_rate, rel=1e-9)
    assert ours.enabled  # the run did throttle


@pytest.mark.parametrize(("mode", "attempts"), [("legacy", 5), ("standard", 3), ("adaptive", 3)])
def test_attempts_in_all(mode, attempts):
    retrier = retry.Retrier(mode, np.random.default_rng(0))
    made = 1
    while retrier.should_retry("InternalServerException", 500, made):
        made += 1
    assert made == attempts
