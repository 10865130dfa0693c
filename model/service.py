"""``ComprehendService``: an in-memory Comprehend account and region, shaped like boto3's client.

Its public methods are named, called and answered exactly like ``boto3.client("comprehend")``'s
document-classifier operations: AWS-cased keyword arguments in, AWS-shaped dicts out, and errors that
carry botocore's ``ClientError.response``. The service has no clock or randomness of its own: time
comes from an injected clock, and the service's own progress (training starts, completes, fails, a stop
takes effect, a delete completes) is driven from outside through :meth:`ComprehendService.fire`.

A call that fails changes nothing. Every call is atomic with respect to other threads.

>>> from model import ComprehendService, ManualClock
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

import base64
import copy
import hashlib
import hmac
import json
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .arn import ArnError, ArnPattern, format_arn, validate_arn, validate_name
from .clock import Clock, ManualClock, utc_now
from .errors import (
    ERRORS,
    HttpStatuses,
    InvalidFilterException,
    InvalidRequestException,
    InvalidTransitionError,
    ModelError,
    ResourceInUseException,
    ResourceLimitExceededException,
    ResourceNotFoundException,
    ServiceError,
    TooManyTagsException,
    UnsupportedLanguageException,
)
from .lifecycle import (
    API_TRIGGERS,
    EDGES,
    REPORTED_STAMPS,
    SERVICE_TRIGGERS,
    TRIGGER_DETAILS,
    Edge,
    Step,
    TrainingJob,
    machine_for,
)
from .policy import DEFAULT_POLICY, Policy
from .statuses import ACTIVE, Status

__all__ = ["DEFAULT_ACCOUNT", "DEFAULT_REGION", "Admission", "ApiCall", "ComprehendService", "StateChange"]

DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"

#: Consulted before every API call with the operation name and its parameters. It returns ``None`` to
#: let the call through, or a ``ServiceError`` (class or instance), typically TooManyRequestsException
#: or InternalServerException, which the call then raises without changing anything.
Admission = Callable[[str, Mapping[str, Any]], "ServiceError | type[ServiceError] | None"]

# botocore's LanguageCode enum, and the languages custom classification supports.
LANGUAGE_CODES = ("en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW")
CLASSIFIER_LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
MODES = ("MULTI_CLASS", "MULTI_LABEL")
DATA_FORMATS = ("COMPREHEND_CSV", "AUGMENTED_MANIFEST")
MAX_TAGS = 50
MAX_RESULTS = 500
DEFAULT_MAX_RESULTS = 100
FILTER_KEYS = ("Status", "DocumentClassifierName", "SubmitTimeBefore", "SubmitTimeAfter")

_ROLE_ARN = re.compile(r"arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+")
_S3_URI = re.compile(r"s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?")
_TOKEN = re.compile(r"[a-zA-Z0-9-]+")
_ACCOUNT = re.compile(r"[0-9]{12}")
_REGION = re.compile(r"[a-zA-Z0-9-]*")
_PARTITION = re.compile(r"aws(-[^:]+)?")

_CREATE_REQUIRED = ("DocumentClassifierName", "DataAccessRoleArn", "InputDataConfig", "LanguageCode")
_CREATE_OPTIONAL = (
    "VersionName", "Tags", "OutputDataConfig", "ClientRequestToken", "VolumeKmsKeyId", "VpcConfig",
    "Mode", "ModelKmsKeyId", "ModelPolicy",
)
_INPUT_KEYS = (
    "DataFormat", "S3Uri", "TestS3Uri", "LabelDelimiter", "AugmentedManifests", "DocumentType",
    "Documents", "DocumentReaderConfig",
)
_OUTPUT_KEYS = ("S3Uri", "KmsKeyId", "FlywheelStatsS3Prefix")
# Request fields echoed by describe, in the order botocore's output shape lists them.
_ECHOED = (
    "InputDataConfig", "OutputDataConfig", "DataAccessRoleArn", "VolumeKmsKeyId", "VpcConfig",
    "Mode", "ModelKmsKeyId", "VersionName",
)


def _subscribe(observers: list[Any], observer: Any) -> Callable[[], None]:
    if not callable(observer):
        raise TypeError(f"an observer must be callable, not {type(observer).__name__}")
    observers.append(observer)

    def unsubscribe() -> None:
        if observer in observers:
            observers.remove(observer)

    return unsubscribe


def _invalid(message: str) -> InvalidRequestException:
    return InvalidRequestException(message)


def _check_keys(
    params: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...], where: str
) -> None:
    missing = [k for k in required if k not in params]
    if missing:
        raise _invalid(f"{where} is missing required parameter(s): {', '.join(missing)}")
    allowed = (*required, *optional)
    unknown = sorted(k for k in params if k not in allowed)
    if unknown:
        raise _invalid(
            f"{where} got unknown parameter(s): {', '.join(map(str, unknown))}; "
            f"allowed: {', '.join(allowed)}"
        )


def _string(value: Any, field: str, *, low: int = 0, high: int | None = None) -> str:
    if not isinstance(value, str):
        raise _invalid(f"{field} must be a string, not {type(value).__name__}")
    if len(value) < low or (high is not None and len(value) > high):
        limit = f"{low} to {high}" if high is not None else f"at least {low}"
        raise _invalid(f"{field} must be {limit} characters long, got {len(value)}")
    return value


def _choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise _invalid(f"{field} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _mapping(value: Any, field: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise _invalid(f"{field} must be a structure (dict), not {type(value).__name__}")
    unknown = sorted(str(k) for k in value if k not in keys)
    if unknown:
        raise _invalid(f"{field} has unknown member(s) {', '.join(unknown)}; allowed: {', '.join(keys)}")
    return value


def _s3_uri(value: Any, field: str) -> str:
    text = _string(value, field, high=1024)
    if _S3_URI.fullmatch(text) is None:
        raise _invalid(f"{field} {text!r} is not an S3 URI of the form s3://bucket/key")
    return text


def _string_list(value: Any, field: str, low: int, high: int) -> None:
    if not isinstance(value, list) or not low <= len(value) <= high:
        raise _invalid(f"{field} must be a list of {low} to {high} strings")
    for i, item in enumerate(value):
        _string(item, f"{field}[{i}]", low=1, high=32)


def _timestamp(value: Any, field: str) -> datetime:
    """A filter time as botocore accepts it: a datetime (naive means UTC), epoch seconds, or ISO 8601."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    elif isinstance(value, str):
        try:
            return _timestamp(datetime.fromisoformat(value), field)
        except ValueError:
            pass
    raise InvalidFilterException(
        f"Filter.{field} must be a datetime, epoch seconds or an ISO 8601 string; got {value!r}"
    )


