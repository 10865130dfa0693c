"""Named distributions of durations, parsed from short specs.

A spec is ``FAMILY:VALUE`` or ``FAMILY:NAME=VALUE,NAME=VALUE``; every value is in seconds:

=========================================  ===========================================================
``fixed:600``                              always 600 (``fixed:0`` is allowed: no delay)
``exponential:mean=300``                   exponential with that mean
``lognormal:median=3600,sigma=0.5``        log-normal: median, and the standard deviation of the log
``gamma:shape=2,scale=1800``               gamma with that shape and scale (mean = shape * scale)
``uniform:low=0,high=600``                 uniform on [low, high)
``weibull:shape=1.5,scale=3600``           Weibull with that shape and scale
``empirical:FILE``                         resampled from FILE: one non-negative number per line
=========================================  ===========================================================

Every distribution samples from a numpy ``Generator`` that the caller passes in, and exposes its CDF
and survival function; those with a density expose it too (``has_density``).

>>> import numpy as np
>>> d = parse_distribution("exponential:mean=300")
>>> d.mean, round(float(d.cdf(300.0)), 4)
(300.0, 0.6321)
>>> d.sample(np.random.default_rng(1), 3).round(1).tolist()
[321.9, 92.5, 1612.6]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .files import read_limited

__all__ = ["FORMS", "Distribution", "parse_distribution", "scipy_family", "scipy_form"]

FloatArray = npt.NDArray[np.float64]

#: Every accepted form, for error messages and help texts.
FORMS = (
    "fixed:SECONDS",
    "exponential:mean=M",
    "lognormal:median=M,sigma=S",
    "gamma:shape=K,scale=T",
    "uniform:low=A,high=B",
    "weibull:shape=K,scale=L",
    "empirical:FILE",
)

# family -> (its parameters in order, which of them must be > 0 rather than >= 0)
_FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fixed": (("value",), ()),
    "exponential": (("mean",), ("mean",)),
    "lognormal": (("median", "sigma"), ("median", "sigma")),
    "gamma": (("shape", "scale"), ("shape", "scale")),
    "uniform": (("low", "high"), ()),
    "weibull": (("shape", "scale"), ("shape", "scale")),
}


def _fail(spec: str, problem: str) -> ValueError:
    return ValueError(f"distribution {spec!r}: {problem}; accepted forms: {', '.join(FORMS)}")


@dataclass(frozen=True, slots=True)
class Distribution:
    """A parsed distribution of non-negative durations (seconds)."""

    family: str
    params: tuple[tuple[str, float], ...]
    spec: str
    values: tuple[float, ...] = field(default=(), repr=False)  # the samples of an empirical one

    def __str__(self) -> str:
        return self.spec

    def param(self, name: str) -> float:
        """The value of parameter ``name``."""
        return dict(self.params)[name]

    @property
    def has_density(self) -> bool:
        """Whether the distribution is continuous (so it has a PDF for the analytic checks)."""
        return self.family not in ("fixed", "empirical")

    @property
    def upper(self) -> float:
        """The largest value the distribution can take (infinite for unbounded families)."""
        if self.family == "fixed":
            return self.param("value")
        if self.family == "uniform":
            return self.param("high")
        if self.family == "empirical":
            return max(self.values)
        return math.inf

    @property
    def mean(self) -> float:
        if self.family == "fixed":
            return self.param("value")
        if self.family == "empirical":
            return float(np.mean(self.values))
        return _scipy_mean(self)

    def sample(self, rng: np.random.Generator, size: int) -> FloatArray:
        """``size`` independent draws from ``rng``."""
        p = dict(self.params)
        match self.family:
            case "fixed":
                return np.full(size, p["value"])
            case "exponential":
                return rng.exponential(p["mean"], size)
            case "lognormal":
                return rng.lognormal(math.log(p["median"]), p["sigma"], size)
            case "gamma":
                return rng.gamma(p["shape"], p["scale"], size)
            case "uniform":
                return rng.uniform(p["low"], p["high"], size)
            case "weibull":
                return p["scale"] * rng.weibull(p["shape"], size)
            case _:
                return rng.choice(np.asarray(self.values), size)

    def cdf(self, x: Any) -> Any:
        """P(X <= x)."""
        if self.family == "fixed":
            return np.where(np.asarray(x) >= self.param("value"), 1.0, 0.0)
        if self.family == "empirical":
            ordered = np.sort(np.asarray(self.values))
            return np.searchsorted(ordered, np.asarray(x), side="right") / len(ordered)
        return self._scipy().cdf(x)

    def sf(self, x: Any) -> Any:
        """P(X > x)."""
        if self.has_density:
            return self._scipy().sf(x)
        return 1.0 - self.cdf(x)

    def partial_mean(self, t: Any) -> Any:
        """E[X; X <= t], the part of the mean below ``t`` (elementwise; closed forms throughout).

        >>> d = parse_distribution("exponential:mean=300")
        >>> float(d.partial_mean(float("inf"))), float(d.partial_mean(0.0))
        (300.0, 0.0)
        """
        t = np.asarray(t, dtype=float)
        top = np.isposinf(t)
        x = np.where(top | (t < 0), 0.0, t)
        p = dict(self.params)
        match self.family:
            case "fixed":
                part = np.where(x >= p["value"], p["value"], 0.0)
            case "empirical":
                ordered = np.sort(np.asarray(self.values))
                sums = np.concatenate(([0.0], np.cumsum(ordered)))
                part = sums[np.searchsorted(ordered, x, side="right")] / len(ordered)
            case "exponential":
                m = p["mean"]
                part = m * -np.expm1(-x / m) - x * np.exp(-x / m)
            case "lognormal":
                from scipy.special import ndtr  # noqa: PLC0415

                mu, s = math.log(p["median"]), p["sigma"]
                with np.errstate(divide="ignore"):
                    part = self.mean * ndtr((np.log(x) - mu - s * s) / s)
            case "gamma":
                from scipy.special import gammainc  # noqa: PLC0415

                part = self.mean * gammainc(p["shape"] + 1, x / p["scale"])
            case "uniform":
                low, high = p["low"], p["high"]
                inside = np.clip(x, low, high)
                part = (inside * inside - low * low) / (2 * (high - low))
            case _:  # weibull
                from scipy.special import gammainc  # noqa: PLC0415

                k, scale = p["shape"], p["scale"]
                part = self.mean * gammainc(1 + 1 / k, (x / scale) ** k)
        part = np.where(top, self.mean, np.where(t < 0, 0.0, part))
        return part if part.ndim else float(part)

    def pdf(self, x: Any) -> Any:
        """The density at ``x``; only for distributions with one (see ``has_density``)."""
        if not self.has_density:
            raise ValueError(f"{self.spec} has no density (it is {self.family})")
        return self._scipy().pdf(x)

    def _scipy(self) -> Any:
        return _frozen_scipy(self)


@cache
def _scipy_mean(dist: Distribution) -> float:
    """The mean of a distribution with a density, computed once (scipy's takes tens of microseconds, and
    the analytic side asks for it at every quadrature node)."""
    return float(dist._scipy().mean())


#: Each family with a density as scipy has it: the name of scipy's distribution, and its arguments from
#: the family's parameters. The one translation between the two, for the integrals and for the fits.
_SCIPY: dict[str, tuple[str, Callable[[Mapping[str, float]], dict[str, float]]]] = {
    "exponential": ("expon", lambda p: {"scale": p["mean"]}),
    "lognormal": ("lognorm", lambda p: {"s": p["sigma"], "scale": p["median"]}),
    "gamma": ("gamma", lambda p: {"a": p["shape"], "scale": p["scale"]}),
    "uniform": ("uniform", lambda p: {"loc": p["low"], "scale": p["high"] - p["low"]}),
    "weibull": ("weibull_min", lambda p: {"c": p["shape"], "scale": p["scale"]}),
}


def scipy_family(family: str) -> Any:
    """scipy's distribution (not frozen) for ``family``; a ``ValueError`` for one without a density.

    >>> scipy_family("weibull").name
    'weibull_min'
    """
    from scipy import stats  # noqa: PLC0415 - slow to import; only the analytic side and fits need it

    if family not in _SCIPY:
        raise ValueError(f"{family} has no scipy form; families with one: {', '.join(_SCIPY)}")
    return getattr(stats, _SCIPY[family][0])


def scipy_form(family: str, params: Mapping[str, float]) -> Any:
    """The scipy frozen distribution of ``family`` with ``params`` named as in a spec.

    >>> round(float(scipy_form("exponential", {"mean": 60.0}).mean()), 6)
    60.0
    """
    return scipy_family(family)(**_SCIPY[family][1](params))


@cache
def _frozen_scipy(dist: Distribution) -> Any:
    """The scipy frozen distribution of ``dist``, made once (making one costs more than using it)."""
    return scipy_form(dist.family, dict(dist.params))


def _number(spec: str, name: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _fail(spec, f"{name}={text!r} is not a number") from None
    if math.isnan(value) or math.isinf(value):
        raise _fail(spec, f"{name} must be finite, got {text}")
    return value


#: An empirical distribution's file is refused beyond this size (a million samples fit in a few MB).
MAX_EMPIRICAL_BYTES = 64 << 20


def _empirical(spec: str, path_text: str) -> Distribution:
    if not path_text:
        raise _fail(spec, "empirical needs a file name")
    path = Path(path_text)
    try:
        lines = read_limited(path, MAX_EMPIRICAL_BYTES, "an empirical file").decode().splitlines()
    except ValueError as err:  # not readable, not a regular file, too large
        raise _fail(spec, str(err)) from None
    except UnicodeDecodeError:
        raise _fail(spec, f"{path} is not a text file of numbers") from None
    values = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        value = _number(spec, f"line {number}", line.strip())
        if value < 0:
            raise _fail(spec, f"line {number} of {path} is negative ({value})")
        values.append(value)
    if not values:
        raise _fail(spec, f"{path} holds no samples")
    return Distribution("empirical", (), spec, tuple(values))


def parse_distribution(spec: str) -> Distribution:
    """Parse a spec such as ``lognormal:median=3600,sigma=0.5``; raise ``ValueError`` saying what is
    wrong and listing the accepted forms.

    >>> parse_distribution("gamma:shape=2,scale=1800").mean
    3600.0
    """
    if not isinstance(spec, str):
        raise TypeError(f"a distribution spec must be a string, not {type(spec).__name__}")
    family, sep, rest = spec.strip().partition(":")
    family = family.strip().lower()
    if family == "empirical":
        return _empirical(spec, rest.strip())
    if family not in _FAMILIES:
        raise _fail(spec, f"unknown family {family!r}")
    if not sep or not rest.strip():
        raise _fail(spec, f"{family} needs parameters")
    names, positive = _FAMILIES[family]
    given: dict[str, float] = {}
    if family == "fixed" and "=" not in rest:
        given["value"] = _number(spec, "value", rest.strip())
    else:
        for item in rest.split(","):
            name, eq, text = item.partition("=")
            name = name.strip()
            if not eq or not name:
                raise _fail(spec, f"{item.strip()!r} is not NAME=VALUE")
            if name not in names:
                raise _fail(spec, f"{family} takes {', '.join(names)}, not {name!r}")
            if name in given:
                raise _fail(spec, f"{name} is given twice")
            given[name] = _number(spec, name, text.strip())
    missing = [n for n in names if n not in given]
    if missing:
        raise _fail(spec, f"{family} is missing {', '.join(missing)}")
    for name, value in given.items():
        if value < 0 or (name in positive and value == 0):
            bound = "greater than 0" if name in positive else "at least 0"
            raise _fail(spec, f"{name} must be {bound}, got {value:g}")
    if family == "uniform" and given["high"] <= given["low"]:
        raise _fail(spec, f"high ({given['high']:g}) must be greater than low ({given['low']:g})")
    return Distribution(family, tuple((n, given[n]) for n in names), spec.strip())
