"""A sensor-style wait, as workflow orchestrators write them: poll with ``time.sleep`` until the status
is in a success or a failure set, or a timeout passes (measured with ``time.monotonic``).

This sensor makes the mistake some orchestrators ship (``docs/evidence.md``, ``airflow-waiter``): it counts
``STOP_REQUESTED`` as a failure, so a stop that loses the race is reported as failed although the job then
ends ``TRAINED`` (a model that was paid for). ``tests/test_examples.py`` runs it unchanged under
``virtual_time()`` and shows exactly that.
"""

from __future__ import annotations

import time
from typing import Any

SUCCESS = frozenset({"TRAINED", "TRAINED_WITH_WARNING"})
FAILURE = frozenset({"STOP_REQUESTED", "STOPPED", "IN_ERROR", "DELETING"})


class SensorTimeout(TimeoutError):
    """The job did not reach a final status in time (a ``TimeoutError``: the waiting gave up)."""


def wait_for_training(client: Any, arn: str, *, poke_interval: float = 60, timeout: float = 4 * 3600) -> str:
    """Poll until the classifier's status is in SUCCESS (return it) or FAILURE (raise RuntimeError)."""
    started = time.monotonic()
    while True:
        status = client.describe_document_classifier(DocumentClassifierArn=arn)[
            "DocumentClassifierProperties"
        ]["Status"]
        if status in SUCCESS:
            return str(status)
        if status in FAILURE:
            raise RuntimeError(f"classifier {arn} failed: {status}")
        if time.monotonic() - started > timeout:
            raise SensorTimeout(f"classifier {arn} still {status} after {timeout:.0f} s")
        time.sleep(poke_interval)
