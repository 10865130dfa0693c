"""The jobs that process text: their lifecycle table, their kinds as botocore states them, and their
operations on the model's services, called directly and through real boto3 clients."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from stoprace.model import ComprehendService, ManualClock, ModelError
from stoprace.model.analysis import (
    JOB_ACTIVE,
    JOB_EDGES,
    JOB_FINISHED,
    JOB_STATES,
    JobStatus,
    TextJob,
    _check_vocabulary,
    edges_for,
)
from stoprace.model.analysis_kinds import ANALYSIS_KINDS, TEXT_KINDS, TRANSLATION, TextKind
from stoprace.model.errors import InvalidTransitionError, ServiceError
from stoprace.model.lifecycle import Actor, Provenance
from stoprace.model.policy import JobPolicy, Policy
from stoprace.model.service import TranslateService

ROOT = Path(__file__).resolve().parent.parent
ROLE = "arn:aws:iam::111122223333:role/text-access"
ACCOUNT, REGION = "111122223333", "eu-west-1"
KINDS = list(TEXT_KINDS.values())


def service_for(kind: TextKind, **options) -> ComprehendService | TranslateService:
    cls = TranslateService if kind.service == "translate" else ComprehendService
    return cls(clock=ManualClock(), account_id=ACCOUNT, region=REGION, **options)


def start(service, kind: TextKind, name: str = "batch", **extra) -> str:
    request = kind.example_request(name, ROLE)
    if kind.service == "translate":
        request["ClientToken"] = extra.pop("token", f"token-{name}")
    return kind.call(service, "create", **request, **extra)["JobId"]


# -- the table -------------------------------------------------------------------------------------


def test_every_edge_says_how_we_know_it_and_names_facts_the_evidence_page_has():
    headings = set(re.findall(r"^### `([^`]+)`", (ROOT / "docs" / "evidence.md").read_text(), re.M))
    for edge in JOB_EDGES:
        assert edge.provenance in Provenance
        assert edge.evidence
        assert edge.facts
        assert set(edge.facts) <= headings, edge
    for name in JobPolicy.__dataclass_fields__:
        assert JobPolicy.__dataclass_fields__[name].metadata["fact"] in headings | {"request-token"}


def test_the_vocabulary_is_what_the_table_says_and_a_broken_table_is_refused():
    assert {s.value for s in JOB_FINISHED} | {s.value for s in JOB_ACTIVE} == set(JOB_STATES)
    stuck = tuple(e for e in JOB_EDGES if not (e.actor is Actor.SERVICE and "SUBMITTED" in e.source))
    with pytest.raises(ModelError, match="JOB_ACTIVE"):
        _check_vocabulary(stuck)
    never_ends = tuple(replace(e, stamps=()) if e.dest == "FAILED" else e for e in JOB_EDGES)
    with pytest.raises(ModelError, match="JOB_FINISHED"):
        _check_vocabulary(never_ends)


@pytest.mark.parametrize("policy", JobPolicy.pairwise(), ids=lambda p: str(p.changes() or "defaults"))
def test_the_race_under_every_pair_of_choices(policy):
    won = TextJob(policy, at=0.0)
    won.fire("start_processing", at=10.0)
    won.fire("stop", at=20.0)
    won.fire("finish_stop", at=30.0)
    assert (won.status, won.race_lost, won.end_time) == (JobStatus.STOPPED, False, 30.0)
    lost = TextJob(policy, at=0.0)
    lost.fire("start_processing", at=10.0)
    lost.fire("stop", at=20.0)
    lost.fire("finish_processing", at=25.0)
    assert (lost.status, lost.race_lost, lost.processing_start) == (JobStatus.COMPLETED, True, 10.0)
    failed = TextJob(policy, at=0.0)
    failed.fire("start_processing", at=10.0)
    failed.fire("stop", at=20.0)
    if policy.race_outcomes == "all":
        assert failed.fire("fail", at=21.0, message="input unreadable").dest == "FAILED"
        assert failed.message == "input unreadable"
    else:
        with pytest.raises(InvalidTransitionError):
            failed.fire("fail", at=21.0)
        assert failed.status is JobStatus.STOP_REQUESTED


def test_comprehend_jobs_have_no_completion_with_errors_and_translate_jobs_do():
    comprehend = edges_for(ANALYSIS_KINDS["sentiment-detection-job"].statuses)
    assert all("COMPLETED_WITH_ERROR" not in (*e.source, e.dest) for e in comprehend)
    job = TextJob(at=0.0, edges=comprehend)
    job.fire("start_processing", at=1.0)
    with pytest.raises(ModelError, match="unknown trigger 'finish_with_errors'"):
        job.fire("finish_with_errors", at=2.0)
    assert edges_for(TRANSLATION.statuses) == JOB_EDGES


# -- botocore's view of the kinds --------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_kind_is_what_botocore_says(kind):
    session = pytest.importorskip("botocore.session", reason="the kinds are compared with botocore's model")
    model = session.get_session().get_service_model(kind.service)
    assert tuple(model.shape_for(kind.properties).members) == kind.order
    assert set(model.shape_for("JobStatus").enum) == set(kind.statuses)
    assert model.operation_names
    assert set(kind.operations.values()) <= set(model.operation_names)
    stop = model.operation_model(kind.operations["stop"])
    assert kind.not_found in {e.name for e in stop.error_shapes}
    assert tuple(model.operation_model(kind.operations["create"]).output_shape.members)[:1] == ("JobId",)
    filters = model.operation_model(kind.operations["list"]).input_shape.members["Filter"].members
    assert set(kind.filter_times) < set(filters)


# -- the operations --------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_start_describe_stop_and_the_race_on_the_service(kind):
    service = service_for(kind)
    job_id = start(service, kind)
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    props = kind.call(service, "describe", job_id)[kind.properties]
    assert list(props) == [m for m in kind.order if m in props]
    assert props["JobStatus"] == "SUBMITTED"
    assert "EndTime" not in props
    assert props["OutputDataConfig"]["S3Uri"].startswith(
        f"s3://text-results/batch/{ACCOUNT}-{kind.abbreviation}-{job_id}/"
    )
    if kind.has_arn:
        assert props["JobArn"] == f"arn:aws:comprehend:{REGION}:{ACCOUNT}:{kind.name}/{job_id}"
    service.clock.advance(120)
    assert service.fire(job_id, "start_processing") is JobStatus.IN_PROGRESS
    assert kind.call(service, "stop", job_id) == {"JobId": job_id, "JobStatus": "STOP_REQUESTED"}
    assert kind.call(service, "stop", job_id) == {"JobId": job_id, "JobStatus": "STOP_REQUESTED"}
    service.clock.advance(240)
    assert service.fire(job_id, "finish_processing") is JobStatus.COMPLETED  # the stop lost
    props = kind.call(service, "describe", job_id)[kind.properties]
    assert props["EndTime"] - props[kind.submit_member] == timedelta(seconds=360)
    with pytest.raises(ServiceError) as refused:
        kind.call(service, "stop", job_id)
    assert refused.value.code == "InvalidRequestException"
    assert refused.value.http_status == 400
    assert service.status(job_id) is JobStatus.COMPLETED


@pytest.mark.parametrize("kind", [ANALYSIS_KINDS["events-detection-job"], TRANSLATION], ids=lambda k: k.name)
def test_bad_requests_unknown_jobs_and_wrong_triggers_change_nothing(kind):
    service = service_for(kind)
    with pytest.raises(ServiceError, match="validation error") as invalid:
        kind.call(service, "create", JobName="x")
    assert invalid.value.code == "ValidationException"
    with pytest.raises(ServiceError) as missing:
        kind.call(service, "describe", "0" * 32)
    assert missing.value.code == kind.not_found
    job_id = start(service, kind)
    with pytest.raises(ModelError, match="its service triggers are: start_processing"):
        service.fire(job_id, "start_training")
    assert service.path(job_id) == (JobStatus.SUBMITTED,)
    assert service.arns() == [job_id]


@pytest.mark.parametrize(
    ("setting", "status", "answer"),
    [
        ("stop_when_submitted=accept", "SUBMITTED", "STOP_REQUESTED"),
        ("stop_when_submitted=reject", "SUBMITTED", "InvalidRequestException"),
        ("stop_when_stopped=ignore", "STOPPED", "STOPPED"),
        ("stop_when_stopped=reject", "STOPPED", "InvalidRequestException"),
        ("stop_when_finished=ignore", "FAILED", "FAILED"),
        ("stop_rejection_error=InternalServerException", "FAILED", "InternalServerException"),
        ("stop_when_stop_requested=reject", "STOP_REQUESTED", "InvalidRequestException"),
    ],
)
def test_a_stop_in_each_status_answers_as_the_policy_says(setting, status, answer):
    kind = ANALYSIS_KINDS["key-phrases-detection-job"]
    service = service_for(kind, job_policy=JobPolicy.from_assignments([setting]))
    job_id = start(service, kind)
    route = {
        "STOPPED": ["start_processing", "stop", "finish_stop"],
        "FAILED": ["fail"],
        "STOP_REQUESTED": ["start_processing", "stop"],
    }.get(status, [])
    for step in route:
        if step == "stop":
            kind.call(service, "stop", job_id)
        else:
            service.fire(job_id, step)
    assert service.status(job_id) == status
    if not answer.endswith("Exception"):
        assert kind.call(service, "stop", job_id) == {"JobId": job_id, "JobStatus": answer}
        return
    with pytest.raises(ServiceError) as refused:
        kind.call(service, "stop", job_id)
    assert refused.value.code == answer
    assert service.status(job_id) == status  # a refused stop changes nothing


def test_lists_filter_and_page_and_tokens_are_idempotent():
    kind = ANALYSIS_KINDS["entities-detection-job"]
    service = service_for(kind)
    ids = [start(service, kind, f"batch-{i}") for i in range(5)]
    service.fire(ids[1], "start_processing")
    listed = kind.call(service, "list", Filter={"JobStatus": "IN_PROGRESS"})[kind.properties_list]
    assert [p["JobId"] for p in listed] == [ids[1]]
    named = kind.call(service, "list", Filter={"JobName": "batch-3"})[kind.properties_list]
    assert [p["JobId"] for p in named] == [ids[3]]
    pages, token = [], None
    while True:
        page = kind.call(service, "list", MaxResults=2, **({"NextToken": token} if token else {}))
        pages.append([p["JobId"] for p in page[kind.properties_list]])
        token = page.get("NextToken")
        if token is None:
            break
    assert pages == [ids[:2], ids[2:4], ids[4:]]
    with pytest.raises(ServiceError, match="at most one"):
        kind.call(service, "list", Filter={"JobName": "a", "JobStatus": "FAILED"})
    other = ANALYSIS_KINDS["sentiment-detection-job"]
    assert other.call(service, "list")[other.properties_list] == []
    request = {**kind.example_request("again", ROLE), "ClientRequestToken": "once"}
    first = kind.call(service, "create", **request)
    assert kind.call(service, "create", **request) == first
    with pytest.raises(ServiceError, match="already used"):
        kind.call(service, "create", **{**request, "JobName": "other"})


def test_a_fork_and_forget_keep_text_jobs_apart():
    kind = TRANSLATION
    service = service_for(kind)
    job_id = start(service, kind)
    twin = service.fork()
    twin.fire(job_id, "fail")
    assert (service.status(job_id), twin.status(job_id)) == (JobStatus.SUBMITTED, JobStatus.FAILED)
    with pytest.raises(ModelError, match="takes a finished job"):
        service.forget(job_id)
    twin.forget(job_id)
    assert twin.arns() == []
    assert service.arns() == [job_id]


# -- through boto3 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_real_boto3_client_meets_the_race(kind, monkeypatch):
    boto3 = pytest.importorskip("boto3", reason="the bridge needs the aws extra")
    from stoprace.model.bridge import attach  # noqa: PLC0415 - after the skip

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "unused")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "unused")
    client = boto3.client(kind.service, region_name=REGION)
    service = service_for(kind)
    attach(client, service)
    request = kind.example_request("through-boto3", ROLE)  # Translate's ClientToken: botocore fills it
    job_id = kind.call(client, "create", **request)["JobId"]
    service.fire(job_id, "start_processing")
    assert kind.call(client, "stop", job_id)["JobStatus"] == "STOP_REQUESTED"
    service.fire(job_id, "finish_stop")
    props = kind.call(client, "describe", job_id)[kind.properties]
    assert props["JobStatus"] == "STOPPED"
    assert props["EndTime"].tzinfo is not None
    if client.can_paginate(kind.method("list")):  # botocore has no paginator for some of them
        pages = client.get_paginator(kind.method("list")).paginate(PaginationConfig={"PageSize": 1})
    else:
        pages = [kind.call(client, "list", MaxResults=1)]
    assert [p["JobId"] for page in pages for p in page[kind.properties_list]] == [job_id]
    with pytest.raises(client.exceptions.ClientError) as missing:
        kind.call(client, "describe", "f" * 32)
    assert missing.value.response["Error"]["Code"] == kind.not_found


def test_every_text_trigger_is_the_services_own_or_a_stop():
    assert {e.trigger for e in JOB_EDGES if e.actor is Actor.API} == {"stop"}


# -- the diagram -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind", [ANALYSIS_KINDS["pii-entities-detection-job"], TRANSLATION], ids=lambda k: k.name
)
def test_the_diagram_draws_each_kinds_own_table(kind):
    from stoprace.model.diagram import Diagram  # noqa: PLC0415

    text = Diagram(resource=kind.name).mermaid()
    assert ("COMPLETED_WITH_ERROR" in text) == (kind is TRANSLATION)
    assert "STOP_REQUESTED --> COMPLETED: finish_processing [if processing began] RACE LOST" in text
    assert f"{kind.noun}: job lifecycle" in text
    dot = Diagram(resource=kind.name).dot()
    assert f"{kind.method('create')}()" in dot
    assert "completed after a stop" in dot
    stricter = Diagram(resource=kind.name, policy=JobPolicy(stop_when_submitted="reject")).mermaid()
    assert "SUBMITTED --> STOP_REQUESTED" in text
    assert "SUBMITTED --> STOP_REQUESTED" not in stricter
    with pytest.raises(TypeError, match="JobPolicy"):
        Diagram(resource=kind.name, policy=Policy(deletable="documented"))


def test_the_bridge_speaks_json_and_says_so_to_a_client_that_does_not():
    boto3 = pytest.importorskip("boto3", reason="the bridge needs the aws extra")
    from types import SimpleNamespace  # noqa: PLC0415

    from stoprace.model.bridge import attach  # noqa: PLC0415

    for name in ("comprehend", "translate"):  # what the installed botocore chooses
        model = boto3.client(name, region_name=REGION, aws_access_key_id="a", aws_secret_access_key="b").meta
        assert (
            getattr(model.service_model, "resolved_protocol", None) or model.service_model.protocol
        ) == "json"
    cbor = SimpleNamespace(
        meta=SimpleNamespace(
            service_model=SimpleNamespace(service_name="translate", protocol="smithy-rpc-v2-cbor"),
            events=object(),
        )
    )
    with pytest.raises(TypeError, match="speaks 'smithy-rpc-v2-cbor'; the bridge answers the JSON protocol"):
        attach(cbor, TranslateService(clock=ManualClock()))
