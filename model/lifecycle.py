"""The lifecycle of one training job, written once as a table of edges.

``EDGES`` is the project's single source of truth: the ``transitions`` Machine that runs jobs, the
service's state checks, the checker, the diagrams, the README's assumptions table and the simulators
are all derived from it. Each edge says who causes it (``actor``), how we know it (``provenance``) and
where that knowledge comes from (``evidence``); an edge whose ``when`` names policy settings exists
only under those settings.

An edge with ``dest=None`` is an *accepted no-op*: the call succeeds and nothing changes (for example a
repeated stop). A trigger with no enabled edge from the job's status is refused with
:class:`~model.errors.InvalidTransitionError`; the service turns that into the policy's AWS error.

>>> job = TrainingJob(at=0.0)
>>> job.fire("start_training", at=60.0)
>>> job.fire("stop", at=3600.0)
>>> job.fire("finish_training", at=3630.0)   # training completed before the stop took effect
>>> job.status, job.race_lost
(<Status.TRAINED: 'TRAINED'>, True)
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

from transitions import EventData, Machine, MachineError

from .errors import InvalidTransitionError, ModelError
from .policy import DEFAULT_POLICY, Policy
from .statuses import DELETED, FINISHED, Status

__all__ = [
    "API_TRIGGERS",
    "EDGES",
    "RACE_LOST_STEPS",
    "SERVICE_TRIGGERS",
    "STATES",
    "TRIGGER_DETAILS",
    "Actor",
    "Edge",
    "LifecycleMachine",
    "Provenance",
    "TrainingJob",
    "enabled_edges",
    "machine_for",
    "race_lost",
    "release",
]


class Actor(StrEnum):
    """Who causes an edge: a client's API call, or the service's own progress."""

    API = "api"
    SERVICE = "service"


class Provenance(StrEnum):
    """How we know an edge: AWS says so, real integrations show it, or the model chooses it."""

    DOCUMENTED = "documented"
    INFERRED = "inferred"
    ASSUMED = "assumed"


#: The guard of edges that only a job that has started training can take.
HAS_TRAINED = "has_trained"


@dataclass(frozen=True, slots=True)
class Edge:
    """One row of the lifecycle table."""

    trigger: str
    source: tuple[str, ...]
    dest: str | None
    actor: Actor
    provenance: Provenance
    evidence: str
    when: tuple[tuple[str, str], ...] = ()
    guard: str | None = None

    def enabled(self, policy: Policy) -> bool:
        """Whether this edge exists under ``policy``."""
        return all(getattr(policy, name) == value for name, value in self.when)

    @property
    def condition(self) -> str:
        """The policy settings and guard this edge needs, as text ('' when it always exists)."""
        parts = [f"{name}={value}" for name, value in self.when]
        if self.guard:
            parts.append("job has started training")
        return ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        """The edge as plain data (for JSON)."""
        return {
            "trigger": self.trigger,
            "source": list(self.source),
            "dest": self.dest,
            "actor": self.actor.value,
            "provenance": self.provenance.value,
            "evidence": self.evidence,
            "when": dict(self.when),
            "guard": self.guard,
        }


_S = Status
_FINISHED_ORDER = (_S.TRAINED, _S.TRAINED_WITH_WARNING, _S.STOPPED, _S.IN_ERROR)
_API, _SVC = Actor.API, Actor.SERVICE
_DOC, _INF, _ASM = Provenance.DOCUMENTED, Provenance.INFERRED, Provenance.ASSUMED

#: The lifecycle table. Order is presentation order; it carries no meaning.
EDGES: tuple[Edge, ...] = (
    # -- the service's own progress --------------------------------------------------------------
    Edge("start_training", (_S.SUBMITTED,), _S.TRAINING, _SVC, _DOC,
         "SPEC 1: the console shows Submitted, then Training"),
    Edge("finish_training", (_S.TRAINING,), _S.TRAINED, _SVC, _DOC,
         "SPEC 1: Training, then Trained"),
    Edge("finish_training_with_warning", (_S.TRAINING,), _S.TRAINED_WITH_WARNING, _SVC, _DOC,
         "SPEC 1: ModelStatus TRAINED_WITH_WARNING (added 2023)"),
    Edge("fail_training", (_S.TRAINING,), _S.IN_ERROR, _SVC, _DOC,
         "SPEC 1: Training, then In error; IN_ERROR is the failure value"),
    Edge("finish_training", (_S.STOP_REQUESTED,), _S.TRAINED, _SVC, _DOC,
         "SEED: if training completes before the stop can take effect, the job ends TRAINED",
         guard=HAS_TRAINED),
    Edge("finish_training_with_warning", (_S.STOP_REQUESTED,), _S.TRAINED_WITH_WARNING, _SVC, _ASM,
         "SPEC 5: not stated; a completion with warnings can win the race too",
         when=(("race_outcomes", "all"),), guard=HAS_TRAINED),
    Edge("fail_training", (_S.STOP_REQUESTED,), _S.IN_ERROR, _SVC, _ASM,
         "SPEC 5: not stated; a failure can win the race too",
         when=(("race_outcomes", "all"),), guard=HAS_TRAINED),
    Edge("finish_stop", (_S.STOP_REQUESTED,), _S.STOPPED, _SVC, _DOC,
         "SEED: otherwise the job is stopped and ends STOPPED"),
    Edge("finish_delete", (_S.DELETING,), DELETED, _SVC, _DOC,
         "SPEC 3: DELETING, then removed by a background job (describe: ResourceNotFound)"),
    # -- StopTrainingDocumentClassifier ----------------------------------------------------------
    Edge("stop", (_S.TRAINING,), _S.STOP_REQUESTED, _API, _DOC,
         "SEED: a TRAINING job is marked for termination and put into STOP_REQUESTED"),
    Edge("stop", (_S.SUBMITTED,), _S.STOP_REQUESTED, _API, _INF,
         "SPEC 5: aws-nuke stops SUBMITTED jobs and expects no error; ends STOPPED untrained",
         when=(("stop_when_submitted", "accept"),)),
    Edge("stop", (_S.SUBMITTED,), None, _API, _ASM,
         "SPEC 5: alternative: a stop of a SUBMITTED job is answered 200 and ignored",
         when=(("stop_when_submitted", "ignore"),)),
    Edge("stop", (_S.STOP_REQUESTED,), None, _API, _INF,
         "SPEC 5: moto answers a repeated stop with 200 and no change",
         when=(("stop_when_stop_requested", "ignore"),)),
    Edge("stop", (*_FINISHED_ORDER, _S.DELETING), None, _API, _INF,
         "SPEC 5: Terraform stops before deleting in every state; stopping a finished job does not fail",
         when=(("stop_when_finished", "ignore"),)),
    # -- DeleteDocumentClassifier -----------------------------------------------------------------
    Edge("delete", (_S.TRAINED, _S.IN_ERROR), _S.DELETING, _API, _DOC,
         "SPEC 3: only classifiers in terminated states (IN_ERROR, TRAINED) will be deleted"),
    Edge("delete", (_S.TRAINED_WITH_WARNING, _S.STOPPED), _S.DELETING, _API, _INF,
         "SPEC 5: Airflow treats STOPPED as deletable; Terraform deletes after stop",
         when=(("deletable", "finished"),)),
)

#: Every state of the Machine: the 8 statuses, then the internal pseudo-state of a deleted job.
STATES: tuple[str, ...] = (*(s.value for s in Status), DELETED)

#: Triggers caused by client calls, and by the service's own progress (derived from the table).
API_TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(e.trigger for e in EDGES if e.actor is Actor.API))
SERVICE_TRIGGERS: tuple[str, ...] = tuple(
    dict.fromkeys(e.trigger for e in EDGES if e.actor is Actor.SERVICE)
)

#: Details a trigger accepts besides ``at`` (the time it happens).
TRIGGER_DETAILS: dict[str, tuple[str, ...]] = {
    "fail_training": ("message",),
    "finish_training_with_warning": ("message",),
}

#: The Message a failed job reports when ``fail_training`` is given none.
DEFAULT_FAILURE_MESSAGE = "Training failed."


def _check_table(edges: Iterable[Edge]) -> None:
    """Refuse a malformed table: unknown states or fields, or two edges competing for one event."""
    edges = tuple(edges)
    names = set(Policy.__dataclass_fields__)
    actors: dict[str, Actor] = {}
    for edge in edges:
        unknown = [s for s in (*edge.source, edge.dest) if s is not None and s not in STATES]
        if unknown:
            raise ModelError(f"edge {edge.trigger!r} names unknown states {unknown}")
        if actors.setdefault(edge.trigger, edge.actor) is not edge.actor:
            raise ModelError(f"trigger {edge.trigger!r} is given two actors")
        for name, _ in edge.when:
            if name not in names:
                raise ModelError(f"edge {edge.trigger!r} depends on unknown policy field {name!r}")
        if edge.guard not in (None, HAS_TRAINED):
            raise ModelError(f"edge {edge.trigger!r} has unknown guard {edge.guard!r}")
    for policy in Policy.combinations({n for e in edges for n, _ in e.when}):
        seen: set[tuple[str, str]] = set()
        for edge in enabled_edges(policy, edges):
            for source in edge.source:
                if (edge.trigger, source) in seen:
                    raise ModelError(
                        f"two edges for trigger {edge.trigger!r} from {source} under {policy.changes()}"
                    )
                seen.add((edge.trigger, source))


def enabled_edges(policy: Policy = DEFAULT_POLICY, edges: Iterable[Edge] = EDGES) -> tuple[Edge, ...]:
    """The edges that exist under ``policy``."""
    return tuple(edge for edge in edges if edge.enabled(policy))


_check_table(EDGES)

# Keyed by the table's identity (hashing a whole table on every job creation would cost more than
# creating the job); the table itself is kept in the value, so its id cannot be reused.
_machines: dict[tuple[Policy, int], tuple[tuple[Edge, ...], LifecycleMachine]] = {}
_machines_lock = threading.Lock()
_pending_release: deque[tuple[TrainingJob, ...]] = deque()


def machine_for(policy: Policy = DEFAULT_POLICY, edges: tuple[Edge, ...] = EDGES) -> LifecycleMachine:
    """The one ``transitions`` Machine for ``policy``, built on first use and shared by every job.

    ``edges`` defaults to the project's table; another table (for example a deliberately broken one in
    a test of the checker) gets its own Machine.
    """
    key = (policy, id(edges))
    entry = _machines.get(key)
    if entry is None:
        with _machines_lock:
            entry = _machines.get(key)
            if entry is None:
                if edges is not EDGES:
                    _check_table(edges)
                entry = (edges, _build_machine(policy, edges))
                _machines[key] = entry
    return entry[1]


class LifecycleMachine(Machine):
    """The ``transitions`` Machine that runs jobs, registering them without convenience methods.

    ``Machine.add_model`` binds some thirty generated methods to every model (one per trigger, one
    ``is_<state>`` per state, one ``may_<trigger>`` per trigger). Jobs fire through
    :meth:`TrainingJob.fire` and need none of them; binding them made creating a job cost more than
    running its whole lifecycle, which matters to simulators that create millions.
    """

    #: For each trigger, the states it has an edge from (for error messages).
    sources: dict[str, tuple[str, ...]]

    def add_model(self, model: Any, initial: Any = None) -> None:
        state = self.get_state(initial if initial is not None else Status.SUBMITTED.value)
        for mod in model if isinstance(model, list | tuple) else [model]:
            self.set_state(state, model=mod)
            self.models.append(mod)


def _build_machine(policy: Policy, edges: tuple[Edge, ...]) -> LifecycleMachine:
    machine = LifecycleMachine(
        model=None,
        states=list(STATES),
        initial=Status.SUBMITTED.value,
        transitions=[
            {
                "trigger": edge.trigger,
                "source": list(edge.source),
                "dest": edge.dest,
                "conditions": [edge.guard] if edge.guard else [],
            }
            for edge in enabled_edges(policy, edges)
        ],
        auto_transitions=False,
        send_event=True,
        ignore_invalid_triggers=False,
        after_state_change="_after_change",
        name=f"lifecycle{policy.changes() or ''}",
    )
    enabled = enabled_edges(policy, edges)
    machine.sources = {
        trigger: tuple(s for s in STATES if any(e.trigger == trigger and s in e.source for e in enabled))
        for trigger in (*API_TRIGGERS, *SERVICE_TRIGGERS)
    }
    return machine


#: The steps on which a stop loses the race: from ``STOP_REQUESTED`` straight to a trained status.
RACE_LOST_STEPS: frozenset[tuple[str, str]] = frozenset(
    (Status.STOP_REQUESTED.value, s.value) for s in (Status.TRAINED, Status.TRAINED_WITH_WARNING)
)


def race_lost(path: Sequence[str]) -> bool:
    """Whether a path of statuses took a step of :data:`RACE_LOST_STEPS`: the stop lost the race
    against training completion (DESIGN's vocabulary).

    >>> race_lost(["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"])
    True
    """
    return any(step in RACE_LOST_STEPS for step in pairwise(path))


def release(jobs: Iterable[TrainingJob]) -> None:
    """Unregister ``jobs`` from their shared Machines, so that they can be garbage-collected.

    A registered job is referenced by its Machine, which lives as long as the process; whoever owns
    jobs (the service, a simulator) releases them when it is done with them. Idempotent. Safe to call
    from a finalizer: it never waits for a lock; if the registry is busy, the jobs are unregistered by
    whoever holds it next.
    """
    _pending_release.append(tuple(jobs))
    if _machines_lock.acquire(blocking=False):
        try:
            _drain_releases()
        finally:
            _machines_lock.release()


def _drain_releases() -> None:
    """Unregister every job waiting in ``_pending_release``; the caller holds ``_machines_lock``."""
    by_machine: dict[int, tuple[Machine, set[int]]] = {}
    while _pending_release:
        for job in _pending_release.popleft():
            by_machine.setdefault(id(job._machine), (job._machine, set()))[1].add(id(job))
    for machine, ids in by_machine.values():
        machine.models[:] = [m for m in machine.models if id(m) not in ids]


class TrainingJob:
    """One training job's status, path and timestamps, run by the shared Machine of its policy.

    Times are whatever the caller passes as ``at`` (seconds of a simulation, or datetimes of the
    service's clock); the job has no clock of its own. Timestamps follow SPEC section 3 and the policy:

    - ``submit_time`` on creation; ``training_start`` on entering ``TRAINING``;
    - ``stop_requested_at`` on entering ``STOP_REQUESTED``;
    - ``end_time`` on reaching a finished status, and ``training_end`` then too if training started
      (for a job that ends ``STOPPED`` under ``stopped_training_end=at_stop_request``, the time of the
      stop request instead).
    """

    state: str  # written by the Machine

    def __init__(
        self, policy: Policy = DEFAULT_POLICY, *, at: Any = None, edges: tuple[Edge, ...] = EDGES
    ) -> None:
        self.policy = policy
        self.submit_time: Any = at
        self.training_start: Any = None
        self.training_end: Any = None
        self.stop_requested_at: Any = None
        self.end_time: Any = None
        self.message: str | None = None
        self.path: list[str] = [Status.SUBMITTED.value]
        self._machine = machine_for(policy, edges)
        with _machines_lock:
            self._machine.add_model(self)
            if _pending_release:
                _drain_releases()

    def __repr__(self) -> str:
        return f"TrainingJob(state={self.state}, path={'>'.join(self.path)})"

    def copy(self) -> TrainingJob:
        """An independent job in the same status, with the same history and times."""
        twin = TrainingJob.__new__(TrainingJob)
        twin.__dict__.update(self.__dict__)
        twin.path = list(self.path)
        with _machines_lock:
            self._machine.add_model(twin, initial=self.state)
        return twin

    @property
    def status(self) -> Status:
        """The reported status. A deleted job has none: asking raises ``ModelError``."""
        if self.state == DELETED:
            raise ModelError("the job has been deleted; it has no status")
        return Status(self.state)

    @property
    def deleted(self) -> bool:
        """Whether the job's delete has completed (the job no longer exists)."""
        return self.state == DELETED

    @property
    def race_lost(self) -> bool:
        """Whether the job's stop lost the race (see :func:`race_lost`)."""
        return race_lost(self.path)

    def fire(self, trigger: str, *, at: Any = None, message: str | None = None) -> None:
        """Fire ``trigger`` at time ``at``; raise ``InvalidTransitionError`` where no edge allows it.

        A refused trigger changes nothing. ``message`` is accepted by the triggers of
        ``TRIGGER_DETAILS`` only.
        """
        if trigger not in API_TRIGGERS and trigger not in SERVICE_TRIGGERS:
            raise ModelError(
                f"unknown trigger {trigger!r}; triggers are: {', '.join(API_TRIGGERS + SERVICE_TRIGGERS)}"
            )
        if message is not None and "message" not in TRIGGER_DETAILS.get(trigger, ()):
            raise ModelError(f"trigger {trigger!r} takes no message")
        event = self._machine.events.get(trigger)
        try:
            done = event is not None and event.trigger(self, at=at, message=message)
        except MachineError:
            done = False
        if not done:
            raise InvalidTransitionError(
                trigger,
                self.state,
                self.allowed_from(trigger),
                "training never started" if self._guard_failed(trigger) else "",
            )

    def can_fire(self, trigger: str) -> bool:
        """Whether ``trigger`` has an enabled edge from the current status (guards included)."""
        return any(
            (not t.conditions or self.has_trained())
            for t in self._machine.get_transitions(trigger, source=self.state)
        )

    def allowed_from(self, trigger: str) -> tuple[str, ...]:
        """The statuses ``trigger`` has an edge from under this job's policy."""
        return self._machine.sources.get(trigger, ())

    def detach(self) -> None:
        """Unregister the job from the shared Machine (done when it is purged); idempotent."""
        release((self,))

    # -- callbacks called by the Machine ---------------------------------------------------------

    def has_trained(self, _event: EventData | None = None) -> bool:
        """Guard: whether the job has entered ``TRAINING`` (so training can complete or fail)."""
        return self.training_start is not None

    def _guard_failed(self, trigger: str) -> bool:
        return bool(self._machine.get_transitions(trigger, source=self.state)) and not self.has_trained()

    def _after_change(self, event: EventData) -> None:
        dest = event.transition.dest if event.transition is not None else None
        if dest is None:  # an accepted no-op
            return
        at = event.kwargs.get("at")
        self.path.append(dest)
        if dest == Status.TRAINING:
            self.training_start = at
        elif dest == Status.STOP_REQUESTED:
            self.stop_requested_at = at
        elif dest in FINISHED:
            self.end_time = at
            if self.training_start is not None:
                stopped_early = (
                    dest == Status.STOPPED
                    and self.policy.stopped_training_end == "at_stop_request"
                    and self.stop_requested_at is not None
                )
                self.training_end = self.stop_requested_at if stopped_early else at
            message = event.kwargs.get("message")
            if dest == Status.IN_ERROR:
                self.message = message or DEFAULT_FAILURE_MESSAGE
            elif message is not None:
                self.message = message
