"""Responses as AWS sends them (SPEC sections 3 and 7)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from .job import TrainingJob
from .lifecycle import REPORTED_STAMPS

__all__ = ["ECHOED", "properties"]

# Request fields echoed by describe, in the order botocore's output shape lists them.
ECHOED = (
    "InputDataConfig", "OutputDataConfig", "DataAccessRoleArn", "VolumeKmsKeyId", "VpcConfig",
    "Mode", "ModelKmsKeyId", "VersionName",
)



def properties(arn: str, job: TrainingJob, request: Mapping[str, Any]) -> dict[str, Any]:
    """The ``DocumentClassifierProperties`` of a describe or a list: the job's status, message and
    timestamps, and the request's fields as AWS echoes them."""
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
    props.setdefault("Mode", "MULTI_CLASS")
    return props
