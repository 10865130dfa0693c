"""The lifecycle of a job that processes text, written once as a table of edges.

The seven Comprehend analysis jobs (sentiment, entities, key phrases, dominant language, targeted
sentiment, PII entities, events) and Amazon Translate's batch translation job report a ``JobStatus``
(evidence: ``analysis-job-statuses``) and are stopped with the training race under other names: an
``IN_PROGRESS`` job is put into ``STOP_REQUESTED`` and ends ``COMPLETED`` if it completes first, else
``STOPPED`` (``analysis-job-stop``). They neither train nor get deleted. :data:`JOB_EDGES` is their
table, in the same :class:`~stoprace.model.lifecycle.Edge` form as the training table, with
:class:`~stoprace.model.policy.JobPolicy` deciding what AWS leaves open; a :class:`TextJob` is run by the
``transitions`` Machine built from it, as a training job is. What a job's work is (documents, characters)
and how long it takes are the simulators' business; the model records only when processing began
(``ProcessingStartTime``, which AWS does not report).

>>> job = TextJob(at=0.0)
>>> _ = job.fire("start_processing", at=120.0)
>>> _ = job.fire("stop", at=300.0)
>>> print(job.fire("finish_processing", at=360.0).dest)      # the stop lost the race
COMPLETED
>>> job.race_lost, job.path
(True, ['SUBMITTED', 'IN_PROGRESS', 'STOP_REQUESTED', 'COMPLETED'])
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from itertools import pairwise
from typing import Any

from .errors import ModelError
from .guards import PROCESSING
from .job import TrainingJob
from .lifecycle import Actor, Edge, Provenance, Stamp, check_table
from .policy import DEFAULT_JOB_POLICY, JobPolicy

__all__ = [
    "COMPREHEND_JOB_STATES",
    "JOB_ACTIVE",
    "JOB_ALL_DONE",
    "JOB_EDGES",
    "JOB_FINISHED",
    "JOB_FINISHED_ORDER",
    "JOB_RACE_LOST_STEPS",
    "JOB_STATES",
    "JOB_STOPPED",
    "JOB_STOP_REQUEST_STEP",
    "JobStatus",
    "TextJob",
    "edges_for",
    "job_race_lost",
    "stop_met_processing",
]


class JobStatus(StrEnum):
    """A job's ``JobStatus`` exactly as the service reports it (botocore's ``JobStatus``; Translate's
    adds ``COMPLETED_WITH_ERROR``: some documents failed)."""

    SUBMITTED = "SUBMITTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    COMPLETED_WITH_ERROR = "COMPLETED_WITH_ERROR"
    FAILED = "FAILED"
    STOP_REQUESTED = "STOP_REQUESTED"
    STOPPED = "STOPPED"


#: Every state of a text job's Machine (the first is initial). No job of this family is ever deleted.
JOB_STATES: tuple[str, ...] = tuple(s.value for s in JobStatus)

#: The statuses of Comprehend's ``JobStatus``: Translate's without ``COMPLETED_WITH_ERROR``.
COMPREHEND_JOB_STATES: tuple[str, ...] = tuple(s for s in JOB_STATES if s != JobStatus.COMPLETED_WITH_ERROR)

#: Statuses a job ends in, in the order results show them (those whose work was all done first).
JOB_FINISHED_ORDER: tuple[JobStatus, ...] = (
    JobStatus.COMPLETED,
    JobStatus.COMPLETED_WITH_ERROR,
    JobStatus.STOPPED,
    JobStatus.FAILED,
)
JOB_FINISHED: frozenset[JobStatus] = frozenset(JOB_FINISHED_ORDER)
#: Statuses from which the service's own progress can still finish the job (checked on import).
JOB_ACTIVE: frozenset[JobStatus] = frozenset(
    {JobStatus.SUBMITTED, JobStatus.IN_PROGRESS, JobStatus.STOP_REQUESTED}
)
#: Finished statuses of a job that processed all its documents (a stop that ends in one lost the race).
JOB_ALL_DONE: frozenset[JobStatus] = frozenset({JobStatus.COMPLETED, JobStatus.COMPLETED_WITH_ERROR})

_J = JobStatus
_API, _SVC = Actor.API, Actor.SERVICE
_DOC, _INF, _ASM = Provenance.DOCUMENTED, Provenance.INFERRED, Provenance.ASSUMED
_END = (Stamp.END,)
_ALL = (("race_outcomes", "all"),)
#: The ``Message`` a failed job reports when none is given (AWS's wording varies with the cause).
JOB_FAILURE_MESSAGE = "The job failed."

#: The lifecycle table of a job that processes text. Order is presentation order; it carries no meaning.
# fmt: off
JOB_EDGES: tuple[Edge, ...] = (
    # -- the service's own progress --------------------------------------------------------------
    Edge("start_processing", (_J.SUBMITTED,), _J.IN_PROGRESS, _SVC, _DOC,
         "SUBMITTED is received and queued; IN_PROGRESS is being processed",
         facts=("analysis-job-statuses",), stamps=(Stamp.PROCESSING_START,)),
    Edge("finish_processing", (_J.IN_PROGRESS,), _J.COMPLETED, _SVC, _DOC,
         "the job processes its documents and ends COMPLETED", facts=("analysis-job-statuses",),
         stamps=_END),
    Edge("finish_with_errors", (_J.IN_PROGRESS,), _J.COMPLETED_WITH_ERROR, _SVC, _DOC,
         "Translate: the job completed, but some documents failed", facts=("analysis-job-statuses",),
         stamps=_END, message=True, default_message="Some documents failed."),
    Edge("fail", (_J.IN_PROGRESS,), _J.FAILED, _SVC, _DOC,
         "FAILED is the failure value of JobStatus", facts=("analysis-job-statuses",),
         stamps=_END, message=True, default_message=JOB_FAILURE_MESSAGE),
    Edge("fail", (_J.SUBMITTED,), _J.FAILED, _SVC, _INF,
         "the recorded failed job ended 14 s after submission: its input was refused before processing",
         facts=("analysis-job-records",), stamps=_END, message=True, default_message=JOB_FAILURE_MESSAGE),
    Edge("finish_processing", (_J.STOP_REQUESTED,), _J.COMPLETED, _SVC, _DOC,
         "if the job completes before it can be stopped, it ends COMPLETED", facts=("analysis-job-stop",),
         guard=PROCESSING, stamps=_END),
    Edge("finish_with_errors", (_J.STOP_REQUESTED,), _J.COMPLETED_WITH_ERROR, _SVC, _ASM,
         "not stated; a completion with errors can win the race as a plain one can",
         facts=("analysis-job-stop",), when=_ALL, guard=PROCESSING, stamps=_END, message=True,
         default_message="Some documents failed."),
    Edge("fail", (_J.STOP_REQUESTED,), _J.FAILED, _SVC, _ASM,
         "not stated; a failure can win the race too", facts=("analysis-job-stop",), when=_ALL,
         stamps=_END, message=True, default_message=JOB_FAILURE_MESSAGE),
    Edge("finish_stop", (_J.STOP_REQUESTED,), _J.STOPPED, _SVC, _DOC,
         "otherwise the job ends STOPPED; the documents already processed are written out",
         facts=("analysis-job-stop", "analysis-job-output"), stamps=_END),
    # -- Stop<Kind>DetectionJob, StopTextTranslationJob ---------------------------------------------
    Edge("stop", (_J.IN_PROGRESS,), _J.STOP_REQUESTED, _API, _DOC,
         "an IN_PROGRESS job is marked for termination and put into STOP_REQUESTED",
         facts=("analysis-job-stop",), stamps=(Stamp.STOP_REQUEST,)),
    Edge("stop", (_J.SUBMITTED,), _J.STOP_REQUESTED, _API, _ASM,
         "not stated; the CLI's stop examples answer STOP_REQUESTED; the job never starts, ends STOPPED",
         facts=("analysis-job-stop-when-submitted",), when=(("stop_when_submitted", "accept"),),
         stamps=(Stamp.STOP_REQUEST,)),
    Edge("stop", (_J.STOP_REQUESTED,), None, _API, _ASM,
         "not stated; a repeated stop answers the job's status, as moto's does",
         facts=("analysis-job-stop",), when=(("stop_when_stop_requested", "ignore"),)),
    Edge("stop", (_J.STOPPED,), None, _API, _INF,
         "the stop answers STOPPED for a job that an earlier stop stopped", facts=("analysis-job-stop",),
         when=(("stop_when_stopped", "ignore"),)),
    Edge("stop", (_J.COMPLETED, _J.COMPLETED_WITH_ERROR, _J.FAILED), None, _API, _ASM,
         "alternative: a stop of a finished job is answered with its status; AWS documents an error",
         facts=("analysis-job-stop",), when=(("stop_when_finished", "ignore"),)),
)
# fmt: on

#: The status of a job whose stop took effect (the destination of the table's ``finish_stop``).
JOB_STOPPED: str = next(str(e.dest) for e in JOB_EDGES if e.trigger == "finish_stop")

#: The step on which a stop meets a job that is processing: the denominator of ``p_race_lost``.
JOB_STOP_REQUEST_STEP: tuple[str, str] = (JobStatus.IN_PROGRESS.value, JobStatus.STOP_REQUESTED.value)
#: The steps on which a stop loses the race: from ``STOP_REQUESTED`` to a status whose work is all done.
JOB_RACE_LOST_STEPS: frozenset[tuple[str, str]] = frozenset(
    (JobStatus.STOP_REQUESTED.value, s.value) for s in JOB_ALL_DONE
)


def _check_vocabulary(edges: tuple[Edge, ...]) -> None:
    """The hand-written sets above must be what the table says (as for the training table)."""
    finished = {e.dest for e in edges if Stamp.END in e.stamps and e.dest is not None}
    if finished != {s.value for s in JOB_FINISHED}:
        raise ModelError(f"JOB_FINISHED must be the statuses whose edges stamp EndTime: {sorted(finished)}")
    reach = {s: {e.dest for e in edges if e.actor is _SVC and e.dest and s in e.source} for s in JOB_STATES}
    for _ in JOB_STATES:
        reach = {s: ds.union(*(reach[d] for d in ds if d is not None)) for s, ds in reach.items()}
    active = {s for s in JOB_STATES if s not in finished and reach[s] & finished}
    if active != {s.value for s in JOB_ACTIVE}:
        raise ModelError(f"JOB_ACTIVE must be the unfinished statuses that can finish: {sorted(active)}")
    steps = {(s, e.dest) for e in edges for s in e.source if e.dest is not None}
    if JOB_STOP_REQUEST_STEP not in steps or not steps >= JOB_RACE_LOST_STEPS:
        raise ModelError("the stop-request step and the race-lost steps must be steps of the table")


check_table(JOB_EDGES, JOB_STATES, JobPolicy)
_check_vocabulary(JOB_EDGES)

_by_statuses: dict[frozenset[str], tuple[Edge, ...]] = {}


def edges_for(statuses: Iterable[str]) -> tuple[Edge, ...]:
    """The table of a kind whose ``JobStatus`` has only ``statuses`` (Comprehend's has no
    ``COMPLETED_WITH_ERROR``): the edges that reach none of the others, with those others dropped from
    their sources. The same tuple for the same statuses, so each kind's Machine is built once per policy."""
    key = frozenset(statuses)
    if key not in _by_statuses:
        kept = []
        for edge in JOB_EDGES:
            source = tuple(s for s in edge.source if s in key)
            if source and (edge.dest is None or edge.dest in key):
                kept.append(edge if source == edge.source else Edge(**{**_fields(edge), "source": source}))
        _by_statuses[key] = tuple(kept)
    return _by_statuses[key]


