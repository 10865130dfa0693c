"""One training job, run by the ``transitions`` Machine of its policy's edges.

The Machine of a policy is built once, from :data:`stoprace.model.lifecycle.EDGES`, and shared by every job;
it holds no jobs (firing a trigger reads and sets the job's ``state`` only). A job records its path of
statuses, the timestamps its steps stamp (under the two rules of :class:`~stoprace.model.lifecycle.Edge`) and
the last message.

>>> job = TrainingJob(at=0.0)
>>> print(job.fire("start_training", at=60.0).dest)   # TRAINING begins with provisioning
TRAINING
>>> _ = job.fire("begin_billing", at=90.0)              # billed training begins: TrainingStartTime
>>> _ = job.fire("stop", at=3600.0)
>>> _ = job.fire("end_billing", at=3630.0)    # billed training ended before the stop took effect
>>> _ = job.fire("finish_training", at=3695.0)          # the job ends after its finalization
>>> job.status, job.race_lost, job.times[Stamp.TRAINING_END], job.path
(<Status.TRAINED: 'TRAINED'>, True, 3630.0, ['SUBMITTED', 'TRAINING', 'STOP_REQUESTED', 'TRAINED'])
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any, Self

from transitions import EventData, Machine, MachineError

from .errors import InvalidTransitionError, ModelError, released
from .lifecycle import (
    EDGES,
    GUARDS,
    RACE_LOST_STEPS,
    STATES,
    Actor,
    Edge,
    Stamp,
    check_table,
    enabled_edges,
)
from .policy import DEFAULT_POLICY, Choices, Policy
from .statuses import DELETED, Status

__all__ = ["LifecycleMachine", "Step", "TrainingJob", "machine_for"]

# transitions reports every step at INFO ("Finished processing state ... callbacks"): with jobs fired
# by the hundred thousand, an application that logs at INFO would drown. Its warnings still show; set
# the "transitions" logger's level to see the rest.
logging.getLogger("transitions").setLevel(logging.WARNING)


# Keyed by the table's identity (hashing a whole table on every job creation would cost more than
# creating the job); the table itself is kept in the value, so its id cannot be reused. A Machine holds
# no jobs: firing a trigger reads and sets the job's ``state`` attribute only.
_machines: dict[tuple[Choices, int], tuple[tuple[Edge, ...], LifecycleMachine]] = {}
_machines_lock = threading.Lock()


def machine_for(
    policy: Choices = DEFAULT_POLICY, edges: tuple[Edge, ...] = EDGES, states: tuple[str, ...] = STATES
) -> LifecycleMachine:
    """The one ``transitions`` Machine for ``policy``, built on first use and shared by every job.

    ``edges`` defaults to the project's table of the resources that train; another table (a family's,
    over its ``states``, the first of them initial; or a deliberately broken one in a test of the
    checker) gets its own Machine.
    """
    if policy.__class__ is not Policy and not isinstance(policy, Choices):
        raise TypeError(f"policy must be a stoprace.model.Policy, not {type(policy).__name__}")
    key = (policy, id(edges))
    entry = _machines.get(key)
    if entry is None:
        with _machines_lock:
            entry = _machines.get(key)
            if entry is None:
                if edges is not EDGES:
                    check_table(edges, states, type(policy))
                entry = (edges, LifecycleMachine(policy, edges, states))
                _machines[key] = entry
    return entry[1]


def _condition(guard: str) -> Callable[[EventData], bool]:
    """A transitions condition deciding ``guard`` for the job being fired (``event.model``)."""
    holds = GUARDS[guard].holds

    def condition(event: EventData) -> bool:
        job: TrainingJob = event.model  # type: ignore[assignment]
        return holds(job.path, job.times)

    return condition


class LifecycleMachine(Machine):
    """The ``transitions`` Machine of one policy's edges. It registers no models: a job is fired by
    ``Event.trigger(job)``, which reads and sets ``job.state``, and calls back the job's methods."""

    def __init__(self, policy: Choices, edges: tuple[Edge, ...], states: tuple[str, ...] = STATES) -> None:
        enabled = enabled_edges(policy, edges)
        super().__init__(
            model=None,
            states=list(states),
            initial=states[0],
            transitions=[
                {
                    "trigger": edge.trigger,
                    "source": list(edge.source),
                    # a step that keeps the status is an internal transition (no exit and re-entry)
                    "dest": None if edge.source == (edge.dest,) else edge.dest,
                    "conditions": [_condition(edge.guard)] if edge.guard else [],
                }
                for edge in enabled
            ],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
            after_state_change="_after_change",
            name=f"lifecycle{policy.changes() or ''}",
        )
        #: The edge behind each (trigger, source): at most one under a policy (the table is checked).
        self.edge_of = {(e.trigger, s): e for e in enabled for s in e.source}
        #: For each trigger of the table, the states it has an edge from (for error messages).
        self.sources = {
            trigger: tuple(s for s in states if (trigger, s) in self.edge_of)
            for actor in (Actor.API, Actor.SERVICE)
            for trigger in dict.fromkeys(e.trigger for e in edges if e.actor is actor)
        }
        #: The triggers of the service's own progress.
        self.service_triggers = tuple(dict.fromkeys(e.trigger for e in edges if e.actor is Actor.SERVICE))
        #: The triggers that take a ``message`` (where an edge carries one).
        self.with_message = frozenset(e.trigger for e in edges if e.message)


