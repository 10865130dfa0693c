"""The operations of the jobs that process text: start, describe, list and stop, for each
:class:`~stoprace.model.analysis_kinds.TextKind`. Mixins: :class:`AnalysisJobs` gives
:class:`~stoprace.model.ComprehendService` the seven analysis jobs' 28 operations, :class:`TranslationJobs`
gives :class:`~stoprace.model.TranslateService` Translate's four; the service supplies the records, the
lock and the call machinery. Each method is named as boto3's (``start_sentiment_detection_job``) and
answers as AWS does (evidence: ``analysis-job-records``, ``analysis-job-stop``).

A job is kept under its ``JobId`` (32 hexadecimal characters, as AWS forms them): that is what
describe, stop and :meth:`~stoprace.model.ComprehendService.fire` take.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Any

from .analysis import JOB_ACTIVE, TextJob, edges_for
from .analysis_kinds import ACTIONS, ANALYSIS_KINDS, TRANSLATION, TextKind
from .catalog import Record
from .errors import ERRORS, InvalidTransitionError, ResourceLimitExceededException
from .job import Step
from .kinds import json_copy
from .lifecycle import Edge
from .listing import DEFAULT_MAX_RESULTS, PageTokens, filter_digest, parse_filter
from .policy import JobPolicy
from .requests import invalid

__all__ = ["AnalysisJobs", "TextJobs", "TranslationJobs", "job_properties"]


class TextJobs:
    """Start, describe, list and stop of the jobs that process text (see the module)."""

    job_policy: JobPolicy
    job_lifecycle: tuple[Edge, ...] | None
    region: str
    account_id: str
    partition: str
    max_active_jobs: int | None
    _jobs: dict[str, Record]
    _tokens: dict[str, tuple[dict[str, Any], str]]
    _next_seq: int
    _step: Step | None
    _pages: PageTokens
    _call: Callable[[str, dict[str, Any], Callable[[dict[str, Any]], dict[str, Any]]], dict[str, Any]]
    _fire: Callable[[Record, str, Mapping[str, Any]], Step]
    _now: Callable[[], datetime]

    def _text(self, kind: TextKind, action: str, params: dict[str, Any]) -> dict[str, Any]:
        handler = {"create": self._start, "describe": self._describe_job, "list": self._list_jobs}.get(
            action, self._stop_job
        )
        return self._call(kind.operations[action], params, partial(handler, kind))

    def _job(self, kind: TextKind, job_id: str) -> Record:
        record = self._jobs.get(job_id)
        if record is None or record.kind is not kind:
            raise ERRORS[kind.not_found](f"Could not find the {kind.noun} with the ID {job_id!r}.")
        return record

    def _start(self, kind: TextKind, params: dict[str, Any]) -> dict[str, Any]:
        token = params.get(kind.token_member)
        request = {k: json_copy(v) for k, v in params.items() if k != kind.token_member}
        idempotent = isinstance(token, str) and self.job_policy.repeated_token == "idempotent"
        if isinstance(token, str) and idempotent and token in self._tokens:
            earlier, job_id = self._tokens[token]
            if earlier == request and self._jobs[job_id].kind is kind:
                return _started(self._jobs[job_id])
            raise invalid(f"{kind.token_member} {token!r} was already used with different parameters")
        if self.max_active_jobs is not None:
            active = sum(1 for r in self._jobs.values() if r.kind is kind and r.job.status in JOB_ACTIVE)
            if active >= self.max_active_jobs:
                raise ResourceLimitExceededException(
                    f"{active} {kind.noun}s are running; the account's quota is {self.max_active_jobs}"
                )
        seed = f"{self.partition}:{self.region}:{self.account_id}:{kind.name}:{self._next_seq}"
        job_id = hashlib.sha256(seed.encode()).hexdigest()[:32]
        edges = self.job_lifecycle if self.job_lifecycle is not None else edges_for(kind.statuses)
        job = TextJob(self.job_policy, at=self._now(), edges=edges)
        tags = {t["Key"]: t.get("Value", "") for t in request.get("Tags", [])}
        record = Record(arn=job_id, seq=self._next_seq, job=job, request=request, tags=tags, kind=kind)
        record.echo = {"JobArn": self._job_arn(kind, job_id)} if kind.has_arn else {}
        self._jobs[job_id] = record
        self._next_seq += 1
        if isinstance(token, str) and idempotent:
            self._tokens[token] = (request, job_id)
        return _started(record)

    def _job_arn(self, kind: TextKind, job_id: str) -> str:
        return f"arn:{self.partition}:{kind.service}:{self.region}:{self.account_id}:{kind.name}/{job_id}"

    def _describe_job(self, kind: TextKind, params: dict[str, Any]) -> dict[str, Any]:
        record = self._job(kind, params["JobId"])
        return {kind.properties: job_properties(record, self.account_id)}

    def _list_jobs(self, kind: TextKind, params: dict[str, Any]) -> dict[str, Any]:
        criterion = parse_filter(params.get("Filter"), "JobName", "JobStatus", kind.filter_times)
        max_results: int = params.get("MaxResults", DEFAULT_MAX_RESULTS)
        digest = f"{kind.name}:{filter_digest(criterion)}"
        after = self._pages.read(params["NextToken"], digest) if "NextToken" in params else -1
        matching = [
            r
            for r in self._jobs.values()
            if r.kind is kind and r.seq > after and _matches(r, criterion, kind)
        ]
        page = matching[:max_results]
        response: dict[str, Any] = {kind.properties_list: [job_properties(r, self.account_id) for r in page]}
        if len(matching) > max_results:
            response["NextToken"] = self._pages.make(page[-1].seq, digest)
        return response

    def _stop_job(self, kind: TextKind, params: dict[str, Any]) -> dict[str, Any]:
        operation = kind.operations["stop"]
        record = self._job(kind, params["JobId"])
        try:
            self._step = self._fire(record, "stop", {})
        except InvalidTransitionError as err:
            raise ERRORS[self.job_policy.stop_rejection_error](
                f"Job {record.arn} is {err.state}; {operation} is accepted only in "
                f"{', '.join(err.allowed_from)} under this service's policy"
            ) from None
        return {"JobId": record.arn, "JobStatus": record.job.state}


def _started(record: Record) -> dict[str, Any]:
    answer = {"JobId": record.arn, **(record.echo or {}), "JobStatus": record.job.state}
    if "EntityRecognizerArn" in record.request:
        answer["EntityRecognizerArn"] = record.request["EntityRecognizerArn"]
    return answer


def _matches(record: Record, criterion: tuple[str, Any] | None, kind: TextKind) -> bool:
    if criterion is None:
        return True
    key, value = criterion
    if key == "JobStatus":
        return record.job.state == str(value)
    if key == "JobName":
        return str(record.request.get("JobName")) == str(value)
    submitted: datetime = record.job.submit_time
    return bool(submitted < value if key == kind.filter_times[0] else submitted > value)


def job_properties(record: Record, account_id: str) -> dict[str, Any]:
    """A text job's properties as describe and list answer them: the kind's members in botocore's order,
    the request's echoed, the output location the service made, and the times the job has reached."""
    kind: TextKind = record.kind
    job, request = record.job, record.request
    found: dict[str, Any] = {
        "JobId": record.arn,
        **(record.echo or {}),
        "JobStatus": job.state,
        kind.submit_member: job.submit_time,
    }
    if job.message is not None:
        found["Message"] = job.message
    if job.end_time is not None:
        found["EndTime"] = job.end_time
    for member in kind.order:
        if member in request and member not in found:
            found[member] = json_copy(request[member])
    if "InputDataConfig" in found and kind.service == "comprehend":
        found["InputDataConfig"].setdefault("InputFormat", "ONE_DOC_PER_FILE")
    if "OutputDataConfig" in found:
        out = found["OutputDataConfig"]
        folder = f"{out['S3Uri'].rstrip('/')}/{account_id}-{kind.abbreviation}-{record.arn}"
        out["S3Uri"] = f"{folder}/output/output.tar.gz" if kind.service == "comprehend" else f"{folder}/"
    return {member: found[member] for member in kind.order if member in found}


class AnalysisJobs(TextJobs):
    """The seven Comprehend analysis jobs' operations (``start_sentiment_detection_job``, ...)."""


class TranslationJobs(TextJobs):
    """Translate's batch translation jobs' operations (``start_text_translation_job``, ...)."""


def _add_operations(mixin: type[TextJobs], kinds: Iterable[TextKind]) -> None:
    """Give ``mixin`` one method per operation of ``kinds``, named as boto3's."""
    for kind in kinds:
        for action in ACTIONS:
            setattr(mixin, kind.method(action), _method(kind, action))


def _method(kind: TextKind, action: str) -> Callable[..., dict[str, Any]]:
    def operation(self: TextJobs, **params: Any) -> dict[str, Any]:
        return self._text(kind, action, params)

    operation.__name__ = operation.__qualname__ = kind.method(action)
    operation.__doc__ = f"``{kind.operations[action]}``, as boto3's ``{kind.service}`` client answers it."
    return operation


_add_operations(AnalysisJobs, ANALYSIS_KINDS.values())
_add_operations(TranslationJobs, [TRANSLATION])