def _fields(edge: Edge) -> dict[str, Any]:
    return {name: getattr(edge, name) for name in Edge.__dataclass_fields__}


class TextJob(TrainingJob):
    """One job that processes text: its status, path and timestamps, run by the shared Machine of its
    policy and table (:data:`JOB_EDGES`, or a kind's part of it from :func:`edges_for`)."""

    __slots__ = ()
    statuses = JobStatus
    states = JOB_STATES
    lost_steps = JOB_RACE_LOST_STEPS

    def __init__(
        self, policy: JobPolicy = DEFAULT_JOB_POLICY, *, at: Any = None, edges: tuple[Edge, ...] = JOB_EDGES
    ) -> None:
        super().__init__(policy, at=at, edges=edges)

    @property
    def processing_start(self) -> Any:
        """When processing began (``start_processing``), or None."""
        return self.times.get(Stamp.PROCESSING_START)


def stop_met_processing(path: Iterable[str]) -> bool:
    """Whether a path took :data:`JOB_STOP_REQUEST_STEP`: a stop was accepted while the job processed."""
    return any(step == JOB_STOP_REQUEST_STEP for step in pairwise(path))


def job_race_lost(path: Iterable[str]) -> bool:
    """Whether a path took a step of :data:`JOB_RACE_LOST_STEPS`: the job completed after a stop.

    >>> job_race_lost(["SUBMITTED", "IN_PROGRESS", "STOP_REQUESTED", "COMPLETED"])
    True
    """
    return any(step in JOB_RACE_LOST_STEPS for step in pairwise(path))
