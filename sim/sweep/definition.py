"""A sweep's definition: its kind, shared settings, grid or cells, each cell's identity and seed; read
from the command line's values or a TOML file."""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import itertools
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from stoprace.model import Policy
from stoprace.model.analysis import JOB_FINISHED_ORDER
from stoprace.model.kinds import CLASSIFIER
from stoprace.model.policy import JobPolicy
from stoprace.model.statuses import FINISHED_ORDER
from stoprace.sim.fleet import FleetScenario
from stoprace.sim.scenario import DEFAULT_SEED, RaceScenario
from stoprace.sim.text.scenario import TextScenario

__all__ = [
    "BACKENDS",
    "KINDS",
    "METRICS",
    "STATUSES",
    "Cell",
    "Sweep",
    "SweepError",
    "canonical",
    "parse_value",
    "scenario_kwargs",
    "sweep_from_toml",
]

#: What a cell simulates: a race, a fleet, or the race of a job that processes text (its field ``kind``
#: names which: ``kind=pii-entities-detection-job``).
KINDS: dict[str, type[RaceScenario] | type[FleetScenario] | type[TextScenario]] = {
    "race": RaceScenario,
    "fleet": FleetScenario,
    "text": TextScenario,
}
#: Each kind's policy type, for its ``policy.FIELD`` settings.
POLICIES: dict[str, type[Policy] | type[JobPolicy]] = {"race": Policy, "fleet": Policy, "text": JobPolicy}
_TEXT_STATUSES = tuple(s.value for s in JOB_FINISHED_ORDER)
BACKENDS = ("serial", "processes", "dask")
STATUSES = tuple(s.value for s in FINISHED_ORDER)


def _bound(interval: Any, side: int) -> Any:
    return interval[side] if interval else None


def _status_counts(
    read: Callable[[Any], Mapping[str, int]], statuses: tuple[str, ...] = STATUSES
) -> dict[str, Callable[[Any], Any]]:
    def count(status: str) -> Callable[[Any], Any]:
        return lambda result: read(result).get(status, 0)

    return {status: count(status) for status in statuses}


#: The result columns of each kind, after the cell's settings, each with how it is read from what the
#: simulator gives: a race's row (:class:`stoprace.sim.outcome.RowResult`, one per stop time) or a
#: fleet's summary (:meth:`stoprace.sim.fleet.FleetResult.as_dict`). ``run_cell`` reads them so.
METRICS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "race": {
        "stop_at": attrgetter("stop_at"),
        "jobs": attrgetter("jobs"),
        "stop_requested": attrgetter("stop_requested"),
        "race_lost": attrgetter("race_lost"),
        "p_race_lost": attrgetter("p_race_lost"),
        "ci95_low": lambda row: _bound(row.ci(), 0),
        "ci95_high": lambda row: _bound(row.ci(), 1),
        "mean_billed_seconds": attrgetter("mean_billed_seconds"),
        **_status_counts(attrgetter("final")),
    },
    "text": {
        "stop_at": itemgetter("stop_at"),
        "jobs": itemgetter("jobs"),
        "stop_met_processing": itemgetter("stop_met_processing"),
        "race_lost": itemgetter("race_lost"),
        "p_race_lost": itemgetter("p_race_lost"),
        "ci95_low": lambda row: _bound(row["p_race_lost_ci"], 0),
        "ci95_high": lambda row: _bound(row["p_race_lost_ci"], 1),
        "p_completes": itemgetter("p_completes"),
        "documents_processed": itemgetter("documents_processed"),
        "units_billed": itemgetter("units_billed"),
        "usd_billed": itemgetter("usd_billed"),
        "usd_saved": itemgetter("usd_saved"),
        **_status_counts(itemgetter("final"), _TEXT_STATUSES),
    },
    "fleet": {
        "jobs": itemgetter("jobs"),
        "stop_decided": itemgetter("stop_decided"),
        "share_never_accepted": itemgetter("share_never_accepted"),
        "stop_requested": itemgetter("stop_requested"),
        "race_lost": itemgetter("race_lost"),
        "p_race_lost": itemgetter("p_race_lost"),
        "ci95_low": lambda summary: _bound(summary["ci95"], 0),
        "ci95_high": lambda summary: _bound(summary["ci95"], 1),
        "mean_stop_requested_seconds": lambda summary: summary["stop_requested_seconds"]["mean"],
        "wasted_cost_usd": itemgetter("wasted_cost_usd"),
        **_status_counts(itemgetter("final")),
    },
}


class SweepError(ValueError):
    """A sweep that cannot be run as given (bad field or value, mismatched results file)."""


def _fields(kind: str) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(KINDS[kind]) if f.name != "seed"}


def _check_field(kind: str, name: str) -> None:
    if name.startswith("policy."):
        sub = name.removeprefix("policy.")
        fields = POLICIES[kind].__dataclass_fields__
        if sub not in fields:
            raise SweepError(f"unknown policy field {sub!r}; fields: {', '.join(fields)}")
        return
    if name not in _fields(kind):
        raise SweepError(
            f"unknown {kind} field {name!r}; fields: {', '.join([*_fields(kind), 'policy.FIELD'])}"
        )


