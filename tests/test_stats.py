import math
from statistics import NormalDist

import numpy as np
import pytest

from stoprace.sim.stats import mean_interval, wilson_interval


def test_known_interval():
    # By hand, z = 1.95996: centre (0.3 + z²/200) / (1 + z²/100) = 0.30740, half-width 0.08845
    low, high = wilson_interval(30, 100, 0.95)
    assert (round(low, 4), round(high, 4)) == (0.2189, 0.3958)


def test_extremes_stay_inside_0_and_1():
    assert wilson_interval(0, 10)[0] == 0.0
    assert wilson_interval(10, 10)[1] == 1.0
    assert 0 < wilson_interval(0, 10)[1] < 1


def test_wider_for_more_confidence_and_narrower_for_more_trials():
    l95, h95 = wilson_interval(50, 100, 0.95)
    l999, h999 = wilson_interval(50, 100, 0.999)
    assert l999 < l95 < h95 < h999
    l_big, h_big = wilson_interval(5000, 10000, 0.95)
    assert h_big - l_big < h95 - l95


@pytest.mark.parametrize(
    ("s", "n", "c", "message"),
    [
        (1, 0, 0.9, "trials must be at least 1"),
        (-1, 5, 0.9, "successes must be between"),
        (6, 5, 0.9, "successes must be between"),
        (1, 5, 1.0, "confidence must be between"),
        (1, 5, 0, "confidence must be between"),
    ],
)
def test_bad_arguments(s, n, c, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(s, n, c)


def test_the_mean_interval_is_the_textbook_one():
    values = np.random.default_rng(5).exponential(100.0, 1000)
    low, high = mean_interval(float(values.sum()), float(values @ values), len(values), 0.99)
    half = NormalDist().inv_cdf(0.995) * values.std(ddof=1) / math.sqrt(len(values))
    assert (low, high) == pytest.approx((values.mean() - half, values.mean() + half), rel=1e-9)


def test_the_mean_interval_needs_two_observations():
    with pytest.raises(ValueError, match="at least 2"):
        mean_interval(1.0, 1.0, 1)
