"""sim.retry against botocore's own retry definitions, read from the installed botocore."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim import retry

botocore = pytest.importorskip("botocore", reason="the conformance tests read botocore's retry rules")


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


def test_legacy_mode_is_botocores_default_retry_configuration():
    attempts, statuses, codes = _legacy_rules()
    assert attempts == retry.Retrier("legacy", None).max_attempts  # type: ignore[arg-type]
    assert statuses == set(retry._LEGACY_STATUSES)
    assert codes == set(retry._LEGACY_CODES_AT_400)
    assert "TooManyRequestsException" not in codes  # SPEC 4: a throttled Comprehend call is not retried


def test_standard_mode_is_botocores_standard_retry_configuration():
    from botocore.retries import quota, standard  # noqa: PLC0415

    throttled, transient = standard.ThrottledRetryableChecker, standard.TransientRetryableChecker
    assert set(throttled._THROTTLED_ERROR_CODES) == set(retry._STANDARD_THROTTLING)
    assert set(transient._TRANSIENT_ERROR_CODES) == set(retry._STANDARD_TRANSIENT_CODES)
    assert set(transient._TRANSIENT_STATUS_CODES) == set(retry._STANDARD_STATUSES)
    assert standard.ExponentialBackoff._MAX_BACKOFF == 20
    assert standard.DEFAULT_MAX_ATTEMPTS == 3
    ours = retry.RetryQuota()
    assert ours.capacity == quota.RetryQuota.INITIAL_CAPACITY
    assert ours.retry_cost == standard.RetryQuotaChecker._RETRY_COST
    assert ours.success_increment == standard.RetryQuotaChecker._NO_RETRY_INCREMENT
