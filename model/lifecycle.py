"""The lifecycle of one training job, written once as a table of edges.

``EDGES`` is the project's single source of truth: the ``transitions`` Machine that runs jobs, the
service's state checks, the checker, the diagrams, the README's assumptions table and the simulators
are all derived from it. Each edge says who causes it (``actor``), how we know it (``provenance``),
where that knowledge comes from (``evidence``), which timestamps it stamps (``stamps``) and whether it
carries a message; an edge whose ``when`` names policy settings exists only under those settings.

An edge with ``dest=None`` is an *accepted no-op*: the call succeeds and nothing changes (for example a
repeated stop). A trigger with no enabled edge from the job's status is refused with
:class:`~stoprace.model.errors.InvalidTransitionError`; the service turns that into the policy's AWS error.

The vocabulary every other module uses is defined here, from the table or checked against it on
import: the finished and active statuses (:data:`~stoprace.model.statuses.FINISHED`,
:data:`~stoprace.model.statuses.ACTIVE`), the step on which a stop meets a training job
(:data:`STOP_REQUEST_STEP`) and the steps on which it loses the race (:data:`RACE_LOST_STEPS`).

>>> race_lost(["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"])
True
>>> sorted(GUARDS)
['billing', 'has_trained', 'not_finalizing', 'processing', 'provisioning']
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from itertools import pairwise
from typing import Any

from .errors import ModelError
from .guards import BILLING, GUARDS, HAS_TRAINED, NOT_FINALIZING, PROVISIONING, Stamp
from .policy import DEFAULT_POLICY, Choices, Policy
from .statuses import ACTIVE, DELETED, FINISHED, FINISHED_ORDER, WITH_MODEL, Status

__all__ = [
    "API_TRIGGERS",
    "EDGES",
    "FAILURE_MESSAGE",
    "GUARDS",
    "MAX_MESSAGE",
    "RACE_LOST_STEPS",
    "REPORTED_STAMPS",
    "SERVICE_TRIGGERS",
    "STATES",
    "STOP_REQUEST_STEP",
    "TRIGGER_DETAILS",
    "WARNING_MESSAGE",
    "Actor",
    "Edge",
    "Provenance",
    "Stamp",
    "check_table",
    "enabled_edges",
    "race_lost",
    "stop_met_training",
]


class Actor(StrEnum):
    """Who causes an edge: a client's API call, or the service's own progress."""

    API = "api"
    SERVICE = "service"


class Provenance(StrEnum):
    """How we know an edge: AWS says so, real integrations show it, or the model chooses it. Declared
    from the most certain to the least.

    >>> Provenance.weakest(Provenance.DOCUMENTED, Provenance.INFERRED)
    <Provenance.INFERRED: 'inferred'>
    """

    DOCUMENTED = "documented"
    INFERRED = "inferred"
    ASSUMED = "assumed"

    @staticmethod
    def weakest(*known: Provenance) -> Provenance:
        """The least certain of ``known``: what a conclusion resting on all of them can claim."""
        order = list(Provenance)
        return max(known, key=order.index)


#: The timestamps describe reports, in the order botocore's output shape lists them.
REPORTED_STAMPS: tuple[Stamp, ...] = (Stamp.SUBMIT, Stamp.END, Stamp.TRAINING_START, Stamp.TRAINING_END)


@dataclass(frozen=True, slots=True)
class Edge:
    """One row of the lifecycle table.

    ``stamps`` are the timestamps the step sets to the time it happens; ``stamps_from`` sets a
    timestamp to another one's value (``(TRAINING_END, STOP_REQUEST)``: billing ends when the stop was
    requested). Two rules hold for every edge: a timestamp, once set, is never changed; and
    ``TrainingEndTime`` closes the billed interval, so it is stamped only on a job that has a
    ``TrainingStartTime``, and never before it. ``guard`` names one of :data:`GUARDS`. ``message``
    says the step carries a ``Message``; ``default_message`` is the one it reports when given none. An
    edge whose ``dest`` is its source keeps the status and only stamps (a phase of ``TRAINING``).
    ``facts`` names the facts of the evidence page (``docs/evidence.md``) that ``evidence`` sums up.
    """

    trigger: str
    source: tuple[str, ...]
    dest: str | None
    actor: Actor
    provenance: Provenance
    evidence: str
    when: tuple[tuple[str, str], ...] = ()
    guard: str | None = None
    stamps: tuple[Stamp, ...] = ()
    stamps_from: tuple[tuple[Stamp, Stamp], ...] = ()
    message: bool = False
    default_message: str | None = None
    facts: tuple[str, ...] = ()

    def enabled(self, policy: Choices) -> bool:
        """Whether this edge exists under ``policy``."""
        return all(getattr(policy, name) == value for name, value in self.when)

    @property
    def condition(self) -> str:
        """The policy settings and guard this edge needs, as text ('' when it always exists)."""
        parts = [f"{name}={value}" for name, value in self.when]
        if self.guard:
            parts.append(GUARDS[self.guard].meaning)
        return ", ".join(parts)

    @property
    def stamp_text(self) -> str:
        """The timestamps the step sets as text, e.g. ``EndTime, TrainingEndTime=StopRequestTime``."""
        return ", ".join([*self.stamps, *(f"{name}={other}" for name, other in self.stamps_from)])

    def as_dict(self) -> dict[str, Any]:
        """The edge as plain data (for JSON)."""
        return {
            "trigger": self.trigger,
            "source": list(self.source),
            "dest": self.dest,
            "actor": self.actor.value,
            "provenance": self.provenance.value,
            "evidence": self.evidence,
            "facts": list(self.facts),
            "when": dict(self.when),
            "guard": self.guard,
            "stamps": [*self.stamps],
            "stamps_from": {name.value: other.value for name, other in self.stamps_from},
            "message": self.message,
        }


_S = Status
_API, _SVC = Actor.API, Actor.SERVICE
_DOC, _INF, _ASM = Provenance.DOCUMENTED, Provenance.INFERRED, Provenance.ASSUMED
_ENDS = (Stamp.TRAINING_END, Stamp.END)  # a job reaching a finished status after training
#: The ``Message`` a job reports when it ends TRAINED_WITH_WARNING or IN_ERROR and none is given: AWS's
#: wording varies with the cause and is not documented, so these say only what happened.
WARNING_MESSAGE = "Training completed with warnings."
FAILURE_MESSAGE = "Training failed."


def _per_billing_start(edge: Edge) -> tuple[Edge, Edge]:
    """``edge`` (training ends) when billing starts with ``TRAINING``, and its guarded twin when billing
    starts after provisioning: training that was never billed cannot end."""
    return (
        replace(edge, when=(*edge.when, ("billing_start", "with_training"))),
        replace(edge, when=(*edge.when, ("billing_start", "after_provisioning")), guard=HAS_TRAINED),
    )


def _per_billing_end(edge: Edge) -> tuple[Edge, Edge, Edge]:
    """``edge`` (a stop takes effect) when billing ends with the job; when billing ends before a
    finalization, its guarded twin if the race can end every way (once billed training has ended, the
    stop has nothing left to save and the job ends as its training did), and ``edge`` again if a
    stopped job can end only ``TRAINED`` or ``STOPPED`` (a failure while the stop is pending cannot end
    it, so the stop must)."""
    finalizing = ("billing_end", "before_finalization")
    # fmt: off
    return (
        replace(edge, when=(*edge.when, ("billing_end", "with_end"))),
        replace(edge, when=(*edge.when, finalizing, ("race_outcomes", "all")), guard=NOT_FINALIZING,
                provenance=Provenance.weakest(edge.provenance, _INF),
                evidence=f"{edge.evidence}; not once billed training has ended",
                facts=(*edge.facts, "finalization")),
        replace(edge, when=(*edge.when, finalizing, ("race_outcomes", "trained_or_stopped")),
                provenance=_ASM,
                evidence=f"{edge.evidence}; with no other way to end, the stop ends a finalizing job too"),
    )
    # fmt: on


#: The lifecycle table. Order is presentation order; it carries no meaning.
# fmt: off
EDGES: tuple[Edge, ...] = (
    # -- the service's own progress --------------------------------------------------------------
    Edge("start_training", (_S.SUBMITTED,), _S.TRAINING, _SVC, _DOC,
         "the console shows Submitted, then Training; billing runs from TrainingStartTime",
         facts=("console-sequence", "billing"),
         when=(("billing_start", "with_training"),), stamps=(Stamp.TRAINING_START,)),
    Edge("start_training", (_S.SUBMITTED,), _S.TRAINING, _SVC, _INF,
         "a classifier listed TRAINING had no TrainingStartTime yet: provisioning comes first",
         facts=("provisioning",),
         when=(("billing_start", "after_provisioning"),)),
    Edge("begin_billing", (_S.TRAINING,), _S.TRAINING, _SVC, _INF,
         "TrainingStartTime appears when billed training begins, after provisioning",
         facts=("provisioning",),
         when=(("billing_start", "after_provisioning"),), guard=PROVISIONING,
         stamps=(Stamp.TRAINING_START,)),
    Edge("begin_billing", (_S.STOP_REQUESTED,), _S.STOP_REQUESTED, _SVC, _ASM,
         "not stated; provisioning goes on while a stop is pending, as training does",
         facts=("provisioning", "stop-race"),
         when=(("billing_start", "after_provisioning"),), guard=PROVISIONING,
         stamps=(Stamp.TRAINING_START,)),
    Edge("end_billing", (_S.TRAINING,), _S.TRAINING, _SVC, _INF,
         "billed training ends (TrainingEndTime) about a minute before the job does (EndTime)",
         facts=("finalization",),
         when=(("billing_end", "before_finalization"),), guard=BILLING, stamps=(Stamp.TRAINING_END,)),
    Edge("end_billing", (_S.STOP_REQUESTED,), _S.STOP_REQUESTED, _SVC, _ASM,
         "not stated; billed training can end while a stop is pending, which then saves nothing",
         facts=("finalization", "stop-race"),
         when=(("billing_end", "before_finalization"),), guard=BILLING, stamps=(Stamp.TRAINING_END,)),
    *_per_billing_start(Edge(
        "finish_training", (_S.TRAINING,), _S.TRAINED, _SVC, _DOC,
        "the console shows Training, then Trained", stamps=_ENDS,
        facts=("console-sequence", "describe-times"))),
    *_per_billing_start(Edge(
        "finish_training_with_warning", (_S.TRAINING,), _S.TRAINED_WITH_WARNING, _SVC, _DOC,
        "ModelStatus TRAINED_WITH_WARNING (added 2023), with a Message", stamps=_ENDS, message=True,
        facts=("warning-status",),
        default_message=WARNING_MESSAGE)),
    *_per_billing_start(Edge(
        "fail_training", (_S.TRAINING,), _S.IN_ERROR, _SVC, _DOC,
        "the console shows Training, then In error; IN_ERROR is the failure value",
        facts=("console-sequence", "warning-status"),
        stamps=_ENDS, message=True, default_message=FAILURE_MESSAGE)),
    Edge("finish_training", (_S.STOP_REQUESTED,), _S.TRAINED, _SVC, _DOC,
         "if training completes before the stop can take effect, the job ends TRAINED",
         facts=("stop-race",),
         guard=HAS_TRAINED, stamps=_ENDS),
    Edge("finish_training_with_warning", (_S.STOP_REQUESTED,), _S.TRAINED_WITH_WARNING, _SVC, _ASM,
         "not stated; a completion with warnings can win the race too",
         facts=("race-other-outcomes",),
         when=(("race_outcomes", "all"),), guard=HAS_TRAINED, stamps=_ENDS, message=True,
         default_message=WARNING_MESSAGE),
    Edge("fail_training", (_S.STOP_REQUESTED,), _S.IN_ERROR, _SVC, _ASM,
         "not stated; a failure can win the race too",
         facts=("race-other-outcomes",),
         when=(("race_outcomes", "all"),), guard=HAS_TRAINED, stamps=_ENDS, message=True,
         default_message=FAILURE_MESSAGE),
    *_per_billing_end(Edge(
        "finish_stop", (_S.STOP_REQUESTED,), _S.STOPPED, _SVC, _DOC,
        "otherwise the job is stopped and ends STOPPED; billing ends when it does",
        facts=("stop-race", "stopped-billing"),
        when=(("stopped_training_end", "at_stopped"),), stamps=_ENDS)),
    *_per_billing_end(Edge(
        "finish_stop", (_S.STOP_REQUESTED,), _S.STOPPED, _SVC, _ASM,
        "alternative: billing of a stopped job ends when the stop was requested",
        facts=("stop-race", "stopped-billing"),
        when=(("stopped_training_end", "at_stop_request"),), stamps=(Stamp.END,),
        stamps_from=((Stamp.TRAINING_END, Stamp.STOP_REQUEST),))),
    Edge("finish_delete", (_S.DELETING,), DELETED, _SVC, _DOC,
         "DELETING, then removed by a background job (describe: ResourceNotFound)",
         facts=("delete", "deleted-is-gone")),
    # -- StopTrainingDocumentClassifier ----------------------------------------------------------
    Edge("stop", (_S.TRAINING,), _S.STOP_REQUESTED, _API, _DOC,
         "a TRAINING job is marked for termination and put into STOP_REQUESTED",
         facts=("stop-race",),
         stamps=(Stamp.STOP_REQUEST,)),
    Edge("stop", (_S.SUBMITTED,), _S.STOP_REQUESTED, _API, _INF,
         "aws-nuke stops SUBMITTED jobs and expects no error; ends STOPPED untrained",
         facts=("stop-when-submitted",),
         when=(("stop_when_submitted", "accept"),), stamps=(Stamp.STOP_REQUEST,)),
    Edge("stop", (_S.SUBMITTED,), None, _API, _ASM,
         "alternative: a stop of a SUBMITTED job is answered 200 and ignored",
         facts=("stop-when-submitted",),
         when=(("stop_when_submitted", "ignore"),)),
    Edge("stop", (_S.STOP_REQUESTED,), None, _API, _INF,
         "moto answers a repeated stop with 200 and no change",
         facts=("stop-repeated",),
         when=(("stop_when_stop_requested", "ignore"),)),
    Edge("stop", (*FINISHED_ORDER, _S.DELETING), None, _API, _INF,
         "Terraform stops before deleting in every state; stopping a finished job does not fail",
         facts=("stop-when-finished",),
         when=(("stop_when_finished", "ignore"),)),
    # -- DeleteDocumentClassifier -----------------------------------------------------------------
    Edge("delete", (_S.TRAINED, _S.IN_ERROR), _S.DELETING, _API, _DOC,
         "only classifiers in terminated states (IN_ERROR, TRAINED) will be deleted",
         facts=("delete",)),
    Edge("delete", (_S.TRAINED_WITH_WARNING, _S.STOPPED), _S.DELETING, _API, _INF,
         "Airflow treats STOPPED as deletable; Terraform deletes after stop",
         facts=("delete-other-finished",),
         when=(("deletable", "finished"),)),
)
# fmt: on

#: Every state of the Machine: the 8 statuses, then the internal pseudo-state of a deleted job.
STATES: tuple[str, ...] = (*(s.value for s in Status), DELETED)

#: Triggers caused by client calls, and by the service's own progress (derived from the table).
API_TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(e.trigger for e in EDGES if e.actor is Actor.API))
SERVICE_TRIGGERS: tuple[str, ...] = tuple(dict.fromkeys(e.trigger for e in EDGES if e.actor is Actor.SERVICE))


def _trigger_details() -> dict[str, tuple[str, ...]]:
    details: dict[str, dict[str, None]] = {}
    for edge in EDGES:
        if edge.message:
            details.setdefault(edge.trigger, {})["message"] = None
        if edge.dest in WITH_MODEL:
            details.setdefault(edge.trigger, {})["metadata"] = None
    return {trigger: tuple(names) for trigger, names in details.items()}


MAX_MESSAGE = 2048  #: The longest ``Message`` a job may report.

#: Details a trigger accepts besides ``at`` (the time it happens): ``message`` where an edge carries one,
#: ``metadata`` (the ``ClassifierMetadata`` to report) where an edge ends training with a model.
TRIGGER_DETAILS: dict[str, tuple[str, ...]] = _trigger_details()

#: The step on which a stop meets a job that is training: the denominator of ``p_race_lost``.
STOP_REQUEST_STEP: tuple[str, str] = (Status.TRAINING.value, Status.STOP_REQUESTED.value)

#: The steps on which a stop loses the race: from ``STOP_REQUESTED`` straight to a trained status.
RACE_LOST_STEPS: frozenset[tuple[str, str]] = frozenset(
    (Status.STOP_REQUESTED.value, s.value) for s in WITH_MODEL
)


def check_table(
    edges: Iterable[Edge], states: Sequence[str] = STATES, policy_type: type[Choices] = Policy
) -> None:
    """Refuse a malformed table: unknown states or policy fields, or two edges competing for one event."""
    edges, names, actors = tuple(edges), set(policy_type.__dataclass_fields__), dict[str, Actor]()
    for edge in edges:
        unknown = [s for s in (*edge.source, edge.dest) if s is not None and s not in states]
        if unknown:
            raise ModelError(f"edge {edge.trigger!r} names unknown states {unknown}")
        if actors.setdefault(edge.trigger, edge.actor) is not edge.actor:
            raise ModelError(f"trigger {edge.trigger!r} is given two actors")
        for name, _ in edge.when:
            if name not in names:
                raise ModelError(f"edge {edge.trigger!r} depends on unknown policy field {name!r}")
        if edge.guard is not None and edge.guard not in GUARDS:
            raise ModelError(f"edge {edge.trigger!r} has unknown guard {edge.guard!r}")
        if edge.dest is None and (edge.stamps or edge.stamps_from or edge.message):
            raise ModelError(f"edge {edge.trigger!r} changes nothing, so it can stamp nothing")
        if edge.dest is not None and edge.dest in edge.source and (not edge.stamps or len(edge.source) > 1):
            raise ModelError(
                f"edge {edge.trigger!r} keeps the status: it must stamp, from that one status (else a no-op)"
            )
    for policy in policy_type.combinations({n for e in edges for n, _ in e.when}):
        seen: set[tuple[str, str]] = set()
        for edge in enabled_edges(policy, edges):
            for source in edge.source:
                if (edge.trigger, source) in seen:
                    raise ModelError(
                        f"two edges for trigger {edge.trigger!r} from {source} under {policy.changes()}"
                    )
                seen.add((edge.trigger, source))


def _check_vocabulary(edges: tuple[Edge, ...]) -> None:
    """The hand-written sets of ``stoprace.model.statuses`` and the race steps must be what the table says."""
    finished = {e.dest for e in edges if Stamp.END in e.stamps and e.dest is not None}
    if finished != {s.value for s in FINISHED}:
        raise ModelError(f"FINISHED must be the statuses whose edges stamp EndTime: {sorted(finished)}")
    reach: dict[str, set[str]] = {
        s: {e.dest for e in edges if e.actor is Actor.SERVICE and e.dest is not None and s in e.source}
        for s in STATES
    }
    for _ in STATES:  # transitive closure, small enough to do plainly
        reach = {s: ds.union(*(reach[d] for d in ds)) for s, ds in reach.items()}
    active = {s for s in STATES if s not in finished and reach[s] & finished}
    if active != {s.value for s in ACTIVE}:
        raise ModelError(f"ACTIVE must be the unfinished statuses that can still finish: {sorted(active)}")
    steps = {(s, e.dest) for e in edges for s in e.source if e.dest is not None}
    trained = {e.dest for e in edges if e.trigger in ("finish_training", "finish_training_with_warning")}
    lost = {(s, d) for s, d in steps if s == STOP_REQUEST_STEP[1] and d in trained}
    if STOP_REQUEST_STEP not in steps or lost != RACE_LOST_STEPS:
        raise ModelError("the stop-request step and the race-lost steps must be steps of the table")


def enabled_edges(policy: Choices = DEFAULT_POLICY, edges: Iterable[Edge] = EDGES) -> tuple[Edge, ...]:
    """The edges that exist under ``policy``."""
    return tuple(edge for edge in edges if edge.enabled(policy))


check_table(EDGES)
_check_vocabulary(EDGES)


def race_lost(path: Sequence[str]) -> bool:
    """Whether a path of statuses took a step of :data:`RACE_LOST_STEPS`: the stop lost the race
    against training completion.

    >>> race_lost(["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"])
    True
    """
    return any(step in RACE_LOST_STEPS for step in pairwise(path))


def stop_met_training(path: Sequence[str]) -> bool:
    """Whether a path took :data:`STOP_REQUEST_STEP`: a stop was accepted while the job trained.

    >>> stop_met_training(["SUBMITTED", "STOP_REQUESTED", "STOPPED"])
    False
    """
    return any(step == STOP_REQUEST_STEP for step in pairwise(path))
