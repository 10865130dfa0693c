"""The summaries and tagging operations: AWS's answers, botocore's limits and errors, and a refused call
changes nothing (on the facade and through a real boto3 client)."""

from __future__ import annotations

import copy

import pytest

from stoprace.model import ComprehendService, ManualClock, ServiceError

ACCOUNT, REGION = "111122223333", "us-east-1"


def request(name: str, **extra):
    return {
        "DocumentClassifierName": name,
        "DataAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/comprehend-access",
        "InputDataConfig": {"S3Uri": "s3://training-data/tickets.csv"},
        "LanguageCode": "en",
        **extra,
    }


@pytest.fixture
def service():
    return ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION)


def snapshot(service):
    tags = {arn: service.list_tags_for_resource(ResourceArn=arn)["Tags"] for arn in service.arns()}
    listed = service.list_document_classifiers(), service.list_document_classifier_summaries()
    return copy.deepcopy((tags, *listed))


def test_tags_from_create_then_tag_overwrite_and_untag(service):
    arn = service.create_document_classifier(**request("a", Tags=[{"Key": "team", "Value": "search"}]))[
        "DocumentClassifierArn"
    ]
    assert service.list_tags_for_resource(ResourceArn=arn) == {
        "ResourceArn": arn,
        "Tags": [{"Key": "team", "Value": "search"}],
    }
    tags = [{"Key": "team", "Value": "ads"}, {"Key": "cost"}]
    assert service.tag_resource(ResourceArn=arn, Tags=tags) == {}
    assert service.list_tags_for_resource(ResourceArn=arn)["Tags"] == [
        {"Key": "team", "Value": "ads"},
        {"Key": "cost", "Value": ""},
    ]
    assert service.untag_resource(ResourceArn=arn, TagKeys=["team", "never-there"]) == {}
    assert service.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "cost", "Value": ""}]


def test_summaries_group_versions_by_name_and_page(service):
    clock = service.clock
    for name, version in (("a", "1"), ("b", None), ("a", "2"), ("c", "x")):
        clock.advance(10)
        service.create_document_classifier(**request(name, **({"VersionName": version} if version else {})))
    first = service.list_document_classifier_summaries(MaxResults=2)
    assert [s["DocumentClassifierName"] for s in first["DocumentClassifierSummariesList"]] == ["a", "b"]
    a = first["DocumentClassifierSummariesList"][0]
    assert (a["NumberOfVersions"], a["LatestVersionName"], a["LatestVersionStatus"]) == (2, "2", "SUBMITTED")
    assert a["LatestVersionCreatedAt"].second == 30  # the third create, at 30 s
    assert "LatestVersionName" not in first["DocumentClassifierSummariesList"][1]
    rest = service.list_document_classifier_summaries(NextToken=first["NextToken"], MaxResults=2)
    assert [s["DocumentClassifierName"] for s in rest["DocumentClassifierSummariesList"]] == ["c"]
    assert "NextToken" not in rest


A = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/a"
BAD = "InvalidRequestException"  # passes validation, refused by the service's logic
INVALID = "ValidationException"  # breaks a constraint of botocore's model
BAD_CALLS = [
    ("tag_resource", {"ResourceArn": A}, INVALID),
    (
        "tag_resource",
        {"ResourceArn": A, "Tags": [{"Key": f"k{i}"} for i in range(50)]},
        "TooManyTagsException",
    ),  # 50 more on top of the one from create
    ("tag_resource", {"ResourceArn": A, "Tags": [{"Key": ""}]}, INVALID),
    ("tag_resource", {"ResourceArn": A, "Tags": [{"Key": "k" * 129}]}, INVALID),
    ("tag_resource", {"ResourceArn": A, "Tags": [{"Key": "k", "Value": "v" * 257}]}, INVALID),
    ("tag_resource", {"ResourceArn": A, "Tags": [{"Key": "aws:owner"}]}, BAD),
    ("tag_resource", {"ResourceArn": A, "Tags": [{"Value": "v"}]}, INVALID),
    ("tag_resource", {"ResourceArn": A + "-gone", "Tags": [{"Key": "k"}]}, "ResourceNotFoundException"),
    ("tag_resource", {"ResourceArn": "arn:aws:s3:::bucket", "Tags": [{"Key": "k"}]}, INVALID),
    ("tag_resource", {"ResourceArn": A + "x" * 300, "Tags": [{"Key": "k"}]}, INVALID),
    ("untag_resource", {"ResourceArn": A, "TagKeys": "team"}, INVALID),
    (
        "untag_resource",
        {"ResourceArn": A, "TagKeys": [f"k{i}" for i in range(51)]},
        "TooManyTagKeysException",
    ),
    ("untag_resource", {"ResourceArn": A, "TagKeys": [""]}, INVALID),
    ("untag_resource", {"ResourceArn": A + "-gone", "TagKeys": ["team"]}, "ResourceNotFoundException"),
    ("list_tags_for_resource", {"ResourceArn": 7}, INVALID),
    ("list_tags_for_resource", {"ResourceArn": A, "Extra": 1}, INVALID),
    ("list_document_classifier_summaries", {"MaxResults": 0}, INVALID),
    ("list_document_classifier_summaries", {"MaxResults": 501}, INVALID),
    ("list_document_classifier_summaries", {"NextToken": "forged"}, BAD),
]


@pytest.mark.parametrize(("method", "params", "code"), BAD_CALLS, ids=lambda v: str(v)[:40])
def test_bad_input_gets_the_documented_error_and_changes_nothing(service, method, params, code):
    service.create_document_classifier(**request("a", Tags=[{"Key": "team", "Value": "search"}]))
    before = snapshot(service)
    with pytest.raises(ServiceError) as caught:
        getattr(service, method)(**params)
    assert caught.value.code == code
    assert snapshot(service) == before


def test_the_new_operations_through_a_real_boto3_client(monkeypatch):
    boto3 = pytest.importorskip("boto3", reason="the bridge needs the aws extra")
    from stoprace.model.bridge import attach  # noqa: PLC0415

    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    client = boto3.client("comprehend", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    model = ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION)
    attach(client, model)
    arn = client.create_document_classifier(**request("a", VersionName="v1"))["DocumentClassifierArn"]
    client.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "search"}])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "search"}]
    client.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == []
    client.create_document_classifier(**request("b"))
    first = client.list_document_classifier_summaries(MaxResults=1)  # botocore has no paginator for it
    rest = client.list_document_classifier_summaries(MaxResults=1, NextToken=first["NextToken"])
    pages = (first, rest)
    names = [s["DocumentClassifierName"] for p in pages for s in p["DocumentClassifierSummariesList"]]
    assert names == ["a", "b"]
    assert first["DocumentClassifierSummariesList"][0]["LatestVersionName"] == "v1"
    with pytest.raises(client.exceptions.TooManyTagKeysException):
        client.untag_resource(ResourceArn=arn, TagKeys=[f"k{i}" for i in range(51)])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags_for_resource(ResourceArn=arn + "-gone")
