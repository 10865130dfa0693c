"""The text race by numerical integration: an independent check of both engines.

For a stop sent at ``s``, with the queue delay ``Q``, the stop latency ``L`` and the processing time
``T`` (every document's characters over the rate), a job

- meets the stop while processing when ``Q <= s < Q + T``;
- has completed when the stop takes effect when ``Q + T <= s + L`` (ties: processing wins);
- has processed, when the stop takes effect, the documents whose cumulative characters are done by then.

So with ``J(z) = P(Q <= s, L >= z + Q)`` and ``S_k`` the characters of the first ``k`` documents:
``P(met) = P(Q <= s) - E[F_T(s - Q); Q <= s]``, ``P(lost) = E[F_T(s - Q + L); Q <= s] - E[F_T(s - Q); Q <=
s]`` and ``E[documents] = E[g(s - Q + L); Q <= s]`` with ``g(x) = sum_k P(S_k <= rate * x)`` (plus every
document, or none, for a job stopped while queued, as the policy says). Sizes are fixed (``T`` is a
constant: every term reduces to ``J`` and ``F_Q``, exactly) or exponential or gamma (sums of gammas are
gammas: ``S_k ~ Gamma(k * shape, scale)``, and the expectations are Gauss-Legendre sums). The integral
takes sizes as continuous; the engines round each document up to whole characters, half a character a
document on average (a few hundredths of a second of processing at the defaults).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.special import gammainc

from stoprace.sim.distributions import Distribution
from stoprace.sim.quadrature import Single, atoms, queue_rule

from .scenario import TextScenario

__all__ = ["SIZE_FAMILIES", "TextAnalytic", "analyse", "supported"]

#: The document-size families with a closed form for the sum of sizes.
SIZE_FAMILIES = ("fixed", "exponential", "gamma")
Array = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class TextAnalytic:
    """The integral's figures for one stop time (probabilities over all jobs but ``p_race_lost``)."""

    stop_at: float
    p_met: float
    p_lost: float
    p_completed: float
    documents: float

    @property
    def p_race_lost(self) -> float | None:
        return self.p_lost / self.p_met if self.p_met > 0 else None


def supported(scenario: TextScenario) -> str | None:
    """Why the integral cannot check ``scenario`` (None when it can)."""
    if scenario.cycle is not None:
        return "the integral has no cycle (turn it off)"
    if scenario.document_size.family not in SIZE_FAMILIES:
        return f"document sizes must be {', '.join(SIZE_FAMILIES)} for the integral"
    return None


def _at_least(dist: Distribution, t: Array) -> Array:
    """P(X >= t), elementwise (an atom at t counts)."""
    if dist.has_density:
        return np.asarray(np.where(t <= 0, 1.0, dist.sf(np.maximum(t, 0.0))), dtype=float)
    values, probs = atoms(dist)
    return np.asarray(np.sum(np.where(values >= np.asarray(t)[..., None], probs, 0.0), axis=-1), dtype=float)


def _queue_nodes(scenario: TextScenario, stop: float) -> tuple[Array, Array]:
    """Nodes and weights of E[h(Q); Q <= s]."""
    return queue_rule(scenario.queue_delay, -1.0, stop, [])


def _over_latency(scenario: TextScenario, h: Any, y: Array) -> Array:
    """E_L[h(y + L)] for each y (h smooth: its nodes, or the latency's atoms)."""
    latency = scenario.stop_latency
    if latency.has_density:
        nodes, weights = Single(latency).above(np.array(-1.0))
    else:
        nodes, weights = atoms(latency)
    return np.asarray(np.sum(h(y[:, None] + nodes[None, :]) * weights[None, :], axis=1), dtype=float)


def _joint(scenario: TextScenario, stop: float, z: Array) -> Array:
    """J(z) = P(Q <= s, L >= z + Q) for each z."""
    queue, latency = scenario.queue_delay, scenario.stop_latency
    if not latency.has_density:
        values, probs = atoms(latency)
        upper = np.minimum(stop, values[None, :] - z[:, None])
        return np.asarray(
            np.sum(np.asarray(queue.cdf(upper), dtype=float) * probs[None, :], axis=1), dtype=float
        )
    q, w = _queue_nodes(scenario, stop)
    return np.asarray(np.sum(_at_least(latency, z[:, None] + q[None, :]) * w[None, :], axis=1), dtype=float)


def analyse(scenario: TextScenario, stop: float) -> TextAnalytic:
    """The integral's figures for a stop sent at ``stop``; ``ValueError`` where it has none."""
    reason = supported(scenario)
    if reason is not None:
        raise ValueError(reason)
    n, rate, size = scenario.documents, scenario.rate, scenario.document_size
    queued = float(1.0 - scenario.queue_delay.cdf(stop))  # still SUBMITTED when the stop comes
    if size.family == "fixed":
        chars = max(math.ceil(size.param("value")), 1)
        whole = n * chars / rate
        done_by_stop = float(scenario.queue_delay.cdf(stop - whole))
        done_by_effect = float(_joint(scenario, stop, np.array([whole - stop]))[0])
        documents = float(np.sum(_joint(scenario, stop, np.arange(1, n + 1) * chars / rate - stop)))
    else:
        shape = size.param("shape") if size.family == "gamma" else 1.0
        scale = size.param("scale") if size.family == "gamma" else size.param("mean")

        def f_t(x: Array) -> Array:
            return np.asarray(
                np.where(x > 0, gammainc(n * shape, np.maximum(x, 0.0) * rate / scale), 0.0), dtype=float
            )

        grid = np.linspace(0.0, 1.0, 4097) ** 2 * (n * shape * scale / rate) * 4  # to far past the mean T
        ks = np.arange(1, n + 1)[None, :] * shape
        table = np.concatenate(
            [np.sum(gammainc(ks, part[:, None] * rate / scale), axis=1) for part in np.array_split(grid, 16)]
        )

        def g(x: Array) -> Array:
            return np.asarray(np.interp(np.maximum(x, 0.0), grid, table, right=float(n)), dtype=float)

        q, w = _queue_nodes(scenario, stop)
        y = stop - q
        done_by_stop = float(np.sum(f_t(y) * w))
        done_by_effect = float(np.sum(_over_latency(scenario, f_t, y) * w))
        documents = float(np.sum(_over_latency(scenario, g, y) * w))
    rejected = scenario.policy.stop_when_submitted == "reject"
    return TextAnalytic(
        stop_at=stop,
        p_met=1.0 - queued - done_by_stop,
        p_lost=done_by_effect - done_by_stop,
        p_completed=done_by_effect + (queued if rejected else 0.0),
        documents=documents + (queued * n if rejected else 0.0),
    )
