"""The moto-style entry point: code that builds its own Comprehend clients runs against the model,
unchanged, under ``mock_comprehend`` (a decorator, a context manager, a pytest fixture), beside moto."""

from __future__ import annotations

import asyncio
import time

import pytest

from stoprace.sim.scenario import RaceScenario

boto3 = pytest.importorskip("boto3", reason="the entry point needs the aws extra")

from stoprace.sim.mock import mock_comprehend  # noqa: E402

ROLE = "arn:aws:iam::123456789012:role/comprehend-access"
SCENARIO = RaceScenario(
    queue_delay="fixed:60",
    training_duration="fixed:3600",
    finalization="fixed:65",
    stop_latency="fixed:120",
    p_warning=0.0,
    p_failure=0.0,
)


def pipeline(region: str = "eu-west-1", stop_after: float | None = None) -> tuple[str, list[str]]:
    """Code under test: it makes its own client, trains, stops at a deadline, polls until final."""
    client = boto3.client("comprehend", region_name=region)
    arn = client.create_document_classifier(
        DocumentClassifierName="tickets",
        DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": "s3://training-data/tickets.csv"},
        LanguageCode="en",
    )["DocumentClassifierArn"]
    started, seen = time.monotonic(), []
    while not seen or seen[-1] not in ("TRAINED", "STOPPED", "IN_ERROR", "TRAINED_WITH_WARNING"):
        status = client.describe_document_classifier(DocumentClassifierArn=arn)[
            "DocumentClassifierProperties"
        ]["Status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if stop_after is not None and time.monotonic() - started >= stop_after and status == "TRAINING":
            client.stop_training_document_classifier(DocumentClassifierArn=arn)
            stop_after = None
        time.sleep(60)
    return arn, seen


@pytest.fixture(autouse=True)
def fake_credentials(monkeypatch):
    for name, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
    ):
        monkeypatch.setenv(name, value)


def test_a_context_manager_answers_clients_the_code_makes_itself():
    real_sleep, real_create = time.sleep, boto3.session.Session.client
    with mock_comprehend(SCENARIO) as comprehend:
        arn, seen = pipeline(stop_after=3600)
        assert seen == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"]  # the lost race
        assert comprehend.service("eu-west-1").status(arn).value == "TRAINED"
        assert comprehend.clock.elapsed < 4 * 3600  # virtual hours, no real waiting
    assert (time.sleep, boto3.session.Session.client) == (real_sleep, real_create)


def test_one_service_per_account_and_region():
    with mock_comprehend(SCENARIO) as comprehend:
        eu, _ = pipeline("eu-west-1")
        us, _ = pipeline("us-east-2")
        assert comprehend.service("eu-west-1").arns() == [eu]
        assert comprehend.service("us-east-2").arns() == [us]
        assert ":us-east-2:123456789012:" in us


@mock_comprehend(SCENARIO)
def test_as_a_decorator():
    _, seen = pipeline(stop_after=600)
    assert seen[-1] == "STOPPED"


@mock_comprehend(SCENARIO)
class TestAsAClassDecorator:
    def test_each_test_gets_a_fresh_account(self):
        _, seen = pipeline()
        assert seen == ["SUBMITTED", "TRAINING", "TRAINED"]

    def test_and_again(self):
        arn, _ = pipeline()  # no ResourceInUseException: the earlier test's classifier is not here
        assert arn.endswith("/tickets")


def test_as_the_plugins_fixture(stoprace_comprehend):
    arn, seen = pipeline()
    assert seen[-1] in ("TRAINED", "TRAINED_WITH_WARNING", "IN_ERROR")
    assert stoprace_comprehend.service("eu-west-1").arns() == [arn]


def test_an_outside_stop_at_a_virtual_time():
    with mock_comprehend(SCENARIO) as comprehend:
        service = comprehend.service("eu-west-1")
        arn = "arn:aws:comprehend:eu-west-1:123456789012:document-classifier/tickets"
        comprehend.at(1800, lambda: service.stop_training_document_classifier(DocumentClassifierArn=arn))
        _, seen = pipeline()
    assert seen == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "STOPPED"]


def test_composes_with_motos_mock_aws():
    moto = pytest.importorskip("moto")
    orders = ((moto.mock_aws(), mock_comprehend(SCENARIO)), (mock_comprehend(SCENARIO), moto.mock_aws()))
    for outer, inner in orders:
        with outer, inner:
            s3 = boto3.client("s3", region_name="us-east-1")
            s3.create_bucket(Bucket="training-data")  # moto answers S3
            assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["training-data"]
            _, seen = pipeline()  # the model answers Comprehend: moto's jobs never leave TRAINING
            assert seen == ["SUBMITTED", "TRAINING", "TRAINED"]


def test_bad_settings_are_refused_up_front():
    with pytest.raises(TypeError, match="RaceScenario or None"):
        mock_comprehend("fixed:60")
    with pytest.raises(ValueError, match="account_id"):
        mock_comprehend(account_id="nope")
    with pytest.raises(TypeError, match="functions and classes"):
        mock_comprehend()(42)
    mock = mock_comprehend(virtual_time=False)
    with mock, pytest.raises(RuntimeError, match="already active"):
        mock.start()


def test_aiobotocore_clients_made_inside_are_answered_too():
    session_module = pytest.importorskip("aiobotocore.session", reason="bash .ci/aio runs this one")

    async def async_pipeline():
        session = session_module.get_session()
        async with session.create_client("comprehend", region_name="eu-west-1") as client:
            arn = (
                await client.create_document_classifier(
                    DocumentClassifierName="tickets",
                    DataAccessRoleArn=ROLE,
                    InputDataConfig={"S3Uri": "s3://training-data/tickets.csv"},
                    LanguageCode="en",
                )
            )["DocumentClassifierArn"]
            while True:
                props = (await client.describe_document_classifier(DocumentClassifierArn=arn))[
                    "DocumentClassifierProperties"
                ]
                if props["Status"] == "TRAINED":
                    return props
                await asyncio.sleep(60)

    @mock_comprehend(SCENARIO)
    async def run():
        return await async_pipeline()

    props = asyncio.run(run())
    assert props["ClassifierMetadata"]["NumberOfLabels"] == 3


def test_the_service_without_a_region_is_the_one_the_clients_used():
    with mock_comprehend(SCENARIO) as comprehend:
        arn, _ = pipeline()  # its client is in eu-west-1
        assert comprehend.service().arns() == [arn]
        boto3.client("comprehend", region_name="us-east-2").list_document_classifiers()
        with pytest.raises(ValueError, match=r"several regions \(eu-west-1, us-east-2\); name one"):
            comprehend.service()


def test_a_region_no_client_used_names_the_regions_there_are():
    with mock_comprehend(SCENARIO) as comprehend:
        early = comprehend.service("eu-west-1")  # before any client: made, for the clients to come
        arn, _ = pipeline()  # its client is in eu-west-1
        assert early.arns() == [arn]
        with pytest.raises(LookupError, match=r"no service in 'eu-west-2': its clients used eu-west-1; "):
            comprehend.service("eu-west-2")  # a typo would otherwise answer with an empty account
        assert sorted(comprehend.services) == [("123456789012", "eu-west-1")]  # nothing made by the refusal
        later = comprehend.service("eu-west-2", create=True)
        assert later.arns() == []
        assert (
            boto3.client("comprehend", region_name="eu-west-2").list_document_classifiers()[
                "DocumentClassifierPropertiesList"
            ]
            == []
        )
        assert comprehend.service("eu-west-2") is later
