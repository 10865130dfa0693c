"""The eight training statuses of a Comprehend document classifier (SPEC section 1)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ACTIVE", "DELETED", "FINISHED", "Status"]


class Status(StrEnum):
    """A classifier's ``Status`` exactly as the service reports it (botocore's ``ModelStatus``).

    >>> Status("STOP_REQUESTED") is Status.STOP_REQUESTED
    True
    >>> Status.TRAINED == "TRAINED"
    True
    """

    SUBMITTED = "SUBMITTED"
    TRAINING = "TRAINING"
    DELETING = "DELETING"
    STOP_REQUESTED = "STOP_REQUESTED"
    STOPPED = "STOPPED"
    IN_ERROR = "IN_ERROR"
    TRAINED = "TRAINED"
    TRAINED_WITH_WARNING = "TRAINED_WITH_WARNING"


#: Statuses a job ends training in. Only a delete moves a job out of one of them.
FINISHED: frozenset[Status] = frozenset(
    {Status.TRAINED, Status.TRAINED_WITH_WARNING, Status.STOPPED, Status.IN_ERROR}
)

#: Statuses of a job whose training is still in progress (or not yet started).
ACTIVE: frozenset[Status] = frozenset({Status.SUBMITTED, Status.TRAINING, Status.STOP_REQUESTED})

#: Internal pseudo-state of a job whose delete has completed. It is never reported as a ``Status``:
#: the service answers ``ResourceNotFoundException`` for such a job.
DELETED = "DELETED"
