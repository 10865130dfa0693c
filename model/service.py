"""``ComprehendService``: an in-memory Comprehend account and region, shaped like boto3's client.

Its public methods are named, called and answered exactly like ``boto3.client("comprehend")``'s
operations on the resources that train, document classifiers and entity recognizers
(:mod:`stoprace.model.kinds`): AWS-cased keyword arguments in, AWS-shaped dicts out, and errors that
carry botocore's ``ClientError.response``. The service has no clock or randomness of its own: time
comes from an injected clock, and the service's own progress (training starts, completes, fails, a stop
takes effect, a delete completes) is driven from outside through :meth:`ComprehendService.fire`.

A call that fails changes nothing. Every call is atomic with respect to other threads.

>>> from stoprace.model import ComprehendService, ManualClock
>>> clock = ManualClock()
>>> comprehend = ComprehendService(clock=clock)
>>> arn = comprehend.create_document_classifier(
...     DocumentClassifierName="news",
...     DataAccessRoleArn="arn:aws:iam::123456789012:role/comprehend",
...     InputDataConfig={"S3Uri": "s3://bucket/train.csv"},
...     LanguageCode="en",
... )["DocumentClassifierArn"]
>>> comprehend.fire(arn, "start_training")       # provisioning
<Status.TRAINING: 'TRAINING'>
>>> comprehend.fire(arn, "begin_billing")        # billed training (TrainingStartTime)
<Status.TRAINING: 'TRAINING'>
>>> comprehend.stop_training_document_classifier(DocumentClassifierArn=arn)
{}
>>> comprehend.fire(arn, "finish_training")      # the stop lost the race
<Status.TRAINED: 'TRAINED'>
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Self

from .analysis import JOB_EDGES, JOB_FINISHED, JOB_FINISHED_ORDER, JobStatus
from .analysis_service import AnalysisJobs, TranslationJobs
from .arn import ArnPattern, check_owner, newer_pattern
from .catalog import Catalog, Record
from .clock import Clock, ManualClock, utc_now
from .errors import (
    ERRORS,
    VALIDATION_ERRORS,
    HttpStatuses,
    ModelError,
    ResourceNotFoundException,
    ServiceError,
)
from .job import Step, machine_for
from .kinds import KINDS
from .lifecycle import API_TRIGGERS, EDGES, MAX_MESSAGE, SERVICE_TRIGGERS, TRIGGER_DETAILS, Actor, Edge
from .listing import PageTokens
from .numbers import is_whole
from .observers import ApiCall, CallObserver, ChangeObserver, StateChange, subscribe
from .policy import DEFAULT_JOB_POLICY, DEFAULT_POLICY, JobPolicy, Policy
from .statuses import FINISHED, FINISHED_ORDER, Status
from .validation import describe, violations
from .writes import Writes

#: The service triggers of the jobs that process text, and the details each takes (as ``TRIGGER_DETAILS``).
JOB_SERVICE_TRIGGERS = tuple(dict.fromkeys(e.trigger for e in JOB_EDGES if e.actor is Actor.SERVICE))
_DETAILS = {**TRIGGER_DETAILS, **{e.trigger: ("message",) for e in JOB_EDGES if e.message}}

__all__ = [
    "DEFAULT_ACCOUNT",
    "DEFAULT_REGION",
    "Admission",
    "ApiCall",
    "ComprehendService",
    "ServiceCore",
    "StateChange",
    "TranslateService",
]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

#: Consulted before every API call with the operation name and its parameters. It returns ``None`` to
#: let the call through, or a ``ServiceError`` (class or instance), typically TooManyRequestsException
#: or InternalServerException, which the call then raises without changing anything.
Admission = Callable[[str, Mapping[str, Any]], "ServiceError | type[ServiceError] | None"]


class ServiceCore:
    """The account's machinery, shared by :class:`ComprehendService` and :class:`TranslateService`: the
    jobs, the clock, the policy, the observers, the admission hook and the atomic call (see
    :class:`ComprehendService` for the arguments)."""

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        policy: Policy = DEFAULT_POLICY,
        job_policy: JobPolicy = DEFAULT_JOB_POLICY,
        account_id: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        partition: str = "aws",
        arn_pattern: ArnPattern | str = ArnPattern.REFERENCE,
        http_statuses: HttpStatuses | str = HttpStatuses.REFERENCE,
        validation_error: str = "ValidationException",
        admission: Admission | None = None,
        max_active_jobs: int | None = None,
        lifecycle: tuple[Edge, ...] = EDGES,
        job_lifecycle: tuple[Edge, ...] | None = None,
    ) -> None:
        if not callable(clock):
            raise TypeError("clock must be a callable returning an aware datetime")
        if not isinstance(policy, Policy):
            raise TypeError(f"policy must be a stoprace.model.Policy, not {type(policy).__name__}")
        if not isinstance(job_policy, JobPolicy):
            raise TypeError(f"job_policy must be a stoprace.model.JobPolicy, not {type(job_policy).__name__}")
        check_owner(partition, region, account_id)
        if not isinstance(lifecycle, tuple) or not all(isinstance(e, Edge) for e in lifecycle):
            raise TypeError("lifecycle must be a tuple of stoprace.model.lifecycle.Edge (as EDGES is)")
        convention = HttpStatuses.named(http_statuses)
        if validation_error not in VALIDATION_ERRORS:
            raise ValueError(
                f"validation_error must be one of {', '.join(VALIDATION_ERRORS)}, got {validation_error!r}"
            )
        if admission is not None and not callable(admission):
            raise TypeError("admission must be a callable (operation, params) -> error or None")
        if max_active_jobs is not None and (not is_whole(max_active_jobs) or max_active_jobs < 1):
            raise ValueError(f"max_active_jobs must be a whole number of at least 1, got {max_active_jobs!r}")
        self.clock = clock
        self.policy = policy
        self.job_policy = job_policy
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.arn_pattern = ArnPattern(arn_pattern)
        self.http_statuses = convention
        self.validation_error = validation_error
        newer = self.arn_pattern is ArnPattern.NEWER
        self._patterns = {k.arn_member: newer_pattern(k.name) for k in KINDS.values()} if newer else {}
        self.admission = admission
        self.max_active_jobs = max_active_jobs
        self.lifecycle = lifecycle
        self.job_lifecycle = job_lifecycle  # the text jobs' table: each kind's part of JOB_EDGES unless given
        machine_for(policy, lifecycle)  # a malformed table is refused here, not at the first create
        self._jobs: dict[str, Record] = {}
        self._tokens: dict[str, tuple[dict[str, Any], str]] = {}
        self._next_seq = 0
        self._lock = threading.RLock()
        self._pages = PageTokens(f"stoprace:{partition}:{region}:{account_id}".encode())
        self._change_observers: list[ChangeObserver] = []
        self._call_observers: list[CallObserver] = []
        self._changes: list[StateChange] = []  # made by the call under way, told when it completes
        self._step: Step | None = None  # what the call under way did to its job

    def __repr__(self) -> str:
        changes = self.policy.changes()
        return (
            f"ComprehendService({self.region}, {self.account_id}, {len(self._jobs)} classifiers"
            f"{', policy ' + str(changes) if changes else ''})"
        )

    # -- the service's own progress, and read-only helpers ----------------------------------------

    def fire(self, arn: str, trigger: str, **details: Any) -> Status | None:
        """Drive the service's own progress: fire a service ``trigger`` on job ``arn`` now.

        Triggers: ``start_training``, ``begin_billing`` and ``end_billing`` (the phases of ``TRAINING``, under
        the policy's ``billing_start`` and ``billing_end``), ``finish_training``,
        ``finish_training_with_warning`` (``message=`` optional), ``fail_training`` (``message=`` optional),
        ``finish_stop``, ``finish_delete``; a detail given as ``None`` is as if not given, and a message is a
        string of 1 to :data:`~stoprace.model.lifecycle.MAX_MESSAGE` characters. The triggers that end
        training with a model also take ``metadata=``, the metadata describe reports (a classifier's
        ``ClassifierMetadata``, a recognizer's ``RecognizerMetadata``; what is missing is the kind's
        default, :meth:`~stoprace.model.kinds.ResourceKind.metadata`). Returns the
        job's new status, or ``None`` once its delete has completed. Raises ``InvalidTransitionError``
        where the lifecycle has no such edge (nothing changes) and ``ResourceNotFoundException`` for an
        unknown job.
        """
        if trigger not in SERVICE_TRIGGERS and trigger not in JOB_SERVICE_TRIGGERS:
            hint = " (it is an API call: use the service's API method)" if trigger in API_TRIGGERS else ""
            raise ModelError(
                f"fire() takes a service trigger, not {trigger!r}{hint}; service triggers are: "
                f"{', '.join(SERVICE_TRIGGERS)} (jobs that train), {', '.join(JOB_SERVICE_TRIGGERS)} "
                "(jobs that process text)"
            )
        allowed = _DETAILS.get(trigger, ())
        details = {k: v for k, v in details.items() if v is not None}  # None: as if not given
        extra = sorted(k for k in details if k not in allowed)
        if extra:
            raise ModelError(
                f"trigger {trigger!r} takes {'only ' + ', '.join(allowed) if allowed else 'no details'}; "
                f"got {', '.join(extra)}"
            )
        message = details.get("message")
        if message is not None and (not isinstance(message, str) or not 1 <= len(message) <= MAX_MESSAGE):
            got = f"{len(message):,} characters" if isinstance(message, str) else type(message).__name__
            raise ModelError(f"message must be a string of 1 to {MAX_MESSAGE} characters, got {got}")
        with self._lock:
            record = self._record(arn, "fire")
            if trigger not in record.job.service_triggers:
                raise ModelError(
                    f"{arn} is a {record.kind.noun}; its service triggers are: "
                    f"{', '.join(record.job.service_triggers)}"
                )
            given = details.get("metadata")
            metadata = None if given is None else record.kind.metadata(record.request, given)
            try:
                self._fire(record, trigger, {k: v for k, v in details.items() if k != "metadata"})
                if metadata is not None:
                    record.metadata = metadata
            finally:
                changes, self._changes = self._changes, []
            status = None if record.job.deleted else record.job.status
        self._tell(changes)
        return status

    def on_change(self, observer: ChangeObserver) -> Callable[[], None]:
        """Call ``observer`` with a :class:`StateChange` after every step a job takes (a new status, or a
        phase of ``TRAINING``), whether an API call or :meth:`fire` caused it (after the call has
        completed, outside the service's lock).
        Returns a function that unsubscribes it. Observers are not copied by :meth:`fork`."""
        return subscribe(self._change_observers, observer)

    def on_call(self, observer: CallObserver) -> Callable[[], None]:
        """Call ``observer`` with an :class:`ApiCall` after every API call, accepted or refused (after
        the state-change observers of the changes it made). Returns a function that unsubscribes it."""
        return subscribe(self._call_observers, observer)

    def can_fire(self, arn: str, trigger: str) -> bool:
        """Whether ``trigger`` would be accepted by job ``arn`` now."""
        with self._lock:
            return self._record(arn, "can_fire").job.can_fire(trigger)

    def status(self, arn: str) -> Status | JobStatus:
        """Job ``arn``'s status (cheaper than a describe: no copies): a :class:`Status` for a resource
        that trains, a :class:`~stoprace.model.analysis.JobStatus` for a job that processes text (``arn``
        is then its ``JobId``)."""
        with self._lock:
            status: Status | JobStatus = self._record(arn, "status").job.status
            return status

    def path(self, arn: str) -> tuple[Status | JobStatus, ...]:
        """The statuses job ``arn`` has been through, in order."""
        with self._lock:
            job = self._record(arn, "path").job
            return tuple(job.statuses(s) for s in job.path)  # type: ignore[misc]

    def arns(self) -> list[str]:
        """Every existing classifier's ARN, in creation order."""
        with self._lock:
            return list(self._jobs)

    def stop_request(self, arn: str) -> tuple[str, dict[str, str]]:
        """The API operation and request members that stop job ``arn`` (its kind's stop)."""
        with self._lock:
            kind = self._record(arn, "stop_request").kind
            return kind.operations["stop"], {kind.arn_member: arn}

    def billed_training_seconds(self, arn: str) -> float:
        """Seconds of training billed for job ``arn``: ``TrainingEndTime - TrainingStartTime``.

        0 for a job that never started training; up to now for one still training.
        """
        with self._lock:
            job = self._record(arn, "billed_training_seconds").job
            if job.training_start is None:
                return 0.0
            end = job.training_end if job.training_end is not None else self._now()
            return float((end - job.training_start).total_seconds())

    def forget(self, arn: str) -> None:
        """Drop finished job ``arn``'s record, as a completed delete would, but with no API call and no
        change told to observers: AWS has no such operation. For simulators that run millions of jobs
        and keep only the live ones. ``ModelError`` for a job that has not finished."""
        with self._lock:
            record = self._record(arn, "forget")
            if record.job.status not in FINISHED and record.job.status not in JOB_FINISHED:
                raise ModelError(
                    f"forget() takes a finished job; {arn} is {record.job.status} "
                    f"(finished: {', '.join([*FINISHED_ORDER, *JOB_FINISHED_ORDER])})"
                )
            self._purge(record)

    def fork(self, clock: Clock | None = None) -> Self:
        """An independent copy of this account: the same settings, classifiers, histories and tokens.

        The copy uses ``clock`` if given; otherwise a copy of this service's clock when that is a
        :class:`~stoprace.model.clock.ManualClock`, or the same clock. Used by the exhaustive checker to
        branch without replaying, and handy for what-if branches in a notebook.
        """
        if clock is None:
            clock = copy.copy(self.clock) if isinstance(self.clock, ManualClock) else self.clock
        with self._lock:
            # The settings were validated when this service was made; copying skips doing it again.
            twin = copy.copy(self)
            twin.clock = clock
            twin._lock = threading.RLock()
            twin._jobs = {
                arn: Record(r.arn, r.seq, r.job.copy(), r.request, dict(r.tags), r.metadata, r.kind, r.echo)
                for arn, r in self._jobs.items()
            }
            twin._tokens = dict(self._tokens)
            twin._change_observers, twin._call_observers, twin._changes = [], [], []
        return twin

    # -- machinery -------------------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        params: dict[str, Any],
        handler: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> dict[str, Any]:
        try:
            if self.admission is not None:
                self._admit(operation, params)
            problems = violations(operation, params, self._patterns)
            if problems:
                raise ERRORS[self.validation_error](describe(problems))
            with self._lock:
                try:
                    response = handler(_given(params))
                finally:
                    changes, self._changes, step, self._step = self._changes, [], self._step, None
        except ServiceError as err:
            err = err.with_context(operation_name=operation, http_statuses=self.http_statuses)
            if self._call_observers:
                self._tell_call(ApiCall(operation, params, None, err.code, self._now()))
            raise err from None
        self._tell(changes)
        if self._call_observers:
            self._tell_call(ApiCall(operation, params, response, None, self._now(), step))
        return response

    def _fire(self, record: Record, trigger: str, details: Mapping[str, Any]) -> Step:
        """Fire ``trigger`` on a job now; the caller holds the lock. A change is queued for the
        observers, told once the call has completed; a job whose delete completed is purged."""
        now = self._now()
        step = record.job.fire(trigger, at=now, **details)
        if step.dest is not None and self._change_observers:
            self._changes.append(StateChange(record.arn, trigger, step.source, step.dest, now, dict(details)))
        if record.job.deleted:
            self._purge(record)
        return step

    def _tell(self, changes: list[StateChange]) -> None:
        for change in changes:
            for observer in tuple(self._change_observers):
                observer(change)

    def _tell_call(self, call: ApiCall) -> None:
        for observer in tuple(self._call_observers):
            observer(call)

    def _admit(self, operation: str, params: Mapping[str, Any]) -> None:
        assert self.admission is not None
        answer = self.admission(operation, params)
        if answer is None:
            return
        if isinstance(answer, type) and issubclass(answer, ServiceError):
            answer = answer()
        if not isinstance(answer, ServiceError):
            raise TypeError(
                f"the admission hook must return None or a ServiceError, not {type(answer).__name__}"
            )
        raise answer

    def _now(self) -> datetime:
        now = self.clock()
        if not isinstance(now, datetime) or now.tzinfo is None:
            raise TypeError(f"the service clock must return an aware datetime, got {now!r}")
        return now

    def _record(self, arn: str, operation: str) -> Record:
        record = self._jobs.get(arn) if isinstance(arn, str) else None
        if record is None:
            raise ResourceNotFoundException(
                f"The specified resource ARN was not found: {arn!r}. Check the ARN and try your "
                "request again.",
                operation_name=operation,
            )
        return record

    def _purge(self, record: Record) -> None:
        del self._jobs[record.arn]
        for token, (_, arn) in list(self._tokens.items()):
            if arn == record.arn:
                del self._tokens[token]


class ComprehendService(ServiceCore, Catalog, Writes, AnalysisJobs):
    """An in-memory Comprehend account and region: a drop-in stand-in for ``boto3.client("comprehend")``
    for the document-classifier and entity-recognizer operations.

    Args:
        clock: returns the current time as an aware ``datetime``; real UTC time by default. Use
            :class:`~stoprace.model.clock.ManualClock` in tests and notebooks.
        policy: the answers to the open questions AWS leaves open (``docs/evidence.md``).
        account_id: the account the classifiers and recognizers live in (it makes the ARNs).
        region: their region (it makes the ARNs too).
        partition: ``aws`` or ``aws-<name>``, the ARNs' partition.
        arn_pattern: ``"reference"`` (default; the API reference page's pattern) or ``"newer"``, the ARN
            pattern enforced on requests.
        http_statuses: ``"reference"`` (every client error is 400, as the API reference says) or
            ``"botocore"`` (ResourceNotFound 404, TooManyRequests 429, as the newest service model says).
        validation_error: the error a request that breaks a constraint of botocore's service model (a
            pattern, a length, an enum, a required member) gets: ``"ValidationException"`` (default;
            the common error AWS's request validation answers; evidence: ``validation-exception``) or
            ``"InvalidRequestException"`` (the API reference page's reading). Both in AWS's wording,
            every violation listed (:mod:`stoprace.model.validation`).
        admission: see :data:`Admission`; used by simulators for rate limits and fault injection.
        max_active_jobs: the account's quota of jobs in SUBMITTED, TRAINING or STOP_REQUESTED; a create
            over it gets ``ResourceLimitExceededException``. ``None`` (default) means no quota.
        lifecycle: the edge table jobs run by; the project's ``EDGES`` unless a study or a test of the
            checker swaps in another.
        job_lifecycle: the same for the jobs that process text (each kind's part of ``JOB_EDGES`` when
            None).
    """


class TranslateService(ServiceCore, TranslationJobs):
    """An in-memory Amazon Translate account and region: a drop-in stand-in for ``boto3.client("translate")``
    for the batch translation jobs (``StartTextTranslationJob``, ``DescribeTextTranslationJob``,
    ``ListTextTranslationJobs``, ``StopTextTranslationJob``), run by the lifecycle of the jobs that process
    text (:mod:`stoprace.model.analysis`). It takes :class:`ComprehendService`'s arguments; ``job_policy``
    answers what AWS leaves open about these jobs."""


def _given(params: Mapping[str, Any]) -> dict[str, Any]:
    """``params`` without the members given as None, at any depth: validation takes such a member as
    absent (as AWS takes a JSON null), so the operations do too."""
    return {
        name: _given(value) if isinstance(value, Mapping) else value
        for name, value in params.items()
        if value is not None
    }