def _plain(value: Any) -> Any:
    """A JSON-ready form of a setting (tuples become lists)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    return value


def canonical(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def scenario_kwargs(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario keyword arguments from settings (``policy.FIELD`` gathered into a Policy)."""
    kwargs: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    for name, value in params.items():
        if name.startswith("policy."):
            policy[name.removeprefix("policy.")] = value
        elif name == "stop_at" and kind in ("race", "text"):
            kwargs[name] = tuple(value) if isinstance(value, list | tuple) else (value,)
        elif name == "rate_limits":
            kwargs[name] = {k: tuple(v) for k, v in value.items()}
        else:
            kwargs[name] = value
    if policy:
        kwargs["policy"] = POLICIES[kind](**policy)
    return kwargs


def build_scenario(kind: str, params: Mapping[str, Any]) -> Any:
    """The scenario of a cell: a race's or a fleet's, of the kind of resource ``resource`` names (its
    timings where the cell sets none; a classifier's when it names none)."""
    kwargs = scenario_kwargs(kind, params)
    if kind == "text":
        return TextScenario(**kwargs)
    chosen: type[RaceScenario] | type[FleetScenario] = KINDS[kind]  # type: ignore[assignment]
    return chosen.for_resource(kwargs.pop("resource", CLASSIFIER.name), **kwargs)


#: The most cells a sweep may have (counted before any is built).
MAX_CELLS = 100_000


@dataclass(frozen=True)
class Cell:
    """One cell of a sweep: its place, its settings (base and swept), its identity and its seed."""

    index: int
    params: dict[str, Any]
    key: str
    seed: int
    kind: str

    def scenario_params(self) -> dict[str, Any]:
        return {**self.params, "seed": self.seed}


