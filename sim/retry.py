"""How the Python SDK (botocore) retries a failed call, in its ``legacy`` and ``standard`` modes (SPEC 4).

Both modes are written from botocore's own rules (``botocore/data/_retry.json`` and
``botocore/retries/standard.py``):

- **legacy** (botocore's default): 5 attempts in all; the wait before attempt n+1 is ``r * 2**(n-1)``
  with r uniform in [0, 1); it retries HTTP 429, 500, 502, 503, 504 and 509, and the HTTP 400 codes
  ``Throttling``, ``ThrottlingException``, ``ThrottledException``, ``RequestThrottledException`` and
  ``ProvisionedThroughputExceededException``. No retry quota.
- **standard**: 3 attempts in all; the wait is ``r * min(2**(n-1), 20)``; it retries the throttling codes
  (``TooManyRequestsException`` among them), the transient codes, and HTTP 500, 502, 503 and 504. A
  client-wide quota of 500 tokens: a retry takes 5, a call that succeeds gives back 1 (or, if it was
  retried, what its retry took).

So under ``legacy`` mode Comprehend's ``TooManyRequestsException`` (HTTP 400 in the API reference) is
not retried: a throttled stop is lost unless the application retries it. (Where the service answers 429,
as the newest botocore service model says, legacy mode would retry it: ``http_statuses="botocore"``.)
In botocore the random factor is drawn afresh for every wait, in both modes.

>>> import numpy as np
>>> legacy = Retrier("legacy", np.random.default_rng(1))
>>> legacy.retryable("TooManyRequestsException", 400), legacy.retryable("InternalServerException", 500)
(False, True)
>>> Retrier("standard", np.random.default_rng(1)).retryable("TooManyRequestsException", 400)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["MODES", "Retrier", "RetryQuota"]

#: The retry modes, botocore's default first.
MODES = ("legacy", "standard")

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


@dataclass(slots=True)
class RetryQuota:
    """The standard mode's client-wide retry quota (botocore ``RetryQuota`` and ``RetryQuotaChecker``)."""

    capacity: int = 500
    retry_cost: int = 5
    success_increment: int = 1
    available: int = field(init=False)

    def __post_init__(self) -> None:
        self.available = self.capacity

    def acquire(self) -> bool:
        """Take a retry's cost; False (no retry) when too little is left."""
        if self.retry_cost > self.available:
            return False
        self.available -= self.retry_cost
        return True

    def release(self, retried: bool) -> None:
        """A call succeeded: give back what its retries took, or the small increment if it had none."""
        amount = self.retry_cost if retried else self.success_increment
        self.available = min(self.capacity, self.available + amount)


class Retrier:
    """One SDK client's retry rules: which errors it retries, how many attempts, how long it waits."""

    def __init__(self, mode: str, rng: np.random.Generator) -> None:
        if mode not in MODES:
            raise ValueError(f"retry mode must be one of {', '.join(MODES)}, got {mode!r}")
        self.mode = mode
        self.rng = rng
        self.max_attempts = 5 if mode == "legacy" else 3
        self.quota = RetryQuota() if mode == "standard" else None

    def retryable(self, code: str, http_status: int) -> bool:
        """Whether an error answer is retried at all (before attempts and quota are counted)."""
        if self.mode == "legacy":
            return http_status in _LEGACY_STATUSES or (http_status == 400 and code in _LEGACY_CODES_AT_400)
        return (
            code in _STANDARD_THROTTLING
            or code in _STANDARD_TRANSIENT_CODES
            or http_status in _STANDARD_STATUSES
        )

    def delay(self, attempt: int) -> float:
        """The wait before attempt ``attempt + 1`` (``attempt`` counts from 1)."""
        growth = 2.0 ** (attempt - 1)
        if self.mode == "standard":
            growth = min(growth, 20.0)
        return float(self.rng.random()) * growth

    def should_retry(self, code: str, http_status: int, attempt: int) -> bool:
        """After attempt ``attempt`` failed with this error: retry? (Takes quota when it says yes.)"""
        if attempt >= self.max_attempts or not self.retryable(code, http_status):
            return False
        return self.quota.acquire() if self.quota is not None else True

    def succeeded(self, retried: bool) -> None:
        """Tell the quota a call succeeded."""
        if self.quota is not None:
            self.quota.release(retried)
