"""stoprace's formal model of the Comprehend document-classifier training lifecycle.

The lifecycle is one table of edges (:data:`EDGES`); a ``transitions`` Machine built from it per
:class:`Policy` runs every :class:`TrainingJob`, and :class:`ComprehendService` offers it through the
same methods as ``boto3.client("comprehend")``.

>>> from stoprace.model import Status
>>> len(Status)
8
"""

from .arn import ArnError, ArnPattern, ClassifierArn, format_arn, parse_arn, validate_arn, validate_name
from .clock import EPOCH, Clock, ManualClock, utc_now
from .errors import (
    ERRORS,
    InternalServerException,
    InvalidFilterException,
    InvalidRequestException,
    InvalidTransitionError,
    KmsKeyValidationException,
    ModelError,
    PolicyError,
    ResourceInUseException,
    ResourceLimitExceededException,
    ResourceNotFoundException,
    ResourceUnavailableException,
    ServiceError,
    TooManyRequestsException,
    TooManyTagsException,
    UnsupportedLanguageException,
    ValidationException,
)
from .job import Step, TrainingJob
from .lifecycle import (
    API_TRIGGERS,
    EDGES,
    RACE_LOST_STEPS,
    SERVICE_TRIGGERS,
    STATES,
    STOP_REQUEST_STEP,
    Actor,
    Edge,
    Provenance,
    Stamp,
    enabled_edges,
    race_lost,
    stop_met_training,
)
from .policy import DEFAULT_POLICY, Policy, PolicyField, policy_fields
from .service import ApiCall, ComprehendService, StateChange
from .statuses import ACTIVE, DELETED, FINISHED, FINISHED_ORDER, Status

__all__ = [
    "ACTIVE",
    "API_TRIGGERS",
    "DEFAULT_POLICY",
    "DELETED",
    "EDGES",
    "EPOCH",
    "ERRORS",
    "FINISHED",
    "FINISHED_ORDER",
    "RACE_LOST_STEPS",
    "SERVICE_TRIGGERS",
    "STATES",
    "STOP_REQUEST_STEP",
    "Actor",
    "ApiCall",
    "ArnError",
    "ArnPattern",
    "ClassifierArn",
    "Clock",
    "ComprehendService",
    "Edge",
    "InternalServerException",
    "InvalidFilterException",
    "InvalidRequestException",
    "InvalidTransitionError",
    "KmsKeyValidationException",
    "ManualClock",
    "ModelError",
    "Policy",
    "PolicyError",
    "PolicyField",
    "Provenance",
    "ResourceInUseException",
    "ResourceLimitExceededException",
    "ResourceNotFoundException",
    "ResourceUnavailableException",
    "ServiceError",
    "Stamp",
    "StateChange",
    "Status",
    "Step",
    "TooManyRequestsException",
    "TooManyTagsException",
    "TrainingJob",
    "UnsupportedLanguageException",
    "ValidationException",
    "enabled_edges",
    "format_arn",
    "parse_arn",
    "policy_fields",
    "race_lost",
    "stop_met_training",
    "utc_now",
    "validate_arn",
    "validate_name",
]