@dataclass(frozen=True, slots=True)
class StateChange:
    """A job took a step: told to the service's ``on_change`` observers. A step into another status, or
    one that keeps the status and stamps a time (``begin_billing``, ``end_billing``: ``source == dest``).

    ``details`` holds what the step carried besides its time (a ``message``)."""

    arn: str
    trigger: str
    source: str
    dest: str
    time: datetime
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ApiCall:
    """An API call was answered: told to the service's ``on_call`` observers.

    ``error`` is the AWS error code (``None`` for success); ``step`` is what the call did to its job
    when it fired a trigger (a stop or a delete; ``step.dest`` is None for an accepted no-op)."""

    operation: str
    params: Mapping[str, Any]
    response: Mapping[str, Any] | None
    error: str | None
    time: datetime
    step: Step | None = None


ChangeObserver = Callable[[StateChange], None]
CallObserver = Callable[[ApiCall], None]


@dataclass(slots=True)
class _Record:
    arn: str
    seq: int
    job: TrainingJob
    request: dict[str, Any]  # the create parameters, without the token


class ComprehendService:
    """An in-memory Comprehend account and region: a drop-in stand-in for ``boto3.client("comprehend")``
    for the document-classifier operations.

    Args:
        clock: returns the current time as an aware ``datetime``; real UTC time by default. Use
            :class:`~model.clock.ManualClock` in tests and notebooks.
        policy: the answers to the open questions of SPEC section 5.
        account_id, region, partition: where the classifiers live (they make the ARNs).
        arn_pattern: ``"seed"`` (default) or ``"newer"``, the ARN pattern enforced on requests.
        http_statuses: ``"seed"`` (every client error is 400, as the API reference says) or
            ``"botocore"`` (ResourceNotFound 404, TooManyRequests 429, as the newest service model says).
        admission: see :data:`Admission`; used by simulators for rate limits and fault injection.
        max_active_jobs: the account's quota of jobs in SUBMITTED, TRAINING or STOP_REQUESTED; a create
            over it gets ``ResourceLimitExceededException``. ``None`` (default) means no quota.
        lifecycle: the edge table jobs run by; the project's ``EDGES`` unless a study or a test of the
            checker swaps in another.
    """

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        policy: Policy = DEFAULT_POLICY,
        account_id: str = DEFAULT_ACCOUNT,
        region: str = DEFAULT_REGION,
        partition: str = "aws",
        arn_pattern: ArnPattern | str = ArnPattern.SEED,
        http_statuses: HttpStatuses = "seed",
        admission: Admission | None = None,
        max_active_jobs: int | None = None,
        lifecycle: tuple[Edge, ...] = EDGES,
    ) -> None:
        if not callable(clock):
            raise TypeError("clock must be a callable returning an aware datetime")
        if not isinstance(policy, Policy):
            raise TypeError(f"policy must be a model.Policy, not {type(policy).__name__}")
        if not isinstance(account_id, str) or _ACCOUNT.fullmatch(account_id) is None:
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        if not isinstance(region, str) or _REGION.fullmatch(region) is None:
            raise ValueError(f"region may hold letters, digits and hyphens only, got {region!r}")
        if not isinstance(partition, str) or _PARTITION.fullmatch(partition) is None:
            raise ValueError(f"partition must be 'aws' or 'aws-<name>', got {partition!r}")
        if http_statuses not in ("seed", "botocore"):
            raise ValueError(f"http_statuses must be 'seed' or 'botocore', got {http_statuses!r}")
        if admission is not None and not callable(admission):
            raise TypeError("admission must be a callable (operation, params) -> error or None")
        if max_active_jobs is not None and (
            isinstance(max_active_jobs, bool) or not isinstance(max_active_jobs, int) or max_active_jobs < 1
        ):
            raise ValueError(f"max_active_jobs must be a whole number of at least 1, got {max_active_jobs!r}")
        self.clock = clock
        self.policy = policy
        self.account_id = account_id
        self.region = region
        self.partition = partition
        self.arn_pattern = ArnPattern(arn_pattern)
        self.http_statuses: HttpStatuses = http_statuses
        self.admission = admission
        self.max_active_jobs = max_active_jobs
        self.lifecycle = lifecycle
        machine_for(policy, lifecycle)  # a malformed table is refused here, not at the first create
        self._jobs: dict[str, _Record] = {}
        self._tokens: dict[str, tuple[dict[str, Any], str]] = {}
        self._next_seq = 0
        self._lock = threading.RLock()
        self._token_key = f"stoprace:{partition}:{region}:{account_id}".encode()
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

    # -- the API ---------------------------------------------------------------------------------

    def create_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``CreateDocumentClassifier``: a new job in ``SUBMITTED``; returns its ARN."""
        return self._call("CreateDocumentClassifier", params, self._create)

    def describe_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``DescribeDocumentClassifier``: ``{"DocumentClassifierProperties": {...}}``."""
        return self._call("DescribeDocumentClassifier", params, self._describe)

    def list_document_classifiers(self, **params: Any) -> dict[str, Any]:
        """``ListDocumentClassifiers``: one page of classifiers in creation order, and a ``NextToken``
        when more remain."""
        return self._call("ListDocumentClassifiers", params, self._list)

    def stop_training_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``StopTrainingDocumentClassifier``: ``{}``; what the stop does depends on the job's status
        and the policy."""
        return self._call("StopTrainingDocumentClassifier", params, self._stop)

    def delete_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``DeleteDocumentClassifier``: ``{}``; the job goes to ``DELETING`` until ``finish_delete``."""
        return self._call("DeleteDocumentClassifier", params, self._delete)

    # -- the service's own progress, and read-only helpers ----------------------------------------

    def fire(self, arn: str, trigger: str, **details: Any) -> Status | None:
        """Drive the service's own progress: fire a service ``trigger`` on job ``arn`` now.

        Triggers: ``start_training``, ``begin_billing`` and ``end_billing`` (the phases of ``TRAINING``,
        under the policy's ``billing_start`` and ``billing_end``), ``finish_training``,
        ``finish_training_with_warning`` (``message=`` optional), ``fail_training`` (``message=``
        optional), ``finish_stop``, ``finish_delete``. Returns the job's new status, or ``None`` once
        its delete has completed.
        Raises ``InvalidTransitionError`` where the lifecycle has no such edge (nothing changes) and
        ``ResourceNotFoundException`` for an unknown job.
        """
        if trigger not in SERVICE_TRIGGERS:
            hint = " (it is an API call: use the service's API method)" if trigger in API_TRIGGERS else ""
            raise ModelError(
                f"fire() takes a service trigger, not {trigger!r}{hint}; "
                f"service triggers are: {', '.join(SERVICE_TRIGGERS)}"
            )
        allowed = TRIGGER_DETAILS.get(trigger, ())
        extra = sorted(k for k in details if k not in allowed)
        if extra:
            raise ModelError(
                f"trigger {trigger!r} takes {'only ' + ', '.join(allowed) if allowed else 'no details'}; "
                f"got {', '.join(extra)}"
            )
        with self._lock:
            record = self._record(arn, "fire")
            try:
                self._fire(record, trigger, details)
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
        return _subscribe(self._change_observers, observer)

    def on_call(self, observer: CallObserver) -> Callable[[], None]:
        """Call ``observer`` with an :class:`ApiCall` after every API call, accepted or refused (after
        the state-change observers of the changes it made). Returns a function that unsubscribes it."""
        return _subscribe(self._call_observers, observer)

    def can_fire(self, arn: str, trigger: str) -> bool:
        """Whether ``trigger`` would be accepted by job ``arn`` now."""
        with self._lock:
            return self._record(arn, "can_fire").job.can_fire(trigger)

    def status(self, arn: str) -> Status:
        """Job ``arn``'s status (cheaper than a describe: no copies)."""
        with self._lock:
            return self._record(arn, "status").job.status

    def path(self, arn: str) -> tuple[Status, ...]:
        """The statuses job ``arn`` has been through, in order."""
        with self._lock:
            return tuple(Status(s) for s in self._record(arn, "path").job.path)

    def arns(self) -> list[str]:
        """Every existing classifier's ARN, in creation order."""
        with self._lock:
            return list(self._jobs)

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

    def fork(self, clock: Clock | None = None) -> ComprehendService:
        """An independent copy of this account: the same settings, classifiers, histories and tokens.

        The copy uses ``clock`` if given; otherwise a copy of this service's clock when that is a
        :class:`~model.clock.ManualClock`, or the same clock. Used by the exhaustive checker to branch
        without replaying, and handy for what-if branches in a notebook.
        """
        if clock is None:
            clock = copy.copy(self.clock) if isinstance(self.clock, ManualClock) else self.clock
        with self._lock:
            # The settings were validated when this service was made; copying skips doing it again.
            twin = copy.copy(self)
            twin.clock = clock
            twin._lock = threading.RLock()
            twin._jobs = {
                arn: _Record(arn=r.arn, seq=r.seq, job=r.job.copy(), request=r.request)
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
            with self._lock:
                try:
                    response = handler(params)
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

    def _fire(self, record: _Record, trigger: str, details: Mapping[str, Any]) -> Step:
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

    def _arn(self, params: Mapping[str, Any]) -> str:
        try:
            return validate_arn(params["DocumentClassifierArn"], self.arn_pattern)
        except ArnError as err:
            raise _invalid(f"DocumentClassifierArn {err}") from None

    def _record(self, arn: str, operation: str) -> _Record:
        record = self._jobs.get(arn)
        if record is None:
            raise ResourceNotFoundException(
                f"The specified resource ARN was not found: {arn!r}. Check the ARN and try your "
                "request again.",
                operation_name=operation,
            )
        return record

    def _purge(self, record: _Record) -> None:
        del self._jobs[record.arn]
        for token, (_, arn) in list(self._tokens.items()):
            if arn == record.arn:
                del self._tokens[token]

    # -- create ----------------------------------------------------------------------------------

    def _create(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_keys(params, _CREATE_REQUIRED, _CREATE_OPTIONAL, "CreateDocumentClassifier")
        try:
            name = validate_name(params["DocumentClassifierName"], "DocumentClassifierName")
            version = params.get("VersionName")
            if version is not None:
                validate_name(version, "VersionName")
        except ArnError as err:
            raise _invalid(str(err)) from None
        role = _string(params["DataAccessRoleArn"], "DataAccessRoleArn", low=20, high=2048)
        if _ROLE_ARN.fullmatch(role) is None:
            raise _invalid(
                f"DataAccessRoleArn {role!r} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)"
            )
        self._check_input(params["InputDataConfig"])
        language = _choice(params["LanguageCode"], "LanguageCode", LANGUAGE_CODES)
        if language not in CLASSIFIER_LANGUAGES:
            raise UnsupportedLanguageException(
                f"LanguageCode {language!r} is not supported for custom classification; "
                f"supported: {', '.join(CLASSIFIER_LANGUAGES)}"
            )
        self._check_optional(params)
        token = params.get("ClientRequestToken")
        request = {k: copy.deepcopy(v) for k, v in params.items() if k != "ClientRequestToken"}
        if token is not None and self.policy.repeated_token == "idempotent" and token in self._tokens:
            earlier, arn = self._tokens[token]
            if earlier == request:
                return {"DocumentClassifierArn": arn}
            raise _invalid(
                f"ClientRequestToken {token!r} was already used with different parameters; "
                "use a new token for a different request"
            )
        arn = format_arn(
            region=self.region, account=self.account_id, name=name, version=version,
            partition=self.partition, pattern=self.arn_pattern,
        )
        if arn in self._jobs:
            what = f"{name!r} version {version!r}" if version is not None else f"{name!r}"
            raise ResourceInUseException(f"A classifier named {what} already exists: {arn}")
        if self.max_active_jobs is not None:
            active = sum(1 for r in self._jobs.values() if r.job.state in ACTIVE)
            if active >= self.max_active_jobs:
                raise ResourceLimitExceededException(
                    f"{active} classifiers are training; the account's quota is {self.max_active_jobs}"
                )
        job = TrainingJob(self.policy, at=self._now(), edges=self.lifecycle)
        self._jobs[arn] = _Record(arn=arn, seq=self._next_seq, job=job, request=request)
        self._next_seq += 1
        if token is not None and self.policy.repeated_token == "idempotent":
            self._tokens[token] = (request, arn)
        return {"DocumentClassifierArn": arn}

    @staticmethod
    def _check_optional(params: Mapping[str, Any]) -> None:
        if "Mode" in params:
            _choice(params["Mode"], "Mode", MODES)
        if "OutputDataConfig" in params:
            output = _mapping(params["OutputDataConfig"], "OutputDataConfig", _OUTPUT_KEYS)
            if "S3Uri" in output:
                _s3_uri(output["S3Uri"], "OutputDataConfig.S3Uri")
            for key in ("KmsKeyId", "FlywheelStatsS3Prefix"):
                if key in output:
                    _string(output[key], f"OutputDataConfig.{key}", high=2048)
        for key in ("VolumeKmsKeyId", "ModelKmsKeyId"):
            if key in params:
                _string(params[key], key, high=2048)
        if "ModelPolicy" in params:
            _string(params["ModelPolicy"], "ModelPolicy", low=1, high=20000)
        if "VpcConfig" in params:
            vpc = _mapping(params["VpcConfig"], "VpcConfig", ("SecurityGroupIds", "Subnets"))
            _check_keys(vpc, ("SecurityGroupIds", "Subnets"), (), "VpcConfig")
            _string_list(vpc["SecurityGroupIds"], "VpcConfig.SecurityGroupIds", 1, 5)
            _string_list(vpc["Subnets"], "VpcConfig.Subnets", 1, 16)
        if "Tags" in params:
            ComprehendService._check_tags(params["Tags"])
        token = params.get("ClientRequestToken")
        if token is not None:
            _string(token, "ClientRequestToken", low=1, high=64)
            if _TOKEN.fullmatch(token) is None:
                raise _invalid("ClientRequestToken may hold only letters, digits and hyphens")

    @staticmethod
    def _check_input(value: Any) -> None:
        config = _mapping(value, "InputDataConfig", _INPUT_KEYS)
        data_format = _choice(config.get("DataFormat", "COMPREHEND_CSV"), "InputDataConfig.DataFormat",
                              DATA_FORMATS)
        if data_format == "COMPREHEND_CSV" and "S3Uri" not in config:
            raise _invalid("InputDataConfig.S3Uri is required when DataFormat is COMPREHEND_CSV")
        if data_format == "AUGMENTED_MANIFEST" and not config.get("AugmentedManifests"):
            raise _invalid(
                "InputDataConfig.AugmentedManifests is required when DataFormat is AUGMENTED_MANIFEST"
            )
        for key in ("S3Uri", "TestS3Uri"):
            if key in config:
                _s3_uri(config[key], f"InputDataConfig.{key}")
        if "LabelDelimiter" in config:
            _string(config["LabelDelimiter"], "InputDataConfig.LabelDelimiter", low=1, high=1)
        if "AugmentedManifests" in config and not isinstance(config["AugmentedManifests"], list):
            raise _invalid("InputDataConfig.AugmentedManifests must be a list")
        if "DocumentType" in config:
            _choice(config["DocumentType"], "InputDataConfig.DocumentType",
                    ("PLAIN_TEXT_DOCUMENT", "SEMI_STRUCTURED_DOCUMENT"))
        for key in ("Documents", "DocumentReaderConfig"):
            if key in config and not isinstance(config[key], Mapping):
                raise _invalid(f"InputDataConfig.{key} must be a structure (dict)")

    @staticmethod
    def _check_tags(value: Any) -> None:
        if not isinstance(value, list):
            raise _invalid(f"Tags must be a list of {{'Key': ..., 'Value': ...}}, not {type(value).__name__}")
        keys: set[str] = set()
        for i, item in enumerate(value):
            tag = _mapping(item, f"Tags[{i}]", ("Key", "Value"))
            _check_keys(tag, ("Key",), ("Value",), f"Tags[{i}]")
            key = _string(tag["Key"], f"Tags[{i}].Key", low=1, high=128)
            if "Value" in tag:
                _string(tag["Value"], f"Tags[{i}].Value", high=256)
            if key in keys:
                raise _invalid(f"Tags[{i}].Key {key!r} appears twice")
            keys.add(key)
        if len(value) > MAX_TAGS:
            raise TooManyTagsException(f"{len(value)} tags given; a classifier can have at most {MAX_TAGS}")

    # -- describe and list -----------------------------------------------------------------------

    def _describe(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_keys(params, ("DocumentClassifierArn",), (), "DescribeDocumentClassifier")
        record = self._record(self._arn(params), "DescribeDocumentClassifier")
        return {"DocumentClassifierProperties": self._properties(record)}

    def _properties(self, record: _Record) -> dict[str, Any]:
        job, request = record.job, record.request
        props: dict[str, Any] = {
            "DocumentClassifierArn": record.arn,
            "LanguageCode": request["LanguageCode"],
            "Status": job.state,
        }
        if job.message is not None:
            props["Message"] = job.message
        for stamp in REPORTED_STAMPS:
            if job.times.get(stamp) is not None:
                props[stamp.value] = job.times[stamp]
        for key in _ECHOED:
            if key in request:
                props[key] = copy.deepcopy(request[key])
        props.setdefault("Mode", "MULTI_CLASS")
        return props

    def _list(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_keys(params, (), ("Filter", "NextToken", "MaxResults"), "ListDocumentClassifiers")
        criterion = self._filter(params.get("Filter"))
        max_results = params.get("MaxResults", DEFAULT_MAX_RESULTS)
        if isinstance(max_results, bool) or not isinstance(max_results, int) or not (
            1 <= max_results <= MAX_RESULTS
        ):
            raise _invalid(f"MaxResults must be a whole number from 1 to {MAX_RESULTS}, got {max_results!r}")
        digest = self._filter_digest(criterion)
        after = self._read_token(params["NextToken"], digest) if "NextToken" in params else -1
        matching = [r for r in self._jobs.values() if r.seq > after and self._matches(r, criterion)]
        page = matching[:max_results]
        response: dict[str, Any] = {"DocumentClassifierPropertiesList": [self._properties(r) for r in page]}
        if len(matching) > max_results:
            response["NextToken"] = self._make_token(page[-1].seq, digest)
        return response

    @staticmethod
    def _filter(value: Any) -> tuple[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise _invalid(f"Filter must be a structure (dict), not {type(value).__name__}")
        unknown = sorted(str(k) for k in value if k not in FILTER_KEYS)
        if unknown:
            raise InvalidFilterException(
                f"Filter has unknown member(s) {', '.join(unknown)}; allowed: {', '.join(FILTER_KEYS)}"
            )
        given = [k for k in FILTER_KEYS if k in value]
        if len(given) > 1:
            raise InvalidFilterException(
                f"Filter may use at most one of {', '.join(FILTER_KEYS)}; got {', '.join(given)}"
            )
        if not given:
            return None
        key, raw = given[0], value[given[0]]
        if key == "Status":
            if not isinstance(raw, str) or raw not in Status.__members__:
                raise InvalidFilterException(
                    f"Filter.Status must be one of {', '.join(Status)}; got {raw!r}"
                )
            return key, raw
        if key == "DocumentClassifierName":
            try:
                return key, validate_name(raw, "Filter.DocumentClassifierName")
            except ArnError as err:
                raise InvalidFilterException(str(err)) from None
        return key, _timestamp(raw, key)

    @staticmethod
    def _matches(record: _Record, criterion: tuple[str, Any] | None) -> bool:
        if criterion is None:
            return True
        key, value = criterion
        if key == "Status":
            return record.job.state == str(value)
        if key == "DocumentClassifierName":
            return str(record.request["DocumentClassifierName"]) == str(value)
        submitted: datetime = record.job.submit_time
        moment: datetime = value
        return submitted < moment if key == "SubmitTimeBefore" else submitted > moment

    @staticmethod
    def _filter_digest(criterion: tuple[str, Any] | None) -> str:
        if criterion is None:
            text = ""
        else:
            key, value = criterion
            text = f"{key}={value.isoformat() if isinstance(value, datetime) else value}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def _make_token(self, after: int, digest: str) -> str:
        payload = base64.urlsafe_b64encode(json.dumps([after, digest]).encode()).decode()
        signature = hmac.new(self._token_key, payload.encode(), hashlib.sha256).hexdigest()[:32]
        return f"{payload}.{signature}"

    def _read_token(self, token: Any, digest: str) -> int:
        if not isinstance(token, str) or not token:
            raise _invalid("NextToken must be a non-empty string returned by an earlier list call")
        payload, _, signature = token.partition(".")
        expected = hmac.new(self._token_key, payload.encode(), hashlib.sha256).hexdigest()[:32]
        if not hmac.compare_digest(signature.encode(), expected.encode()):
            raise _invalid(
                "NextToken is not a token this service issued; pass the NextToken of the last page"
            )
        after, token_digest = json.loads(base64.urlsafe_b64decode(payload))
        if token_digest != digest:
            raise _invalid("NextToken was issued for a different Filter; list again from the first page")
        return int(after)

    # -- stop and delete -------------------------------------------------------------------------

    def _stop(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_keys(params, ("DocumentClassifierArn",), (), "StopTrainingDocumentClassifier")
        self._api_trigger(params, "stop", self.policy.stop_rejection_error, "StopTrainingDocumentClassifier")
        return {}

    def _delete(self, params: dict[str, Any]) -> dict[str, Any]:
        _check_keys(params, ("DocumentClassifierArn",), (), "DeleteDocumentClassifier")
        self._api_trigger(params, "delete", self.policy.delete_rejection_error, "DeleteDocumentClassifier")
        return {}

    def _api_trigger(self, params: Mapping[str, Any], trigger: str, error_code: str, operation: str) -> None:
        record = self._record(self._arn(params), operation)
        try:
            self._step = self._fire(record, trigger, {})
        except InvalidTransitionError as err:
            raise ERRORS[error_code](
                f"Classifier {record.arn} is {err.state}; {operation} is accepted only in "
                f"{', '.join(err.allowed_from)} under this service's policy",
            ) from None
