"""Sweeps: grids of race or fleet scenarios, on this process, local processes or a Dask cluster.

A :class:`Sweep` names the kind of scenario (``race`` or ``fleet``), the settings every cell shares
(``base``), and either a ``grid`` (every combination of the values given for some fields) or an explicit
list of ``cells``. Each cell's seed is derived from the sweep's seed and the cell's identity (its
settings, as canonical JSON) through ``numpy.random.SeedSequence``, so a cell's result does not depend
on the backend, the number of workers or the order in which cells finish.

Results go to a CSV file, one cell at a time as it finishes (appended, flushed and synced). Beside it,
``FILE.sweep.json`` records the sweep's definition: running the same sweep again skips the cells already
in the file, and a file made by a different definition is refused rather than mixed. When the sweep is
complete the file is rewritten in cell order, so it is byte for byte the same however it was computed:
serially or not, interrupted or not.

Policy fields are swept as ``policy.FIELD`` (for example ``policy.race_outcomes``).

>>> sweep = Sweep("race", base={"replications": 2000, "stop_at": (3000.0,)},
...               grid={"stop_latency": ["exponential:mean=60", "exponential:mean=600"]}, seed=1)
>>> [cell.params["stop_latency"] for cell in sweep.cells()]
['exponential:mean=60', 'exponential:mean=600']
>>> rows = run_cell(sweep.kind, sweep.cells()[0].scenario_params())
>>> rows[0]["jobs"]
2000
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import importlib
import io
import itertools
import json
import os
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from model import Policy
from model.statuses import FINISHED_ORDER

from .fleet import FleetScenario
from .fleet import simulate as simulate_fleet
from .scenario import DEFAULT_SEED, Progress, RaceScenario

__all__ = [
    "BACKENDS",
    "METRICS",
    "Cell",
    "Sweep",
    "SweepError",
    "load_results",
    "parse_value",
    "run_cell",
    "run_sweep",
    "sweep_from_toml",
]

KINDS: dict[str, type] = {"race": RaceScenario, "fleet": FleetScenario}
BACKENDS = ("serial", "processes", "dask")
_STATUSES = tuple(s.value for s in FINISHED_ORDER)
#: The result columns of each kind, after the cell's settings.
METRICS = {
    "race": (
        "stop_at",
        "jobs",
        "stop_requested",
        "race_lost",
        "p_race_lost",
        "ci95_low",
        "ci95_high",
        "mean_billed_seconds",
        *_STATUSES,
    ),
    "fleet": (
        "jobs",
        "stop_decided",
        "share_never_accepted",
        "stop_requested",
        "race_lost",
        "p_race_lost",
        "ci95_low",
        "ci95_high",
        "mean_stop_requested_seconds",
        "wasted_cost_usd",
        *_STATUSES,
    ),
}


class SweepError(ValueError):
    """A sweep that cannot be run as given (bad field or value, mismatched results file)."""


def _fields(kind: str) -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(KINDS[kind]) if f.name != "seed"}


def _check_field(kind: str, name: str) -> None:
    if name.startswith("policy."):
        sub = name.removeprefix("policy.")
        if sub not in Policy.__dataclass_fields__:
            raise SweepError(
                f"unknown policy field {sub!r}; fields: {', '.join(Policy.__dataclass_fields__)}"
            )
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


def _canonical(value: Any) -> str:
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _scenario_kwargs(kind: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario keyword arguments from settings (``policy.FIELD`` gathered into a Policy)."""
    kwargs: dict[str, Any] = {}
    policy: dict[str, Any] = {}
    for name, value in params.items():
        if name.startswith("policy."):
            policy[name.removeprefix("policy.")] = value
        elif name == "stop_at" and kind == "race":
            kwargs[name] = tuple(value) if isinstance(value, list | tuple) else (value,)
        elif name == "rate_limits":
            kwargs[name] = {k: tuple(v) for k, v in value.items()}
        else:
            kwargs[name] = value
    if policy:
        kwargs["policy"] = Policy(**policy)
    return kwargs


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
        cells = self.cells()
        keys = [c.key for c in cells]
        if len(set(keys)) != len(keys):
            raise SweepError("two cells of the sweep have the same settings")
        for cell in cells:  # every cell must be a valid scenario: refuse a bad value before running any
            try:
                KINDS[self.kind](**_scenario_kwargs(self.kind, cell.scenario_params()))
            except (ValueError, TypeError) as err:
                raise SweepError(f"cell {cell.index} ({_canonical(cell.params)}): {err}") from None

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
            key = _canonical(params)
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
        return hashlib.sha256(_canonical(self.definition()).encode()).hexdigest()

    @property
    def setting_columns(self) -> list[str]:
        """The swept fields that get a column of their own (``stop_at`` is already a result column)."""
        return [n for n in self.swept if n not in METRICS[self.kind]]

    def columns(self) -> list[str]:
        return ["cell", *self.setting_columns, *METRICS[self.kind]]


