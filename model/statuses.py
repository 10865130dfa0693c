"""The eight training statuses of a Comprehend document classifier (evidence: ``statuses``)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["ACTIVE", "DELETED", "FINISHED", "FINISHED_ORDER", "WITH_MODEL", "Status"]


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


#: Statuses a job ends training in, in the order results show them (with a model first). Only a
#: delete moves a job out of one of them. ``stoprace.model.lifecycle`` checks on import that these are exactly
#: the statuses whose edges stamp ``EndTime``.
FINISHED_ORDER: tuple[Status, ...] = (
    Status.TRAINED,
    Status.TRAINED_WITH_WARNING,
    Status.STOPPED,
    Status.IN_ERROR,
)
FINISHED: frozenset[Status] = frozenset(FINISHED_ORDER)

#: Finished statuses of a job whose training produced a model (describe reports its ClassifierMetadata;
#: a stop that ends in one of them lost the race).
WITH_MODEL: frozenset[Status] = frozenset({Status.TRAINED, Status.TRAINED_WITH_WARNING})

#: Statuses of a job whose training is still in progress (or not yet started): those that are not
#: finished and from which the service's own progress can still finish the job (checked on import).
ACTIVE: frozenset[Status] = frozenset({Status.SUBMITTED, Status.TRAINING, Status.STOP_REQUESTED})

#: Internal pseudo-state of a job whose delete has completed. It is never reported as a ``Status``:
#: the service answers ``ResourceNotFoundException`` for such a job.
DELETED = "DELETED"