@dataclass(frozen=True)
class Sweep:
    """A sweep definition (see the module's docstring)."""

    kind: str = "race"
    base: Mapping[str, Any] = field(default_factory=dict)
    grid: Mapping[str, Sequence[Any]] = field(default_factory=dict)
    explicit: Sequence[Mapping[str, Any]] = ()
    seed: int = DEFAULT_SEED

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SweepError(f"unknown sweep kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise SweepError(f"the sweep seed must be a whole number >= 0, got {self.seed!r}")
        if self.grid and self.explicit:
            raise SweepError("give a grid or a list of cells, not both")
        if not self.grid and not self.explicit:
            raise SweepError("a sweep needs a grid (FIELD=V1|V2...) or a list of cells")
        for name in [*self.base, *self.grid, *(n for c in self.explicit for n in c)]:
            if name == "seed":
                raise SweepError(
                    "each cell's seed is derived from the sweep's seed: do not sweep or set 'seed'"
                )
            _check_field(self.kind, name)
        for name, values in self.grid.items():
            if isinstance(values, str) or not isinstance(values, Sequence) or not values:
                raise SweepError(f"grid field {name!r} needs at least one value")
        count = math.prod(len(v) for v in self.grid.values()) if self.grid else len(self.explicit)
        if count > MAX_CELLS:
            raise SweepError(f"the sweep has {count:,} cells; at most {MAX_CELLS:,} (fewer values per field)")
        cells = self.cells()
        keys = [c.key for c in cells]
        if len(set(keys)) != len(keys):
            raise SweepError("two cells of the sweep have the same settings")
        for cell in cells:  # every cell must be a valid scenario: refuse a bad value before running any
            try:
                build_scenario(self.kind, cell.scenario_params())
            except (ValueError, TypeError) as err:
                raise SweepError(f"cell {cell.index} ({canonical(cell.params)}): {err}") from None

    def cells(self) -> list[Cell]:
        """Every cell, in order: the grid's combinations (first field slowest), or the explicit list."""
        if self.grid:
            names = list(self.grid)
            swept = [dict(zip(names, combo, strict=True)) for combo in itertools.product(*self.grid.values())]
        else:
            swept = [dict(c) for c in self.explicit]
        out = []
        for index, values in enumerate(swept):
            params = {**self.base, **values}
            key = canonical(params)
            out.append(Cell(index, params, key, _cell_seed(self.seed, key), self.kind))
        return out

    @property
    def swept(self) -> list[str]:
        """The fields that vary between cells, in order."""
        if self.grid:
            return list(self.grid)
        return list(dict.fromkeys(n for c in self.explicit for n in c))

    def definition(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "seed": self.seed,
            "base": _plain(dict(self.base)),
            "grid": _plain(dict(self.grid)),
            "cells": _plain(list(self.explicit)),
        }

    def fingerprint(self) -> str:
        return hashlib.sha256(canonical(self.definition()).encode()).hexdigest()

    @property
    def setting_columns(self) -> list[str]:
        """The swept fields that get a column of their own (``stop_at`` is already a result column)."""
        return [n for n in self.swept if n not in METRICS[self.kind]]

    def columns(self) -> list[str]:
        return ["cell", *self.setting_columns, *METRICS[self.kind]]


def _no_dates(value: Any, where: str) -> None:
    """Refuse TOML's dates and times anywhere in a sweep file: no field takes one (times are seconds)."""
    if isinstance(value, datetime.date | datetime.time):
        kind = type(value).__name__.replace("datetime", "date-time")
        raise SweepError(
            f"{where or 'the file'}: a TOML {kind} ({value}); no sweep field takes one (times are seconds)"
        )
    if isinstance(value, Mapping):
        for key, item in value.items():
            _no_dates(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _no_dates(item, f"{where}[{i}]")


def _cell_seed(seed: int, key: str) -> int:
    digest = hashlib.sha256(key.encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    return int(np.random.SeedSequence([seed, *words]).generate_state(1, dtype=np.uint64)[0] >> 1)


def sweep_from_toml(text: str, directory: Path | None = None) -> Sweep:
    """A sweep from TOML: ``kind``, ``seed``, ``scenario`` (a scenario file of ``stoprace fit --out``,
    relative to ``directory``: its fields join the base, which wins), a ``[base]`` table, and a
    ``[grid]`` table or ``[[cells]]``."""
    import tomllib  # noqa: PLC0415

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepError(f"not valid TOML: {err}") from None
    except RecursionError:
        raise SweepError("nested too deeply for a sweep file") from None
    _no_dates(data, "")
    unknown = set(data) - {"kind", "seed", "scenario", "base", "grid", "cells"}
    if unknown:
        raise SweepError(
            f"unknown keys in the sweep file: {', '.join(sorted(unknown))}; "
            "expected kind, seed, scenario, base, grid, cells"
        )
    cells = data.get("cells", [])
    if not isinstance(cells, list):
        raise SweepError(f"cells must be an array of tables ([[cells]]), not {type(cells).__name__}")
    kind = data.get("kind", "race")
    base = _flatten(data.get("base", {}), "base")
    grid = _flatten(data.get("grid", {}), "grid")
    explicit = [_flatten(c, f"cells[{i}]") for i, c in enumerate(cells)]
    handling_given = any("stop_handling" in table for table in (base, grid, *explicit))
    fitted = _scenario_fields(data["scenario"], kind, directory, handling_given) if "scenario" in data else {}
    return Sweep(
        kind=kind,
        base={**fitted, **base},
        grid=grid,
        explicit=explicit,
        seed=data.get("seed", DEFAULT_SEED),
    )


def _scenario_fields(name: Any, kind: Any, directory: Path | None, handling_given: bool) -> dict[str, Any]:
    """The fields of a sweep file's ``scenario`` file, as ``stoprace race|fleet --scenario`` read them
    (a fleet takes the stop worker's handling time, not the end-to-end stop latency)."""
    from stoprace.sim.scenario_file import fleet_fields, race_fields, read_scenario_file  # noqa: PLC0415

    if not isinstance(name, str):
        raise SweepError(f"scenario must be the path of a scenario file (a string), not {name!r}")
    path = Path(name) if directory is None else directory / name
    try:
        fields = read_scenario_file(path)
        return fleet_fields(fields, path, handling_given) if kind == "fleet" else race_fields(fields)
    except ValueError as err:
        raise SweepError(str(err)) from None


def _flatten(table: Any, where: str) -> dict[str, Any]:
    """A ``policy`` sub-table becomes ``policy.FIELD`` keys."""
    if not isinstance(table, Mapping):
        raise SweepError(f"{where} must be a table of FIELD = value, not {type(table).__name__}")
    out: dict[str, Any] = {}
    for name, value in table.items():
        if name == "policy" and isinstance(value, Mapping):
            out.update({f"policy.{k}": v for k, v in value.items()})
        else:
            out[name] = value
    return out


def parse_value(kind: str, name: str, text: str) -> Any:
    """A setting's value from command-line text, by the field's type: numbers, ``none``, ``true``/
    ``false``, a list of stop times (``1800,3600``), or the text itself (distribution specs, choices)."""
    _check_field(kind, name)
    if name.startswith("policy."):
        return text
    kind_of = str(_fields(kind)[name].type)
    if name in {"rate_limits", "policy"}:
        raise SweepError(f"{name} cannot be given on the command line; use policy.FIELD, or a sweep file")
    if "None" in kind_of and text.strip().lower() in ("none", "once"):
        return None
    try:
        if name == "stop_at":
            return [float(v) for v in text.split(",")]
        if kind_of.startswith("bool"):
            if text.strip().lower() not in ("true", "false"):
                raise ValueError
            return text.strip().lower() == "true"
        if kind_of.startswith("int"):
            return int(text)
        if kind_of.startswith("float"):
            return float(text)
    except ValueError:
        raise SweepError(f"{name}={text!r} is not a valid {kind_of.replace(' | None', '')}") from None
    return text
