"""The race scenario: everything one stop-versus-completion experiment needs, validated on construction.

Each simulated job is submitted at time 0, waits ``queue_delay`` in ``SUBMITTED``, then enters
``TRAINING``: it provisions for ``provisioning`` seconds before billed training begins
(``TrainingStartTime``), trains, and finalizes for ``finalization`` seconds after billed training ends
(``TrainingEndTime``) before it reaches its final status (``EndTime``; evidence: ``finalization``). Training
completes after ``training_duration`` (ending ``TRAINED_WITH_WARNING`` with probability
``p_warning``), unless the job fails first: with probability ``p_failure`` it fails at
``failure_point`` (a fraction of the training duration, in [0, 1]). A stop is requested at each time in
``stop_at`` (seconds after submission; each is its own experiment of ``replications`` jobs) and takes
effect ``stop_latency`` later, unless billed training has ended by then. The policy decides what the
phases do (``billing_start``, ``billing_end``): under ``with_training`` and ``with_end`` they are
billed as training, and with zero durations the scenario is the one without phases.

The defaults are a realistic job (evidence: ``training-times``): real datasets train for about an
hour with a wide spread (Terraform's acceptance runs took 40 to 80 minutes), so the training duration
is log-normal with a median of one hour; a job waits a couple of minutes before training starts; AWS
gives no figure for the stop latency, so a few minutes, exponential, is assumed. AWS's recorded outputs
show jobs finishing 56, 68 and 71 seconds after billed training ended, so finalization is their mean,
65 seconds (a spread of a few seconds changes ``p_race_lost`` by about 1e-5 and would cost the integral
six times as much; ``uniform:low=50,high=80`` gives it); the queue figures there run to
``TrainingStartTime`` and so already hold any provisioning, which is zero by default.

>>> scenario = RaceScenario(stop_at=(1800.0, 3600.0))
>>> scenario.training_duration.spec
'lognormal:median=3600,sigma=0.35'
>>> RaceScenario(p_warning=1.5)
Traceback (most recent call last):
...
ValueError: p_warning must be a probability in [0, 1], got 1.5
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from stoprace.model import DEFAULT_POLICY, Policy
from stoprace.model.kinds import CLASSIFIER, ResourceKind, kind_named
from stoprace.model.lifecycle import FAILURE_MESSAGE, MAX_MESSAGE, WARNING_MESSAGE
from stoprace.model.numbers import is_number, is_whole

from .distributions import Distribution, parse_distribution

__all__ = ["DEFAULT_SEED", "DEFAULT_USD_PER_HOUR", "Progress", "RaceScenario"]

#: The seed every scenario and sweep uses unless given another.
DEFAULT_SEED = 20261129

#: The list price of training a custom classifier, per hour (evidence: ``billing``).
DEFAULT_USD_PER_HOUR = 3.0

#: Called as work proceeds: (units done, units in all).
Progress = Callable[[int, int], None]


# Distributions are immutable, so one parsed instance serves every scenario as its default. A job's course
# is a classifier's unless a scenario names another resource (its kind's timings, in stoprace.model.kinds).
DEFAULT_QUEUE_DELAY = parse_distribution(CLASSIFIER.timings["queue_delay"])
DEFAULT_PROVISIONING = parse_distribution("fixed:0")
DEFAULT_FINALIZATION = parse_distribution(CLASSIFIER.timings["finalization"])
DEFAULT_TRAINING_DURATION = parse_distribution(CLASSIFIER.timings["training_duration"])
DEFAULT_STOP_LATENCY = parse_distribution("exponential:mean=180")
DEFAULT_FAILURE_POINT = parse_distribution("uniform:low=0,high=1")


#: The most jobs raced a stop time: past it a run takes hours, and a typo (a few zeros too many) should
#: say so rather than run.
MAX_REPLICATIONS = 1_000_000_000


@dataclass(frozen=True, slots=True)
class RaceScenario:
    """One race experiment. Distributions may be given as specs (strings); they are parsed."""

    queue_delay: Distribution = DEFAULT_QUEUE_DELAY
    training_duration: Distribution = DEFAULT_TRAINING_DURATION
    stop_latency: Distribution = DEFAULT_STOP_LATENCY
    provisioning: Distribution = DEFAULT_PROVISIONING
    finalization: Distribution = DEFAULT_FINALIZATION
    p_warning: float = 0.05
    p_failure: float = 0.02
    failure_point: Distribution = DEFAULT_FAILURE_POINT
    warning_message: str = WARNING_MESSAGE  # the Message the Autopilot's jobs report
    failure_message: str = FAILURE_MESSAGE
    stop_at: tuple[float, ...] = (3000.0,)
    policy: Policy = DEFAULT_POLICY
    replications: int = 100_000
    seed: int = DEFAULT_SEED
    resource: str = CLASSIFIER.name  # the kind of resource that trains: labels, and for_resource()'s defaults

    @classmethod
    def for_resource(cls, resource: str, **fields: Any) -> RaceScenario:
        """A scenario of ``resource`` (``document-classifier`` or ``entity-recognizer``): its kind's
        timings (:attr:`stoprace.model.kinds.ResourceKind.timings`) where ``fields`` gives none."""
        return cls(**with_timings(resource, fields))

    def __post_init__(self) -> None:
        resource_kind(self.resource)
        check_job_fields(self, (*JOB_DISTRIBUTIONS, "stop_latency"), ("p_warning", "p_failure"))
        for name in ("warning_message", "failure_message"):
            value = getattr(self, name)
            if not isinstance(value, str) or not 1 <= len(value) <= MAX_MESSAGE:
                raise ValueError(f"{name} must be a string of 1 to {MAX_MESSAGE} characters, got {value!r}")
        stops = self.stop_at if isinstance(self.stop_at, tuple | list) else (self.stop_at,)
        if not stops:
            raise ValueError("stop_at needs at least one stop time (seconds after submission)")
        for t in stops:
            if not is_number(t) or not math.isfinite(t) or t < 0:
                raise ValueError(f"stop_at times must be finite numbers of seconds >= 0, got {t!r}")
        object.__setattr__(self, "stop_at", tuple(float(t) for t in stops))
        count = self.replications
        if not is_whole(count) or not 1 <= count <= MAX_REPLICATIONS:
            raise ValueError(
                f"replications must be a whole number from 1 to {MAX_REPLICATIONS:,} (jobs a stop time; the "
                f"vector engine races about 9 million a second), got {self.replications!r}"
            )

    def replace(self, **changes: Any) -> RaceScenario:
        """A copy with ``changes`` (validated like a new scenario)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The scenario as plain data (specs as strings), for JSON results."""
        return {
            "queue_delay": self.queue_delay.spec,
            "training_duration": self.training_duration.spec,
            "stop_latency": self.stop_latency.spec,
            "provisioning": self.provisioning.spec,
            "finalization": self.finalization.spec,
            "p_warning": self.p_warning,
            "p_failure": self.p_failure,
            "failure_point": self.failure_point.spec,
            "warning_message": self.warning_message,
            "failure_message": self.failure_message,
            "stop_at": list(self.stop_at),
            "policy": self.policy.as_dict(),
            "replications": self.replications,
            "seed": self.seed,
            # a classifier's results are as they always were; another resource says which it is
            **({} if self.resource == CLASSIFIER.name else {"resource": self.resource}),
        }


def resource_kind(resource: Any) -> ResourceKind:
    """The kind a scenario's ``resource`` names; ``ValueError`` naming the kinds there are."""
    try:
        return kind_named(resource)
    except (TypeError, ValueError) as err:
        raise ValueError(f"resource: {err}") from None


