"""Race outcomes by numerical integration, to validate both engines.

A job's outcome depends only on the order of its six events (see :mod:`stoprace.sim.draws` and its tie rule)
and on the trigger that ends its training. Its four training events come at ``T0 = Q`` (training
starts), ``T1 = Q + P`` (billed training begins after the provisioning ``P``), ``T2 = T1 + X`` (billed
training ends) and ``T3 = T2 + Z`` (the job ends after the finalization ``Z``); the stop comes at ``s``
and takes effect at ``s + L``. So the order is fixed by how many training events come before the stop
(``a``) and before its effect (``b >= a``): 15 classes ``(a, b)``:

=========  ==================================  ====================================================
``a``      the stop comes                      the effect comes, by ``b``
=========  ==================================  ====================================================
4          after the job ended                 (after it too)
3          during finalization                 3: before the job ends; 4: after
2          during billed training              2: before billing ends; 3: during finalization; 4: after
1          during provisioning                 1: before billing begins; then as for ``a = 2``
0          before training starts              0: before training starts; 1: during provisioning; ...
=========  ==================================  ====================================================

For each class and end trigger (completion, completion with warnings, failure with ``X = U * D``) this
module integrates the probability and the partial means ``E[Q; .]``, ``E[X; .]``, ``E[L; .]`` (and
``E[P; .]``, ``E[Z; .]``), then asks the model (:func:`stoprace.sim.draws.class_outcome`, the same call the
numpy engine makes) which path each class takes and which events bound its training. So the
probability of every path and final status and the expected billed seconds come out for any policy,
and the simulator still holds no lifecycle rules.

Integrals over a continuous distribution are Gauss-Legendre sums in probability space (``x = F^-1(u)``)
on panels that grow finer towards the tail, with the breaks where the integrand jumps; over a fixed or
empirical distribution they are exact sums; the partial means of the stop latency and the training
time are closed forms (:meth:`stoprace.sim.distributions.Distribution.partial_mean`). The provisioning and
finalization are outer sums: exact over their values when fixed or empirical, otherwise a few
Gauss-Legendre nodes (6 for a uniform, 12 for another family), each costing a whole integral, over an
integrand that is smooth unless the queue, training and latency all have atoms.

>>> from stoprace.sim.scenario import RaceScenario
>>> scenario = RaceScenario(queue_delay="fixed:0", training_duration="exponential:mean=3600",
...                         stop_latency="exponential:mean=600", finalization="fixed:0",
...                         p_warning=0, p_failure=0)
>>> round(p_race_lost(scenario, 1800.0), 6) == round(600 / (600 + 3600), 6)
True
>>> outcome = race_outcome(scenario, 1800.0)
>>> sorted(outcome.final), round(sum(outcome.final.values()), 12)
(['STOPPED', 'TRAINED'], 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .distributions import Distribution
from .draws import class_order, class_outcome
from .outcome import path_flags
from .quadrature import (
    MAX_EMPIRICAL_VALUES,
    Array,
    Latency,
    Law,
    Product,
    Single,
    atoms,
    phase_rule,
    queue_rule,
)
from .scenario import JOB_DISTRIBUTIONS, RaceScenario

__all__ = [
    "CLASSES",
    "MAX_EMPIRICAL_VALUES",
    "RaceOutcome",
    "exponential_p_race_lost",
    "p_race_lost",
    "race_outcome",
    "unavailable",
]

#: The classes of a job's order of events: ``(a, b)``, how many of its four training events come before
#: the stop and before the stop's effect (see :func:`stoprace.sim.draws.class_order`), in integration order.
CLASSES = tuple((a, b) for a in range(4, -1, -1) for b in range(4, a - 1, -1))
_INDEX = {cls: i for i, cls in enumerate(CLASSES)}
_P, _EQ, _EX, _EL = range(4)  # the moments integrated per class: P, E[Q; .], E[X; .], E[L; .]
_CHUNK = 32  # queue nodes integrated at a time (bounds memory for an empirical input with many values)


def _order_moments(q_law: Distribution, x: Law, lat: Latency, s: float, *, p: float, z: float) -> Array:
    """The moments (P, E[Q; .], E[X; .], E[L; .]) of every class, shape ``(len(CLASSES), 4)``, for a
    provisioning of ``p`` and a finalization of ``z`` seconds."""
    breaks = [s - p - v for v in x.atoms] + [s - p - z - v for v in x.atoms if z]
    if lat.atomic:
        l_atoms = atoms(lat.dist)[0].tolist()
        breaks += [s + v for v in l_atoms] + [s - p + v - w for v in l_atoms for w in x.atoms]
        breaks += [s + v - p for v in l_atoms if p]
        breaks += [s - p - z + v - w for v in l_atoms for w in x.atoms if z]
    out = np.zeros((len(CLASSES), 4))
    for low, high, moments in (
        (-1.0, s - p, _stop_in_training),
        (s - p, s, _stop_in_provisioning),
        (s, np.inf, _stop_before_start),
    ):
        q, wq = queue_rule(q_law, low, high, breaks)
        for i in range(0, len(q), _CHUNK):
            chunk = q[i : i + _CHUNK]
            parts = moments(x, lat, s - chunk, p, z)
            parts[:, _EQ] = parts[:, _P] * chunk
            out += parts @ wq[i : i + _CHUNK]
    return out


def _stop_in_training(x: Law, lat: Latency, before: Array, p: float, z: float) -> Array:
    """Classes (4, 4) to (2, 2), for queue delays ``q <= s - p``: the stop comes ``c = s - q - p`` after
    billed training began (``before = s - q``)."""
    c = before - p
    mx, ml = x.mean, lat.dist.mean
    parts = np.zeros((len(CLASSES), 4, len(c)))
    i44, i34, i33, i24, i23, i22 = (_INDEX[k] for k in ((4, 4), (3, 4), (3, 3), (2, 4), (2, 3), (2, 2)))
    done, done_mean = x.cdf(c - z), x.below(c - z)  # X + z <= c: the job ended before the stop
    fa, ma = x.cdf(c), x.below(c)  # X <= c: billed training ended before the stop
    parts[i44, _P], parts[i44, _EX], parts[i44, _EL] = done, done_mean, ml * done
    if lat.atomic:
        lv, lp = atoms(lat.dist)
        f4, m4 = x.cdf(c[:, None] + lv - z), x.below(c[:, None] + lv - z)  # the job ends before the effect
        parts[i24, _P] = (np.maximum(f4, fa[:, None]) - fa[:, None]) @ lp
        parts[i24, _EX] = (np.maximum(m4, ma[:, None]) - ma[:, None]) @ lp
        parts[i24, _EL] = (np.maximum(f4, fa[:, None]) - fa[:, None]) @ (lp * lv)
        if z:
            f3, m3 = x.cdf(c[:, None] + lv), x.below(c[:, None] + lv)  # billing ends before the effect
            parts[i23, _P] = (f3 - np.maximum(f4, fa[:, None])) @ lp
            parts[i23, _EX] = (m3 - np.maximum(m4, ma[:, None])) @ lp
            parts[i23, _EL] = (f3 - np.maximum(f4, fa[:, None])) @ (lp * lv)
            lo = np.minimum(f4, fa[:, None])  # in finalization at the stop, and ended before the effect
            parts[i34, _P] = (lo - done[:, None]) @ lp
            parts[i34, _EX] = (np.minimum(m4, ma[:, None]) - done_mean[:, None]) @ lp
            parts[i34, _EL] = (lo - done[:, None]) @ (lp * lv)
    else:
        nodes, weights = x.above(c)
        gap = nodes - c[:, None]  # from the stop to the end of billed training
        reach = lat.at_least(gap + z)
        parts[i24, _P] = np.sum(weights * reach, axis=-1)
        parts[i24, _EX] = np.sum(weights * nodes * reach, axis=-1)
        parts[i24, _EL] = np.sum(weights * lat.mean_at_least(gap + z), axis=-1)
        if z:
            between = lat.at_least(gap) - reach
            parts[i23, _P] = np.sum(weights * between, axis=-1)
            parts[i23, _EX] = np.sum(weights * nodes * between, axis=-1)
            parts[i23, _EL] = np.sum(weights * (lat.mean_at_least(gap) - lat.mean_at_least(gap + z)), axis=-1)
            nodes, weights = x.between(c - z, c)
            gap = nodes + z - c[:, None]  # from the stop to the job's end
            reach = lat.at_least(gap)
            parts[i34, _P] = np.sum(weights * reach, axis=-1)
            parts[i34, _EX] = np.sum(weights * nodes * reach, axis=-1)
            parts[i34, _EL] = np.sum(weights * lat.mean_at_least(gap), axis=-1)
    parts[i33, _P] = fa - done - parts[i34, _P]
    parts[i33, _EX] = ma - done_mean - parts[i34, _EX]
    parts[i33, _EL] = ml * (fa - done) - parts[i34, _EL]
    parts[i22, _P] = 1 - fa - parts[i24, _P] - parts[i23, _P]
    parts[i22, _EX] = mx - ma - parts[i24, _EX] - parts[i23, _EX]
    parts[i22, _EL] = ml * (1 - fa) - parts[i24, _EL] - parts[i23, _EL]
    return parts


def _after_billing_start(x: Law, lat: Latency, gap: Array, z: float, *, parts: Array, a: int) -> None:
    """Classes (a, 4) to (a, 2) of a stop sent ``gap`` before billed training begins: its effect comes
    after the job's end, after billing ends, or after billing begins."""
    i4, i3, i2 = (_INDEX[a, b] for b in (4, 3, 2))
    mx = x.mean
    if lat.atomic:
        lv, lp = atoms(lat.dist)
        t = lv - gap[:, None]  # how much training the effect leaves room for
        f3, m3 = x.cdf(t - z), x.below(t - z)
        later = (lv >= gap[:, None]).astype(float)
        parts[i4, _P], parts[i4, _EX], parts[i4, _EL] = f3 @ lp, m3 @ lp, f3 @ (lp * lv)
        f2, m2 = (x.cdf(t), x.below(t)) if z else (f3, m3)
        if z:
            parts[i3, _P], parts[i3, _EX] = (f2 - f3) @ lp, (m2 - m3) @ lp
            parts[i3, _EL] = (f2 - f3) @ (lp * lv)
        parts[i2, _P] = (later * (1 - f2)) @ lp
        parts[i2, _EX] = (later * (mx - m2)) @ lp
        parts[i2, _EL] = (later * (1 - f2)) @ (lp * lv)
        return
    nodes, weights = x.above(np.array(-1.0))
    to_end = gap[:, None] + nodes  # from the stop to the end of billed training
    reach = lat.at_least(to_end + z)
    parts[i4, _P] = reach @ weights
    parts[i4, _EX] = reach @ (weights * nodes)
    parts[i4, _EL] = lat.mean_at_least(to_end + z) @ weights
    if z:
        between = lat.at_least(to_end) - reach
        parts[i3, _P] = between @ weights
        parts[i3, _EX] = between @ (weights * nodes)
        parts[i3, _EL] = (lat.mean_at_least(to_end) - lat.mean_at_least(to_end + z)) @ weights
    ab, bb = lat.at_least(gap), lat.mean_at_least(gap)
    parts[i2, _P] = ab - parts[i4, _P] - parts[i3, _P]
    parts[i2, _EX] = mx * ab - parts[i4, _EX] - parts[i3, _EX]
    parts[i2, _EL] = bb - parts[i4, _EL] - parts[i3, _EL]


