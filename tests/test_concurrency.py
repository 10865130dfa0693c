"""Many threads calling one ComprehendService at once lose no update and corrupt no job."""

from __future__ import annotations

import random
import sys
import threading
from collections import Counter

from helpers import create_request

from stoprace.model import EDGES, ComprehendService, InvalidTransitionError, ServiceError, Status

THREADS = 8
CALLS_PER_THREAD = 1200
SERVICE_TRIGGERS = (
    "start_training",
    "finish_training",
    "finish_training_with_warning",
    "fail_training",
    "finish_stop",
    "finish_delete",
)
# Every (from, to) step the table allows; a job's path may contain no other.
ALLOWED_STEPS = {(s, e.dest) for e in EDGES if e.dest is not None for s in e.source}


def worker(service: ComprehendService, k: int, shared: list[str], ledger: Counter, errors: list) -> None:
    rng = random.Random(k)
    mine: list[str] = []
    try:
        for i in range(CALLS_PER_THREAD):
            pool = mine if (mine and rng.random() < 0.7) or not shared else shared
            arn = rng.choice(pool) if pool else None
            op = rng.choice(
                ["create", "create", "describe", "list", "stop", "delete", "fire", "fire", "fire"]
            )
            try:
                if op == "create" or arn is None:
                    name = f"t{k}-{i}" if rng.random() < 0.9 else f"shared-{rng.randrange(20)}"
                    new = service.create_document_classifier(**create_request(name))["DocumentClassifierArn"]
                    ledger[("created", new)] += 1
                    mine.append(new)
                    shared.append(new)
                elif op == "describe":
                    status = service.describe_document_classifier(DocumentClassifierArn=arn)[
                        "DocumentClassifierProperties"
                    ]["Status"]
                    assert status in Status.__members__
                elif op == "list":
                    service.list_document_classifiers(MaxResults=rng.randint(1, 50))
                elif op == "stop":
                    assert service.stop_training_document_classifier(DocumentClassifierArn=arn) == {}
                elif op == "delete":
                    service.delete_document_classifier(DocumentClassifierArn=arn)
                else:
                    if service.fire(arn, rng.choice(SERVICE_TRIGGERS)) is None:
                        ledger[("purged", arn)] += 1
            except (ServiceError, InvalidTransitionError):
                pass
    except Exception as exc:
        errors.append(exc)


def test_eight_threads_of_mixed_calls_lose_no_update():
    service = ComprehendService()
    shared: list[str] = []
    ledger: Counter = Counter()
    errors: list[Exception] = []
    threads = [
        threading.Thread(target=worker, args=(service, k, shared, ledger, errors)) for k in range(THREADS)
    ]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often, so that unguarded updates would collide
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []

    created = sum(n for (kind, _), n in ledger.items() if kind == "created")
    purged = sum(n for (kind, _), n in ledger.items() if kind == "purged")
    assert created > THREADS * 100
    assert purged > 0
    live = service.arns()
    assert len(live) == created - purged == len(set(live))

    listed, token = [], None
    while True:
        page = service.list_document_classifiers(MaxResults=500, **({"NextToken": token} if token else {}))
        listed += [p["DocumentClassifierArn"] for p in page["DocumentClassifierPropertiesList"]]
        token = page.get("NextToken")
        if token is None:
            break
    assert listed == live

    for arn in live:
        job = service._jobs[arn].job
        assert job.path[0] == "SUBMITTED"
        assert job.state == job.path[-1]
        for step in zip(job.path, job.path[1:], strict=False):
            assert step in ALLOWED_STEPS, f"{arn} took {step}"
