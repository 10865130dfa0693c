"""The timestamps a job's steps set, and the guards an edge may need besides the job's status: what
must hold of the job's path and timestamps (:mod:`stoprace.model.lifecycle` and
:mod:`stoprace.model.analysis` name them in their tables)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .statuses import Status

__all__ = [
    "BILLING",
    "GUARDS",
    "HAS_TRAINED",
    "NOT_FINALIZING",
    "PROCESSING",
    "PROVISIONING",
    "Guard",
    "Stamp",
]


class Stamp(StrEnum):
    """A job's timestamps: the four describe reports (evidence: ``describe-times``); when a stop was
    accepted (the policy may bill by it) and when a text job began processing: AWS reports neither."""

    SUBMIT = "SubmitTime"
    TRAINING_START = "TrainingStartTime"
    STOP_REQUEST = "StopRequestTime"
    TRAINING_END = "TrainingEndTime"
    END = "EndTime"
    PROCESSING_START = "ProcessingStartTime"


# The guards an edge may need: what must hold of the job besides its status.
HAS_TRAINED = "has_trained"
PROVISIONING = "provisioning"
BILLING = "billing"
NOT_FINALIZING = "not_finalizing"
PROCESSING = "processing"  # a job that processes text: processing has begun


@dataclass(frozen=True, slots=True)
class Guard:
    """What an edge needs of the job besides its status: ``holds(path, times)`` decides it from the
    statuses the job went through and the timestamps its steps set; ``label`` is the diagram's text,
    ``meaning`` the tables'."""

    label: str
    meaning: str
    holds: Callable[[Sequence[str], Mapping[Stamp, Any]], bool]


_START, _END = Stamp.TRAINING_START, Stamp.TRAINING_END

#: The guards, by name. Billed training is the span from ``TrainingStartTime`` to ``TrainingEndTime``;
#: provisioning comes before it, finalization after.
GUARDS: dict[str, Guard] = {
    HAS_TRAINED: Guard("if billing began", "billed training has begun", lambda _, times: _START in times),
    PROVISIONING: Guard(
        "if provisioning",
        "job is provisioning (TRAINING, not yet billed)",
        lambda path, times: _START not in times and Status.TRAINING.value in path,
    ),
    BILLING: Guard(
        "if billing",
        "billed training has begun and not ended",
        lambda _, times: _START in times and _END not in times,
    ),
    NOT_FINALIZING: Guard(
        "unless finalizing", "billed training has not ended", lambda _, times: _END not in times
    ),
    PROCESSING: Guard(
        "if processing began", "processing has begun", lambda _, t: Stamp.PROCESSING_START in t
    ),
}
