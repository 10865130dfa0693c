"""Race outcomes by numerical integration, to validate both engines.

A job's outcome depends only on the order of its four events (start of training at ``Q``, end of
training at ``Q + X``, the stop at ``s``, the stop's effect at ``s + L``; see :mod:`sim.draws` and its
tie rule) and on the trigger that ends its training. Since ``Q <= Q + X`` and ``s <= s + L`` there are
six orders:

=====  ==================  =============================================================
order  events              condition (``a = s - Q`` when ``Q <= s``, ``b = Q - s`` after)
=====  ==================  =============================================================
QESF   trained, then stop  ``Q <= s`` and ``X <= a``
QSEF   the race is run     ``Q <= s``, ``X > a`` and ``L >= X - a`` (training ends first)
QSFE                       ``Q <= s``, ``X > a`` and ``L < X - a`` (the stop takes effect)
SQEF   stopped in queue    ``Q > s`` and ``L >= b + X``
SQFE                       ``Q > s`` and ``b <= L < b + X``
SFQE                       ``Q > s`` and ``L < b``
=====  ==================  =============================================================

For each order and end trigger (completion, completion with warnings, failure with ``X = U * D``) this
module integrates the probability and the partial means ``E[Q; .]``, ``E[X; .]``, ``E[L; .]``, then
asks the model (:func:`sim.draws.class_outcome`, the same call the numpy engine makes) which path each
class takes and which events bound its training. So the probability of every path and final status and
the expected billed seconds come out for any policy, and the simulator still holds no lifecycle rules.

Integrals over a continuous distribution are Gauss-Legendre sums in probability space (``x = F^-1(u)``)
on panels that grow finer towards the tail, with the breaks where the integrand jumps; over a fixed or
empirical distribution they are exact sums; the partial means of the stop latency and the training
time are closed forms (:meth:`sim.distributions.Distribution.partial_mean`).

>>> from sim.scenario import RaceScenario
>>> scenario = RaceScenario(queue_delay="fixed:0", training_duration="exponential:mean=3600",
...                         stop_latency="exponential:mean=600", p_warning=0, p_failure=0)
>>> round(p_race_lost(scenario, 1800.0), 6) == round(600 / (600 + 3600), 6)
True
>>> outcome = race_outcome(scenario, 1800.0)
>>> sorted(outcome.final), round(sum(outcome.final.values()), 12)
(['STOPPED', 'TRAINED'], 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from .distributions import Distribution
from .draws import class_outcome
from .outcome import path_flags
from .scenario import RaceScenario

__all__ = [
    "MAX_EMPIRICAL_VALUES", "RaceOutcome", "exponential_p_race_lost", "p_race_lost", "race_outcome",
    "unavailable",
]

Array = npt.NDArray[np.float64]

ORDER = 12  # Gauss-Legendre nodes per panel
FAILING_ORDER = 6  # for failing jobs, whose end U * D needs a double integral (and weighs p_failure)
# Panel cuts, as fractions of a span of probability, finer towards its tail end (fraction 0).
_GRADED = (0.0, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1.0)
_EVEN = (0.0, 0.25, 0.5, 0.75, 1.0)  # for a bounded family (uniform), whose tails are not thin
# Up to this many jumps of the integrand become panel cuts; beyond it (an empirical input with many
# values) each jump is small and the integrand is treated as continuous.
_MAX_BREAKS = 200
#: The most distinct values an empirical input may have for the integral (its cost grows with them).
MAX_EMPIRICAL_VALUES = 1000

# The six orders (event indices of sim.draws: 0 start, 1 end of training, 2 stop, 3 its effect).
ORDERS = ((0, 1, 2, 3), (0, 2, 1, 3), (0, 2, 3, 1), (2, 0, 1, 3), (2, 0, 3, 1), (2, 3, 0, 1))
_P, _EQ, _EX, _EL = range(4)  # the moments integrated per order: P, E[Q; .], E[X; .], E[L; .]


@cache
def _legendre(order: int) -> tuple[Array, Array]:
    return np.polynomial.legendre.leggauss(order)


def _gauss(cuts: Array, order: int = ORDER) -> tuple[Array, Array]:
    """Gauss-Legendre nodes and weights on the panels between consecutive ``cuts`` (last axis)."""
    unit_nodes, unit_weights = _legendre(order)
    left, right = cuts[..., :-1, None], cuts[..., 1:, None]
    half = (right - left) / 2
    nodes = (half * (unit_nodes + 1) + left).reshape(*cuts.shape[:-1], -1)
    weights = (half * unit_weights).reshape(*cuts.shape[:-1], -1)
    return nodes, weights


class _Law:
    """A non-negative random quantity: P(X <= t), E[X; X <= t], its mean, atoms, and quadrature
    rules for E[g(X); X > a]."""

    mean: float
    atoms: tuple[float, ...]

    def cdf(self, t: Array) -> Array:
        raise NotImplementedError

    def below(self, t: Array) -> Array:
        raise NotImplementedError

    def above(self, a: Array, order: int = ORDER) -> tuple[Array, Array]:
        """Nodes and weights, shape ``a.shape + (K,)``, with E[g(X); X > a] ~ sum(w * g(x), -1)."""
        raise NotImplementedError


@dataclass(frozen=True)
class _Single(_Law):
    dist: Distribution

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", self.dist.mean)
        object.__setattr__(self, "atoms", _atoms(self.dist)[0].tolist() if not self.dist.has_density else ())

    def cdf(self, t: Array) -> Array:
        return np.asarray(self.dist.cdf(t), dtype=float)

    def below(self, t: Array) -> Array:
        return np.asarray(self.dist.partial_mean(t), dtype=float)

    def above(self, a: Array, order: int = ORDER) -> tuple[Array, Array]:
        a = np.asarray(a, dtype=float)
        if not self.dist.has_density:
            values, probs = _atoms(self.dist)
            nodes = np.broadcast_to(values, (*a.shape, len(values)))
            return nodes, np.where(values > a[..., None], probs, 0.0)
        frozen = self.dist._scipy()
        mass = np.where(a < 0, 1.0, frozen.sf(np.maximum(a, 0.0)))
        level, weight = _gauss(np.asarray(_EVEN if self.dist.family == "uniform" else _GRADED), order)
        tail = mass[..., None] * level  # the probability above each node
        nodes = np.where(tail > 0, frozen.isf(tail), 0.0)
        return nodes, mass[..., None] * weight


@dataclass(frozen=True)
class _Product(_Law):
    """X = U * D for independent U (the failure point, in [0, 1]) and D (the training duration)."""

    point: _Single
    duration: _Single

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", self.point.mean * self.duration.mean)
        points = self.point.atoms
        atoms: tuple[float, ...] = ()
        if points and self.duration.atoms:
            atoms = tuple(sorted({u * d for u in points for d in self.duration.atoms}))
        elif 0.0 in points:
            atoms = (0.0,)
        object.__setattr__(self, "atoms", atoms)

    def _rule(self) -> tuple[Array, Array]:
        return self.point.above(np.array(-1.0), FAILING_ORDER)

    @staticmethod
    def _scaled(t: Array, u: Array) -> Array:
        """t / u, with U = 0 (X = 0) mapped to +-inf so that D's functions give X's answer."""
        t = t[..., None]
        safe = np.where(u > 0, u, 1.0)
        return np.where(u > 0, t / safe, np.where(t < 0, -np.inf, np.inf))

    def cdf(self, t: Array) -> Array:
        u, w = self._rule()
        return np.asarray(np.sum(w * self.duration.cdf(self._scaled(np.asarray(t, dtype=float), u)), axis=-1))

    def below(self, t: Array) -> Array:
        u, w = self._rule()
        scaled = self._scaled(np.asarray(t, dtype=float), u)
        return np.asarray(np.sum(w * u * self.duration.below(scaled), axis=-1))

    def above(self, a: Array, order: int = FAILING_ORDER) -> tuple[Array, Array]:
        a = np.asarray(a, dtype=float)
        u, w = self._rule()
        nodes, weights = self.duration.above(self._scaled(a, u), order)  # shape a.shape + (J, K)
        nodes = nodes * u[:, None]
        weights = weights * w[:, None]
        return nodes.reshape(*a.shape, -1), weights.reshape(*a.shape, -1)


@cache
def _atoms(dist: Distribution) -> tuple[Array, Array]:
    """The values of a fixed or empirical distribution and their probabilities."""
    if dist.family == "fixed":
        return np.array([dist.param("value")]), np.array([1.0])
    values, counts = np.unique(np.asarray(dist.values), return_counts=True)
    return values.astype(float), counts / counts.sum()


def _queue_rule(dist: Distribution, low: float, high: float, breaks: list[float]) -> tuple[Array, Array]:
    """Nodes and weights for E[g(Q); low < Q <= high] (``low`` = -1 takes in Q = 0)."""
    if not dist.has_density:
        values, probs = _atoms(dist)
        inside = (values > low) & (values <= high)
        return values[inside], probs[inside]
    # Below the median integrate over u = F(q), above it over the tail mass t = 1 - F(q), so that
    # neither end loses precision.
    frozen = dist._scipy()
    low = max(low, 0.0)
    inner = sorted(x for x in breaks if low < x < high) if len(breaks) <= _MAX_BREAKS else []
    nodes, weights = [], []
    for inverse, prob, start, end in (
        (frozen.ppf, frozen.cdf, low, high),  # u in [F(low), min(F(high), 1/2)]
        (frozen.isf, frozen.sf, high, low),  # t in [S(high), min(S(low), 1/2)]
    ):
        first = float(prob(start)) if np.isfinite(start) else 0.0
        last = min(float(prob(end)) if np.isfinite(end) else 1.0, 0.5)
        if last <= first:
            continue
        cuts = [first + (last - first) * g for g in _GRADED] + [float(prob(x)) for x in inner]
        level, weight = _gauss(np.unique(np.clip(cuts, first, last)))
        nodes.append(inverse(level))
        weights.append(weight)
    if not nodes:
        return np.empty(0), np.empty(0)
    return np.concatenate(nodes), np.concatenate(weights)


@dataclass(frozen=True)
class _Latency:
    """The stop latency L: P(L >= t) and E[L; L >= t], or its atoms."""

    dist: Distribution

    @property
    def atomic(self) -> bool:
        return not self.dist.has_density

    def at_least(self, t: Array) -> Array:
        return np.where(t <= 0, 1.0, self.dist.sf(np.maximum(t, 0.0)))

    def mean_at_least(self, t: Array) -> Array:
        return self.dist.mean - np.asarray(self.dist.partial_mean(np.maximum(t, 0.0)), dtype=float)


_CHUNK = 32  # queue nodes integrated at a time (bounds memory for an empirical input with many values)


def _order_moments(q_law: Distribution, x: _Law, lat: _Latency, s: float) -> Array:
    """The moments (P, E[Q; .], E[X; .], E[L; .]) of the six orders, shape (6, 4)."""
    breaks = [s - v for v in x.atoms]
    if lat.atomic:
        l_atoms = _atoms(lat.dist)[0].tolist()
        breaks += [s + v for v in l_atoms] + [s + v - w for v in l_atoms for w in x.atoms]
    out = np.zeros((6, 4))
    for low, high, moments in ((-1.0, s, _stop_after_start), (s, np.inf, _stop_before_start)):
        q, wq = _queue_rule(q_law, low, high, breaks)
        for i in range(0, len(q), _CHUNK):
            chunk = q[i:i + _CHUNK]
            parts = moments(x, lat, s, chunk)
            parts[:, _EQ] = parts[:, _P] * chunk
            out += parts @ wq[i:i + _CHUNK]
    return out


def _stop_after_start(x: _Law, lat: _Latency, s: float, q: Array) -> Array:
    """Orders QESF, QSEF, QSFE for queue delays ``q <= s``: the stop comes ``a = s - q`` into training."""
    a = s - q
    mx, ml = x.mean, lat.dist.mean
    parts = np.zeros((6, 4, len(q)))
    fa, ma = x.cdf(a), x.below(a)
    parts[0, _P], parts[0, _EX], parts[0, _EL] = fa, ma, ml * fa
    if lat.atomic:
        lv, lp = _atoms(lat.dist)
        f = x.cdf(a[:, None] + lv)
        m = x.below(a[:, None] + lv)
        parts[1, _P] = (f - fa[:, None]) @ lp
        parts[1, _EX] = (m - ma[:, None]) @ lp
        parts[1, _EL] = (f - fa[:, None]) @ (lp * lv)
    else:
        nodes, weights = x.above(a)
        gap = nodes - a[:, None]
        reach = lat.at_least(gap)
        parts[1, _P] = np.sum(weights * reach, axis=-1)
        parts[1, _EX] = np.sum(weights * nodes * reach, axis=-1)
        parts[1, _EL] = np.sum(weights * lat.mean_at_least(gap), axis=-1)
    parts[2, _P] = 1 - fa - parts[1, _P]
    parts[2, _EX] = mx - ma - parts[1, _EX]
    parts[2, _EL] = ml * (1 - fa) - parts[1, _EL]
    return parts


def _stop_before_start(x: _Law, lat: _Latency, s: float, q: Array) -> Array:
    """Orders SQEF, SQFE, SFQE for queue delays ``q > s``: the stop comes ``b = q - s`` before training."""
    b = q - s
    mx, ml = x.mean, lat.dist.mean
    parts = np.zeros((6, 4, len(q)))
    if lat.atomic:
        lv, lp = _atoms(lat.dist)
        t = lv - b[:, None]
        f, m = x.cdf(t), x.below(t)
        later = (lv >= b[:, None]).astype(float)
        parts[3, _P], parts[3, _EX], parts[3, _EL] = f @ lp, m @ lp, f @ (lp * lv)
        parts[4, _P] = (later * (1 - f)) @ lp
        parts[4, _EX] = (later * (mx - m)) @ lp
        parts[4, _EL] = (later * (1 - f)) @ (lp * lv)
        parts[5, _P] = (1 - later) @ lp
        parts[5, _EL] = (1 - later) @ (lp * lv)
    else:
        nodes, weights = x.above(np.array(-1.0))
        gap = b[:, None] + nodes
        reach = lat.at_least(gap)
        parts[3, _P] = reach @ weights
        parts[3, _EX] = reach @ (weights * nodes)
        parts[3, _EL] = lat.mean_at_least(gap) @ weights
        ab, bb = lat.at_least(b), lat.mean_at_least(b)
        parts[4, _P] = ab - parts[3, _P]
        parts[4, _EX] = mx * ab - parts[3, _EX]
        parts[4, _EL] = bb - parts[3, _EL]
        parts[5, _P], parts[5, _EL] = 1 - ab, ml - bb
    parts[5, _EX] = mx * parts[5, _P]
    return parts


@dataclass(frozen=True, slots=True)
class RaceOutcome:
    """The analytic outcome of one stop time: the probability of each path and final status, of
    entering ``STOP_REQUESTED`` from ``TRAINING`` and of losing the race, and the expected billed
    seconds per job."""

    stop_at: float
    paths: dict[str, float] = field(default_factory=dict)
    final: dict[str, float] = field(default_factory=dict)
    stop_requested: float = 0.0
    race_lost: float = 0.0
    mean_billed_seconds: float = 0.0

    @property
    def p_race_lost(self) -> float | None:
        """P(lost | entered STOP_REQUESTED from TRAINING); None where no job can enter it."""
        return self.race_lost / self.stop_requested if self.stop_requested > 1e-12 else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "stop_at": self.stop_at,
            "paths": dict(sorted(self.paths.items())),
            "final": dict(sorted(self.final.items())),
            "stop_requested": self.stop_requested,
            "race_lost": self.race_lost,
            "p_race_lost": self.p_race_lost,
            "mean_billed_seconds": self.mean_billed_seconds,
        }


def unavailable(scenario: RaceScenario) -> str | None:
    """Why the integral is not offered for ``scenario`` (None when it is)."""
    for name in ("queue_delay", "training_duration", "stop_latency", "failure_point"):
        dist: Distribution = getattr(scenario, name)
        if dist.family == "empirical" and len(_atoms(dist)[0]) > MAX_EMPIRICAL_VALUES:
            return (f"{name} {dist.spec} has {len(_atoms(dist)[0])} distinct values; the integral takes "
                    f"at most {MAX_EMPIRICAL_VALUES}")
    return None


def race_outcome(scenario: RaceScenario, stop_at: float) -> RaceOutcome:
    """Integrate the outcome of a stop sent ``stop_at`` seconds after submission; ``ValueError`` if
    :func:`unavailable` gives a reason."""
    reason = unavailable(scenario)
    if reason is not None:
        raise ValueError(f"no analytic result: {reason}")
    s = float(stop_at)
    lat = _Latency(scenario.stop_latency)
    duration = _Single(scenario.training_duration)
    pf, pw = scenario.p_failure, scenario.p_warning
    # (end trigger of sim.draws.END_TRIGGERS, its probability, the law of the time to it)
    triggers: list[tuple[int, float, _Law]] = [
        (0, (1 - pf) * (1 - pw), duration), (1, (1 - pf) * pw, duration),
    ]
    if pf:
        triggers.append((2, pf, _Product(_Single(scenario.failure_point), duration)))
    paths: dict[str, float] = {}
    billed = 0.0
    for trigger, weight, x in triggers:
        if not weight:
            continue
        moments = _order_moments(scenario.queue_delay, x, lat, s) * weight
        for order, (p, eq, ex, el) in zip(ORDERS, moments.tolist(), strict=True):
            if p <= 0:
                continue
            path, start, end, _ = class_outcome(scenario.policy, order, trigger)
            paths[path] = paths.get(path, 0.0) + p
            if start >= 0:
                time = (eq, eq + ex, s * p, s * p + el)  # E[event time; class], by event column
                billed += time[end] - time[start]
    final: dict[str, float] = {}
    for path, p in paths.items():
        status = path.rsplit(">", 1)[-1]
        final[status] = final.get(status, 0.0) + p
    flags = {path: path_flags(path) for path in paths}
    entered = sum(p for path, p in paths.items() if flags[path][0])
    lost = sum(p for path, p in paths.items() if flags[path][1])
    return RaceOutcome(s, paths, final, entered, lost, billed)


def p_race_lost(scenario: RaceScenario, stop_at: float) -> float | None:
    """P(the race is lost | the job entered STOP_REQUESTED from TRAINING); None if it cannot enter.
    ``ValueError`` where :func:`unavailable` gives a reason."""
    return race_outcome(scenario, stop_at).p_race_lost


def exponential_p_race_lost(mean_duration: float, mean_latency: float) -> float:
    """The closed form for exponential training time and stop latency: by memorylessness the remaining
    training time at the stop is exponential too, and completion wins with probability
    ``mu / (mu + lambda)`` where ``mu = 1/D`` and ``lambda = 1/L``.
    """
    mu, lam = 1 / mean_duration, 1 / mean_latency
    return mu / (mu + lam)
