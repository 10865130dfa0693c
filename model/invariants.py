"""Safety properties of the lifecycle, written from the evidence (``docs/evidence.md``), never from the edge
table.

An oracle derived from ``EDGES`` would only check the table against itself, so these functions spell
the statuses out and encode what the documented facts and the policy say, independently. The exhaustive
checker (:mod:`stoprace.model.check`) and the stateful tests both judge what they observe with them, and the
tests of the checker show that they catch broken tables.

Observations are what a client sees: the properties of a describe (a classifier's
``DocumentClassifierProperties``, a recognizer's ``EntityRecognizerProperties``; ``None`` for a resource that
does not exist), and the result of each call.

>>> found = check_properties({"Status": "TRAINED", "SubmitTime": 0}, billed_seconds=0.0, trained=True)
>>> [seen for _, seen in found]
['TRAINED job lacks TrainingStartTime, TrainingEndTime, EndTime', 'TRAINED resource reports no metadata']
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import pairwise
from typing import Any

from .kinds import KINDS
from .policy import DEFAULT_POLICY, Policy

__all__ = [
    "FINISHED_STATUSES",
    "INVARIANTS",
    "STOPPED_TO_TRAINED",
    "TRAINED_STATUSES",
    "Finding",
    "check_properties",
    "check_step",
    "is_training",
    "stop_requested_from",
]

#: One broken property: its name (one of ``INVARIANTS``) and what was seen.
Finding = tuple[str, str]

_DOCUMENTED_STATUSES = (
    "SUBMITTED",
    "TRAINING",
    "DELETING",
    "STOP_REQUESTED",
    "STOPPED",
    "IN_ERROR",
    "TRAINED",
    "TRAINED_WITH_WARNING",
)
#: The finished statuses, and those with a model, as AWS spells them (the Promela properties use them too).
FINISHED_STATUSES = ("TRAINED", "TRAINED_WITH_WARNING", "STOPPED", "IN_ERROR")
TRAINED_STATUSES = ("TRAINED", "TRAINED_WITH_WARNING")

STATUS = "every status is one of the 8"
FINISHED_CHANGES = "a finished job changes only through delete"
STOPPED_STAYS = "STOPPED is never followed by TRAINING or a trained status"
#: The step a stopped job must never take (the checker reports whether any search reached it).
STOPPED_TO_TRAINED = ("STOPPED", "TRAINED")
STOP_NEVER_BACK = "a stop request never leads back to TRAINING"
STOP_REQUESTED_ENTRY = (
    "STOP_REQUESTED is entered only from TRAINING, or from SUBMITTED when the policy says so"
)
STOP_ANSWER = "a successful stop returns exactly {}"
FAILED_CALL = "a failed call changes nothing"
OTHERS_UNCHANGED = "a call or event changes only the job it names"
CREATE_SUBMITTED = "a created job starts SUBMITTED"
NAME_IN_USE = "a create of a name and version in use answers ResourceInUseException"
NAME_FREE = "a create of a name and version not in use succeeds"
TOKEN_REUSE = (
    "under repeated_token=idempotent, a create repeating a ClientRequestToken answers the same ARN "
    "(same request) or InvalidRequestException (other parameters), and changes nothing"
)
REJECTION = "a rejected stop or delete answers the policy's error"
TIMESTAMPS_PRESENT = "timestamps are as documented"
TIMESTAMPS_ORDER = "SubmitTime <= TrainingStartTime <= TrainingEndTime <= EndTime"
BILLED = "billed seconds equal TrainingEndTime - TrainingStartTime and are never negative"
METADATA = "a TRAINED or TRAINED_WITH_WARNING resource reports its metadata, a SUBMITTED or TRAINING one none"

#: Every property, by the name findings carry.
INVARIANTS: tuple[str, ...] = (
    STATUS,
    FINISHED_CHANGES,
    STOPPED_STAYS,
    STOP_NEVER_BACK,
    STOP_REQUESTED_ENTRY,
    STOP_ANSWER,
    FAILED_CALL,
    OTHERS_UNCHANGED,
    CREATE_SUBMITTED,
    NAME_IN_USE,
    NAME_FREE,
    TOKEN_REUSE,
    REJECTION,
    TIMESTAMPS_PRESENT,
    TIMESTAMPS_ORDER,
    BILLED,
    METADATA,
)

_TIME_KEYS = ("SubmitTime", "TrainingStartTime", "TrainingEndTime", "EndTime")
#: Where each kind reports what its training produced (evidence: ``recorded-outputs``: a TRAINED
#: classifier lists its ``ClassifierMetadata``, a TRAINING one none; ``entity-recognizers``).
_METADATA_MEMBERS = tuple(kind.metadata_member for kind in KINDS.values())


def stop_requested_from(policy: Policy = DEFAULT_POLICY) -> tuple[str, ...]:
    """The statuses a stop may move to ``STOP_REQUESTED``: ``TRAINING``, and ``SUBMITTED`` when the
    policy accepts a stop there (evidence: ``stop-when-submitted``)."""
    return ("TRAINING", "SUBMITTED") if policy.stop_when_submitted == "accept" else ("TRAINING",)


def is_training(status: str | None) -> bool:
    """Whether a described status is ``TRAINING`` (what the ``trained`` of :func:`check_properties`
    remembers a job was once seen in)."""
    return status == "TRAINING"


def check_properties(
    props: Mapping[str, Any],
    *,
    billed_seconds: float,
    trained: bool,
    policy: Policy = DEFAULT_POLICY,
) -> list[Finding]:
    """Judge one resource's describe output.

    ``trained`` says whether the job was ever seen ``TRAINING`` (a job stopped while ``SUBMITTED``
    never trains); ``billed_seconds`` is what the service says it bills for the job.

    Under ``billing_start=after_provisioning`` (evidence: ``provisioning``) a job in ``TRAINING`` may not have
    begun billed training yet, so ``TrainingStartTime`` may be missing there and on a job stopped then; under
    ``billing_end=before_finalization`` billed training ends before the job does, so a job still ``TRAINING``
    or ``STOP_REQUESTED`` may have a ``TrainingEndTime``, earlier than its ``EndTime``.
    """
    status = props.get("Status")
    if status not in _DOCUMENTED_STATUSES:
        return [(STATUS, f"Status {status!r}")]
    finalizing = policy.billing_end == "before_finalization"
    findings = _presence(props, status, trained=trained, policy=policy)

    times = [(k, props[k]) for k in _TIME_KEYS if k in props]
    for (k1, t1), (k2, t2) in pairwise(times):
        if t1 > t2:
            findings.append((TIMESTAMPS_ORDER, f"{k1} {t1} is after {k2} {t2}"))
    if (
        "TrainingEndTime" in props
        and "EndTime" in props
        and props["TrainingEndTime"] != props["EndTime"]
        and not finalizing
        and not (status in ("STOPPED", "DELETING") and policy.stopped_training_end == "at_stop_request")
    ):
        findings.append((TIMESTAMPS_ORDER, f"{status} job's TrainingEndTime differs from its EndTime"))

    metadata = [member for member in _METADATA_MEMBERS if member in props]
    if status in TRAINED_STATUSES and not metadata:
        findings.append((METADATA, f"{status} resource reports no metadata"))
    if status in ("SUBMITTED", "TRAINING") and metadata:
        findings.append((METADATA, f"{status} resource reports {', '.join(metadata)}"))

    if billed_seconds < 0:
        findings.append((BILLED, f"billed {billed_seconds} s"))
    if "TrainingStartTime" not in props and billed_seconds != 0:
        findings.append((BILLED, f"billed {billed_seconds} s for a job that never trained"))
    if "TrainingStartTime" in props and "TrainingEndTime" in props:
        span = (props["TrainingEndTime"] - props["TrainingStartTime"]).total_seconds()
        if span != billed_seconds:
            findings.append(
                (BILLED, f"billed {billed_seconds} s, TrainingEndTime - TrainingStartTime {span} s")
            )
    return findings


def _presence(props: Mapping[str, Any], status: str, *, trained: bool, policy: Policy) -> list[Finding]:
    """Which timestamps a job in ``status`` must have, may have, and must not have."""
    findings: list[Finding] = []
    ended = status in FINISHED_STATUSES or status == "DELETING"
    provisioning = policy.billing_start == "after_provisioning"
    finalizing = policy.billing_end == "before_finalization"
    start: bool | None = (
        None
        if trained and provisioning and status in ("TRAINING", "STOP_REQUESTED", "STOPPED", "DELETING")
        else trained
    )
    billed = start is True or "TrainingStartTime" in props
    # Each timestamp: True (required), False (forbidden) or None (either).
    expected: dict[str, bool | None] = {
        "SubmitTime": True,
        "TrainingStartTime": start,
        "TrainingEndTime": billed and (ended or (None if finalizing else False)),
        "EndTime": ended,
    }
    missing = [k for k, want in expected.items() if want and k not in props]
    extra = [k for k, want in expected.items() if want is False and k in props]
    if missing:
        findings.append((TIMESTAMPS_PRESENT, f"{status} job lacks {', '.join(missing)}"))
    if extra:
        findings.append((TIMESTAMPS_PRESENT, f"{status} job has {', '.join(extra)}"))
    if status in (*TRAINED_STATUSES, "TRAINING", "IN_ERROR") and not trained:
        findings.append((TIMESTAMPS_PRESENT, f"{status} job was never seen TRAINING"))
    return findings


def check_step(
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    result: Mapping[str, Any] | None,
    error: str | None,
    policy: Policy = DEFAULT_POLICY,
    token_reuse: str | None = None,
) -> list[Finding]:
    """Judge one step on one classifier: ``action`` taken, its description ``before`` and ``after``
    (``None`` where it does not exist), and the call's ``result`` or ``error`` code.

    ``action`` is ``"create"``, ``"stop"``, ``"delete"``, a service trigger, or ``"other"`` for a step
    aimed at another classifier (which must then leave this one alone). ``token_reuse`` says that a
    create carries a ClientRequestToken an existing classifier was created with: ``"same"`` when the
    whole request repeats that create's, ``"different"`` when other parameters differ; else None.
    """
    findings: list[Finding] = []
    old = before["Status"] if before is not None else None
    new = after["Status"] if after is not None else None

    if action == "other":
        if before != after:
            findings.append((OTHERS_UNCHANGED, f"{old} became {new} by a step aimed elsewhere"))
        return findings
    if error is not None and action in ("create", "stop", "delete") and before != after:
        findings.append((FAILED_CALL, f"{action} failed with {error} yet {old} became {new}"))
    if old == "STOPPED" and new in ("TRAINING", *TRAINED_STATUSES):
        findings.append((STOPPED_STAYS, f"STOPPED became {new} by {action}"))
    if old in ("STOP_REQUESTED", "STOPPED") and new == "TRAINING":
        findings.append((STOP_NEVER_BACK, f"{old} became TRAINING by {action}"))
    if old in FINISHED_STATUSES and new != old and not (action == "delete" and new == "DELETING"):
        findings.append((FINISHED_CHANGES, f"{old} became {new} by {action}"))
    entered = new == "STOP_REQUESTED" and old != "STOP_REQUESTED"
    if entered and (action != "stop" or old not in stop_requested_from(policy)):
        findings.append((STOP_REQUESTED_ENTRY, f"entered STOP_REQUESTED from {old} by {action}"))
    if action == "stop" and error is None and result != {}:
        findings.append((STOP_ANSWER, f"stop returned {result!r}"))
    if action == "create" and token_reuse is not None and policy.repeated_token == "idempotent":
        expected_error = None if token_reuse == "same" else "InvalidRequestException"
        if error != expected_error or before != after:
            findings.append(
                (TOKEN_REUSE, f"a create repeating a token ({token_reuse} request) gave {error or 'success'}")
            )
    elif action == "create":
        if before is not None and error != "ResourceInUseException":
            findings.append((NAME_IN_USE, f"create over an existing {old} job gave {error or 'success'}"))
        if before is None and error is not None:
            findings.append((NAME_FREE, f"create of a free name failed with {error}"))
        if before is None and error is None and new != "SUBMITTED":
            findings.append((CREATE_SUBMITTED, f"a new job is {new}"))
    if error is not None and before is not None and action in ("stop", "delete"):
        expected = policy.stop_rejection_error if action == "stop" else policy.delete_rejection_error
        if error != expected:
            findings.append((REJECTION, f"{action} of a {old} job answered {error}, policy says {expected}"))
    return findings
