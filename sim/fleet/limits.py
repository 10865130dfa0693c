"""The request-rate limit of one operation: a token bucket, as AWS's per-operation quotas behave."""

from __future__ import annotations

import math

from stoprace.model.numbers import is_whole

__all__ = ["TokenBucket"]


class TokenBucket:
    """A token bucket: ``rate`` tokens a second, at most ``burst`` held; a call takes one token.

    Starting full, it admits at most ``rate * T + burst`` calls in any window of length ``T``.

    >>> bucket = TokenBucket(rate=1.0, burst=2)
    >>> bucket.take(0.0), bucket.take(0.0), bucket.take(0.0), bucket.take(1.0)
    (True, True, False, True)
    """

    __slots__ = ("burst", "last", "rate", "tokens")

    def __init__(self, rate: float, burst: int) -> None:
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"a rate limit needs a rate > 0 per second, got {rate!r}")
        if not is_whole(burst) or burst < 1:
            raise ValueError(f"a rate limit needs a whole burst of at least 1, got {burst!r}")
        self.rate, self.burst = float(rate), burst
        self.tokens, self.last = float(burst), 0.0

    def take(self, now: float) -> bool:
        """Take a token at time ``now`` (never earlier than the last call); False if none is left."""
        if now > self.last:
            self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.rate)
            self.last = now
        if self.tokens >= 1.0 - 1e-9:  # tolerate the rounding of many small refills
            self.tokens -= 1.0
            return True
        return False
