"""Scenario files: the distributions of a job's course (and the stop latency) as TOML, written by
``stoprace fit --out DIR`` and read by ``stoprace race``, ``fleet`` and ``audit`` with ``--scenario FILE``.

::

    queue_delay = "exponential:mean=119.9"
    training_duration = "lognormal:median=3568,sigma=0.333"
    stop_latency = "gamma:shape=1.15,scale=26.7"

An option given on the command line wins over the file; the file wins over the defaults. In a fleet the
file's ``stop_latency`` is the stop workers' handling time (``--stop-handling``): the wait for a worker
comes on top, as in the fleet it always does.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from stoprace.model.numbers import is_number

from .distributions import parse_distribution
from .files import read_limited

__all__ = ["FIELDS", "MAX_BYTES", "read_scenario_file", "scenario_toml"]

#: The fields a scenario file may set: distributions, then probabilities.
DISTRIBUTIONS = (
    "queue_delay",
    "provisioning",
    "training_duration",
    "finalization",
    "failure_point",
    "stop_latency",
)
PROBABILITIES = ("p_warning", "p_failure")
FIELDS = (*DISTRIBUTIONS, *PROBABILITIES)
MAX_BYTES = 2**20


def read_scenario_file(path: Path) -> dict[str, Any]:
    """The fields of scenario file ``path``, checked; ``ValueError`` naming the file and the field."""
    data = read_limited(path, MAX_BYTES, "a scenario file")
    try:
        values = tomllib.loads(data.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise ValueError(f"{path}: not valid TOML ({err})") from None
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise ValueError(
            f"{path}: unknown field(s) {', '.join(unknown)}; a scenario file sets {', '.join(FIELDS)}"
        )
    for name, value in values.items():
        if name in DISTRIBUTIONS:
            if not isinstance(value, str):
                raise ValueError(f"{path}: {name} must be a distribution spec (a string), not {value!r}")
            try:
                parse_distribution(value)
            except ValueError as err:
                raise ValueError(f"{path}: {name}: {err}") from None
        elif not is_number(value) or not (math.isfinite(value) and 0 <= value <= 1):
            raise ValueError(f"{path}: {name} must be a probability from 0 to 1, not {value!r}")
    return values


def scenario_toml(values: Mapping[str, Any], comment: str) -> str:
    """A scenario file's text: ``comment`` (each line as a TOML comment), then the fields in order."""
    lines = [f"# {line}" for line in comment.splitlines()]
    for name in FIELDS:
        if name in values:
            value = values[name]
            lines.append(f'{name} = "{value}"' if isinstance(value, str) else f"{name} = {value!r}")
    return "\n".join(lines) + "\n"
