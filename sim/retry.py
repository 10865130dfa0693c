"""How the Python SDK (botocore) retries a failed call: ``legacy``, ``standard`` and ``adaptive`` modes,
as the installed botocore does them or as a release the user names (evidence: ``retry-legacy``,
``retry-standard``, ``retry-botocore-1-44``).

The rules are written from botocore's own code (``botocore/data/_retry.json``,
``botocore/retries/standard.py``, ``adaptive.py``, ``throttling.py``, ``bucket.py``) and checked against
it by ``tests/test_retry.py``; they changed in botocore 1.44, so there are two sets, :data:`RULES`:

- **legacy**: 5 attempts in all; the wait before attempt n+1 is ``r * 2**(n-1)`` with r uniform in
  [0, 1); it retries HTTP 429, 500, 502, 503, 504 and 509, and the HTTP 400 codes ``Throttling``,
  ``ThrottlingException``, ``ThrottledException``, ``RequestThrottledException`` and
  ``ProvisionedThroughputExceededException``; no retry quota. So Comprehend's
  ``TooManyRequestsException`` (HTTP 400 in the API reference) is not retried: a throttled stop is lost
  unless the application retries it. botocore's default mode up to 1.43.
- **standard**: 3 attempts; the wait is ``r * min(scale * 2**(n-1), 20)``; it retries the throttling
  codes (``TooManyRequestsException`` among them), the transient codes and HTTP 500, 502, 503 and 504.
  A client-wide quota of 500 tokens: a retry takes its cost, a call that succeeds gives back what its
  last retry took, or 1 if it had none. Up to 1.43 ``scale`` is 1 and every retry costs 5; from 1.44
  ``scale`` is 1 for throttling errors and 0.05 for others, a throttling retry costs 5 and any other 14,
  an ``x-amz-retry-after`` header (milliseconds) raises the wait to at most the computed wait + 5 s, and
  standard is the default mode. (The last 1.43 releases have the 1.44 rules behind the switch
  ``AWS_NEW_RETRIES_2026=true``; a timeout, which the model never answers with, costs them 10.)
- **adaptive**: standard, plus a client-side rate limiter (:class:`RateLimiter`): a token bucket whose
  rate follows a CUBIC curve, cut to 70% of the measured send rate on every throttling answer; once a
  throttling answer has been seen, each request waits for a token before it is sent.

In botocore the random factor is drawn afresh for every wait, in every mode.

>>> import numpy as np
>>> legacy = Retrier("legacy", np.random.default_rng(1), rules=RULES["1.43"])
>>> legacy.retryable("TooManyRequestsException", 400), legacy.retryable("InternalServerException", 500)
(False, True)
>>> Retrier("standard", np.random.default_rng(1)).retryable("TooManyRequestsException", 400)
True
"""

from __future__ import annotations

import importlib
import math
import re
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MODES", "NEWEST", "RULES", "RateLimiter", "Retrier", "RetryQuota", "RetryRules", "rules_for"]

#: The retry modes botocore offers.
MODES = ("legacy", "standard", "adaptive")


@dataclass(frozen=True, slots=True)
class RetryRules:
    """What changed between botocore releases in how a call is retried."""

    release: str  # the first botocore release with these rules
    default_mode: str
    throttling_base_scale: float
    other_base_scale: float
    throttling_retry_cost: int
    other_retry_cost: int
    retry_after: bool  # honours the x-amz-retry-after header


#: The rules by the first release that has them (evidence: ``retry-botocore-1-44``): 1.34 to 1.43, and 1.44
#: on.
RULES = {
    "1.43": RetryRules("1.34", "legacy", 1.0, 1.0, 5, 5, retry_after=False),
    "1.44": RetryRules("1.44", "standard", 1.0, 0.05, 5, 14, retry_after=True),
}
NEWEST = "1.44"


