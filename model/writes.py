"""The write operations of :class:`~stoprace.model.ComprehendService`, for each kind of resource that
trains: create, stop and delete. A mixin: the service supplies the records, the settings, the lock and the
call machinery."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from .arn import ArnPattern, format_arn
from .catalog import Record
from .errors import ERRORS, InvalidTransitionError, ResourceInUseException, ResourceLimitExceededException
from .job import Step, TrainingJob
from .kinds import CLASSIFIER, RECOGNIZER, ResourceKind, json_copy, kind_of_arn
from .lifecycle import Edge
from .policy import Policy
from .requests import check_create, invalid
from .statuses import ACTIVE

__all__ = ["Writes"]


class Writes:
    """Create, stop and delete, for a service that provides the attributes below."""

    policy: Policy
    region: str
    account_id: str
    partition: str
    arn_pattern: ArnPattern
    max_active_jobs: int | None
    lifecycle: tuple[Edge, ...]
    _jobs: dict[str, Record]
    _tokens: dict[str, tuple[dict[str, Any], str]]
    _next_seq: int
    _step: Step | None
    _call: Callable[[str, dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]]], dict[str, Any]]
    _record: Callable[[str, str], Record]
    _fire: Callable[[Record, str, Mapping[str, Any]], Step]
    _now: Callable[[], datetime]

    # -- the API ---------------------------------------------------------------------------------

    def create_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``CreateDocumentClassifier``: a new job in ``SUBMITTED``; returns its ARN."""
        return self._write(CLASSIFIER, "create", params)

    def stop_training_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``StopTrainingDocumentClassifier``: ``{}``; what the stop does depends on the job's status
        and the policy."""
        return self._write(CLASSIFIER, "stop", params)

    def delete_document_classifier(self, **params: Any) -> dict[str, Any]:
        """``DeleteDocumentClassifier``: ``{}``; the job goes to ``DELETING`` until ``finish_delete``."""
        return self._write(CLASSIFIER, "delete", params)

    def create_entity_recognizer(self, **params: Any) -> dict[str, Any]:
        """``CreateEntityRecognizer``: as :meth:`create_document_classifier`, for a recognizer."""
        return self._write(RECOGNIZER, "create", params)

    def stop_training_entity_recognizer(self, **params: Any) -> dict[str, Any]:
        """``StopTrainingEntityRecognizer``: as :meth:`stop_training_document_classifier`."""
        return self._write(RECOGNIZER, "stop", params)

    def delete_entity_recognizer(self, **params: Any) -> dict[str, Any]:
        """``DeleteEntityRecognizer``: as :meth:`delete_document_classifier`."""
        return self._write(RECOGNIZER, "delete", params)

    def _write(self, kind: ResourceKind, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = {"create": self._create, "stop": self._stop, "delete": self._delete}[action]
        return self._call(kind.operations[action], params, partial(handler, kind))

    # -- create ----------------------------------------------------------------------------------

    def _create(self, kind: ResourceKind, params: dict[str, Any]) -> dict[str, Any]:
        name, version = check_create(params, kind.name_member, kind.inputs, kind.task)
        token = params.get("ClientRequestToken")
        request = {k: json_copy(v) for k, v in params.items() if k != "ClientRequestToken"}
        if token is not None and self.policy.repeated_token == "idempotent" and token in self._tokens:
            earlier, arn = self._tokens[token]
            if earlier == request and kind_of_arn(arn) is kind:
                return {kind.arn_member: arn}
            raise invalid(
                f"ClientRequestToken {token!r} was already used with different parameters; "
                "use a new token for a different request"
            )
        arn = format_arn(
            region=self.region,
            account=self.account_id,
            name=name,
            version=version,
            partition=self.partition,
            pattern=self.arn_pattern,
            resource=kind.name,
            name_member=kind.name_member,
        )
        if arn in self._jobs:
            what = f"{name!r} version {version!r}" if version is not None else f"{name!r}"
            raise ResourceInUseException(f"A {kind.noun} named {what} already exists: {arn}")
        if self.max_active_jobs is not None:
            active = sum(1 for r in self._jobs.values() if r.kind is kind and r.job.state in ACTIVE)
            if active >= self.max_active_jobs:
                raise ResourceLimitExceededException(
                    f"{active} {kind.noun}s are training; the account's quota is {self.max_active_jobs}"
                )
        job = TrainingJob(self.policy, at=self._now(), edges=self.lifecycle)
        tags = {t["Key"]: t.get("Value", "") for t in request.get("Tags", [])}
        self._jobs[arn] = Record(arn=arn, seq=self._next_seq, job=job, request=request, tags=tags, kind=kind)
        self._next_seq += 1
        if token is not None and self.policy.repeated_token == "idempotent":
            self._tokens[token] = (request, arn)
        return {kind.arn_member: arn}

    # -- stop and delete -------------------------------------------------------------------------

    def _stop(self, kind: ResourceKind, params: dict[str, Any]) -> dict[str, Any]:
        self._api_trigger(kind, params, "stop", self.policy.stop_rejection_error)
        return {}

    def _delete(self, kind: ResourceKind, params: dict[str, Any]) -> dict[str, Any]:
        self._api_trigger(kind, params, "delete", self.policy.delete_rejection_error)
        return {}

    def _api_trigger(
        self, kind: ResourceKind, params: Mapping[str, Any], trigger: str, error_code: str
    ) -> None:
        operation = kind.operations[trigger]
        record = self._record(params[kind.arn_member], operation)
        try:
            self._step = self._fire(record, trigger, {})
        except InvalidTransitionError as err:
            raise ERRORS[error_code](
                f"{kind.noun.capitalize()} {record.arn} is {err.state}; {operation} is accepted only in "
                f"{', '.join(err.allowed_from)} under this service's policy",
            ) from None
