"""Train a classifier and wait for it with a custom botocore waiter (``classifier_waiters.json``).

botocore ships no waiter for Comprehend, so pipelines write their own in botocore's waiter format. The
one beside this file keeps waiting through ``STOP_REQUESTED`` (a stop can lose the race and the job then
ends ``TRAINED``) and fails on ``STOPPED``, ``IN_ERROR`` and ``DELETING``. After success the code reads
``ClassifierMetadata``; a warning's ``Message`` is logged.

Nothing here knows about stoprace: ``tests/test_examples.py`` runs it unchanged against the model, in
virtual time (``with bridge.virtual_time():``), for every way a job can end.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from botocore.exceptions import WaiterError
from botocore.waiter import WaiterModel, create_waiter_with_client

log = logging.getLogger("classifier")
WAITERS = WaiterModel(json.loads((Path(__file__).with_name("classifier_waiters.json")).read_text()))


def train(client: Any, name: str, role_arn: str, training_data: str) -> dict[str, Any]:
    """Create a classifier, wait until its training has ended, and return its final properties."""
    arn = client.create_document_classifier(
        DocumentClassifierName=name,
        DataAccessRoleArn=role_arn,
        InputDataConfig={"S3Uri": training_data},
        LanguageCode="en",
    )["DocumentClassifierArn"]
    waiter = create_waiter_with_client("ClassifierTrained", WAITERS, client)
    try:
        waiter.wait(DocumentClassifierArn=arn)
    except WaiterError as err:
        props = err.last_response.get("DocumentClassifierProperties", {})
        log.error("%s ended %s: %s", arn, props.get("Status", "?"), props.get("Message", str(err)))
        return dict(props)
    props = client.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]
    if props["Status"] == "TRAINED_WITH_WARNING":
        log.warning("%s trained with a warning: %s", arn, props["Message"])
    metrics = props["ClassifierMetadata"]["EvaluationMetrics"]
    log.info("%s trained: accuracy %.3f, F1 %.3f", arn, metrics["Accuracy"], metrics["F1Score"])
    return dict(props)
