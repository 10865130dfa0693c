"""Responses as AWS sends them (evidence: ``describe-times``, ``recorded-outputs``).

A describe or list entry carries every member AWS returns for a job in its status, as the AWS CLI's
recorded outputs show (``tests/data/aws_cli_outputs.json``): ``InputDataConfig`` with the
``DataFormat`` the service fills in, ``OutputDataConfig`` (``{}`` when none was given), ``Mode``, the
request's other fields as given, the timestamps the job has reached, ``Message`` on a warning or a
failure, and ``ClassifierMetadata`` once training has completed.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .job import TrainingJob
from .lifecycle import REPORTED_STAMPS
from .numbers import is_number, is_whole
from .statuses import WITH_MODEL

__all__ = ["DEFAULT_METADATA", "ECHOED", "METADATA_KEYS", "METRICS", "check_metadata", "properties"]

# Request fields echoed by describe, in the order botocore's output shape lists them.
ECHOED = (
    "InputDataConfig",
    "OutputDataConfig",
    "DataAccessRoleArn",
    "VolumeKmsKeyId",
    "VpcConfig",
    "Mode",
    "ModelKmsKeyId",
    "VersionName",
)

#: ``ClassifierMetadata``'s members and ``EvaluationMetrics``' eight metrics (botocore's shapes).
METADATA_KEYS = ("NumberOfLabels", "NumberOfTrainedDocuments", "NumberOfTestDocuments", "EvaluationMetrics")
METRICS = (
    "Accuracy",
    "Precision",
    "Recall",
    "F1Score",
    "MicroPrecision",
    "MicroRecall",
    "MicroF1Score",
    "HammingLoss",
)

#: What a trained classifier reports when whoever finished its training gave no figures: those of the
#: AWS CLI's recorded ``list-document-classifiers`` output (a 3-label classifier; evidence:
#: ``recorded-outputs``).
DEFAULT_METADATA: Mapping[str, Any] = {
    "NumberOfLabels": 3,
    "NumberOfTrainedDocuments": 5016,
    "NumberOfTestDocuments": 557,
    "EvaluationMetrics": {
        "Accuracy": 0.9856,
        "Precision": 0.9919,
        "Recall": 0.9459,
        "F1Score": 0.9673,
        "MicroPrecision": 0.9856,
        "MicroRecall": 0.9856,
        "MicroF1Score": 0.9856,
        "HammingLoss": 0.0144,
    },
}

# The members in the order of botocore's DocumentClassifierProperties shape (and of AWS's answers).
_ORDER = (
    "DocumentClassifierArn",
    "LanguageCode",
    "Status",
    "Message",
    "SubmitTime",
    "EndTime",
    "TrainingStartTime",
    "TrainingEndTime",
    "InputDataConfig",
    "OutputDataConfig",
    "ClassifierMetadata",
    "DataAccessRoleArn",
    "VolumeKmsKeyId",
    "VpcConfig",
    "Mode",
    "ModelKmsKeyId",
    "VersionName",
)
_TRAINED = frozenset(s.value for s in WITH_MODEL)
_DEFAULT_DATA_FORMAT = "COMPREHEND_CSV"


def check_metadata(value: Any) -> dict[str, Any]:
    """A ``ClassifierMetadata`` given to ``fire(..., metadata=...)``, checked against botocore's shape
    and completed from :data:`DEFAULT_METADATA`; raises ``ValueError`` naming what is wrong."""
    if not isinstance(value, Mapping):
        raise ValueError(f"metadata must be a dict of {', '.join(METADATA_KEYS)}, not {type(value).__name__}")
    unknown = sorted(str(k) for k in value if k not in METADATA_KEYS)
    if unknown:
        raise ValueError(
            f"metadata has unknown member(s) {', '.join(unknown)}; allowed: {', '.join(METADATA_KEYS)}"
        )
    merged = copy.deepcopy(dict(DEFAULT_METADATA))
    for key in METADATA_KEYS[:3]:
        if key in value:
            count = value[key]
            if not is_whole(count) or count < 0:
                raise ValueError(f"metadata {key} must be a whole number of at least 0, got {count!r}")
            merged[key] = count
    metrics = value.get("EvaluationMetrics", {})
    if not isinstance(metrics, Mapping) or any(k not in METRICS for k in metrics):
        raise ValueError(f"metadata EvaluationMetrics must be a dict of {', '.join(METRICS)}")
    for key, number in metrics.items():
        if not is_number(number) or not 0 <= number <= 1:
            raise ValueError(f"metadata EvaluationMetrics {key} must be a number from 0 to 1, got {number!r}")
        merged["EvaluationMetrics"][key] = float(number)
    return merged


def properties(
    arn: str, job: TrainingJob, request: Mapping[str, Any], metadata: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``DocumentClassifierProperties`` of a describe or a list: the job's status, message and
    timestamps, the request's fields as AWS echoes them, and ``ClassifierMetadata`` (``metadata``, or
    :data:`DEFAULT_METADATA`) once the job has trained."""
    props: dict[str, Any] = {
        "DocumentClassifierArn": arn,
        "LanguageCode": request["LanguageCode"],
        "Status": job.state,
    }
    if job.message is not None:
        props["Message"] = job.message
    for stamp in REPORTED_STAMPS:
        if job.times.get(stamp) is not None:
            props[stamp.value] = job.times[stamp]
    for key in ECHOED:
        if key in request:
            props[key] = copy.deepcopy(request[key])
    props["InputDataConfig"] = {"DataFormat": _DEFAULT_DATA_FORMAT, **props["InputDataConfig"]}
    props.setdefault("OutputDataConfig", {})
    props.setdefault("Mode", "MULTI_CLASS")
    if _TRAINED.intersection(job.path):
        reported = metadata if metadata is not None else DEFAULT_METADATA
        props["ClassifierMetadata"] = copy.deepcopy(dict(reported))
    return {key: props[key] for key in _ORDER if key in props}
