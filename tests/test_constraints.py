"""Every constraint botocore's service model states for the modelled operations' inputs, derived from the
model and checked both ways: a request valid in every member is accepted, and each member made invalid
in each way its shape forbids (too long, too short, off-pattern, outside the enum, a required member
missing) is refused as AWS refuses it (``ValidationException``, HTTP 400, ``N validation error(s)
detected: Value ... at 'member.path' ...``; ``InvalidRequestException`` in the same words under the
alternative option), directly and through a real botocore client, and changes nothing."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from stoprace.model import ComprehendService, ManualClock, ServiceError

botocore_session = pytest.importorskip("botocore.session", reason="the constraints are read from botocore")
MODEL = botocore_session.get_session().get_service_model("comprehend")
ACCOUNT, REGION = "111122223333", "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/comprehend-access"
ARN = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/full/version/v1"
S3 = "s3://training-data/x"

#: A request of each operation that is valid in every member the model has (all optional ones too).
VALID: dict[str, dict[str, Any]] = {
    "CreateDocumentClassifier": {
        "DocumentClassifierName": "fresh",
        "VersionName": "v1",
        "DataAccessRoleArn": ROLE,
        "Tags": [{"Key": "team", "Value": "search"}],
        "InputDataConfig": {
            "DataFormat": "COMPREHEND_CSV",
            "S3Uri": S3,
            "TestS3Uri": S3,
            "LabelDelimiter": "|",
            "DocumentType": "PLAIN_TEXT_DOCUMENT",
            "DocumentReaderConfig": {
                "DocumentReadAction": "TEXTRACT_DETECT_DOCUMENT_TEXT",
                "DocumentReadMode": "SERVICE_DEFAULT",
                "FeatureTypes": ["TABLES"],
            },
        },
        "OutputDataConfig": {"S3Uri": S3, "KmsKeyId": "alias/key", "FlywheelStatsS3Prefix": S3},
        "ClientRequestToken": "token-1",
        "LanguageCode": "en",
        "VolumeKmsKeyId": "alias/key",
        "VpcConfig": {"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
        "Mode": "MULTI_CLASS",
        "ModelKmsKeyId": "alias/key",
        "ModelPolicy": "{}",
    },
    "DescribeDocumentClassifier": {"DocumentClassifierArn": ARN},
    "StopTrainingDocumentClassifier": {"DocumentClassifierArn": ARN},
    "DeleteDocumentClassifier": {"DocumentClassifierArn": ARN},
    "ListDocumentClassifiers": {"Filter": {"DocumentClassifierName": "full"}, "MaxResults": 10},
    "ListDocumentClassifierSummaries": {"MaxResults": 10},
    "TagResource": {"ResourceArn": ARN, "Tags": [{"Key": "k", "Value": "v"}]},
    "UntagResource": {"ResourceArn": ARN, "TagKeys": ["k"]},
    "ListTagsForResource": {"ResourceArn": ARN},
}
# The augmented-manifest form of the input (a different, equally valid request).
VALID_MANIFEST = copy.deepcopy(VALID["CreateDocumentClassifier"])
VALID_MANIFEST["InputDataConfig"] = {
    "DataFormat": "AUGMENTED_MANIFEST",
    "AugmentedManifests": [
        {
            "S3Uri": S3,
            "Split": "TRAIN",
            "AttributeNames": ["label"],
            "AnnotationDataS3Uri": S3,
            "SourceDocumentsS3Uri": S3,
            "DocumentType": "PLAIN_TEXT_DOCUMENT",
        }
    ],
}
# A semi-structured input with a Documents location, and a list filtered by status.
VALID_DOCUMENTS = copy.deepcopy(VALID["CreateDocumentClassifier"])
VALID_DOCUMENTS["InputDataConfig"]["Documents"] = {"S3Uri": S3, "TestS3Uri": S3}
VALID_BY_STATUS = {"Filter": {"Status": "TRAINING"}, "MaxResults": 10}
METHODS = {
    "CreateDocumentClassifier": "create_document_classifier",
    "DescribeDocumentClassifier": "describe_document_classifier",
    "StopTrainingDocumentClassifier": "stop_training_document_classifier",
    "DeleteDocumentClassifier": "delete_document_classifier",
    "ListDocumentClassifiers": "list_document_classifiers",
    "ListDocumentClassifierSummaries": "list_document_classifier_summaries",
    "TagResource": "tag_resource",
    "UntagResource": "untag_resource",
    "ListTagsForResource": "list_tags_for_resource",
}


def _python_pattern(pattern: str) -> str:
    return (
        pattern.replace(r"\p{ASCII}", r"\x00-\x7f")
        .replace(r"\u0009", r"\t")
        .replace(r"\u000A", r"\n")
        .replace(r"\u000D", r"\r")
        .replace(r"\u0020", " ")
        .replace(r"\u00FF", "\u00ff")
    )


def _invalid_strings(shape: Any) -> list[tuple[str, str]]:
    meta, found = shape.metadata, []
    pattern = meta.get("pattern")
    regex = re.compile(_python_pattern(pattern)) if pattern else None
    if "max" in meta:
        found.append((f"longer than {meta['max']}", "a" * (meta["max"] + 1)))
    if meta.get("min", 0) >= 1:
        found.append((f"shorter than {meta['min']}", ""))
    if pattern:
        for candidate in ("", "!", " a", "é", "a b", "\x00"):
            if regex is not None and regex.fullmatch(candidate) is None:
                found.append((f"off the pattern ({candidate!r})", candidate))
                break
    if getattr(shape, "enum", None):
        found.append(("outside the enum", "NOT_A_CHOICE"))
    return found


def _constraints(operation: str) -> list[tuple[str, list[Any], Any]]:
    """(what, path, invalid value) for every constraint of the operation's input; a path is a list of
    member names and list indexes (0), and the value None means: remove the member."""
    cases: list[tuple[str, list[Any], Any]] = []

    def walk(shape: Any, path: list[Any]) -> None:
        kind = shape.type_name
        if kind == "string":
            cases.extend((what, path, value) for what, value in _invalid_strings(shape))
        elif kind == "integer":
            meta = shape.metadata
            if "min" in meta:
                cases.append((f"below {meta['min']}", path, meta["min"] - 1))
            if "max" in meta:
                cases.append((f"above {meta['max']}", path, meta["max"] + 1))
        elif kind == "list":
            meta = shape.metadata
            if meta.get("min", 0) >= 1:
                cases.append((f"fewer than {meta['min']} items", path, []))
            if "max" in meta:
                cases.append((f"more than {meta['max']} items", path, ["x"] * (meta["max"] + 1)))
            walk(shape.member, [*path, 0])
        elif kind == "structure":
            for name in shape.required_members:
                cases.append((f"required {name} missing", [*path, name], None))
            for name, member in shape.members.items():
                walk(member, [*path, name])

    walk(MODEL.operation_model(operation).input_shape, [])
    return cases


def _request_with(operation: str, path: list[Any], value: Any) -> dict[str, Any] | None:
    base = VALID[operation]
    if "AugmentedManifests" in path:
        base = VALID_MANIFEST
    elif "Documents" in path:
        base = VALID_DOCUMENTS
    elif path[:2] == ["Filter", "Status"]:
        base = VALID_BY_STATUS
    request = copy.deepcopy(base)
    target: Any = request
    for step in path[:-1]:
        if (isinstance(target, dict) and step not in target) or (isinstance(target, list) and not target):
            return None  # a member the valid request does not use (e.g. Filter.Status beside the name)
        target = target[step]
    if value is None:
        if path[-1] not in target:
            return None
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return request


CASES = [(op, what, path, value) for op in METHODS for what, path, value in _constraints(op)]


def _service(code: str = "ValidationException") -> ComprehendService:
    """A service holding the classifier the other operations name (``full``, version ``v1``)."""
    service = ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION, validation_error=code)
    service.create_document_classifier(
        DocumentClassifierName="full",
        VersionName="v1",
        LanguageCode="en",
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": S3},
    )
    return service


def test_the_constraints_are_derived_from_botocores_model():
    counted = {op: len(_constraints(op)) for op in METHODS}
    print(f"{sum(counted.values())} constraint cases derived from botocore's model: {counted}")
    assert sum(counted.values()) >= 60


@pytest.mark.parametrize(
    "request_",
    [VALID["CreateDocumentClassifier"], VALID_MANIFEST, VALID_DOCUMENTS],
    ids=["csv", "manifest", "documents"],
)
def test_a_request_valid_in_every_member_is_accepted(request_):
    service = _service()
    service.create_document_classifier(**request_)
    for operation, method in METHODS.items():
        if operation == "DeleteDocumentClassifier":
            service.fire(ARN, "finish_stop")  # the stop before it has taken effect: deletable now
        if operation != "CreateDocumentClassifier":
            getattr(service, method)(**VALID[operation])


def _where(path: list[Any]) -> str:
    """The member path as AWS's message names it: lowerCamelCase, a structure in a list as
    ``tags.1.member.key``, a list of strings by the list's own name."""
    parts: list[str] = []
    for i, step in enumerate(path):
        if isinstance(step, int):
            if i + 1 < len(path):
                parts += [str(step + 1), "member"]
        else:
            parts.append(step[:1].lower() + step[1:])
    return ".".join(parts)