def _stop_in_provisioning(x: Law, lat: Latency, before: Array, p: float, z: float) -> Array:
    """Classes (1, 4) to (1, 1), for queue delays ``s - p < q <= s``: the stop comes while the job
    provisions, ``p - before`` before billed training begins."""
    gap = p - before
    parts = np.zeros((len(CLASSES), 4, len(gap)))
    _after_billing_start(x, lat, gap, z, parts=parts, a=1)
    i11 = _INDEX[1, 1]
    if lat.atomic:
        lv, lp = atoms(lat.dist)
        sooner = 1 - (lv >= gap[:, None]).astype(float)
        parts[i11, _P], parts[i11, _EL] = sooner @ lp, sooner @ (lp * lv)
    else:
        parts[i11, _P], parts[i11, _EL] = 1 - lat.at_least(gap), lat.dist.mean - lat.mean_at_least(gap)
    parts[i11, _EX] = x.mean * parts[i11, _P]
    return parts


def _stop_before_start(x: Law, lat: Latency, before: Array, p: float, z: float) -> Array:
    """Classes (0, 4) to (0, 0), for queue delays ``q > s``: the stop comes ``b = q - s`` before
    training starts (``before = s - q``)."""
    b = -before
    ml = lat.dist.mean
    parts = np.zeros((len(CLASSES), 4, len(b)))
    _after_billing_start(x, lat, b + p, z, parts=parts, a=0)
    i01, i00 = _INDEX[0, 1], _INDEX[0, 0]
    if lat.atomic:
        lv, lp = atoms(lat.dist)
        later = (lv >= b[:, None]).astype(float)
        parts[i00, _P], parts[i00, _EL] = (1 - later) @ lp, (1 - later) @ (lp * lv)
        if p:
            provisioning = later - (lv >= b[:, None] + p).astype(float)
            parts[i01, _P], parts[i01, _EL] = provisioning @ lp, provisioning @ (lp * lv)
    else:
        ab, bb = lat.at_least(b), lat.mean_at_least(b)
        parts[i00, _P], parts[i00, _EL] = 1 - ab, ml - bb
        if p:
            parts[i01, _P], parts[i01, _EL] = ab - lat.at_least(b + p), bb - lat.mean_at_least(b + p)
    parts[i00, _EX] = x.mean * parts[i00, _P]
    parts[i01, _EX] = x.mean * parts[i01, _P]
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
    if scenario.provisioning.has_density and scenario.finalization.has_density:
        return (
            f"provisioning and finalization are both continuous ({scenario.provisioning.spec}, "
            f"{scenario.finalization.spec}): the integral would cost 36 to 144 times as much; make one "
            "of them fixed"
        )
    for name in (*JOB_DISTRIBUTIONS, "stop_latency"):
        dist: Distribution = getattr(scenario, name)
        if dist.family == "empirical" and len(atoms(dist)[0]) > MAX_EMPIRICAL_VALUES:
            return (
                f"{name} {dist.spec} has {len(atoms(dist)[0])} distinct values; the integral takes "
                f"at most {MAX_EMPIRICAL_VALUES}"
            )
    return None


