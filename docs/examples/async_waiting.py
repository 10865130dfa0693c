"""The async twin of ``custom_waiter.py`` and ``sensor_loop.py``, for aiobotocore clients (what
workflow orchestrators' deferrable operators and aioboto3 use).

``train`` waits with the custom botocore waiter in ``classifier_waiters.json`` through aiobotocore's
waiter; ``wait_for_training`` is a sensor loop with ``asyncio.sleep`` and the event loop's clock, and it
makes the sensor's mistake (``STOP_REQUESTED`` counted as a failure). ``tests/test_async.py`` runs both
unchanged against the model under ``virtual_time()``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from aiobotocore.waiter import create_waiter_with_client
from botocore.exceptions import WaiterError
from botocore.waiter import WaiterModel

log = logging.getLogger("classifier")
WAITERS = WaiterModel(json.loads((Path(__file__).with_name("classifier_waiters.json")).read_text()))
SUCCESS = frozenset({"TRAINED", "TRAINED_WITH_WARNING"})
FAILURE = frozenset({"STOP_REQUESTED", "STOPPED", "IN_ERROR", "DELETING"})


async def train(client: Any, name: str, role_arn: str, training_data: str) -> dict[str, Any]:
    """Create a classifier, wait until its training has ended, and return its final properties."""
    created = await client.create_document_classifier(
        DocumentClassifierName=name,
        DataAccessRoleArn=role_arn,
        InputDataConfig={"S3Uri": training_data},
        LanguageCode="en",
    )
    arn = created["DocumentClassifierArn"]
    waiter = create_waiter_with_client("ClassifierTrained", WAITERS, client)
    try:
        await waiter.wait(DocumentClassifierArn=arn)
    except WaiterError as err:
        props = err.last_response.get("DocumentClassifierProperties", {})
        log.error("%s ended %s: %s", arn, props.get("Status", "?"), props.get("Message", str(err)))
        return dict(props)
    described = await client.describe_document_classifier(DocumentClassifierArn=arn)
    props = described["DocumentClassifierProperties"]
    if props["Status"] == "TRAINED_WITH_WARNING":
        log.warning("%s trained with a warning: %s", arn, props["Message"])
    metrics = props["ClassifierMetadata"]["EvaluationMetrics"]
    log.info("%s trained: accuracy %.3f, F1 %.3f", arn, metrics["Accuracy"], metrics["F1Score"])
    return dict(props)


async def wait_for_training(
    client: Any, arn: str, *, poke_interval: float = 60, timeout: float = 4 * 3600
) -> str:
    """Poll until the status is in SUCCESS (return it) or FAILURE (raise RuntimeError)."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    while True:
        described = await client.describe_document_classifier(DocumentClassifierArn=arn)
        status = described["DocumentClassifierProperties"]["Status"]
        if status in SUCCESS:
            return str(status)
        if status in FAILURE:
            raise RuntimeError(f"classifier {arn} failed: {status}")
        if loop.time() - started > timeout:
            raise TimeoutError(f"classifier {arn} still {status} after {timeout:.0f} s")
        await asyncio.sleep(poke_interval)