IDS = [f"{c[0]}:{'.'.join(map(str, c[2]))}:{c[1]}" for c in CASES]
MESSAGE = re.compile(
    r"(\d+) validation errors? detected: Value .+ at '[^']+' failed to satisfy "
    r"constraint: .+"
)


def _check_message(message: str, path: list[Any]) -> None:
    form = MESSAGE.fullmatch(message)
    assert form is not None, message
    assert int(form.group(1)) == message.count("; Value ") + 1, message  # every violation counted
    assert f" at '{_where(path)}' failed to satisfy constraint: " in message, message


@pytest.mark.parametrize("code", ["ValidationException", "InvalidRequestException"])
@pytest.mark.parametrize(("operation", "what", "path", "value"), CASES, ids=IDS)
def test_each_violated_constraint_is_refused_and_changes_nothing(operation, what, path, value, code):
    request = _request_with(operation, path, value)
    if request is None:
        pytest.skip("the valid request does not use this member's parent")
    service = _service(code)
    before = service.list_document_classifiers(), service.list_tags_for_resource(ResourceArn=ARN)
    with pytest.raises(ServiceError) as caught:
        getattr(service, METHODS[operation])(**request)
    assert (caught.value.code, caught.value.http_status) == (code, 400), caught.value
    _check_message(caught.value.message, path)
    assert (service.list_document_classifiers(), service.list_tags_for_resource(ResourceArn=ARN)) == before