@dataclass(frozen=True, slots=True)
class Step:
    """What a fired trigger did: the ``edge`` taken from ``source``."""

    source: str
    edge: Edge

    @property
    def trigger(self) -> str:
        return self.edge.trigger

    @property
    def dest(self) -> str | None:
        """The status reached; None for an accepted no-op."""
        return self.edge.dest


def _stamp(name: Stamp) -> Any:
    """A read-only attribute of a job: its timestamp ``name``, or None while no step has set it."""
    return property(lambda job: job.times.get(name), doc=f"The job's {name.value}, or None.")


class TrainingJob:
    """One training job's status, path and timestamps, run by the shared Machine of its policy.

    Times are whatever the caller passes as ``at`` (seconds of a simulation, or datetimes of the
    service's clock); the job has no clock of its own. ``times`` holds the :class:`Stamp` values the
    table's edges have set; ``message`` the ``Message`` of the last edge that carried one.
    """

    __slots__ = ("__weakref__", "_machine", "message", "path", "policy", "state", "times")

    state: str  # written by the Machine
    #: What a family of jobs says of its own (a subclass for another family sets them): its statuses, its
    #: states (the first initial) and the steps on which a stop loses the race.
    statuses: type[StrEnum] = Status
    states: tuple[str, ...] = STATES
    lost_steps: frozenset[tuple[str, str]] = RACE_LOST_STEPS

    def __init__(
        self, policy: Choices = DEFAULT_POLICY, *, at: Any = None, edges: tuple[Edge, ...] = EDGES
    ) -> None:
        self.policy = policy
        self.times: dict[Stamp, Any] = {Stamp.SUBMIT: at}
        self.message: str | None = None
        self.state = self.states[0]
        self.path: list[str] = [self.state]
        self._machine = machine_for(policy, edges, self.states)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(state={self.state}, path={'>'.join(self.path)})"

    def copy(self) -> Self:
        """An independent job in the same status, with the same history and times."""
        twin = type(self).__new__(type(self))
        twin.policy, twin._machine, twin.state, twin.message = (
            self.policy,
            self._machine,
            self.state,
            self.message,
        )
        twin.times, twin.path = dict(self.times), list(self.path)
        return twin

    @property
    def status(self) -> Any:
        """The reported status (a :class:`Status` for a job that trains). A deleted job has none: asking
        raises ``ModelError``."""
        if self.state == DELETED:
            raise ModelError("the job has been deleted; it has no status")
        return self.statuses(self.state)

    @property
    def deleted(self) -> bool:
        """Whether the job's delete has completed (the job no longer exists)."""
        return self.state == DELETED

    @property
    def race_lost(self) -> bool:
        """Whether the job's stop lost the race: its path took one of :attr:`lost_steps` (for a job that
        trains, :func:`race_lost`)."""
        return any(step in self.lost_steps for step in pairwise(self.path))

    # The timestamps by name (None until a step has set them).
    submit_time = _stamp(Stamp.SUBMIT)
    training_start = _stamp(Stamp.TRAINING_START)
    training_end = _stamp(Stamp.TRAINING_END)
    stop_requested_at = _stamp(Stamp.STOP_REQUEST)
    end_time = _stamp(Stamp.END)

    def fire(self, trigger: str, *, at: Any = None, message: str | None = None) -> Step:
        """Fire ``trigger`` at time ``at`` and return the :class:`Step` taken; raise
        ``InvalidTransitionError`` where no edge allows it (a refused trigger changes nothing).
        ``message`` is accepted by the triggers of ``TRIGGER_DETAILS`` only."""
        if trigger not in self._machine.sources:
            raise ModelError(f"unknown trigger {trigger!r}; triggers are: {', '.join(self._machine.sources)}")
        if message is not None and trigger not in self._machine.with_message:
            raise ModelError(f"trigger {trigger!r} takes no message")
        source = self.state
        event = self._machine.events.get(trigger)
        try:
            done = event is not None and event.trigger(self, at=at, message=message)
        except MachineError as refused:  # transitions keeps it in its EventData: a cycle, unless released
            released(refused)
            done = False
        if not done:
            raise InvalidTransitionError(
                trigger,
                self.state,
                self.allowed_from(trigger),
                self._guard_failed(trigger),
            )
        return Step(source, self._machine.edge_of[trigger, source])

    @property
    def service_triggers(self) -> tuple[str, ...]:
        """The triggers of the service's own progress in this job's table."""
        return self._machine.service_triggers

    def can_fire(self, trigger: str) -> bool:
        """Whether ``trigger`` has an enabled edge from the current status (guards included)."""
        edge = self._machine.edge_of.get((trigger, self.state))
        return edge is not None and (edge.guard is None or GUARDS[edge.guard].holds(self.path, self.times))

    def allowed_from(self, trigger: str) -> tuple[str, ...]:
        """The statuses ``trigger`` has an edge from under this job's policy."""
        return self._machine.sources.get(trigger, ())

    # -- callbacks called by the Machine ---------------------------------------------------------

    def _guard_failed(self, trigger: str) -> str:
        """What the guard of ``trigger``'s edge from here requires, where it does not hold ('' else)."""
        edge = self._machine.edge_of.get((trigger, self.state))
        if edge is None or edge.guard is None or GUARDS[edge.guard].holds(self.path, self.times):
            return ""
        return f"its edge needs: {GUARDS[edge.guard].meaning}"

    def _after_change(self, event: EventData) -> None:
        """Record the step: the path (when the status changes), the edge's stamps under the two rules
        of :class:`Edge`, and its message. No status decides here."""
        transition = event.transition
        if transition is None:
            return
        edge = self._machine.edge_of[event.event.name, transition.source]
        if edge.dest is None:  # an accepted no-op
            return
        if transition.dest is not None:  # a new status (a step that keeps it is internal)
            self.path.append(transition.dest)
        times = self.times
        for name in edge.stamps:
            self._set(name, event.kwargs.get("at"))
        for name, other in edge.stamps_from:
            if other in times:
                self._set(name, times[other])
        if edge.message:
            message = event.kwargs.get("message")
            self.message = message if message is not None else edge.default_message

    def _set(self, name: Stamp, at: Any) -> None:
        times = self.times
        if name in times:  # set once, never changed
            return
        if name is Stamp.TRAINING_END:  # closes the billed interval: needs its start, never before it
            start = times.get(Stamp.TRAINING_START)
            if start is None:
                return
            at = max(at, start)
        times[name] = at
