"""The boto3 bridge: a real boto3 client, answered by the model, with botocore's errors and retries."""

from __future__ import annotations

import importlib
import sys

import pytest

from stoprace.model import ComprehendService, ManualClock, TooManyRequestsException
from stoprace.model.errors import InternalServerException
from stoprace.sim.scenario import RaceScenario

boto3 = pytest.importorskip("boto3", reason="the bridge tests need the aws extra")
botocore_config = pytest.importorskip("botocore.config")

from stoprace.model.bridge import attach  # noqa: E402
from stoprace.sim import autopilot  # noqa: E402

ACCOUNT, REGION = "111122223333", "us-east-1"
REQUEST = {
    "DocumentClassifierName": "tickets",
    "DataAccessRoleArn": f"arn:aws:iam::{ACCOUNT}:role/comprehend-access",
    "InputDataConfig": {"S3Uri": "s3://training-data/tickets.csv"},
    "LanguageCode": "en",
}


@pytest.fixture
def no_credentials(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def client(retry_mode: str = "legacy"):
    config = botocore_config.Config(retries={"mode": retry_mode})
    return boto3.client("comprehend", region_name=REGION, config=config)


def service(**kwargs):
    return ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION, **kwargs)


def test_a_script_against_boto3_sees_a_lost_race_in_virtual_time(no_credentials):
    # Billed training ends 3660 s after submission and the job 65 s later; the stop sent at 3600 s takes
    # 120 s to take effect.
    scenario = RaceScenario(
        queue_delay="fixed:60",
        training_duration="fixed:3600",
        stop_latency="fixed:120",
        finalization="fixed:65",
        p_warning=0.0,
        p_failure=0.0,
    )
    comprehend = client()
    model = service()
    bridge = autopilot.attach(comprehend, model, scenario)
    arn = comprehend.create_document_classifier(**REQUEST)["DocumentClassifierArn"]
    seen = []
    while not seen or seen[-1] not in ("TRAINED", "STOPPED"):
        described = comprehend.describe_document_classifier(DocumentClassifierArn=arn)
        props = described["DocumentClassifierProperties"]
        if not seen or seen[-1] != props["Status"]:
            seen.append(props["Status"])
        if model.clock.elapsed == 3600:
            answer = comprehend.stop_training_document_classifier(DocumentClassifierArn=arn)
            assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
        bridge.sleep(30)
    assert seen == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"]
    assert (props["TrainingEndTime"] - props["TrainingStartTime"]).total_seconds() == 3600
    assert model.clock.elapsed == 3780  # seen TRAINED at 3750 s, then one more sleep: all virtual


def test_errors_are_botocore_client_errors_with_code_and_status(no_credentials):
    comprehend = client()
    attach(comprehend, service())
    missing = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/nothing"
    with pytest.raises(comprehend.exceptions.ResourceNotFoundException) as caught:
        comprehend.describe_document_classifier(DocumentClassifierArn=missing)
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert isinstance(caught.value, comprehend.exceptions.ClientError)
    # ValidationException is one of AWS's common errors, not in Comprehend's model: a plain ClientError.
    with pytest.raises(comprehend.exceptions.ClientError) as invalid:
        comprehend.stop_training_document_classifier(DocumentClassifierArn="arn:aws:comprehend:x")
    assert invalid.value.response["Error"]["Code"] == "ValidationException"
    assert invalid.value.response["Error"]["Message"].startswith(
        "1 validation error detected: Value 'arn:aws:comprehend:x' at 'documentClassifierArn' failed to "
        "satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[^:]+)?:comprehend:"
    )


def test_the_paginator_walks_every_page(no_credentials):
    comprehend = client()
    model = service()
    attach(comprehend, model)
    for i in range(7):
        comprehend.create_document_classifier(**{**REQUEST, "DocumentClassifierName": f"c{i}"})
    paginator = comprehend.get_paginator("list_document_classifiers")
    pages = list(paginator.paginate(PaginationConfig={"PageSize": 3}))
    assert [len(p["DocumentClassifierPropertiesList"]) for p in pages] == [3, 3, 1]
    listed = {p["DocumentClassifierArn"] for page in pages for p in page["DocumentClassifierPropertiesList"]}
    assert listed == set(model.arns())


@pytest.mark.parametrize(
    ("mode", "error", "attempts"),
    [
        (
            "legacy",
            TooManyRequestsException,
            1,
        ),  # evidence retry-legacy: legacy does not retry a 400 throttle
        ("legacy", InternalServerException, 5),
        ("standard", TooManyRequestsException, 3),
        ("standard", InternalServerException, 3),
    ],
)
def test_botocores_own_retries_apply_to_the_models_errors(no_credentials, mode, error, attempts):
    comprehend = client(mode)
    model = service(admission=lambda operation, _: error if operation == "ListDocumentClassifiers" else None)
    bridge = attach(comprehend, model)
    with bridge.virtual_time(), pytest.raises(comprehend.exceptions.ClientError) as caught:
        comprehend.list_document_classifiers()
    assert caught.value.response["Error"]["Code"] == error.code
    assert [c for c in bridge.calls if c[0] == "ListDocumentClassifiers"] == [
        ("ListDocumentClassifiers", error.code)
    ] * attempts
    assert model.clock.elapsed > 0 or attempts == 1  # the back-offs passed in virtual time


def test_a_failed_call_changes_nothing_and_detach_restores_the_client(no_credentials):
    comprehend = client()
    model = service()
    bridge = attach(comprehend, model)
    with pytest.raises(comprehend.exceptions.ClientError):
        comprehend.create_document_classifier(**{**REQUEST, "LanguageCode": "xx"})
    assert model.arns() == []
    bridge.detach()
    assert comprehend.meta.events is not None


def test_only_a_comprehend_or_translate_client_can_be_attached(no_credentials):
    with pytest.raises(TypeError, match="needs a Comprehend or Translate client; this one is for 's3'"):
        attach(boto3.client("s3", region_name=REGION), service())
    with pytest.raises(TypeError, match="a translate client is answered by a TranslateService, not Compr"):
        attach(boto3.client("translate", region_name=REGION), service())
    with pytest.raises(TypeError, match="botocore-based Comprehend client"):
        attach(service(), service())  # the facade is not a client to attach


def test_without_boto3_the_bridge_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "botocore", None)
    monkeypatch.setitem(sys.modules, "botocore.awsrequest", None)
    bridge = importlib.reload(importlib.import_module("stoprace.model.bridge"))
    try:
        with pytest.raises(ImportError, match=r"pip install 'stoprace\[aws\]'"):
            bridge.attach(object(), service())
    finally:
        monkeypatch.undo()
        importlib.reload(bridge)
