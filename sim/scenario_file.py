"""Scenario files: the distributions of a job's course (and the stop latency) as TOML, written by
``stoprace fit --out DIR`` and read by ``stoprace race``, ``fleet`` and ``audit`` with ``--scenario FILE``.

::

    queue_delay = "exponential:mean=119.9"
    training_duration = "lognormal:median=3568,sigma=0.333"
    stop_latency = "weibull:shape=1.57,scale=843"
    stop_handling = "exponential:mean=28.0"
    stop_workers = 4

An option given on the command line wins over the file; the file wins over the defaults. Two fields
describe the stop: ``stop_latency`` is the end-to-end time from the accepted stop to its effect, what
``race`` and ``audit`` take; ``stop_handling`` is one stop worker's time once it has the stop, with
``stop_workers`` the workers it was estimated for, what ``fleet`` takes (its own queue of stops adds the
wait). A fleet refuses a file with a ``stop_latency`` and no ``stop_handling``: taken as the handling
time, the latency would count the wait for a worker twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stoprace.model.numbers import is_number, is_whole

from .distributions import parse_distribution
from .files import parse_toml, read_limited, toml_value

__all__ = ["FIELDS", "MAX_BYTES", "fleet_fields", "race_fields", "read_scenario_file", "scenario_toml"]

#: The fields a scenario file may set: distributions, then probabilities.
DISTRIBUTIONS = (
    "queue_delay",
    "provisioning",
    "training_duration",
    "finalization",
    "failure_point",
    "stop_latency",
    "stop_handling",
)
PROBABILITIES = ("p_warning", "p_failure")
#: Whole numbers, with their least value.
COUNTS = {"stop_workers": 1}
FIELDS = (*DISTRIBUTIONS, *PROBABILITIES, *COUNTS)
#: The most stop workers a file may name (a fleet's own bound is its memory; this one is a typo's).
MAX_WORKERS = 1_000_000
MAX_BYTES = 2**20


def read_scenario_file(path: Path) -> dict[str, Any]:
    """The fields of scenario file ``path``, checked; ``ValueError`` naming the file and the field."""
    data = read_limited(path, MAX_BYTES, "a scenario file")
    try:
        text = data.decode()
    except UnicodeDecodeError as err:
        raise ValueError(f"{path}: not valid TOML ({err})") from None
    values = parse_toml(text, path, "a scenario file")
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValueError(
            f"{path}: unknown field(s) {', '.join(unknown)}; a scenario file sets {', '.join(FIELDS)}"
        )
    for name, value in values.items():
        if name in DISTRIBUTIONS:
            if not isinstance(value, str):
                raise ValueError(
                    f"{path}: {name} must be a distribution spec (a string), not {toml_value(value)}"
                )
            try:
                parse_distribution(value)
            except ValueError as err:
                raise ValueError(f"{path}: {name}: {err}") from None
        elif name in COUNTS:
            if not is_whole(value) or not COUNTS[name] <= value <= MAX_WORKERS:
                raise ValueError(
                    f"{path}: {name} must be a whole number from {COUNTS[name]} to {MAX_WORKERS:,}, "
                    f"not {toml_value(value)}"
                )
        elif not is_number(value) or not (math.isfinite(value) and 0 <= value <= 1):
            raise ValueError(f"{path}: {name} must be a probability from 0 to 1, not {toml_value(value)}")
    return values


def race_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario file's fields as a race (or an audit) takes them: the fleet's own left out."""
    return {k: v for k, v in values.items() if k not in ("stop_handling", "stop_workers")}


def fleet_fields(values: Mapping[str, Any], path: Path, handling_given: bool = False) -> dict[str, Any]:
    """A scenario file's fields as a fleet takes them: ``stop_handling`` and ``stop_workers``, no
    ``stop_latency``; ``ValueError`` for a file whose only stop time is the end-to-end latency, unless
    the handling time is given elsewhere (``handling_given``)."""
    if "stop_latency" in values and "stop_handling" not in values and not handling_given:
        raise ValueError(
            f"{path}: stop_latency is the end-to-end stop latency (the wait for a stop worker included) and "
            "a fleet takes a worker's handling time: give --stop-handling DIST, or refit with `stoprace "
            "fit`, which writes stop_handling"
        )
    return {k: v for k, v in values.items() if k != "stop_latency"}


def scenario_toml(values: Mapping[str, Any], comment: str) -> str:
    """A scenario file's text: ``comment`` (each line as a TOML comment), then the fields in order."""
    lines = [f"# {line}" for line in comment.splitlines()]
    for name in FIELDS:
        if name in values:
            value = values[name]
            lines.append(f'{name} = "{value}"' if isinstance(value, str) else f"{name} = {value!r}")
    return "\n".join(lines) + "\n"
