"""The quadrature rules the race integral (:mod:`stoprace.sim.analytic`) is built from.

A random quantity of the race is a law: P(X <= t), E[X; X <= t], and nodes and weights for
E[g(X); X > a] and E[g(X); low < X <= high]. Over a continuous distribution the rules are Gauss-Legendre
sums in probability space (``x = F^-1(u)``), on panels that grow finer towards the tail; over a fixed
or empirical one they are exact sums over its values. A failing job's training time is a product law
(the failure point times the duration).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from .distributions import Distribution

__all__ = [
    "EVEN",
    "FAILING_ORDER",
    "MAX_EMPIRICAL_VALUES",
    "ORDER",
    "PHASE_ORDER",
    "Array",
    "Latency",
    "Law",
    "Product",
    "Single",
    "atoms",
    "gauss",
    "phase_rule",
    "queue_rule",
]

Array = npt.NDArray[np.float64]

ORDER = 12  # Gauss-Legendre nodes per panel
FAILING_ORDER = 6  # for failing jobs, whose end U * D needs a double integral (and weighs p_failure)
# Panel cuts, as fractions of a span of probability, finer towards its tail end (fraction 0).
GRADED = (0.0, 1e-10, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 0.01, 0.03, 0.1, 0.25, 0.5, 0.75, 1.0)
EVEN = (0.0, 0.25, 0.5, 0.75, 1.0)  # for a bounded family (uniform), whose tails are not thin
# Up to this many jumps of the integrand become panel cuts; beyond it (an empirical input with many
# values) each jump is small and the integrand is treated as continuous.
_MAX_BREAKS = 200
#: The most distinct values an empirical input may have for the integral (its cost grows with them).
MAX_EMPIRICAL_VALUES = 1000
PHASE_ORDER = 6  # Gauss-Legendre nodes for a continuous provisioning or finalization (smooth integrand)


@cache
def _legendre(order: int) -> tuple[Array, Array]:
    return np.polynomial.legendre.leggauss(order)


def gauss(cuts: Array, order: int = ORDER) -> tuple[Array, Array]:
    """Gauss-Legendre nodes and weights on the panels between consecutive ``cuts`` (last axis)."""
    unit_nodes, unit_weights = _legendre(order)
    left, right = cuts[..., :-1, None], cuts[..., 1:, None]
    half = (right - left) / 2
    nodes = (half * (unit_nodes + 1) + left).reshape(*cuts.shape[:-1], -1)
    weights = (half * unit_weights).reshape(*cuts.shape[:-1], -1)
    return nodes, weights


class Law:
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

    def between(self, low: Array, high: Array, order: int = ORDER) -> tuple[Array, Array]:
        """Nodes and weights as :meth:`above`, for E[g(X); low < X <= high]."""
        raise NotImplementedError


@dataclass(frozen=True)
class Single(Law):
    dist: Distribution

    def __post_init__(self) -> None:
        object.__setattr__(self, "mean", self.dist.mean)
        object.__setattr__(self, "atoms", atoms(self.dist)[0].tolist() if not self.dist.has_density else ())

    def cdf(self, t: Array) -> Array:
        return np.asarray(self.dist.cdf(t), dtype=float)

    def below(self, t: Array) -> Array:
        return np.asarray(self.dist.partial_mean(t), dtype=float)

    def above(self, a: Array, order: int = ORDER) -> tuple[Array, Array]:
        a = np.asarray(a, dtype=float)
        if not self.dist.has_density:
            values, probs = atoms(self.dist)
            nodes = np.broadcast_to(values, (*a.shape, len(values)))
            return nodes, np.where(values > a[..., None], probs, 0.0)
        frozen = self.dist._scipy()
        mass = np.where(a < 0, 1.0, frozen.sf(np.maximum(a, 0.0)))
        level, weight = gauss(np.asarray(EVEN if self.dist.family == "uniform" else GRADED), order)
        tail = mass[..., None] * level  # the probability above each node
        nodes = np.where(tail > 0, frozen.isf(tail), 0.0)
        return nodes, mass[..., None] * weight

    def between(self, low: Array, high: Array, order: int = ORDER) -> tuple[Array, Array]:
        low, high = np.broadcast_arrays(np.asarray(low, dtype=float), np.asarray(high, dtype=float))
        if not self.dist.has_density:
            values, probs = atoms(self.dist)
            inside = (values > low[..., None]) & (values <= high[..., None])
            return np.broadcast_to(values, inside.shape), np.where(inside, probs, 0.0)
        frozen = self.dist._scipy()
        level, weight = gauss(np.asarray(EVEN), order)
        # In the lower half, nodes in probability; in the upper, in tail mass (neither loses precision).
        f_low, f_high = (np.where(t < 0, 0.0, frozen.cdf(np.maximum(t, 0.0))) for t in (low, high))
        s_low, s_high = (np.where(t < 0, 1.0, frozen.sf(np.maximum(t, 0.0))) for t in (low, high))
        lower = f_high <= 0.5
        mass = np.maximum(np.where(lower, f_high - f_low, s_low - s_high), 0.0)
        with np.errstate(invalid="ignore"):
            from_cdf = frozen.ppf(np.clip(f_low[..., None] + mass[..., None] * level, 0.0, 1.0))
            from_sf = frozen.isf(np.clip(s_high[..., None] + mass[..., None] * level, 0.0, 1.0))
        nodes = np.where(lower[..., None], from_cdf, from_sf)
        return np.where(np.isfinite(nodes), nodes, 0.0), mass[..., None] * weight


@dataclass(frozen=True)
class Product(Law):
    """X = U * D for independent U (the failure point, in [0, 1]) and D (the training duration)."""

    point: Single
    duration: Single

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

    def between(self, low: Array, high: Array, order: int = FAILING_ORDER) -> tuple[Array, Array]:
        low, high = np.broadcast_arrays(np.asarray(low, dtype=float), np.asarray(high, dtype=float))
        u, w = self._rule()
        nodes, weights = self.duration.between(self._scaled(low, u), self._scaled(high, u), order)
        nodes = nodes * u[:, None]
        weights = weights * w[:, None]
        return nodes.reshape(*low.shape, -1), weights.reshape(*low.shape, -1)


@cache
def atoms(dist: Distribution) -> tuple[Array, Array]:
    """The values of a fixed or empirical distribution and their probabilities."""
    if dist.family == "fixed":
        return np.array([dist.param("value")]), np.array([1.0])
    values, counts = np.unique(np.asarray(dist.values), return_counts=True)
    return values.astype(float), counts / counts.sum()


def queue_rule(dist: Distribution, low: float, high: float, breaks: list[float]) -> tuple[Array, Array]:
    """Nodes and weights for E[g(Q); low < Q <= high] (``low`` = -1 takes in Q = 0)."""
    if not dist.has_density:
        values, probs = atoms(dist)
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
        cuts = [first + (last - first) * g for g in GRADED] + [float(prob(x)) for x in inner]
        level, weight = gauss(np.unique(np.clip(cuts, first, last)))
        nodes.append(inverse(level))
        weights.append(weight)
    if not nodes:
        return np.empty(0), np.empty(0)
    return np.concatenate(nodes), np.concatenate(weights)


@dataclass(frozen=True)
class Latency:
    """The stop latency L: P(L >= t) and E[L; L >= t], or its atoms."""

    dist: Distribution

    @property
    def atomic(self) -> bool:
        return not self.dist.has_density

    def at_least(self, t: Array) -> Array:
        return np.where(t <= 0, 1.0, self.dist.sf(np.maximum(t, 0.0)))

    def mean_at_least(self, t: Array) -> Array:
        return self.dist.mean - np.asarray(self.dist.partial_mean(np.maximum(t, 0.0)), dtype=float)


def phase_rule(dist: Distribution) -> list[tuple[float, float]]:
    """Values and weights of a provisioning or finalization duration: its atoms, or Gauss-Legendre
    nodes in tail mass (one panel for a uniform, four otherwise)."""
    if not dist.has_density:
        values, probs = atoms(dist)
        return list(zip(values.tolist(), probs.tolist(), strict=True))
    order = PHASE_ORDER if dist.family == "uniform" else PHASE_ORDER // 2
    level, weight = gauss(np.asarray((0.0, 1.0) if dist.family == "uniform" else EVEN), order)
    return list(zip(dist._scipy().isf(level).tolist(), weight.tolist(), strict=True))
