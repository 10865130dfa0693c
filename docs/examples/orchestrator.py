"""Train a Comprehend classifier under a deadline, and handle a stop that loses the race.

This is the pattern to copy. ``StopTrainingDocumentClassifier`` only *asks* for a stop: the job goes to
``STOP_REQUESTED`` and ends ``STOPPED``, unless training completes first, and then it ends ``TRAINED``
anyway (the lost race). So the code below never assumes "I stopped it, so it is STOPPED": it polls until
the status is final, reports what really happened, and deletes a model it did not want.

It takes the client, a clock and a sleep function as arguments, so that tests can run it in virtual time
against stoprace's model (``tests/test_orchestrator.py``): nothing in it knows about the model.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

FINISHED = frozenset({"TRAINED", "TRAINED_WITH_WARNING", "STOPPED", "IN_ERROR"})
RETRIED = frozenset({"TooManyRequestsException", "InternalServerException"})


@dataclass(frozen=True)
class Outcome:
    """What happened to one training job."""

    arn: str
    status: str  # the final status, as the service reports it
    stop_requested: bool  # we asked for a stop (the deadline passed while it trained)
    race_lost: bool  # we asked for a stop, and it ended TRAINED or TRAINED_WITH_WARNING anyway
    deleted: bool  # we deleted the model we did not want

    @property
    def usable(self) -> bool:
        """A model we can use: trained in time (not one that outran our stop and was deleted)."""
        return self.status in ("TRAINED", "TRAINED_WITH_WARNING") and not self.deleted


def call(
    client: Any,
    operation: str,
    sleep: Callable[[float], None],
    rng: random.Random,
    attempts: int = 8,
    **params: Any,
) -> Any:
    """A client call, retried with jittered backoff on throttling and server errors: botocore's
    default (legacy) retries do not retry TooManyRequestsException, so a throttled stop would be lost."""
    error_type = client.exceptions.ClientError
    for attempt in range(attempts):
        try:
            return getattr(client, operation)(**params)
        except error_type as err:
            if err.response["Error"]["Code"] not in RETRIED or attempt == attempts - 1:
                raise
            sleep(rng.uniform(0, min(2.0**attempt, 20.0)))
    raise AssertionError("unreachable")


def train_with_deadline(
    client: Any,
    request: Mapping[str, Any],
    deadline: float,
    *,
    poll: float = 60.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    delete_unwanted: bool = True,
    rng: random.Random | None = None,
) -> Outcome:
    """Create a classifier, poll it every ``poll`` seconds, stop it once ``deadline`` seconds have
    passed, and wait for its final status. A stopped job that ends trained anyway is deleted when
    ``delete_unwanted`` (it was not wanted; keep it if you would rather use what you paid for)."""
    rng = rng or random.Random()
    arn = call(client, "create_document_classifier", sleep, rng, **request)["DocumentClassifierArn"]
    started = clock()
    stop_requested = False
    while True:
        props = call(client, "describe_document_classifier", sleep, rng, DocumentClassifierArn=arn)
        status = props["DocumentClassifierProperties"]["Status"]
        if status in FINISHED:
            break
        if not stop_requested and clock() - started >= deadline:
            call(client, "stop_training_document_classifier", sleep, rng, DocumentClassifierArn=arn)
            stop_requested = True  # asked, not done: keep polling for the real outcome
        sleep(poll)
    race_lost = stop_requested and status in ("TRAINED", "TRAINED_WITH_WARNING")
    deleted = False
    if race_lost and delete_unwanted:
        call(client, "delete_document_classifier", sleep, rng, DocumentClassifierArn=arn)
        deleted = True
    return Outcome(arn, status, stop_requested, race_lost, deleted)


if __name__ == "__main__":  # against AWS: needs credentials, a role and training data of your own
    import boto3

    outcome = train_with_deadline(
        boto3.client("comprehend"),
        {
            "DocumentClassifierName": "tickets",
            "DataAccessRoleArn": "arn:aws:iam::111122223333:role/comprehend-access",
            "InputDataConfig": {"S3Uri": "s3://my-training-data/tickets.csv"},
            "LanguageCode": "en",
        },
        deadline=3600,
    )
    print(outcome)
