"""aiobotocore clients through the bridge: the async examples for every ending, its paginators, its
errors and retries, in virtual time. (aiobotocore pins botocore below the newest release, so these run
in their own environment: ``bash .ci/aio``; in the main one they skip.)"""

from __future__ import annotations

import asyncio
import logging

import pytest
from botocore.config import Config

from stoprace.model import ComprehendService, ManualClock, TooManyRequestsException
from stoprace.sim.scenario import RaceScenario

aiobotocore_session = pytest.importorskip(
    "aiobotocore.session", reason="aiobotocore is not installed here (bash .ci/aio runs these tests)"
)

from test_examples import ACCOUNT, BASE, DATA, ENDINGS, REGION, ROLE, load  # noqa: E402

from stoprace.model.bridge import attach  # noqa: E402
from stoprace.sim import autopilot  # noqa: E402

async_waiting = load("async_waiting")


def session():
    return aiobotocore_session.get_session()


def create_client():
    return session().create_client(
        "comprehend", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
    )


@pytest.mark.parametrize("ending", ENDINGS)
def test_the_async_waiter_example_for_every_ending(caplog, monkeypatch, ending):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    settings, stop_at, final = ENDINGS[ending]
    service = ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION)
    arn = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/tickets"

    async def main():
        async with create_client() as client:
            bridge = autopilot.attach(client, service, RaceScenario(**{**BASE, **settings}))
            if stop_at is not None:
                stop = service.stop_training_document_classifier
                bridge.at(stop_at, lambda: stop(DocumentClassifierArn=arn))
            with bridge.virtual_time():
                return await async_waiting.train(client, "tickets", ROLE, DATA)

    with caplog.at_level(logging.INFO, logger="classifier"):
        props = asyncio.run(main())
    assert props["Status"] == final
    if final.startswith("TRAINED"):
        assert props["ClassifierMetadata"]["NumberOfLabels"] == 3
    if final == "TRAINED_WITH_WARNING":
        assert "trained with a warning: 2 labels have few examples" in caplog.text
    if ending == "lost race":
        assert [s.value for s in service.path(arn)][-2:] == ["STOP_REQUESTED", "TRAINED"]


def test_the_async_sensor_misreports_a_lost_race(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    service = ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION)

    async def main():
        async with create_client() as client:
            bridge = autopilot.attach(client, service, RaceScenario(**BASE))
            with bridge.virtual_time():
                arn = (
                    await client.create_document_classifier(
                        DocumentClassifierName="tickets",
                        DataAccessRoleArn=ROLE,
                        InputDataConfig={"S3Uri": DATA},
                        LanguageCode="en",
                    )
                )["DocumentClassifierArn"]
                bridge.at(3600, lambda: service.stop_training_document_classifier(DocumentClassifierArn=arn))
                with pytest.raises(RuntimeError, match="STOP_REQUESTED"):
                    await async_waiting.wait_for_training(client, arn)
                await asyncio.sleep(600)
                return arn

    arn = asyncio.run(main())
    assert service.status(arn).value == "TRAINED"  # the sensor said failed; the model was trained


def test_async_paginators_errors_and_retries(monkeypatch):
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    throttle = {"left": 0}

    def admission(operation, _params):
        if operation == "DescribeDocumentClassifier" and throttle["left"]:
            throttle["left"] -= 1
            return TooManyRequestsException
        return None

    service = ComprehendService(clock=ManualClock(), account_id=ACCOUNT, region=REGION, admission=admission)

    async def main():
        config = Config(retries={"mode": "standard"})
        async with session().create_client(
            "comprehend", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x", config=config
        ) as client:
            bridge = attach(client, service)
            assert bridge.is_async
            for i in range(3):
                await client.create_document_classifier(
                    DocumentClassifierName=f"c{i}",
                    DataAccessRoleArn=ROLE,
                    InputDataConfig={"S3Uri": DATA},
                    LanguageCode="en",
                )
            paginator = client.get_paginator("list_document_classifiers")
            pages = paginator.paginate(PaginationConfig={"PageSize": 2})
            names = [
                p["DocumentClassifierArn"].rsplit("/", 1)[-1]
                async for page in pages
                for p in page["DocumentClassifierPropertiesList"]
            ]
            with pytest.raises(client.exceptions.ResourceNotFoundException):
                await client.describe_document_classifier(
                    DocumentClassifierArn=f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/none"
                )
            throttle["left"] = 2
            with bridge.virtual_time():  # standard mode retries the two throttled describes, virtually
                props = await client.describe_document_classifier(
                    DocumentClassifierArn=f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/c0"
                )
            return names, props, bridge.calls

    names, props, calls = asyncio.run(main())
    assert names == ["c0", "c1", "c2"]
    assert props["DocumentClassifierProperties"]["Status"] == "SUBMITTED"
    describes = [outcome for op, outcome in calls if op == "DescribeDocumentClassifier"]
    assert describes[-3:] == ["TooManyRequestsException", "TooManyRequestsException", "ok"]


def test_attach_refuses_what_it_cannot_serve():
    with pytest.raises(TypeError, match="botocore-based Comprehend client"):
        attach(object(), ComprehendService(clock=ManualClock()))

    async def main():
        async with session().create_client(
            "s3", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x"
        ) as s3:
            with pytest.raises(TypeError, match="for 's3'"):
                attach(s3, ComprehendService(clock=ManualClock()))

    asyncio.run(main())