def race_outcome(scenario: RaceScenario, stop_at: float) -> RaceOutcome:
    """Integrate the outcome of a stop sent ``stop_at`` seconds after submission; ``ValueError`` if
    :func:`unavailable` gives a reason."""
    reason = unavailable(scenario)
    if reason is not None:
        raise ValueError(f"no analytic result: {reason}")
    s = float(stop_at)
    lat = Latency(scenario.stop_latency)
    duration = Single(scenario.training_duration)
    pf, pw = scenario.p_failure, scenario.p_warning
    # (end trigger of stoprace.sim.draws.END_TRIGGERS, its probability, the law of the time to it)
    triggers: list[tuple[int, float, Law]] = [
        (0, (1 - pf) * (1 - pw), duration),
        (1, (1 - pf) * pw, duration),
    ]
    if pf:
        triggers.append((2, pf, Product(Single(scenario.failure_point), duration)))
    paths: dict[str, float] = {}
    billed = 0.0
    phases = [
        (p, z, wp * wz)
        for p, wp in phase_rule(scenario.provisioning)
        for z, wz in phase_rule(scenario.finalization)
    ]
    for trigger, weight, x in triggers:
        if not weight:
            continue
        moments = np.zeros((len(CLASSES), 6))  # P, E[Q], E[X], E[L], E[P], E[Z] of each class
        for p, z, w in phases:
            part = _order_moments(scenario.queue_delay, x, lat, s, p=p, z=z) * (weight * w)
            moments[:, :4] += part
            moments[:, 4] += p * part[:, _P]
            moments[:, 5] += z * part[:, _P]
        for cls, (prob, eq, ex, el, ep, ez) in zip(CLASSES, moments.tolist(), strict=True):
            if prob <= 0:
                continue
            path, start, end, _ = class_outcome(scenario.policy, class_order(*cls), trigger)
            paths[path] = paths.get(path, 0.0) + prob
            if start >= 0:
                began = eq + ep
                # E[event time; class], by event column of stoprace.sim.draws.EVENTS
                time = (eq, began, began + ex, began + ex + ez, s * prob, s * prob + el)
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