def rules_for(version: str | None = None) -> RetryRules:
    """The rules of botocore ``version`` (``"1.43"``, ``"1.44.8"``...), or of the installed botocore when
    ``None`` or ``"installed"`` (the newest known rules when botocore is not installed).

    The last 1.43 releases carry the new rules behind a switch (the environment variable
    ``AWS_NEW_RETRIES_2026=true``); for the installed botocore that switch is read, as botocore reads it.
    """
    if version is None or version == "installed":
        try:
            botocore = importlib.import_module("botocore")
            switch = getattr(importlib.import_module("botocore.configprovider"), "NEW_RETRIES_ENABLED", None)
        except ImportError:
            return RULES[NEWEST]
        if switch is not None:
            return RULES["1.44"] if switch else RULES["1.43"]
        version = str(botocore.__version__)
    match = re.fullmatch(r"1\.(\d+)(\.\d+)?", str(version).strip())
    if match is None:
        raise ValueError(f"botocore version must look like 1.43 or 1.44.8 (or 'installed'), got {version!r}")
    minor = int(match.group(1))
    if minor < 34:
        raise ValueError(f"stoprace models botocore 1.34 and newer, got {version}")
    return RULES["1.44"] if minor >= 44 else RULES["1.43"]


_LEGACY_STATUSES = frozenset({429, 500, 502, 503, 504, 509})
_LEGACY_CODES_AT_400 = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
    }
)
_STANDARD_THROTTLING = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)
_STANDARD_TRANSIENT_CODES = frozenset(
    {"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"}
)
_STANDARD_STATUSES = frozenset({500, 502, 503, 504})
_MAX_BACKOFF = 20.0
_RETRY_AFTER_MAX_ADDITIONAL = 5.0
_NO_RETRY_INCREMENT = 1


@dataclass(slots=True)
class RetryQuota:
    """The standard and adaptive modes' client-wide retry quota (botocore ``RetryQuota``)."""

    capacity: int = 500
    available: int = field(init=False)

    def __post_init__(self) -> None:
        self.available = self.capacity

    def acquire(self, amount: int) -> bool:
        """Take a retry's cost; False (no retry) when too little is left."""
        if amount > self.available:
            return False
        self.available -= amount
        return True

    def release(self, amount: int) -> None:
        """Give ``amount`` back, never above the capacity."""
        self.available = min(self.capacity, self.available + amount)


