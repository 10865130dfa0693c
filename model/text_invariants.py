"""Safety properties of the jobs that process text, written from the evidence (``docs/evidence.md``, the
facts ``analysis-job-*``), never from their edge table: the statuses are spelled out here, so that the
checker (:mod:`stoprace.model.check_text`) judges the table against the facts, not against itself.

Observations are what a client sees: a describe's properties (``None`` before the job exists) and each
call's answer or error code.

>>> [name for name, _ in check_job_properties({"JobStatus": "COMPLETED", "SubmitTime": 0}, ("COMPLETED",))]
['EndTime is reported exactly when the job has finished, never before SubmitTime']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .policy import DEFAULT_JOB_POLICY, JobPolicy

__all__ = ["JOB_INVARIANTS", "check_job_properties", "check_job_step"]

_FINISHED = ("COMPLETED", "COMPLETED_WITH_ERROR", "FAILED", "STOPPED")
_ALL_DONE = ("COMPLETED", "COMPLETED_WITH_ERROR")

STATUS = "every status is one of the kind's JobStatus values"
FINISHED_STAYS = "a finished job never changes (there is no delete)"
STOP_ENTRY = "STOP_REQUESTED is entered only from IN_PROGRESS, or from SUBMITTED when the policy says so"
NOT_STARTED = "a job stopped before it began processing never completes"
STOP_ANSWER = "a successful stop answers exactly the job's id and its status after the stop"
FINISHED_STOP = "a stop of a COMPLETED or FAILED job is refused unless the policy ignores it"
REJECTION = "a refused stop answers the policy's error"
FAILED_CALL = "a failed call changes nothing"
START_SUBMITTED = "a started job is SUBMITTED, and the start answers its id and status"
TOKEN_REUSE = (
    "a start repeating a client token with the same request answers the same job and changes nothing"
)
TIMES = "EndTime is reported exactly when the job has finished, never before SubmitTime"

#: Every property, by name.
JOB_INVARIANTS = (
    STATUS, FINISHED_STAYS, STOP_ENTRY, NOT_STARTED, STOP_ANSWER, FINISHED_STOP, REJECTION, FAILED_CALL,
    START_SUBMITTED, TOKEN_REUSE, TIMES,
)  # fmt: skip


def check_job_properties(props: Mapping[str, Any], statuses: Sequence[str]) -> list[tuple[str, str]]:
    """What is wrong with one describe of a job whose kind reports ``statuses``."""
    found = []
    status = props.get("JobStatus")
    if status not in statuses:
        found.append((STATUS, f"status {status!r}"))
    ended, submitted = props.get("EndTime"), props.get("SubmitTime", props.get("SubmittedTime"))
    if (ended is not None) != (status in _FINISHED) or (ended is not None and ended < submitted):
        found.append((TIMES, f"{status} job with EndTime {ended!r}"))
    return found


def check_job_step(
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    answer: Mapping[str, Any] | None,
    error: str | None,
    started: bool,
    repeated: bool = False,
    policy: JobPolicy = DEFAULT_JOB_POLICY,
) -> list[tuple[str, str]]:
    """What is wrong with one step: ``action`` (``create`` for the start, ``stop``, or a service event)
    took the job from ``before`` to ``after`` (describes), answering ``answer`` or the error code
    ``error``; ``started`` says whether the job had ever been ``IN_PROGRESS`` before the step;
    ``repeated`` that a start repeated the token and request of an earlier one."""
    found = []
    was = before.get("JobStatus") if before is not None else None
    now = after.get("JobStatus") if after is not None else None
    if error is not None and before != after:
        found.append((FAILED_CALL, f"{action} failed with {error} and changed the job"))
    if was in _FINISHED and now != was:
        found.append((FINISHED_STAYS, f"{action} took a {was} job to {now}"))
    if now == "STOP_REQUESTED" and was not in (None, "STOP_REQUESTED"):
        allowed = ("IN_PROGRESS", "SUBMITTED") if policy.stop_when_submitted == "accept" else ("IN_PROGRESS",)
        if was not in allowed:
            found.append((STOP_ENTRY, f"{action} took a {was} job to STOP_REQUESTED"))
    if now in _ALL_DONE and was == "STOP_REQUESTED" and not started:
        found.append((NOT_STARTED, f"a job stopped before processing ended {now}"))
    if action == "stop":
        found += _stop(was, after, answer, error, policy)
    if action == "create":
        same = after is not None and answer is not None and answer.get("JobId") == after.get("JobId")
        idempotent = policy.repeated_token == "idempotent"
        if repeated and (error is not None or before != after or same != idempotent):
            found.append((TOKEN_REUSE, f"the repeated start answered {error or answer}"))
        if not repeated and error is None and (now != "SUBMITTED" or (answer or {}).get("JobStatus") != now):
            found.append((START_SUBMITTED, f"the start answered {answer} and left the job {now}"))
    return found


def _stop(
    was: str | None,
    after: Mapping[str, Any] | None,
    answer: Mapping[str, Any] | None,
    error: str | None,
    policy: JobPolicy,
) -> list[tuple[str, str]]:
    found = []
    if error is None and after is not None:
        expected = {"JobId": after["JobId"], "JobStatus": after["JobStatus"]}
        if dict(answer or {}) != expected:
            found.append((STOP_ANSWER, f"the stop answered {answer}, the job is {after['JobStatus']}"))
    if was in ("COMPLETED", "FAILED") and policy.stop_when_finished == "reject" and error is None:
        found.append((FINISHED_STOP, f"a stop of a {was} job was accepted"))
    if error is not None and error not in (
        policy.stop_rejection_error,
        "JobNotFoundException",
        "ResourceNotFoundException",
    ):
        found.append((REJECTION, f"a refused stop answered {error}, not {policy.stop_rejection_error}"))
    return found
