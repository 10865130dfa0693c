"""The text race's two engines, fed the same draws: the numpy engine and the simpy engine.

Each job has four events, at these times after its submission (with a cycle, the service's three are
moved to the next tick; see :mod:`~stoprace.sim.text.scenario`):

=====================  ====  ======================================================================
event                  rank  time
=====================  ====  ======================================================================
``start_processing``   0     the queue delay ``q``
``finish_processing``  1     ``q`` plus the characters of every document over the rate
``stop``               2     the stop time ``s``
``finish_stop``        3     ``s`` plus the stop latency
=====================  ====  ======================================================================

**Tie rule**: events at the same instant happen in rank order (processing that ends at the instant the
stop would take effect wins the race), as in the training race. A job stopped while ``IN_PROGRESS`` has
processed the documents done by the moment the stop took effect, and those are written out and billed
(evidence: ``analysis-job-output``); a job that completes processed them all; one stopped before it
started, none.

The simpy engine fires every event on a :class:`~stoprace.model.analysis.TextJob` (the model decides what
is refused) and counts the documents from the job's own timestamps. The numpy engine classifies each job
by where the stop and its effect fall among the job's two events, fires each class's event order through
the model once, and counts the documents with array operations. For one scenario, seed and count their
per-job outcomes are equal (``tests/test_text_race.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import simpy

from stoprace.model import InvalidTransitionError
from stoprace.model.analysis import JOB_ALL_DONE, TextJob, edges_for
from stoprace.model.lifecycle import Edge
from stoprace.model.policy import JobPolicy
from stoprace.sim.scenario import Progress

from .scenario import TextScenario

__all__ = [
    "EVENTS",
    "JobDraws",
    "Outcomes",
    "class_order",
    "classes",
    "draw_batches",
    "run",
    "simpy_batch",
    "vector_batch",
]

EVENTS = ("start_processing", "finish_processing", "stop", "finish_stop")
_START, _FINISH, _STOP, _EFFECT = range(4)
#: The cells (jobs x documents) drawn at a time: bounds memory whatever the counts.
BATCH_CELLS = 1 << 22
_STREAMS = ("queue", "sizes", "latency")
#: The final statuses of a job that processed all its documents.
_ALL_DONE = frozenset(s.value for s in JOB_ALL_DONE)


@dataclass(frozen=True, slots=True)
class JobDraws:
    """One batch of jobs: event times (n x 4, columns in rank order), each document's characters
    (n x documents) and the cumulative characters and billed units along each job's documents."""

    times: npt.NDArray[np.float64]
    characters: npt.NDArray[np.int64]
    cumulative: npt.NDArray[np.int64]
    units: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.times)


@dataclass(frozen=True, slots=True)
class Outcomes:
    """Per-job outcomes of one batch: path, documents processed, units billed, end (seconds)."""

    paths: list[str]
    documents: npt.NDArray[np.int64]
    units: npt.NDArray[np.int64]
    end: npt.NDArray[np.float64]


def _ticks(times: npt.NDArray[np.float64], cycle: float | None) -> npt.NDArray[np.float64]:
    """``times`` moved to the service's next tick (unchanged without a cycle)."""
    if cycle is None:
        return times
    return np.ceil(times / cycle) * cycle


