"""The model against the Comprehend service definition AWS ships in botocore (read at test time).

Differences that are intended are listed here, each with its reason; anything else fails.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from stoprace.model import ComprehendService, ManualClock, Policy, ServiceError, Status
from stoprace.model import strategies as model_st
from stoprace.model.arn import MAX_ARN_LENGTH, REFERENCE_PATTERN
from stoprace.model.errors import InternalServerException, TooManyRequestsException

botocore_session = pytest.importorskip("botocore.session", reason="the conformance tests read botocore")

SERVICE_MODEL = botocore_session.get_session().get_service_model("comprehend")
OPERATIONS = {
    "CreateDocumentClassifier": "create_document_classifier",
    "DescribeDocumentClassifier": "describe_document_classifier",
    "ListDocumentClassifiers": "list_document_classifiers",
    "StopTrainingDocumentClassifier": "stop_training_document_classifier",
    "DeleteDocumentClassifier": "delete_document_classifier",
    "ListDocumentClassifierSummaries": "list_document_classifier_summaries",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}
#: Errors the model may raise that botocore does not list for the operation, and why.
INTENDED_ERRORS = {
    (
        "StopTrainingDocumentClassifier",
        "ResourceInUseException",
    ): "only under the policy stop_rejection_error=ResourceInUseException, an alternative left open",
    (
        "StopTrainingDocumentClassifier",
        "ResourceUnavailableException",
    ): "only under the policy stop_rejection_error=ResourceUnavailableException, likewise",
    **{
        (operation, "TooManyRequestsException"): "only when an admission hook (a simulator's rate limit) "
        "throttles a tagging call; botocore lists no throttling error for these operations"
        for operation in ("TagResource", "UntagResource", "ListTagsForResource")
    },
    **{
        (operation, "ValidationException"): "a request breaking a constraint of the model: one of the common "
        "errors every AWS API can return (evidence: validation-exception), which botocore's per-operation "
        "lists leave out"
        for operation in OPERATIONS
    },
}
ACCOUNT, REGION = "111122223333", "us-east-1"


def _botocore_errors(operation: str) -> set[str]:
    return {shape.name for shape in SERVICE_MODEL.operation_model(operation).error_shapes}


def test_the_statuses_are_botocores_model_status_enum():
    assert [s.value for s in Status] == SERVICE_MODEL.shape_for("ModelStatus").enum


def test_the_arn_limit_and_pattern_are_botocores():
    shape = SERVICE_MODEL.shape_for("DocumentClassifierArn")
    assert shape.metadata["max"] == MAX_ARN_LENGTH
    assert shape.metadata["pattern"] == REFERENCE_PATTERN


# -- every error the model raises is one the operation lists -------------------------------------------------


class Recorder:
    """Calls the service and records (operation, error code) for every failed call."""

    def __init__(self, service: ComprehendService) -> None:
        self.service = service
        self.errors: set[tuple[str, str]] = set()

    def __call__(self, operation: str, **params: Any) -> dict[str, Any] | None:
        try:
            return getattr(self.service, OPERATIONS[operation])(**params)
        except ServiceError as err:
            self.errors.add((operation, err.code))
            return None


def _request(name: str = "news", **extra: Any) -> dict[str, Any]:
    return {
        "DocumentClassifierName": name,
        "DataAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
        "InputDataConfig": {"S3Uri": "s3://training-data/news.csv"},
        "LanguageCode": "en",
        **extra,
    }


def _walk_every_status(record: Recorder) -> None:
    """Call stop, delete and describe in every status a job can be in."""
    service = record.service
    routes = [
        [],
        ["start_training"],
        ["start_training", "begin_billing"],
        ["start_training", "begin_billing", "end_billing"],
        ["start_training", "begin_billing", "stop"],
        ["stop"],
        ["start_training", "begin_billing", "finish_training"],
        ["start_training", "begin_billing", "finish_training_with_warning"],
        ["start_training", "begin_billing", "fail_training"],
        ["start_training", "begin_billing", "stop", "finish_stop"],
        ["start_training", "begin_billing", "finish_training", "delete"],
    ]
    for i, route in enumerate(routes):
        arn = service.create_document_classifier(**_request(f"walk-{i}"))["DocumentClassifierArn"]
        for step in route:
            if step == "stop":
                record("StopTrainingDocumentClassifier", DocumentClassifierArn=arn)
            elif step == "delete":
                record("DeleteDocumentClassifier", DocumentClassifierArn=arn)
            elif service.can_fire(arn, step):
                service.fire(arn, step)
        for operation in (
            "StopTrainingDocumentClassifier",
            "DeleteDocumentClassifier",
            "DescribeDocumentClassifier",
        ):
            record(operation, DocumentClassifierArn=arn)
        record("StopTrainingDocumentClassifier", DocumentClassifierArn=arn)  # a repeat


ERROR_POLICIES = list(
    Policy.combinations(
        [
            "stop_when_submitted",
            "stop_when_stop_requested",
            "stop_when_finished",
            "stop_rejection_error",
            "deletable",
            "delete_rejection_error",
        ]
    )
)


def test_state_errors_are_listed_by_botocore_under_every_policy():
    seen: set[tuple[str, str]] = set()
    for policy in ERROR_POLICIES:
        record = Recorder(
            ComprehendService(clock=ManualClock(), policy=policy, account_id=ACCOUNT, region=REGION)
        )
        _walk_every_status(record)
        seen |= record.errors
    assert seen, "the walk raised no error at all"
    _check_listed(seen)


def test_quota_tag_language_name_and_admission_errors_are_listed():
    record = Recorder(
        ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION, max_active_jobs=1)
    )
    record("CreateDocumentClassifier", **_request("a"))
    record("CreateDocumentClassifier", **_request("b"))  # over the quota
    record("CreateDocumentClassifier", **_request("a"))  # the name is taken
    record("CreateDocumentClassifier", **_request("c", LanguageCode="ja"))
    record(
        "CreateDocumentClassifier", **_request("d", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    )
    record("ListDocumentClassifiers", Filter={"Status": "TRAINING", "DocumentClassifierName": "a"})
    record("ListDocumentClassifiers", Filter={"Colour": "blue"})
    record("ListDocumentClassifiers", NextToken="forged")
    for error in (TooManyRequestsException, InternalServerException):
        throttled = Recorder(ComprehendService(clock=ManualClock(), admission=lambda _op, _p, e=error: e))
        for operation in OPERATIONS:
            throttled(
                operation,
                DocumentClassifierArn=f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/x",
            )
        record.errors |= throttled.errors
    tagging = Recorder(ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION))
    arn = tagging("CreateDocumentClassifier", **_request("e"))["DocumentClassifierArn"]
    unknown = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/nobody"
    record.service = tagging.service
    record("TagResource", ResourceArn=arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    record("TagResource", ResourceArn=unknown, Tags=[{"Key": "k"}])
    record("TagResource", ResourceArn="arn:nope", Tags=[{"Key": "k"}])
    record("UntagResource", ResourceArn=arn, TagKeys=[f"k{i}" for i in range(51)])
    record("UntagResource", ResourceArn=unknown, TagKeys=["k"])
    record("ListTagsForResource", ResourceArn=unknown)
    record("ListDocumentClassifierSummaries", MaxResults=0)
    record("ListDocumentClassifierSummaries", NextToken="forged")
    assert {code for _, code in record.errors} >= {
        "ResourceLimitExceededException",
        "ResourceInUseException",
        "UnsupportedLanguageException",
        "TooManyTagsException",
        "TooManyTagKeysException",
        "InvalidFilterException",
        "InvalidRequestException",
        "ValidationException",
        "TooManyRequestsException",
        "InternalServerException",
    }
    _check_listed(record.errors)


@settings(max_examples=60)
@given(
    arn=model_st.invalid_arns(), request=model_st.invalid_create_requests(), filters=model_st.list_filters()
)
def test_errors_for_bad_input_are_listed(arn, request, filters):
    record = Recorder(ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION))
    for operation in (
        "DescribeDocumentClassifier",
        "StopTrainingDocumentClassifier",
        "DeleteDocumentClassifier",
    ):
        record(operation, DocumentClassifierArn=arn)
    record("CreateDocumentClassifier", **request)
    record("ListDocumentClassifiers", **({"Filter": filters} if filters is not None else {}))
    _check_listed(record.errors)


def _check_listed(errors: set[tuple[str, str]]) -> None:
    unlisted = {
        (op, code)
        for op, code in errors
        if code not in _botocore_errors(op) and (op, code) not in INTENDED_ERRORS
    }
    assert not unlisted, f"errors botocore does not list for the operation: {sorted(unlisted)}"


# -- every response matches the operation's output shape ---------------------------------------------------


def _check_shape(value: Any, shape: Any, where: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), f"{where}: a structure, got {type(value).__name__}"
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: members {sorted(unknown)} are not in {shape.name}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: required members {sorted(missing)} are missing"
        for name, member in value.items():
            _check_shape(member, shape.members[name], f"{where}.{name}")
    elif kind == "list":
        assert isinstance(value, list), f"{where}: a list, got {type(value).__name__}"
        for i, item in enumerate(value):
            _check_shape(item, shape.member, f"{where}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), f"{where}: a map"
        for key, item in value.items():
            _check_shape(key, shape.key, f"{where} key")
            _check_shape(item, shape.value, f"{where}[{key!r}]")
    elif kind == "string":
        assert isinstance(value, str), f"{where}: a string, got {type(value).__name__}"
        if shape.enum:
            assert value in shape.enum, f"{where}: {value!r} is not one of {shape.enum}"
        if "pattern" in shape.metadata:
            assert re.fullmatch(shape.metadata["pattern"], value), (
                f"{where}: {value!r} does not match its pattern"
            )
        if "max" in shape.metadata:
            assert len(value) <= shape.metadata["max"], f"{where}: longer than {shape.metadata['max']}"
    elif kind == "timestamp":
        assert isinstance(value, dt.datetime), f"{where}: a datetime"
        assert value.tzinfo is not None, f"{where}: an aware datetime"
    elif kind in ("integer", "long"):
        assert type(value) is int, f"{where}: an integer"
    elif kind in ("float", "double"):
        assert type(value) in (int, float), f"{where}: a number"
    elif kind == "boolean":
        assert isinstance(value, bool), f"{where}: a boolean"
    else:  # blob and others: the model returns none
        pytest.fail(f"{where}: the model returned a {kind}, which it never should")


def _responses() -> list[tuple[str, dict[str, Any]]]:
    clock = ManualClock()
    service = ComprehendService(clock=clock, account_id=ACCOUNT, region=REGION)
    out: list[tuple[str, dict[str, Any]]] = []
    tags = [{"Key": "team", "Value": "search"}]
    for i, route in enumerate(
        [
            [],
            ["start_training"],
            ["start_training", "begin_billing", "end_billing"],
            ["start_training", "begin_billing", "end_billing", "finish_training"],
            ["start_training", "begin_billing", "finish_training_with_warning"],
            ["start_training", "begin_billing", "fail_training"],
            ["start_training", "STOP", "finish_stop"],
            ["start_training", "begin_billing", "STOP", "finish_stop"],
            ["start_training", "STOP"],
        ]
    ):
        created = service.create_document_classifier(**_request(f"shape-{i}", Tags=tags, VersionName="v1"))
        out.append(("CreateDocumentClassifier", created))
        arn = created["DocumentClassifierArn"]
        for step in route:
            clock.advance(60)
            if step == "STOP":
                out.append(
                    (
                        "StopTrainingDocumentClassifier",
                        service.stop_training_document_classifier(DocumentClassifierArn=arn),
                    )
                )
            else:
                service.fire(arn, step)
        out.append(
            ("DescribeDocumentClassifier", service.describe_document_classifier(DocumentClassifierArn=arn))
        )
    out.append(("ListDocumentClassifiers", service.list_document_classifiers(MaxResults=2)))
    out.append(("ListDocumentClassifierSummaries", service.list_document_classifier_summaries(MaxResults=2)))
    first = service.arns()[0]
    out.append(("TagResource", service.tag_resource(ResourceArn=first, Tags=[{"Key": "k", "Value": ""}])))
    out.append(("UntagResource", service.untag_resource(ResourceArn=first, TagKeys=["team"])))
    out.append(("ListTagsForResource", service.list_tags_for_resource(ResourceArn=first)))
    out.append(("ListDocumentClassifiers", service.list_document_classifiers(Filter={"Status": "TRAINED"})))
    trained = service.list_document_classifiers(Filter={"Status": "TRAINED"})[
        "DocumentClassifierPropertiesList"
    ][0]
    out.append(
        (
            "DeleteDocumentClassifier",
            service.delete_document_classifier(DocumentClassifierArn=trained["DocumentClassifierArn"]),
        )
    )
    return out


@pytest.mark.parametrize(
    ("operation", "response"), _responses(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_response_matches_the_output_shape(operation, response):
    _check_shape(response, SERVICE_MODEL.operation_model(operation).output_shape, operation)


def test_the_shape_check_can_fail():
    shape = SERVICE_MODEL.operation_model("DescribeDocumentClassifier").output_shape
    good = dict(_responses()[1][1])
    with pytest.raises(AssertionError, match="not in"):
        _check_shape({**good, "Colour": "blue"}, shape, "describe")
    renamed = {"DocumentClassifierProperties": {**good["DocumentClassifierProperties"], "Status": "RUNNING"}}
    with pytest.raises(AssertionError, match="is not one of"):
        _check_shape(renamed, shape, "describe")


# -- the members present per status match the AWS CLI's recorded outputs (evidence: recorded-outputs) ---

RECORDED = json.loads((Path(__file__).parent / "data" / "aws_cli_outputs.json").read_text())


def _recorded_like(route: list[str]) -> dict[str, Any]:
    """Describe a classifier created as the recorded ones were (S3Uri only, no Mode), after ``route``
    (service triggers, and STOP for a stop request)."""
    clock = ManualClock()
    service = ComprehendService(clock=clock, account_id=ACCOUNT, region=REGION)
    arn = service.create_document_classifier(**_request())["DocumentClassifierArn"]
    for trigger in route:
        clock.advance(60)
        if trigger == "STOP":
            service.stop_training_document_classifier(DocumentClassifierArn=arn)
        else:
            service.fire(arn, trigger)
    return service.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]


@pytest.mark.parametrize(
    ("status", "route"),
    [
        ("TRAINED", ["start_training", "begin_billing", "end_billing", "finish_training"]),
        ("TRAINING", ["start_training"]),  # provisioning: no TrainingStartTime yet, as recorded
    ],
)
def test_members_per_status_are_the_recorded_ones(status, route):
    recorded = RECORDED["DocumentClassifierProperties"][status]
    props = _recorded_like(route)
    assert props["Status"] == status
    assert list(props) == recorded["members"]  # the same members, in AWS's order
    assert list(props["InputDataConfig"]) == recorded["InputDataConfig"]
    assert props["InputDataConfig"]["DataFormat"] == recorded["DataFormat"]
    assert list(props["OutputDataConfig"]) == recorded["OutputDataConfig"]
    assert props["Mode"] == recorded["Mode"]
    if "ClassifierMetadata" in recorded:
        assert list(props["ClassifierMetadata"]) == recorded["ClassifierMetadata"]
        assert list(props["ClassifierMetadata"]["EvaluationMetrics"]) == recorded["EvaluationMetrics"]


@pytest.mark.parametrize(
    ("status", "route", "extra", "absent"),
    [  # no recorded output for these: the TRAINED members, with Message (evidence: warning-status),
        # without the model's
        (
            "TRAINED_WITH_WARNING",
            ["start_training", "begin_billing", "finish_training_with_warning"],
            {"Message"},
            set(),
        ),
        (
            "IN_ERROR",
            ["start_training", "begin_billing", "fail_training"],
            {"Message"},
            {"ClassifierMetadata"},
        ),
        (
            "STOPPED",
            ["start_training", "begin_billing", "STOP", "finish_stop"],
            set(),
            {"ClassifierMetadata"},
        ),
    ],
)
def test_members_of_the_other_endings_follow_the_recorded_trained_ones(status, route, extra, absent):
    trained = set(RECORDED["DocumentClassifierProperties"]["TRAINED"]["members"])
    props = _recorded_like(route)
    assert props["Status"] == status
    assert set(props) == (trained | extra) - absent


def test_summaries_have_the_recorded_members():
    clock = ManualClock()
    service = ComprehendService(clock=clock, account_id=ACCOUNT, region=REGION)
    for version in ("1", "2"):
        service.create_document_classifier(**_request("example-classifier-2", VersionName=version))
    summary = service.list_document_classifier_summaries()["DocumentClassifierSummariesList"]
    assert [list(s) for s in summary] == [RECORDED["DocumentClassifierSummary"]["members"]]
    assert summary[0]["NumberOfVersions"] == 2
    assert summary[0]["LatestVersionName"] == "2"
