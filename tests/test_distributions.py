"""Distribution specs: parsing, refusals, and samples that follow the stated law."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stoprace.sim.distributions import FORMS, parse_distribution
from stoprace.sim.stats import wilson_interval

N = 200_000
CONFIDENCE = 0.999
SPECS = [
    "exponential:mean=300",
    "lognormal:median=3600,sigma=0.5",
    "gamma:shape=2,scale=1800",
    "uniform:low=0,high=600",
    "weibull:shape=1.5,scale=3600",
]


@pytest.mark.parametrize("spec", SPECS)
def test_samples_follow_the_cdf_at_its_quartiles(spec):
    dist = parse_distribution(spec)
    samples = dist.sample(np.random.default_rng(20261129), N)
    assert (samples >= 0).all()
    for q in (0.25, 0.5, 0.75):
        x = float(dist._scipy().ppf(q))
        low, high = wilson_interval(int((samples <= x).sum()), N, CONFIDENCE)
        assert low <= float(dist.cdf(x)) <= high, (spec, q)


@pytest.mark.parametrize(
    ("spec", "mean"),
    [
        ("exponential:mean=300", 300.0),
        ("lognormal:median=3600,sigma=0.5", 3600 * math.exp(0.125)),
        ("gamma:shape=2,scale=1800", 3600.0),
        ("uniform:low=0,high=600", 300.0),
        ("weibull:shape=1,scale=3600", 3600.0),
        ("fixed:600", 600.0),
    ],
)
def test_means(spec, mean):
    assert parse_distribution(spec).mean == pytest.approx(mean)


def test_the_lognormal_median_is_the_median():
    assert float(parse_distribution("lognormal:median=3600,sigma=0.5").cdf(3600.0)) == pytest.approx(0.5)


def test_fixed_is_constant_and_zero_is_allowed():
    rng = np.random.default_rng(1)
    assert parse_distribution("fixed:600").sample(rng, 4).tolist() == [600.0] * 4
    zero = parse_distribution("fixed:0")
    assert zero.sample(rng, 2).tolist() == [0.0, 0.0]
    assert float(zero.cdf(0.0)) == 1.0
    assert parse_distribution("fixed:value=5").param("value") == 5.0
    assert not zero.has_density
    with pytest.raises(ValueError, match="no density"):
        zero.pdf(1.0)


def test_same_seed_same_samples():
    dist = parse_distribution("gamma:shape=2,scale=1800")
    a = dist.sample(np.random.default_rng(7), 1000)
    b = dist.sample(np.random.default_rng(7), 1000)
    assert a.tobytes() == b.tobytes()


def test_empirical_resamples_its_file(tmp_path):
    path = tmp_path / "durations.txt"
    path.write_text("600\n\n1200\n1800\n")
    dist = parse_distribution(f"empirical:{path}")
    samples = dist.sample(np.random.default_rng(3), 3000)
    assert set(samples.tolist()) == {600.0, 1200.0, 1800.0}
    assert dist.mean == 1200.0
    assert float(dist.cdf(1200.0)) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("normal:mean=3", "unknown family 'normal'"),
        ("exponential", "needs parameters"),
        ("exponential:", "needs parameters"),
        ("exponential:mean=300,sd=2", "takes mean, not 'sd'"),
        ("lognormal:median=3600", "missing sigma"),
        ("gamma:shape=2,shape=3,scale=1", "given twice"),
        ("exponential:mean=-1", "mean must be greater than 0"),
        ("exponential:mean=0", "mean must be greater than 0"),
        ("fixed:-5", "value must be at least 0"),
        ("exponential:mean=nan", "must be finite"),
        ("weibull:shape=inf,scale=1", "must be finite"),
        ("uniform:low=5,high=5", "high (5) must be greater than low (5)"),
        ("exponential:mean=ten", "'ten' is not a number"),
        ("exponential:300", "'300' is not NAME=VALUE"),
        ("empirical:", "needs a file name"),
        ("empirical:/nonexistent/durations.txt", "durations.txt: cannot be read"),
    ],
)
def test_bad_specs_name_the_problem_and_list_the_forms(spec, problem):
    with pytest.raises(ValueError, match="accepted forms") as err:
        parse_distribution(spec)
    assert problem in str(err.value)
    assert all(form in str(err.value) for form in FORMS)


def test_empirical_files_must_hold_non_negative_numbers(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    with pytest.raises(ValueError, match="holds no samples"):
        parse_distribution(f"empirical:{empty}")
    bad = tmp_path / "bad.txt"
    bad.write_text("5\n-1\n")
    with pytest.raises(ValueError, match=r"line 2 .* is negative"):
        parse_distribution(f"empirical:{bad}")
    words = tmp_path / "words.txt"
    words.write_text("five\n")
    with pytest.raises(ValueError, match="not a number"):
        parse_distribution(f"empirical:{words}")


@pytest.mark.parametrize("spec", SPECS)
def test_partial_means_equal_the_integral(spec):
    from scipy.integrate import quad  # noqa: PLC0415

    dist = parse_distribution(spec)
    for t in (0.0, 100.0, 1000.0, 3600.0, 20_000.0):
        expected = quad(lambda x: x * dist.pdf(x), 0, t, limit=200)[0] if t else 0.0
        assert dist.partial_mean(t) == pytest.approx(expected, rel=1e-7, abs=1e-9)
    assert dist.partial_mean(math.inf) == pytest.approx(dist.mean)
    assert dist.partial_mean(-5.0) == 0.0


def test_partial_means_of_atoms_are_sums(tmp_path):
    samples = tmp_path / "s.txt"
    samples.write_text("100\n200\n200\n700\n")
    dist = parse_distribution(f"empirical:{samples}")
    assert dist.partial_mean(np.array([99.0, 100.0, 200.0, 699.0, 700.0])).tolist() == [0, 25, 125, 125, 300]
    fixed = parse_distribution("fixed:600")
    assert (fixed.partial_mean(599.0), fixed.partial_mean(600.0)) == (0.0, 600.0)
