"""Running a sweep: one cell, and every cell on a backend, with a results file that resumes."""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import json
import os
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stoprace.sim.fleet import simulate as simulate_fleet
from stoprace.sim.scenario import Progress, RaceScenario

from .definition import (
    BACKENDS,
    METRICS,
    Cell,
    Sweep,
    SweepError,
    build_scenario,
    canonical,
)

__all__ = ["SweepRun", "load_results", "run_cell", "run_sweep"]


def run_cell(kind: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Simulate one cell (settings including its seed); its result rows (one per stop time for a race)."""
    scenario = build_scenario(kind, params)
    if kind == "race":
        from stoprace.sim import vector  # noqa: PLC0415

        results: list[Any] = list(vector.simulate(scenario).rows)
    elif kind == "text":
        from stoprace.sim.text.report import simulate, text_report  # noqa: PLC0415

        results = text_report(simulate(scenario), analytic=False)["rows"]
    else:
        results = [simulate_fleet(scenario).as_dict()]
    return [{name: read(result) for name, read in METRICS[kind].items()} for result in results]


def _run_indexed(kind: str, index: int, params: Mapping[str, Any]) -> tuple[int, list[dict[str, Any]]]:
    return index, run_cell(kind, params)


# -- the results file ---------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple | dict):
        return canonical(value)
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
    try:
        recorded = json.loads(meta.read_text())
    except (UnicodeDecodeError, json.JSONDecodeError):
        recorded = None
    if not isinstance(recorded, dict):
        raise SweepError(
            f"{meta} is damaged (not the JSON a sweep writes); delete {path} and it to start again"
        )
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
    for number, line in enumerate(lines[1:], start=2):
        first = line.split(",", 1)[0]
        if not first.isdigit():
            raise SweepError(
                f"{path} line {number} is not a row of this sweep ({first[:40]!r}); "
                "remove it, or choose another results file"
            )
        done.setdefault(int(first), []).append(line)
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
        for index, rows in _execute(
            sweep, todo, backend, workers=workers, scheduler=scheduler, dask_local=dask_local
        ):
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
        with ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1, initializer=_follow_parent, initargs=(os.getpid(),)
        ) as pool:
            futures = [pool.submit(_run_indexed, sweep.kind, c.index, c.scenario_params()) for c in todo]
            for future in as_completed(futures):
                yield future.result()
    else:
        yield from _execute_dask(sweep, todo, scheduler, dask_local)


def _follow_parent(parent: int) -> None:
    """In a worker process: exit once the sweep that started it is gone (killed, even with SIGKILL),
    rather than wait forever on the queue of a pool nobody reads."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="stoprace-parent-watch", daemon=True).start()


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


def load_results(path: str | Path) -> list[dict[str, str]]:
    """The rows of a results file, as strings keyed by column."""
    with Path(path).open(newline="") as handle:
        return list(csv.DictReader(handle))
