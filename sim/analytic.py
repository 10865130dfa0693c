"""Race probabilities by numerical integration, to validate both engines.

With ``a = s - q`` the time a job has trained when the stop is sent (``s`` the stop time, ``q`` its
queue delay) and ``X`` its time to the end of training (the duration ``D``, or ``U * D`` for a failing
job), the stop meets a training job when ``q <= s`` and ``X > a`` (the tie rule of :mod:`sim.draws`:
training starts before a stop sent at the same instant, and ends before it too). Such a job loses the
race when it completes no later than the stop takes effect: ``D <= a + L``, i.e. ``L >= D - a``. So

    P(entered) = E_Q[ 1{Q <= s} ((1 - pf) S_D(a) + pf P(U D > a)) ]
    P(lost)    = E_Q[ 1{Q <= s} c E_D[ 1{D > a} P(L >= D - a) ] ]

with ``c = 1 - pf`` when a completion with warnings also wins the race (``race_outcomes=all``) and
``c = (1 - pf)(1 - pw)`` when only a plain completion does. Expectations over a fixed or empirical
distribution are exact sums; over a continuous one, Gauss-Legendre quadrature on quantile panels
(vectorised with numpy; scipy gives the densities).

A job stopped while ``SUBMITTED`` never enters ``STOP_REQUESTED`` from ``TRAINING`` whatever the
policy does with its stop, so the formulas hold under every policy.

>>> from sim.scenario import RaceScenario
>>> scenario = RaceScenario(queue_delay="fixed:0", training_duration="exponential:mean=3600",
...                         stop_latency="exponential:mean=600", p_warning=0, p_failure=0)
>>> round(p_race_lost(scenario, 1800.0), 6) == round(600 / (600 + 3600), 6)
True
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import numpy as np

from .distributions import Distribution
from .scenario import RaceScenario

__all__ = ["exponential_p_race_lost", "p_race_lost", "race_probabilities"]

_GAUSS = np.polynomial.legendre.leggauss(24)
_QUANTILES = (0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999)

Vector = Callable[[np.ndarray], np.ndarray]


def _expect(
    dist: Distribution, g: Vector, low: float = 0.0, high: float = np.inf, breaks: tuple[float, ...] = ()
) -> float:
    """E[g(X) 1{low <= X <= high}] for X ~ ``dist``; ``g`` takes and returns arrays.

    A continuous distribution is integrated by Gauss-Legendre quadrature on panels cut at its
    quantiles and at ``breaks`` (where ``g`` jumps), over a range holding all but 1e-14 of its mass.
    """
    if dist.family == "fixed":
        x = dist.param("value")
        return float(g(np.array([x]))[0]) if low <= x <= high else 0.0
    if dist.family == "empirical":
        values = np.asarray(dist.values)
        inside = values[(values >= low) & (values <= high)]
        return float(g(inside).sum() / len(values)) if len(inside) else 0.0
    frozen = dist._scipy()
    support_low, support_high, quantiles = _landmarks(dist)
    low, high = max(low, support_low), min(high, support_high)
    if low >= high:
        return 0.0
    cuts = np.unique(np.clip([low, *quantiles, *breaks, high], low, high))
    nodes, weights = _GAUSS
    left, right = cuts[:-1, None], cuts[1:, None]
    x = ((right - left) * (nodes + 1) / 2 + left).ravel()
    w = ((right - left) / 2 * weights).ravel()
    return float(np.sum(w * frozen.pdf(x) * g(x)))


@cache
def _landmarks(dist: Distribution) -> tuple[float, float, tuple[float, ...]]:
    """A continuous distribution's integration range and its quantile cuts (computed once)."""
    frozen = dist._scipy()
    quantiles = tuple(float(q) for q in frozen.ppf(_QUANTILES))
    return float(frozen.ppf(0.0)), float(frozen.isf(1e-14)), quantiles


def _at_least(dist: Distribution, t: np.ndarray) -> np.ndarray:
    """P(X >= t), elementwise."""
    t = np.asarray(t, dtype=float)
    if dist.family == "fixed":
        return np.where(dist.param("value") >= t, 1.0, 0.0)
    if dist.family == "empirical":
        ordered = np.sort(np.asarray(dist.values))
        return 1.0 - np.searchsorted(ordered, t, side="left") / len(ordered)
    return np.where(t <= 0, 1.0, dist.sf(np.maximum(t, 0.0)))


def _greater(dist: Distribution, t: np.ndarray) -> np.ndarray:
    """P(X > t), elementwise."""
    t = np.asarray(t, dtype=float)
    if dist.family == "fixed":
        return np.where(dist.param("value") > t, 1.0, 0.0)
    if dist.family == "empirical":
        ordered = np.sort(np.asarray(dist.values))
        return 1.0 - np.searchsorted(ordered, t, side="right") / len(ordered)
    return np.where(t < 0, 1.0, dist.sf(np.maximum(t, 0.0)))


def _jumps(dist: Distribution, shift: float) -> tuple[float, ...]:
    """Where P(X >= x - shift) jumps as x moves: at the atoms of a fixed or empirical ``dist``."""
    if dist.family == "fixed":
        return (dist.param("value") + shift,)
    if dist.family == "empirical":
        return tuple(sorted({v + shift for v in dist.values}))[:200]
    return ()


def race_probabilities(scenario: RaceScenario, stop_at: float) -> tuple[float, float]:
    """(P(a job enters STOP_REQUESTED from TRAINING), P(it then loses the race)) at ``stop_at``."""
    s = stop_at
    d, lat, u = scenario.training_duration, scenario.stop_latency, scenario.failure_point
    pf, pw = scenario.p_failure, scenario.p_warning
    completes = 1 - pf if scenario.policy.race_outcomes == "all" else (1 - pf) * (1 - pw)

    def entered(q: float) -> float:
        a = s - q
        failing = _expect(d, lambda x: _greater(u, a / np.maximum(x, 1e-300))) if pf else 0.0
        return float((1 - pf) * _greater(d, np.array(a)) + pf * failing)

    def lost(q: float) -> float:
        a = s - q
        inside = _expect(
            d, lambda x: np.where(x > a, _at_least(lat, x - a), 0.0), low=a, breaks=_jumps(lat, a)
        )
        return completes * inside

    queue = scenario.queue_delay
    p_entered = _expect(queue, lambda qs: np.array([entered(q) for q in qs]), high=s)
    p_lost = _expect(queue, lambda qs: np.array([lost(q) for q in qs]), high=s)
    return p_entered, p_lost


def p_race_lost(scenario: RaceScenario, stop_at: float) -> float | None:
    """P(the race is lost | the job entered STOP_REQUESTED from TRAINING); None if it cannot enter."""
    entered, lost = race_probabilities(scenario, stop_at)
    return lost / entered if entered > 0 else None


def exponential_p_race_lost(mean_duration: float, mean_latency: float) -> float:
    """The closed form for exponential training time and stop latency: by memorylessness the remaining
    training time at the stop is exponential too, and completion wins with probability
    ``mu / (mu + lambda)`` where ``mu = 1/D`` and ``lambda = 1/L``.
    """
    mu, lam = 1 / mean_duration, 1 / mean_latency
    return mu / (mu + lam)
