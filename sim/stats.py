"""Confidence intervals for simulated proportions and means.

>>> low, high = wilson_interval(30, 100, confidence=0.95)
>>> round(low, 4), round(high, 4)
(0.2189, 0.3958)
>>> mean_interval(total=10.0, total_sq=30.0, n=5, confidence=0.95)[0] < 2.0
True
"""

from __future__ import annotations

import math
from statistics import NormalDist

__all__ = ["mean_interval", "wilson_interval"]


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def mean_interval(total: float, total_sq: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The normal-approximation (central limit) interval of a mean, from the sum and the sum of squares
    of ``n`` observations (the sample variance uses ``n - 1``)."""
    if n < 2:
        raise ValueError(f"a mean's interval needs at least 2 observations, got {n}")
    mean = total / n
    variance = max(total_sq - n * mean * mean, 0.0) / (n - 1)
    half = _z(confidence) * math.sqrt(variance / n)
    return mean - half, mean + half


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion ``successes / trials``."""
    if trials <= 0:
        raise ValueError(f"trials must be at least 1, got {trials}")
    if not 0 <= successes <= trials:
        raise ValueError(f"successes must be between 0 and trials ({trials}), got {successes}")
    z = _z(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == trials else min(1.0, centre + half)
    return low, high
