"""Distributions fitted to censored samples: maximum likelihood with censoring (scipy's ``CensoredData``,
so the right-censored values enter through the survival function), ranked by AIC, with the Kaplan-Meier
estimate beside them.

scipy rather than lifelines: scipy is already a dependency, its ``fit`` takes censored data for every
continuous family, and ``scipy.stats.ecdf`` gives the Kaplan-Meier estimate with its confidence band;
lifelines would add a dependency for the same four families.

>>> import numpy as np
>>> rng = np.random.default_rng(1)
>>> truth = rng.exponential(300.0, 2000)
>>> limit = rng.uniform(0, 600, 2000)  # each value seen only up to its limit
>>> exact, censored = truth[truth <= limit], limit[truth > limit]
>>> best = fit_sample(exact, censored).chosen
>>> best.family, 280 < best.mean < 320
('exponential', True)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from stoprace.sim.distributions import scipy_family, scipy_form

__all__ = ["FAMILIES", "Fit", "QuantityFit", "bootstrap", "fit_sample", "frozen", "percentile_interval"]

FloatArray = npt.NDArray[np.float64]


def _exponential(params: tuple[float, ...]) -> tuple[str, dict[str, float]]:
    return f"exponential:mean={params[-1]:.6g}", {"mean": params[-1]}


def _lognormal(params: tuple[float, ...]) -> tuple[str, dict[str, float]]:
    sigma, median = params[0], params[-1]
    return f"lognormal:median={median:.6g},sigma={sigma:.6g}", {"median": median, "sigma": sigma}


def _shape_scale(family: str) -> Any:
    def spec(params: tuple[float, ...]) -> tuple[str, dict[str, float]]:
        shape, scale = params[0], params[-1]
        return f"{family}:shape={shape:.6g},scale={scale:.6g}", {"shape": shape, "scale": scale}

    return spec


#: family -> (scipy distribution, number of free parameters, the spec and parameters of a fit)
FAMILIES: dict[str, tuple[Any, int, Any]] = {
    "exponential": (scipy_family("exponential"), 1, _exponential),
    "lognormal": (scipy_family("lognormal"), 2, _lognormal),
    "gamma": (scipy_family("gamma"), 2, _shape_scale("gamma")),
    "weibull": (scipy_family("weibull"), 2, _shape_scale("weibull")),
}


@dataclass(frozen=True, slots=True)
class Fit:
    """One family fitted: its spec (as ``stoprace.sim.distributions`` reads it), parameters, log-likelihood,
    AIC, median and mean."""

    family: str
    spec: str
    parameters: dict[str, float]
    log_likelihood: float
    aic: float
    median: float
    mean: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "spec": self.spec,
            "parameters": self.parameters,
            "log_likelihood": self.log_likelihood,
            "aic": self.aic,
            "median": self.median,
            "mean": self.mean,
        }


@dataclass(frozen=True, slots=True)
class QuantityFit:
    """Every family fitted to one sample, best (lowest AIC) first, and the Kaplan-Meier survival curve
    (times, survival, 95% band) where the sample has exact values."""

    n: int
    censored: int
    families: tuple[Fit, ...]
    kaplan_meier: dict[str, list[float]] | None

    @property
    def chosen(self) -> Fit:
        return self.families[0]


def fit_sample(exact: FloatArray, censored: FloatArray) -> QuantityFit:
    """Fit every family to exact and right-censored values (all >= 0, at least one exact)."""
    if not len(exact):
        raise ValueError("no exact value: the sample bounds the quantity from below only")
    if np.any(exact < 0) or np.any(censored < 0) or not np.all(np.isfinite(np.r_[exact, censored])):
        raise ValueError("durations must be finite and >= 0")
    if not len(censored) and np.all(exact == exact[0]):
        value = float(exact[0])
        fixed = Fit("fixed", f"fixed:{value:.6g}", {"value": value}, 0.0, 0.0, value, value)
        return QuantityFit(len(exact), 0, (fixed,), None)
    positive = np.maximum(exact, 1e-9)  # a zero has no density in these families: a nanosecond instead
    data = stats.CensoredData(uncensored=positive, right=np.maximum(censored, 1e-9))
    fits = [_fit(family, data, positive, censored) for family in FAMILIES]
    ranked = tuple(sorted((f for f in fits if f is not None), key=lambda f: f.aic))
    if not ranked:
        raise ValueError("no family could be fitted")
    return QuantityFit(len(exact) + len(censored), len(censored), ranked, _kaplan_meier(data))


def _fit(
    family: str, data: Any, exact: FloatArray, censored: FloatArray, start: Fit | None = None
) -> Fit | None:
    """Fit ``family``, from ``start``'s parameters when given (a bootstrap's refits start at the fit)."""
    dist, k, describe = FAMILIES[family]
    guesses: tuple[float, ...] = ()
    keywords: dict[str, float] = {}
    if start is not None:
        p = start.parameters
        shape = {"lognormal": "sigma", "gamma": "shape", "weibull": "shape"}.get(family)
        guesses = (p[shape],) if shape else ()
        keywords = {"scale": p.get("scale", p.get("median", p.get("mean", 1.0)))}
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            params = dist.fit(data, *guesses, floc=0, **keywords)
        except (ValueError, RuntimeError, FloatingPointError):
            return None
        frozen = dist(*params)
        log_likelihood = float(frozen.logpdf(exact).sum() + frozen.logsf(censored).sum())
        median, mean = float(frozen.median()), float(frozen.mean())
    if not all(math.isfinite(x) for x in (log_likelihood, median, mean)):
        return None
    spec, parameters = describe(tuple(float(p) for p in params))
    return Fit(family, spec, parameters, log_likelihood, 2 * k - 2 * log_likelihood, median, mean)


def _kaplan_meier(data: Any) -> dict[str, list[float]]:
    result = stats.ecdf(data)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        band = result.sf.confidence_interval(confidence_level=0.95)
    survival = result.sf.probabilities
    # Where the band is undefined (no one left at risk) it collapses onto the estimate.
    low = np.where(np.isnan(band.low.probabilities), survival, band.low.probabilities)
    high = np.where(np.isnan(band.high.probabilities), survival, band.high.probabilities)
    return {
        "time": result.sf.quantiles.tolist(),
        "survival": survival.tolist(),
        "low": low.tolist(),
        "high": high.tolist(),
    }


def bootstrap(
    exact: FloatArray,
    censored: FloatArray,
    chosen: Fit,
    replicates: int,
    rng: np.random.Generator,
    *,
    tick: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """A parametric bootstrap of ``chosen``: ``replicates`` samples drawn from it, censored as the data
    were (censoring times from the reverse Kaplan-Meier estimate: the censored values are its events),
    each refitted in the same family. Returns the 95% percentile intervals of the parameters, the median
    and the mean, and each replicate's spec (for ``stoprace race --fit-uncertainty``). ``tick()`` is
    called after each replicate."""
    if chosen.family == "fixed":
        value = chosen.parameters["value"]
        # Every value the same: nothing to resample.
        if tick is not None:
            for _ in range(replicates):
                tick()
        return {
            "replicates": 1,
            "intervals": {"value": [value, value], "median": [value, value], "mean": [value, value]},
            "specs": [chosen.spec],
        }
    fitted = frozen(chosen.family, chosen.parameters)
    limits = _censoring_sampler(exact, censored)
    size = len(exact) + len(censored)
    found: dict[str, list[float]] = {}
    specs = []
    for _ in range(replicates):
        values = fitted.rvs(size, random_state=rng)
        limit = limits(rng, size)
        seen = values <= limit
        refit = _fit(
            chosen.family,
            stats.CensoredData(
                uncensored=np.maximum(values[seen], 1e-9), right=np.maximum(limit[~seen], 1e-9)
            ),
            values[seen],
            limit[~seen],
            start=chosen,
        )
        if refit is not None:
            specs.append(refit.spec)
            for name, value in (*refit.parameters.items(), ("median", refit.median), ("mean", refit.mean)):
                found.setdefault(name, []).append(value)
        if tick is not None:
            tick()
    intervals = {name: list(percentile_interval(values)) for name, values in found.items()}
    return {"replicates": len(specs), "intervals": intervals, "specs": specs}


def percentile_interval(values: Any, level: float = 0.95) -> tuple[float, float]:
    """The bootstrap percentile interval of ``values``: the order statistics at ``(B + 1) * (1 - level)
    / 2`` and ``(B + 1) * (1 + level) / 2`` of ``B`` values (interpolated), whose expected coverage is
    ``level`` whatever ``B``. numpy's default positions, ``(B - 1) * p``, fall inside them and cover
    less: 94.1% for a 95% interval from 200 replicates (measured on an exponential mean)."""
    tail = 50 * (1 - level)
    low, high = np.percentile(values, [tail, 100 - tail], method="weibull")
    return float(low), float(high)


def frozen(family: str, parameters: dict[str, float]) -> Any:
    """The scipy distribution of a fitted ``family`` with the ``parameters`` a :class:`Fit` reports."""
    return scipy_form(family, parameters)


def _censoring_sampler(exact: FloatArray, censored: FloatArray) -> Any:
    """Draws of censoring times like the data's: the reverse Kaplan-Meier estimate (a censored value is
    an observed censoring time; an exact one, a censoring time known to be later); beyond its last step,
    no censoring."""
    if not len(censored):
        return lambda _rng, size: np.full(size, np.inf)
    reverse = stats.ecdf(stats.CensoredData(uncensored=censored, right=exact)).cdf
    times, levels = reverse.quantiles, reverse.probabilities

    def draw(rng: np.random.Generator, size: int) -> FloatArray:
        u = rng.random(size)
        at = np.searchsorted(levels, u, side="left")
        return np.where(at < len(times), times[np.minimum(at, len(times) - 1)], np.inf)

    return draw