def with_timings(resource: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario's ``fields`` for ``resource``: its kind's timings where ``fields`` gives none."""
    return {**resource_kind(resource).timings, **fields, "resource": resource}


#: The distributions of a job's course that race and fleet scenarios share.
JOB_DISTRIBUTIONS = ("queue_delay", "provisioning", "training_duration", "finalization", "failure_point")


def check_job_fields(scenario: Any, distributions: tuple[str, ...], probabilities: tuple[str, ...]) -> None:
    """Validate the fields a race and a fleet scenario share, on a frozen dataclass being built: parse
    the ``distributions`` given as specs, check the ``probabilities`` lie in [0, 1], that the failure
    point is a fraction of the training time, the policy and the seed."""
    for name in distributions:
        value = getattr(scenario, name)
        if isinstance(value, str):
            object.__setattr__(scenario, name, parse_distribution(value))
        elif not isinstance(value, Distribution):
            raise TypeError(f"{name} must be a distribution spec or Distribution, not {value!r}")
    for name in probabilities:
        value = getattr(scenario, name)
        if not is_number(value) or not 0 <= value <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {value!r}")
    point = scenario.failure_point
    if point.upper > 1:
        raise ValueError(f"failure_point is a fraction of the training time, in [0, 1]; got {point.spec}")
    if not isinstance(scenario.policy, Policy):
        raise TypeError(f"policy must be a stoprace.model.Policy, not {type(scenario.policy).__name__}")
    seed = scenario.seed
    if not is_whole(seed) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
