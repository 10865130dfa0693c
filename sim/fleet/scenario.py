"""A fleet experiment's settings, validated on construction."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from stoprace.model import DEFAULT_POLICY, Policy
from stoprace.model.errors import HttpStatuses
from stoprace.model.kinds import CLASSIFIER, kind_named
from stoprace.model.numbers import is_number, is_whole
from stoprace.sim.distributions import Distribution, parse_distribution
from stoprace.sim.retry import MODES, RULES, rules_for
from stoprace.sim.scenario import (
    DEFAULT_FAILURE_POINT,
    DEFAULT_FINALIZATION,
    DEFAULT_PROVISIONING,
    DEFAULT_QUEUE_DELAY,
    DEFAULT_SEED,
    DEFAULT_TRAINING_DURATION,
    DEFAULT_USD_PER_HOUR,
    JOB_DISTRIBUTIONS,
    check_job_fields,
    resource_kind,
    with_timings,
)

from .limits import TokenBucket

__all__ = ["HTTP_STATUSES", "OPERATIONS", "FleetScenario"]

#: The API operations a fleet of classifiers calls, and the short names used on the command line (a fleet
#: of another kind calls its own: :attr:`FleetScenario.operations`).
OPERATIONS = {action: CLASSIFIER.operations[action] for action in ("create", "describe", "stop")}
#: The most jobs a fleet runs. Jobs are held only while alive (a few kilobytes each); a finished job
#: leaves at most four floats for the summary's quantiles (``bench/fleet_scaling.py`` measures both), so
#: the bound is one of running time: about 20 events a job, some 40,000 events a second.
MAX_JOBS = 10_000_000

#: How throttling is answered: HTTP 400 as the API reference says, or 429 as botocore's model does.
HTTP_STATUSES: tuple[str, ...] = tuple(convention.value for convention in HttpStatuses)
# Distributions are immutable: one parsed instance serves every scenario as its default.
DEFAULT_STOP_HANDLING = parse_distribution("exponential:mean=30")
DEFAULT_APP_RETRY_INTERVAL = parse_distribution("fixed:5")


#: The workers that take stop requests off the queue, when a fleet is not told (AWS publishes none).
DEFAULT_STOP_WORKERS = 4


@dataclass(frozen=True, slots=True)
class FleetScenario:
    """One fleet experiment; distributions may be given as specs. ``rate_limits`` maps an operation
    (``create``, ``describe``, ``stop``) to ``(rate per second, burst)``."""

    jobs: int = 500
    submit_rate: float | None = 1.0  # jobs per second (a Poisson stream); None: all at once
    training_slots: int | None = None  # None: no limit
    queue_delay: Distribution = DEFAULT_QUEUE_DELAY
    training_duration: Distribution = DEFAULT_TRAINING_DURATION
    provisioning: Distribution = DEFAULT_PROVISIONING
    finalization: Distribution = DEFAULT_FINALIZATION
    p_warning: float = 0.05
    p_failure: float = 0.02
    failure_point: Distribution = DEFAULT_FAILURE_POINT
    stop_workers: int = DEFAULT_STOP_WORKERS
    stop_handling: Distribution = DEFAULT_STOP_HANDLING
    rate_limits: Mapping[str, tuple[float, int]] = field(
        default_factory=lambda: {"stop": (1.0, 1), "describe": (20.0, 40)}
    )
    p_server_error: float = 0.01
    poll_interval: float | None = 60.0  # None: the client never polls
    stop_after: float | None = 1800.0
    budget_usd: float | None = None
    usd_per_hour: float = DEFAULT_USD_PER_HOUR
    retry_mode: str = "default"
    botocore: str = "installed"
    app_retry: bool = False
    app_retry_interval: Distribution = DEFAULT_APP_RETRY_INTERVAL
    http_statuses: HttpStatuses = HttpStatuses.REFERENCE
    policy: Policy = DEFAULT_POLICY
    seed: int = DEFAULT_SEED
    resource: str = CLASSIFIER.name  # the kind of resource the jobs are

    @classmethod
    def for_resource(cls, resource: str, **fields: Any) -> FleetScenario:
        """A fleet of ``resource``: its kind's timings where ``fields`` gives none."""
        return cls(**with_timings(resource, fields))

    @property
    def operations(self) -> dict[str, str]:
        """The API operations this fleet calls, by their short names (create, describe, stop)."""
        return _operations(self.resource)

    def __post_init__(self) -> None:
        resource_kind(self.resource)
        check_job_fields(
            self,
            (*JOB_DISTRIBUTIONS, "stop_handling", "app_retry_interval"),
            ("p_warning", "p_failure", "p_server_error"),
        )
        _whole(self.jobs, "jobs", 1)
        _bounded(self)
        _whole(self.stop_workers, "stop_workers", 1)
        if self.training_slots is not None:
            _whole(self.training_slots, "training_slots", 1)
        for name in ("submit_rate", "poll_interval", "stop_after", "budget_usd"):
            value = getattr(self, name)
            if value is not None and (
                not is_number(value)
                or not math.isfinite(value)
                or value < 0
                or (value == 0 and name in ("submit_rate", "poll_interval"))
            ):
                raise ValueError(f"{name} must be a finite number > 0 (or None), got {value!r}")
        if self.stop_after is not None and self.budget_usd is not None:
            raise ValueError("give stop_after (a deadline) or budget_usd (a cost limit), not both")
        if self.budget_usd is not None and self.poll_interval is None:
            raise ValueError("budget_usd needs poll_interval: the client learns the cost by polling")
        if not (
            isinstance(self.usd_per_hour, int | float)
            and math.isfinite(self.usd_per_hour)
            and self.usd_per_hour >= 0
        ):
            raise ValueError(f"usd_per_hour must be a finite number >= 0, got {self.usd_per_hour!r}")
        if not isinstance(self.botocore, str):
            raise TypeError(f"botocore must be a version string such as '1.43', not {self.botocore!r}")
        rules = rules_for(self.botocore)  # a ValueError names what is allowed
        object.__setattr__(self, "botocore", next(k for k, r in RULES.items() if r == rules))
        if self.retry_mode == "default":
            object.__setattr__(self, "retry_mode", rules.default_mode)
        if self.retry_mode not in MODES:
            raise ValueError(
                f"retry_mode must be one of {', '.join(MODES)} or default, got {self.retry_mode!r}"
            )
        object.__setattr__(self, "http_statuses", HttpStatuses.named(self.http_statuses))
        limits = dict(self.rate_limits)
        for name, limit in limits.items():
            if name not in OPERATIONS:
                raise ValueError(
                    f"rate limit for unknown operation {name!r}; operations: {', '.join(OPERATIONS)}"
                )
            if not (isinstance(limit, tuple | list) and len(limit) == 2):
                raise ValueError(f"rate limit for {name} must be (rate, burst), got {limit!r}")
            TokenBucket(float(limit[0]), limit[1])  # validates
        object.__setattr__(
            self, "rate_limits", {k: (float(v[0]), int(v[1])) for k, v in sorted(limits.items())}
        )

    def replace(self, **changes: Any) -> FleetScenario:
        """A copy with ``changes`` (validated like a new scenario)."""
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """The scenario as plain data, for JSON results."""
        data: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Distribution):
                value = value.spec
            elif isinstance(value, Policy):
                value = value.as_dict()
            elif f.name == "rate_limits":
                value = {k: {"rate": r, "burst": b} for k, (r, b) in value.items()}
            elif f.name == "resource" and value == CLASSIFIER.name:
                continue  # a classifier fleet's results are as they always were
            data[f.name] = value
        return data


@cache
def _operations(resource: str) -> dict[str, str]:
    kind = kind_named(resource)
    return {action: kind.operations[action] for action in OPERATIONS}


def _whole(value: Any, name: str, low: int) -> None:
    if not is_whole(value) or value < low:
        raise ValueError(f"{name} must be a whole number of at least {low}, got {value!r}")


def _bounded(scenario: FleetScenario) -> None:
    """Refuse what cannot run in bounded memory or time: too many jobs, retries with no wait."""
    if scenario.jobs > MAX_JOBS:
        raise ValueError(
            f"jobs: {scenario.jobs:,} asked for; a fleet simulates at most {MAX_JOBS:,} (some 20 events "
            "a job: that many take hours)"
        )
    if scenario.app_retry and scenario.app_retry_interval.upper == 0:
        raise ValueError(
            f"app_retry_interval {scenario.app_retry_interval.spec} is always 0 s: retries with no wait "
            "never let time advance; give a wait above 0 (e.g. fixed:5)"
        )
