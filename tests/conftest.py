"""Shared fixtures and the hypothesis settings profiles.

Profiles: ``dev`` (quick, the default on a workstation) and ``ci`` (thorough, the default when the
``CI`` environment variable is set). ``HYPOTHESIS_PROFILE=ci`` selects one explicitly.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from model import ComprehendService, ManualClock, Policy

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/comprehend-access"


def create_request(name: str = "news", **overrides: Any) -> dict[str, Any]:
    """A valid CreateDocumentClassifier request."""
    request: dict[str, Any] = {
        "DocumentClassifierName": name,
        "DataAccessRoleArn": ROLE,
        "InputDataConfig": {"S3Uri": "s3://training-bucket/news.csv"},
        "LanguageCode": "en",
    }
    request.update(overrides)
    return request


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_service(clock: ManualClock) -> Callable[..., ComprehendService]:
    def make(policy: Policy | None = None, **kwargs: Any) -> ComprehendService:
        kwargs.setdefault("account_id", ACCOUNT)
        kwargs.setdefault("region", REGION)
        return ComprehendService(clock=clock, policy=policy or Policy(), **kwargs)

    return make


@pytest.fixture
def service(make_service: Callable[..., ComprehendService]) -> ComprehendService:
    return make_service()


def snapshot(service: ComprehendService) -> Any:
    """Everything a caller can observe of the service, and its idempotency memory."""
    listing = service.list_document_classifiers(MaxResults=500)
    described = [
        service.describe_document_classifier(DocumentClassifierArn=arn) for arn in service.arns()
    ]
    return copy.deepcopy((listing, described, service._tokens))


# Walks from SUBMITTED to each status, as service triggers and API calls. A walk through TRAINING
# begins billed training there (``begin_billing``), which is skipped under a policy without provisioning.
_TRAIN = ("start_training", "begin_billing")
WALKS: dict[str, tuple[str, ...]] = {
    "SUBMITTED": (),
    "TRAINING": _TRAIN,
    "STOP_REQUESTED": (*_TRAIN, "stop"),
    "TRAINED": (*_TRAIN, "finish_training"),
    "TRAINED_WITH_WARNING": (*_TRAIN, "finish_training_with_warning"),
    "IN_ERROR": (*_TRAIN, "fail_training"),
    "STOPPED": (*_TRAIN, "stop", "finish_stop"),
    "DELETING": (*_TRAIN, "finish_training", "delete"),
}


def walk(service: ComprehendService, arn: str, status: str, clock: ManualClock | None = None) -> None:
    """Take job ``arn`` from SUBMITTED to ``status`` (one minute per step when a clock is given)."""
    for step in WALKS[status]:
        if step == "begin_billing" and not service.can_fire(arn, step):
            continue  # the policy has no provisioning: billing began with TRAINING
        if clock is not None:
            clock.advance(60)
        if step == "stop":
            service.stop_training_document_classifier(DocumentClassifierArn=arn)
        elif step == "delete":
            service.delete_document_classifier(DocumentClassifierArn=arn)
        else:
            service.fire(arn, step)
    assert service.status(arn) == status
