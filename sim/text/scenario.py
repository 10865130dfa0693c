"""The text race's scenario: one stop-versus-completion experiment of a job that processes text.

Each job is submitted at time 0, waits ``queue_delay`` in ``SUBMITTED``, then processes ``documents``
documents in order, each of ``document_size`` characters (drawn per document and rounded up to whole
characters), at ``rate`` characters a second; it completes when the last one is done. A stop is sent at
each time of ``stop_at`` (its own experiment of ``replications`` jobs) and takes effect ``stop_latency``
later. With a ``cycle`` (seconds), the service moves jobs only on its ticks (multiples of the cycle after
submission): processing starts, completion is seen and a stop takes effect at the first tick at or after
the moment they would (evidence: ``analysis-job-records``, whose recorded durations gather near whole
two-minute cycles). The cycle is off by default: it is read from 22 example durations, AWS states no
such thing, and with it on every figure inherits its steps; turn it on (``cycle=120``) to study it.

The defaults: a thousand documents of about 2,000 characters (``gamma:shape=2,scale=1000``; a gamma
family, so the analytic check has a closed form for the sum) at 6,000 characters a second, about five
and a half minutes of processing after two minutes' queue, close to the recorded 6-to-10-minute jobs; AWS
gives no stop latency, so a minute, exponential, is assumed. The price per unit is the kind's
(evidence: ``analysis-pricing``).

>>> TextScenario(documents=10).kind.name
'sentiment-detection-job'
>>> TextScenario(rate=0)
Traceback (most recent call last):
...
ValueError: rate must be a finite number of characters a second > 0, got 0
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

from stoprace.model.analysis_kinds import SENTIMENT, TextKind, text_kind_named
from stoprace.model.numbers import is_number, is_whole
from stoprace.model.policy import DEFAULT_JOB_POLICY, JobPolicy
from stoprace.sim.distributions import Distribution, parse_distribution
from stoprace.sim.scenario import DEFAULT_SEED, MAX_REPLICATIONS

__all__ = ["MAX_DOCUMENTS", "TextScenario"]

# Distributions are immutable: one parsed instance serves every scenario as its default.
DEFAULT_DOCUMENT_SIZE = parse_distribution("gamma:shape=2,scale=1000")
DEFAULT_QUEUE_DELAY = parse_distribution("exponential:mean=120")
DEFAULT_STOP_LATENCY = parse_distribution("exponential:mean=60")

#: The most documents a job may have in a simulation (each is drawn for every job).
MAX_DOCUMENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class TextScenario:
    """One text race experiment. Distributions may be given as specs (strings); the kind by name."""

    kind: TextKind = SENTIMENT
    documents: int = 1000
    document_size: Distribution = DEFAULT_DOCUMENT_SIZE
    rate: float = 6000.0
    queue_delay: Distribution = DEFAULT_QUEUE_DELAY
    stop_latency: Distribution = DEFAULT_STOP_LATENCY
    cycle: float | None = None
    stop_at: tuple[float, ...] = (300.0,)
    policy: JobPolicy = DEFAULT_JOB_POLICY
    price_per_unit: float | None = None  # the kind's when None
    replications: int = 2000
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if isinstance(self.kind, str):
            object.__setattr__(self, "kind", text_kind_named(self.kind))
        elif not isinstance(self.kind, TextKind):
            raise TypeError(f"kind must be a TextKind or the name of one, not {self.kind!r}")
        for name in ("document_size", "queue_delay", "stop_latency"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, parse_distribution(value))
            elif not isinstance(value, Distribution):
                raise TypeError(f"{name} must be a distribution spec or Distribution, not {value!r}")
        if not is_whole(self.documents) or not 1 <= self.documents <= MAX_DOCUMENTS:
            raise ValueError(
                f"documents must be a whole number from 1 to {MAX_DOCUMENTS:,}, got {self.documents!r}"
            )
        _positive("rate", self.rate, "characters a second")
        if self.cycle is not None:
            _positive("cycle", self.cycle, "seconds")
        if self.price_per_unit is not None and (
            not is_number(self.price_per_unit) or self.price_per_unit < 0
        ):
            raise ValueError(f"price_per_unit must be a number of USD >= 0, got {self.price_per_unit!r}")
        stops = self.stop_at if isinstance(self.stop_at, tuple | list) else (self.stop_at,)
        if not stops or not all(is_number(t) and math.isfinite(t) and t >= 0 for t in stops):
            raise ValueError(
                f"stop_at must be one or more finite numbers of seconds >= 0, got {self.stop_at!r}"
            )
        object.__setattr__(self, "stop_at", tuple(float(t) for t in stops))
        if not is_whole(self.replications) or not 1 <= self.replications <= MAX_REPLICATIONS:
            raise ValueError(
                f"replications must be a whole number from 1 to {MAX_REPLICATIONS:,}, "
                f"got {self.replications!r}"
            )
        if not isinstance(self.policy, JobPolicy):
            raise TypeError(f"policy must be a stoprace.model.JobPolicy, not {type(self.policy).__name__}")
        if not is_whole(self.seed) or self.seed < 0:
            raise ValueError(f"seed must be a whole number >= 0, got {self.seed!r}")

    @property
    def price(self) -> float:
        """USD per billed unit: the scenario's, else the kind's."""
        return self.kind.price_per_unit if self.price_per_unit is None else float(self.price_per_unit)

    def replace(self, **changes: Any) -> TextScenario:
        """A copy with ``changes`` (validated like a new scenario)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The scenario as plain data (specs as strings), for JSON results."""
        return {
            "resource": self.kind.name,
            "documents": self.documents,
            "document_size": self.document_size.spec,
            "rate": self.rate,
            "queue_delay": self.queue_delay.spec,
            "stop_latency": self.stop_latency.spec,
            "cycle": self.cycle,
            "stop_at": list(self.stop_at),
            "policy": self.policy.as_dict(),
            "price_per_unit": self.price,
            "replications": self.replications,
            "seed": self.seed,
        }


def _positive(name: str, value: Any, unit: str) -> None:
    if not is_number(value) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of {unit} > 0, got {value!r}")
