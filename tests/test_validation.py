"""Request validation: the committed shapes are botocore's, and a violated constraint gets AWS's answer
(``ValidationException``, HTTP 400, ``N validation error(s) detected: ...``, every violation listed), or
``InvalidRequestException`` in the same words under the alternative option; nothing changes."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from stoprace.model import (
    ArnPattern,
    ComprehendService,
    InvalidFilterException,
    InvalidRequestException,
    ManualClock,
    ValidationException,
)
from stoprace.model.shapes import OPERATIONS, extract_all, input_shape
from stoprace.model.validation import describe, violations

ACCOUNT, REGION = "111122223333", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/comprehend-access"
REQUEST = {
    "DocumentClassifierName": "news",
    "DataAccessRoleArn": ROLE,
    "InputDataConfig": {"S3Uri": "s3://bucket/train.csv"},
    "LanguageCode": "en",
}
ARN = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/news"
LONG_ARN = ARN + "s" * (257 - len(ARN))  # on the pattern, one character too long
PREFIX = " failed to satisfy constraint: "


def service(**options) -> ComprehendService:
    return ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION, **options)


def test_the_committed_shapes_are_the_installed_botocores():
    session = pytest.importorskip("botocore.session", reason="the shapes are compared with botocore's")
    committed = json.loads(
        resources.files("stoprace.model").joinpath("data", "comprehend_inputs.json").read_text()
    )
    installed = extract_all(session.get_session())
    assert {k: committed[k] for k in ("operations", "shapes")} == installed, (
        "botocore's model changed: regenerate with "
        "`python -m stoprace.model.shapes > model/data/comprehend_inputs.json`"
    )


def test_every_modelled_operation_has_its_input_shape():
    assert all(input_shape(op)["type"] == "structure" for op in OPERATIONS)
    with pytest.raises(KeyError, match="not a modelled operation"):
        input_shape("DetectSentiment")


@pytest.mark.parametrize(
    ("operation", "params", "expected"),
    [
        (
            "StopTrainingDocumentClassifier",
            {},
            "Value null at 'documentClassifierArn'" + PREFIX + "Member must not be null",
        ),
        (
            "DescribeDocumentClassifier",
            {"DocumentClassifierArn": LONG_ARN},
            f"Value '{LONG_ARN}' at 'documentClassifierArn'"
            + PREFIX
            + "Member must have length less than or equal to 256",
        ),
        (
            "ListDocumentClassifiers",
            {"MaxResults": 501},
            "Value '501' at 'maxResults'" + PREFIX + "Member must have value less than or equal to 500",
        ),
        (
            "ListDocumentClassifiers",
            {"Filter": {"Status": "RUNNING"}},
            "Value 'RUNNING' at 'filter.status'" + PREFIX + "Member must satisfy enum value set: [SUBMITTED, "
            "TRAINING, DELETING, STOP_REQUESTED, STOPPED, IN_ERROR, TRAINED, TRAINED_WITH_WARNING]",
        ),
        (
            "TagResource",
            {"ResourceArn": ARN, "Tags": [{"Key": "k"}, {"Key": "x" * 129}]},
            f"Value '{'x' * 129}' at 'tags.2.member.key'"
            + PREFIX
            + "Member must have length less than or equal to 128",
        ),
        (
            "UntagResource",
            {"ResourceArn": ARN, "TagKeys": ["ok", ""]},
            "Value '[ok, ]' at 'tagKeys'"
            + PREFIX
            + "Member must satisfy constraint: [Member must have length "
            "less than or equal to 128, Member must have length greater than or equal to 1]",
        ),
    ],
    ids=["null", "length", "value", "enum", "list-of-structures", "list-of-strings"],
)
def test_a_violation_is_worded_as_aws_words_it(operation, params, expected):
    assert describe(violations(operation, params)) == f"1 validation error detected: {expected}"


def test_every_violation_is_counted_and_listed_in_member_order():
    found = violations(
        "CreateDocumentClassifier",
        {**REQUEST, "DocumentClassifierName": "no spaces", "LanguageCode": "xx", "Mode": "BOTH"},
    )
    assert [(v.path, v.constraint.split(":")[0]) for v in found] == [
        ("documentClassifierName", "Member must satisfy regular expression pattern"),
        ("languageCode", "Member must satisfy enum value set"),
        ("mode", "Member must satisfy enum value set"),
    ]
    assert describe(found).startswith("3 validation errors detected: Value 'no spaces' at ")
    assert describe(found).count("; Value ") == 2


def test_what_botocore_refuses_before_sending_is_refused_in_the_same_form():
    found = violations("ListDocumentClassifiers", {"MaxResults": "10", "Colour": "red", "NextToken": True})
    assert [str(v) for v in found] == [
        "Value 'true' at 'nextToken'" + PREFIX + "Member must be of type string",
        "Value '10' at 'maxResults'" + PREFIX + "Member must be of type integer",
        "Value 'red' at 'colour'" + PREFIX + "Member must be one of: Filter, NextToken, MaxResults",
    ]


@pytest.mark.parametrize("code", ["ValidationException", "InvalidRequestException"])
def test_the_service_answers_with_the_chosen_error_and_changes_nothing(code):
    model = service(validation_error=code)
    model.create_document_classifier(**REQUEST)
    before = model.list_document_classifiers()
    with pytest.raises((ValidationException, InvalidRequestException)) as caught:
        model.create_document_classifier(
            **{
                **REQUEST,
                "DocumentClassifierName": "b",
                "LanguageCode": "xx",
                "Tags": [{"Key": "", "Value": "v"}],
            }
        )
    assert caught.value.code == code
    assert caught.value.http_status == 400
    assert caught.value.message.startswith("2 validation errors detected: Value '' at 'tags.1.member.key'")
    assert caught.value.response["Error"]["Code"] == code
    assert model.list_document_classifiers() == before


def test_the_option_is_checked():
    with pytest.raises(ValueError, match="validation_error must be one of ValidationException, Invalid"):
        service(validation_error="BadRequest")


def test_the_newer_arn_pattern_option_replaces_the_arn_pattern():
    loose = f"arn:aws:comprehend:{REGION}:aws:document-classifier/news"  # 'aws' for the account: newer only
    with pytest.raises(ValidationException, match="at 'documentClassifierArn'"):
        service().describe_document_classifier(DocumentClassifierArn=loose)
    with pytest.raises(Exception, match="not found") as caught:
        service(arn_pattern=ArnPattern.NEWER).describe_document_classifier(DocumentClassifierArn=loose)
    assert caught.value.code == "ResourceNotFoundException"


@pytest.mark.parametrize(
    ("params", "error", "says"),
    [
        ({"InputDataConfig": {"DataFormat": "COMPREHEND_CSV"}}, InvalidRequestException, "S3Uri is required"),
        ({"LanguageCode": "ja"}, Exception, "not supported for custom classification"),
        ({"Tags": [{"Key": "a"}, {"Key": "a"}]}, InvalidRequestException, "appears twice"),
    ],
    ids=["format-needs-s3uri", "language", "duplicate-tag"],
)
def test_what_passes_validation_but_the_service_refuses_keeps_its_own_error(params, error, says):
    with pytest.raises(error, match=says) as caught:
        service().create_document_classifier(**{**REQUEST, **params})
    assert caught.value.code != "ValidationException"


def test_a_filter_naming_two_criteria_is_an_invalid_filter():
    with pytest.raises(InvalidFilterException, match="at most one"):
        service().list_document_classifiers(Filter={"Status": "TRAINING", "DocumentClassifierName": "news"})