@pytest.mark.parametrize("code", ["ValidationException", "InvalidRequestException"])
def test_through_botocore_each_violation_is_a_client_error_with_that_code_and_message(code, monkeypatch):
    """botocore's own checks (required members, minimum lengths) are turned off, as a client of another
    SDK or a raw HTTP call has none: every case reaches the service."""
    boto3 = pytest.importorskip("boto3")
    config = pytest.importorskip("botocore.config")
    exceptions = pytest.importorskip("botocore.exceptions")
    from stoprace.model.bridge import attach  # noqa: PLC0415 - needs botocore

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    client = boto3.client(
        "comprehend",
        region_name=REGION,
        config=config.Config(parameter_validation=False, retries={"mode": "standard"}),
    )
    service = _service(code)
    attach(client, service)
    checked = 0
    for operation, _, path, value in CASES:
        request = _request_with(operation, path, value)
        if request is None:
            continue
        with pytest.raises(exceptions.ClientError) as caught:
            getattr(client, METHODS[operation])(**request)
        error = caught.value.response["Error"]
        assert error["Code"] == code, (operation, path, error)
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
        _check_message(error["Message"], path)
        checked += 1
    print(f"{checked} violated constraints answered through botocore with {code}")
    assert checked == sum(_request_with(op, p, v) is not None for op, _, p, v in CASES)