def _cell_seed(seed: int, key: str) -> int:
    digest = hashlib.sha256(key.encode()).digest()
    words = [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 32, 4)]
    return int(np.random.SeedSequence([seed, *words]).generate_state(1, dtype=np.uint64)[0] >> 1)


# -- one cell ---------------------------------------------------------------------------------------------


def run_cell(kind: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Simulate one cell (settings including its seed); its result rows (one per stop time for a race)."""
    scenario = KINDS[kind](**_scenario_kwargs(kind, params))
    if kind == "race":
        from . import vector  # noqa: PLC0415

        rows = []
        for row in vector.simulate(scenario).rows:
            interval = row.ci()
            rows.append(
                {
                    "stop_at": row.stop_at,
                    "jobs": row.jobs,
                    "stop_requested": row.stop_requested,
                    "race_lost": row.race_lost,
                    "p_race_lost": row.p_race_lost,
                    "ci95_low": interval[0] if interval else None,
                    "ci95_high": interval[1] if interval else None,
                    "mean_billed_seconds": row.mean_billed_seconds,
                    **{s: row.final.get(s, 0) for s in _STATUSES},
                }
            )
        return rows
    result = simulate_fleet(scenario)
    d = result.as_dict()
    bounds = d["ci95"] or [None, None]
    return [
        {
            "jobs": d["jobs"],
            "stop_decided": d["stop_decided"],
            "share_never_accepted": d["share_never_accepted"],
            "stop_requested": d["stop_requested"],
            "race_lost": d["race_lost"],
            "p_race_lost": d["p_race_lost"],
            "ci95_low": bounds[0],
            "ci95_high": bounds[1],
            "mean_stop_requested_seconds": d["stop_requested_seconds"]["mean"],
            "wasted_cost_usd": d["wasted_cost_usd"],
            **{s: d["final"].get(s, 0) for s in _STATUSES},
        }
    ]


def _run_indexed(kind: str, index: int, params: Mapping[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    return index, run_cell(kind, params)


# -- the results file ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple | dict):
        return _canonical(value)
    return str(value)


def _lines(sweep: Sweep, cell: Cell, rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in rows:
        writer.writerow(
            [
                cell.index,
                *(_text(cell.params.get(n)) for n in sweep.setting_columns),
                *(_text(row.get(m)) for m in METRICS[sweep.kind]),
            ]
        )
    return buffer.getvalue()


def _meta_path(path: Path) -> Path:
    return path.with_name(path.name + ".sweep.json")


def _expected_rows(sweep: Sweep, cell: Cell) -> int:
    if sweep.kind != "race":
        return 1
    stop_at = cell.params.get("stop_at", RaceScenario().stop_at)
    return len(stop_at) if isinstance(stop_at, list | tuple) else 1


def _resume(sweep: Sweep, path: Path) -> dict[int, str]:
    """The cells already in ``path`` (index -> their lines); refuse a file of another sweep. A line cut
    short by an interrupted write, and a cell with rows missing, are dropped (and recomputed)."""
    meta = _meta_path(path)
    if not path.exists():
        if meta.exists():
            meta.unlink()
        return {}
    if not meta.exists():
        raise SweepError(
            f"{path} exists but was not written by a sweep ({meta.name} is missing); "
            "choose another results file"
        )
    recorded = json.loads(meta.read_text())
    if recorded.get("fingerprint") != sweep.fingerprint():
        raise SweepError(
            f"{path} holds the results of a different sweep definition; choose another "
            "results file, or delete it to start again"
        )
    text = path.read_text()
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines.pop()  # cut short by an interrupted write
    if not lines or lines[0].rstrip("\n") != ",".join(sweep.columns()):
        raise SweepError(f"{path} does not have this sweep's columns; choose another results file")
    cells = {c.index: c for c in sweep.cells()}
    done: dict[int, list[str]] = {}
    for line in lines[1:]:
        index = int(line.split(",", 1)[0])
        done.setdefault(index, []).append(line)
    return {
        i: "".join(rows)
        for i, rows in done.items()
        if i in cells and len(rows) == _expected_rows(sweep, cells[i])
    }


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text)
    os.replace(temporary, path)


@dataclass(slots=True)
class SweepRun:
    """What :func:`run_sweep` did: the cells in all, those found done, those computed, and the time."""

    path: Path
    cells: int
    resumed: int
    computed: int
    seconds: float




def run_sweep(
    sweep: Sweep,
    path: str | Path,
    *,
    backend: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: Progress | None = None,
) -> SweepRun:
    """Run every cell of ``sweep`` not already in ``path``, appending each as it finishes; then rewrite
    the file in cell order. ``backend`` is ``serial``, ``processes`` (``workers`` of them, default one
    per core) or ``dask`` (a cluster at ``scheduler``, or a ``LocalCluster`` of ``dask_local`` workers)."""
    if backend not in BACKENDS:
        raise SweepError(f"unknown backend {backend!r}; backends: {', '.join(BACKENDS)}")
    path = Path(path)
    started = time.perf_counter()
    done = _resume(sweep, path)
    cells = sweep.cells()
    header = ",".join(sweep.columns()) + "\n"
    meta = {"fingerprint": sweep.fingerprint(), "definition": sweep.definition()}
    # The definition first: a results file is never left without the record that vouches for it.
    _write_atomically(_meta_path(path), json.dumps(meta, indent=2) + "\n")
    _write_atomically(path, header + "".join(done[i] for i in sorted(done)))
    todo = [c for c in cells if c.index not in done]
    finished = dict(done)
    if progress is not None:
        progress(len(finished), len(cells))
    with path.open("a") as handle:
        for index, rows in _execute(sweep, todo, backend, workers=workers, scheduler=scheduler,
                                    dask_local=dask_local):
            text = _lines(sweep, cells[index], rows)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
            finished[index] = text
            if progress is not None:
                progress(len(finished), len(cells))
    _write_atomically(path, header + "".join(finished[i] for i in sorted(finished)))
    return SweepRun(path, len(cells), len(done), len(todo), time.perf_counter() - started)


def _execute(
    sweep: Sweep,
    todo: list[Cell],
    backend: str,
    *,
    workers: int | None,
    scheduler: str | None,
    dask_local: int | None,
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    if not todo:
        return
    if backend == "serial":
        for cell in todo:
            yield _run_indexed(sweep.kind, cell.index, cell.scenario_params())
    elif backend == "processes":
        with ProcessPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
            futures = [pool.submit(_run_indexed, sweep.kind, c.index, c.scenario_params()) for c in todo]
            for future in as_completed(futures):
                yield future.result()
    else:
        yield from _execute_dask(sweep, todo, scheduler, dask_local)


def _execute_dask(
    sweep: Sweep, todo: list[Cell], scheduler: str | None, dask_local: int | None
) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    try:
        distributed: Any = importlib.import_module("distributed")  # optional: the [dask] extra
    except ImportError:
        raise SweepError(
            "the dask backend needs Dask's distributed scheduler: pip install 'stoprace[dask]'"
        ) from None
    cluster = None
    if scheduler is None:
        # Dask starts workers with MALLOC_TRIM_THRESHOLD_=65536, which makes the engines' batch arrays
        # cost a trip to the kernel each; without it a cell runs about 40% faster.
        dask_config: Any = importlib.import_module("dask.config")
        with dask_config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
            cluster = distributed.LocalCluster(
                n_workers=dask_local or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
    client = distributed.Client(cluster if cluster is not None else scheduler)
    try:
        # pure=False: each cell is its own task, keyed by its identity, never merged with another or
        # taken from a cache of an earlier submission.
        futures = [
            client.submit(
                _run_indexed,
                sweep.kind,
                c.index,
                c.scenario_params(),
                pure=False,
                key=f"stoprace-cell-{c.index}-{hashlib.sha256(c.key.encode()).hexdigest()[:16]}",
            )
            for c in todo
        ]
        for future in distributed.as_completed(futures):
            yield future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# -- reading results and sweep files ------------------------------------------------------------------------


def load_results(path: str | Path) -> list[dict[str, str]]:
    """The rows of a results file, as strings keyed by column."""
    with Path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))


def sweep_from_toml(text: str) -> Sweep:
    """A sweep from TOML: ``kind``, ``seed``, a ``[base]`` table, and a ``[grid]`` table or ``[[cells]]``."""
    import tomllib  # noqa: PLC0415

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SweepError(f"not valid TOML: {err}") from None
    unknown = set(data) - {"kind", "seed", "base", "grid", "cells"}
    if unknown:
        raise SweepError(
            f"unknown keys in the sweep file: {', '.join(sorted(unknown))}; "
            "expected kind, seed, base, grid, cells"
        )
    return Sweep(
        kind=data.get("kind", "race"),
        base=_flatten(data.get("base", {})),
        grid=_flatten(data.get("grid", {})),
        explicit=[_flatten(c) for c in data.get("cells", [])],
        seed=data.get("seed", DEFAULT_SEED),
    )


def _flatten(table: Mapping[str, Any]) -> dict[str, Any]:
    """A ``policy`` sub-table becomes ``policy.FIELD`` keys."""
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