class Retrier:
    """One SDK client's retry rules: which errors it retries, how many attempts, how long it waits, its
    retry quota and, in adaptive mode, its rate limiter. ``rules`` default to the installed botocore's."""

    def __init__(self, mode: str, rng: np.random.Generator, rules: RetryRules | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"retry mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self.rng = rng
        self.rules = rules if rules is not None else rules_for(None)
        self.max_attempts = 5 if mode == "legacy" else 3
        self.quota = RetryQuota() if mode != "legacy" else None
        self.limiter = RateLimiter() if mode == "adaptive" else None

    def is_throttling(self, code: str, http_status: int) -> bool:
        """Whether botocore's standard and adaptive modes take an answer for throttling."""
        return code in _STANDARD_THROTTLING or (http_status == 429 and not code)

    def retryable(self, code: str, http_status: int) -> bool:
        """Whether an error answer is retried at all (before attempts and quota are counted)."""
        if self.mode == "legacy":
            return http_status in _LEGACY_STATUSES or (http_status == 400 and code in _LEGACY_CODES_AT_400)
        return (
            code in _STANDARD_THROTTLING
            or code in _STANDARD_TRANSIENT_CODES
            or http_status in _STANDARD_STATUSES
        )

    def retry_cost(self, code: str, http_status: int) -> int:
        """The quota a retry of this error takes (standard and adaptive modes)."""
        rules = self.rules
        throttled = self.is_throttling(code, http_status)
        return rules.throttling_retry_cost if throttled else rules.other_retry_cost

    def delay(
        self, attempt: int, code: str | None = None, http_status: int = 400, retry_after: float | None = None
    ) -> float:
        """The wait before attempt ``attempt + 1`` (``attempt`` counts from 1) after error ``code`` (a
        throttling error when not given); ``retry_after`` is an ``x-amz-retry-after`` header in seconds."""
        growth = 2.0 ** (attempt - 1)
        if self.mode == "legacy":
            return float(self.rng.random()) * growth
        throttled = code is None or self.is_throttling(code, http_status)
        scale = self.rules.throttling_base_scale if throttled else self.rules.other_base_scale
        wait = float(self.rng.random()) * min(scale * growth, _MAX_BACKOFF)
        if retry_after is not None and self.rules.retry_after and retry_after >= 0:
            return max(wait, min(retry_after, _RETRY_AFTER_MAX_ADDITIONAL + wait))
        return wait

    def why_not_retry(self, code: str, http_status: int, attempt: int) -> str | None:
        """After attempt ``attempt`` failed with this error: None to retry (the quota's cost taken), or
        why not: ``"not retried"`` (the mode does not retry this error), ``"attempts"`` (the last
        attempt failed) or ``"quota"`` (the client-wide retry quota has too little left)."""
        if not self.retryable(code, http_status):
            return "not retried"
        if attempt >= self.max_attempts:
            return "attempts"
        if self.quota is not None and not self.quota.acquire(self.retry_cost(code, http_status)):
            return "quota"
        return None

    def should_retry(self, code: str, http_status: int, attempt: int) -> bool:
        """After attempt ``attempt`` failed with this error: retry? (Takes quota when it says yes.)"""
        return self.why_not_retry(code, http_status, attempt) is None

    def succeeded(self, last_retry_cost: int = 0) -> None:
        """Tell the quota a call succeeded: it gives back what the call's last retry took (0: none)."""
        if self.quota is not None:
            self.quota.release(last_retry_cost if last_retry_cost else _NO_RETRY_INCREMENT)


class RateLimiter:
    """adaptive mode's client-side rate limiter (botocore ``ClientRateLimiter`` with its
    ``CubicCalculator``, ``RateClocker`` and ``TokenBucket``), on simulated time passed in seconds.

    :meth:`acquire` is called before each request is sent and returns how long it must wait; :meth:`record`
    after each answer. Where botocore's bucket blocks callers on a condition until a token has refilled,
    this one lets the tokens go negative, so concurrent callers wait in turn (first come, first served);
    a rate change while they wait applies to later callers only.
    """

    _SCALE = 0.4
    _BETA = 0.7
    _SMOOTHING = 0.8
    _BUCKET_SCALE = 2.0  # 1 / botocore's 0.5 s time buckets
    _MIN_RATE = 0.5
    _MAX_RATE_ADJUST_SCALE = 2.0

    def __init__(self, start: float = 0.0) -> None:
        self.enabled = False
        self.w_max, self.last_fail = 0.0, start
        self.k = self._zero_point()
        self.measured_rate, self._count = 0.0, 0
        self._last_bucket = float(math.floor(start))
        self.fill_rate, self.max_capacity, self.capacity = 1.0, 1.0, 0.0
        self._last_refill: float | None = None
        self._set_max_rate(1.0, start)

    def _zero_point(self) -> float:
        return float((self.w_max * (1 - self._BETA) / self._SCALE) ** (1 / 3.0))

    def _refill(self, now: float) -> None:
        if self._last_refill is None:
            self._last_refill = now
            return
        self.capacity = min(self.max_capacity, self.capacity + (now - self._last_refill) * self.fill_rate)
        self._last_refill = now

    def _set_max_rate(self, value: float, now: float) -> None:
        self._refill(now)
        self.fill_rate = max(value, self._MIN_RATE)
        self.max_capacity = value if value >= 1 else 1.0
        self.capacity = min(self.capacity, self.max_capacity)

    @property
    def max_rate(self) -> float:
        """The bucket's send rate (requests a second)."""
        return self.fill_rate

    def acquire(self, now: float) -> float:
        """A request is about to be sent at ``now``: the seconds it waits first (0 until throttled)."""
        if not self.enabled:
            return 0.0
        self._refill(now)
        self.capacity -= 1
        return max(0.0, -self.capacity / self.fill_rate)

    def record(self, now: float, throttled: bool) -> None:
        """An answer arrived at ``now``; ``throttled`` if botocore takes it for throttling."""
        bucket = math.floor(now * self._BUCKET_SCALE) / self._BUCKET_SCALE
        self._count += 1
        if bucket > self._last_bucket:
            current = self._count / (bucket - self._last_bucket)
            self.measured_rate = current * self._SMOOTHING + self.measured_rate * (1 - self._SMOOTHING)
            self._count = 0
            self._last_bucket = bucket
        measured = self.measured_rate
        if not throttled:
            new_rate = self._SCALE * (now - self.last_fail - self.k) ** 3 + self.w_max
        else:
            rate = measured if not self.enabled else min(measured, self.fill_rate)
            self.w_max, self.last_fail = rate, now
            self.k = self._zero_point()
            new_rate = rate * self._BETA
            self.enabled = True
        self._set_max_rate(min(new_rate, self._MAX_RATE_ADJUST_SCALE * measured), now)
