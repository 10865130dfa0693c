"""Plain helpers shared by the tests (no fixtures: those live in conftest.py). Imported as ``helpers``:
pytest puts this folder on ``sys.path``, so it works under plain ``pytest`` and ``python -m pytest``."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

from stoprace.model import ComprehendService, ManualClock

ROOT = Path(__file__).resolve().parent.parent
#: The eight statuses as AWS documents them, in botocore's order (what the tests hold the model to).
DOCUMENTED_STATUSES = [
    "SUBMITTED",
    "TRAINING",
    "DELETING",
    "STOP_REQUESTED",
    "STOPPED",
    "IN_ERROR",
    "TRAINED",
    "TRAINED_WITH_WARNING",
]

ACCOUNT = "111122223333"
REGION = "eu-west-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/comprehend-access"


def create_request(name: str = "news", **overrides: Any) -> dict[str, Any]:
    """A valid CreateDocumentClassifier request."""
    request: dict[str, Any] = {
        "DocumentClassifierName": name,
        "DataAccessRoleArn": ROLE,
        "InputDataConfig": {"S3Uri": "s3://training-bucket/news.csv"},
        "LanguageCode": "en",
    }
    request.update(overrides)
    return request


def snapshot(service: ComprehendService) -> Any:
    """Everything a caller can observe of the service, and its idempotency memory."""
    listing = service.list_document_classifiers(MaxResults=500)
    described = [service.describe_document_classifier(DocumentClassifierArn=arn) for arn in service.arns()]
    return copy.deepcopy((listing, described, service._tokens))


# Walks from SUBMITTED to each status, as service triggers and API calls. A walk through TRAINING
# begins billed training there (``begin_billing``), which is skipped under a policy without provisioning.
_TRAIN = ("start_training", "begin_billing")
WALKS: dict[str, tuple[str, ...]] = {
    "SUBMITTED": (),
    "TRAINING": _TRAIN,
    "STOP_REQUESTED": (*_TRAIN, "stop"),
    "TRAINED": (*_TRAIN, "finish_training"),
    "TRAINED_WITH_WARNING": (*_TRAIN, "finish_training_with_warning"),
    "IN_ERROR": (*_TRAIN, "fail_training"),
    "STOPPED": (*_TRAIN, "stop", "finish_stop"),
    "DELETING": (*_TRAIN, "finish_training", "delete"),
}


def walk(service: ComprehendService, arn: str, status: str, clock: ManualClock | None = None) -> None:
    """Take job ``arn`` from SUBMITTED to ``status`` (one minute per step when a clock is given)."""
    for step in WALKS[status]:
        if step == "begin_billing" and not service.can_fire(arn, step):
            continue  # the policy has no provisioning: billing began with TRAINING
        if clock is not None:
            clock.advance(60)
        if step == "stop":
            service.stop_training_document_classifier(DocumentClassifierArn=arn)
        elif step == "delete":
            service.delete_document_classifier(DocumentClassifierArn=arn)
        else:
            service.fire(arn, step)
    assert service.status(arn) == status


def stoprace_command(*args: str) -> subprocess.CompletedProcess[str]:
    """``stoprace ARGS`` run in this process, as ``python -m stoprace`` runs it but without an
    interpreter's start-up (a second a call): its exit status, standard output and standard error."""
    from stoprace.sim.cli import main  # noqa: PLC0415 - the command's modules load only when run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as exit_:  # argparse's --help and its usage errors
            status = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    return subprocess.CompletedProcess(["stoprace", *args], status, out.getvalue(), err.getvalue())


def wire_scenario() -> Any:
    """A race for the clients of ``stoprace serve``: a minute's queue, an hour's training, a stop that takes
    two minutes, no warnings or failures. A stop sent at 1,800 s wins; one sent at 3,600 s loses (training
    ends at 3,660 s, the stop would take effect at 3,720 s)."""
    from stoprace.sim.scenario import RaceScenario  # noqa: PLC0415 - numpy, for the tests that ask

    return RaceScenario(
        queue_delay="fixed:60",
        training_duration="fixed:3600",
        stop_latency="fixed:120",
        p_warning=0.0,
        p_failure=0.0,
        finalization="fixed:0",
    )


def control(url: str, method: str, path: str, body: Any = None) -> Any:
    """``method /_stoprace/PATH`` of the ``stoprace serve`` at ``url``, with ``body`` as JSON: its JSON
    answer (an error status raises ``urllib.error.HTTPError``)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{url}/_stoprace/{path}", data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())