def draw_batches(scenario: TextScenario, stop_index: int) -> Iterator[JobDraws]:
    """The jobs of row ``stop_index``, in batches; one stream per quantity, so the batch size changes
    no job, and one set of streams per stop time, so adding a stop time changes no other row."""
    seeds = np.random.SeedSequence([scenario.seed, stop_index]).spawn(len(_STREAMS))
    streams = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, seeds, strict=True)}
    kind, n_docs, stop = scenario.kind, scenario.documents, scenario.stop_at[stop_index]
    per_batch = max(1, BATCH_CELLS // n_docs)
    left = scenario.replications
    while left > 0:
        n = min(per_batch, left)
        left -= n
        queue = scenario.queue_delay.sample(streams["queue"], n)
        sizes = scenario.document_size.sample(streams["sizes"], n * n_docs).reshape(n, n_docs)
        characters = np.maximum(np.ceil(sizes), 1).astype(np.int64)
        latency = scenario.stop_latency.sample(streams["latency"], n)
        cumulative = np.cumsum(characters, axis=1)
        units = np.cumsum(np.maximum(kind.min_units, -(-characters // kind.unit_chars)), axis=1)
        times = np.empty((n, len(EVENTS)))
        times[:, _START] = _ticks(queue, scenario.cycle)
        times[:, _FINISH] = _ticks(times[:, _START] + cumulative[:, -1] / scenario.rate, scenario.cycle)
        times[:, _STOP] = stop
        times[:, _EFFECT] = _ticks(stop + latency, scenario.cycle)
        yield JobDraws(times, characters, cumulative, units)


def _processed(draws: JobDraws, rows: npt.NDArray[np.int64], rate: float, spans: Any) -> Any:
    """Documents done in ``spans`` seconds of processing, for the jobs ``rows``."""
    done = np.floor(np.asarray(spans) * rate + 1e-9)  # characters processed by then
    return np.array(
        [
            np.searchsorted(draws.cumulative[i], c, side="right")
            for i, c in zip(rows, np.atleast_1d(done), strict=True)
        ],
        dtype=np.int64,
    )


def _billed(draws: JobDraws, documents: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    rows = np.arange(len(draws))
    return np.where(documents > 0, draws.units[rows, np.maximum(documents - 1, 0)], 0)


def _fire_order(
    policy: JobPolicy, edges: tuple[Edge, ...], order: tuple[int, ...]
) -> tuple[TextJob, tuple[tuple[int, str], ...]]:
    """One event order fired through the model, each event at its place in ``order``; refused events are
    dropped, as in the simpy engine. The job, and its status changes: (event, status after it)."""
    job = TextJob(policy, at=-1, edges=edges)
    changes = []
    for place, k in enumerate(order):
        before = len(job.path)
        with suppress(InvalidTransitionError):
            job.fire(EVENTS[k], at=place)
        if len(job.path) > before:
            changes.append((k, job.path[-1]))
    return job, tuple(changes)


@cache
def _class(policy: JobPolicy, edges: tuple[Edge, ...], order: tuple[int, ...]) -> tuple[str, int, int]:
    """One event order's path, the event that started processing (-1 for none) and the one that ended
    the job."""
    job, _ = _fire_order(policy, edges, order)
    start = order[job.processing_start] if job.processing_start is not None else -1
    return ">".join(job.path), start, order[job.end_time] if job.end_time is not None else -1


@cache
def class_timeline(
    policy: JobPolicy, edges: tuple[Edge, ...], order: tuple[int, ...]
) -> tuple[tuple[int, str], ...]:
    """One event order's status changes: (event, status after it); the job is SUBMITTED until the first."""
    return _fire_order(policy, edges, order)[1]


def classes(draws: JobDraws) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Each job's class: how many of its two events come before the stop, and before its effect (ties
    by rank: the job's events first)."""
    t = draws.times
    before_stop = (t[:, _START] <= t[:, _STOP]).astype(np.int64) + (t[:, _FINISH] <= t[:, _STOP])
    before_effect = (t[:, _START] <= t[:, _EFFECT]).astype(np.int64) + (t[:, _FINISH] <= t[:, _EFFECT])
    return before_stop, before_effect


def class_order(before_stop: int, before_effect: int) -> tuple[int, ...]:
    """The order of the four events (indices of :data:`EVENTS`) of a class."""
    return (*range(before_stop), _STOP, *range(before_stop, before_effect), _EFFECT, *range(before_effect, 2))


def vector_batch(scenario: TextScenario, draws: JobDraws) -> Outcomes:
    """The numpy engine: each job's class (how many of its two events come before the stop and before
    its effect, ties by rank), then the documents by array operations."""
    t = draws.times
    before_stop, before_effect = classes(draws)
    edges = edges_for(scenario.kind.statuses)
    n = len(draws)
    paths = [""] * n
    started = np.zeros(n, dtype=bool)
    completed = np.zeros(n, dtype=bool)
    end = np.empty(n)
    for a, b in set(zip(before_stop.tolist(), before_effect.tolist(), strict=True)):
        order = class_order(a, b)
        path, start, ended = _class(scenario.policy, edges, order)
        rows = np.flatnonzero((before_stop == a) & (before_effect == b))
        for i in rows.tolist():
            paths[i] = path
        started[rows] = start >= 0
        completed[rows] = path.rsplit(">", 1)[-1] in _ALL_DONE
        end[rows] = t[rows, ended]
    documents = np.zeros(n, dtype=np.int64)
    documents[completed] = scenario.documents
    partial = np.flatnonzero(started & ~completed)
    documents[partial] = _processed(draws, partial, scenario.rate, end[partial] - t[partial, _START])
    return Outcomes(paths, documents, _billed(draws, documents), end)


def _job(env: simpy.Environment, job: TextJob, times: list[float]) -> Generator[simpy.Event, Any, None]:
    for k in sorted(range(len(EVENTS)), key=lambda k: (times[k], k)):  # the tie rule: rank order
        if times[k] > env.now:
            yield env.timeout(times[k] - env.now)
        if job.can_fire(EVENTS[k]):  # what the lifecycle refuses now is dropped
            job.fire(EVENTS[k], at=times[k])


def simpy_batch(scenario: TextScenario, draws: JobDraws) -> Outcomes:
    """The simpy engine: a process per job firing its events on the model's job; the documents from
    the job's own timestamps."""
    env = simpy.Environment()
    edges = edges_for(scenario.kind.statuses)
    jobs = [TextJob(scenario.policy, at=0.0, edges=edges) for _ in range(len(draws))]
    for job, times in zip(jobs, draws.times.tolist(), strict=True):
        env.process(_job(env, job, times))
    env.run()
    documents = np.zeros(len(jobs), dtype=np.int64)
    for i, job in enumerate(jobs):
        if job.path[-1] in _ALL_DONE:
            documents[i] = scenario.documents
        elif job.processing_start is not None:
            documents[i] = _processed(
                draws, np.array([i]), scenario.rate, job.end_time - job.processing_start
            )[0]
    end = np.array([job.end_time for job in jobs], dtype=float)
    return Outcomes([">".join(job.path) for job in jobs], documents, _billed(draws, documents), end)


Engine = Callable[[TextScenario, JobDraws], Outcomes]
#: The engines by name.
ENGINES: dict[str, Engine] = {"vector": vector_batch, "simpy": simpy_batch}


def run(
    scenario: TextScenario, engine: str = "vector", progress: Progress | None = None
) -> Iterator[tuple[float, JobDraws, Outcomes]]:
    """Every stop time's jobs, batch by batch: (stop time, draws, outcomes)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    batch = ENGINES[engine]
    total, done = scenario.replications * len(scenario.stop_at), 0
    for index, stop in enumerate(scenario.stop_at):
        for draws in draw_batches(scenario, index):
            yield stop, draws, batch(scenario, draws)
            done += len(draws)
            if progress is not None:
                progress(done, total)
