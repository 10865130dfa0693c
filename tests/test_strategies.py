"""The strategies generate what they promise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stoprace.model import ArnError, ComprehendService, ServiceError, Status, validate_arn, validate_name
from stoprace.model.kinds import KINDS, kind_of_arn
from stoprace.model.lifecycle import SERVICE_TRIGGERS
from stoprace.model.strategies import (
    create_requests,
    invalid_arns,
    invalid_create_requests,
    job_start_requests,
    list_filters,
    names,
    service_events,
    valid_arns,
)


@given(names())
def test_names_are_valid(name):
    assert validate_name(name) == name


@given(names(max_size=5))
def test_names_respect_max_size(name):
    assert 1 <= len(name) <= 5


KIND = pytest.mark.parametrize("kind", list(KINDS.values()), ids=list(KINDS))


@KIND
@given(data=st.data())
def test_valid_arns_are_valid(kind, data):
    arn = data.draw(valid_arns(kind=kind))
    assert validate_arn(arn, resource=kind.name) == arn
    assert kind_of_arn(arn) is kind


@given(valid_arns(region="eu-west-1", account="111122223333", versions=True))
def test_valid_arns_can_fix_their_parts(arn):
    assert arn.startswith("arn:aws")
    assert ":eu-west-1:111122223333:" in arn
    assert "/version/" in arn


@KIND
@given(data=st.data())
def test_invalid_arns_are_invalid(kind, data):
    value = data.draw(invalid_arns(kind))
    with pytest.raises(ArnError):
        validate_arn(value, resource=kind.name)


@KIND
@given(data=st.data())
def test_create_requests_are_accepted(kind, data):
    service = ComprehendService()
    arn = getattr(service, kind.method("create"))(**data.draw(create_requests(kind=kind)))[kind.arn_member]
    assert service.status(arn) == "SUBMITTED"
    assert kind_of_arn(arn) is kind


@KIND
@given(data=st.data())
def test_invalid_create_requests_are_refused_and_change_nothing(kind, data):
    service = ComprehendService()
    with pytest.raises(ServiceError):
        getattr(service, kind.method("create"))(**data.draw(invalid_create_requests(kind)))
    assert service.arns() == []


@KIND
@given(data=st.data())
def test_list_filters_are_accepted(kind, data):
    filter_ = data.draw(list_filters(kind=kind))
    service = ComprehendService()
    getattr(service, kind.method("list"))(**({"Filter": filter_} if filter_ is not None else {}))


@given(service_events())
def test_service_events_are_service_triggers(events):
    assert set(events) <= set(SERVICE_TRIGGERS)


@given(st.data())
def test_service_events_drive_a_job_without_breaking_it(data):
    service = ComprehendService()
    arn = service.create_document_classifier(**data.draw(create_requests()))["DocumentClassifierArn"]
    for trigger in data.draw(service_events()):
        if service.can_fire(arn, trigger):
            service.fire(arn, trigger)
            if trigger == "finish_delete":
                break
    assert arn not in service.arns() or service.status(arn) in set(Status)


@settings(max_examples=30, database=None)
@given(request=job_start_requests())
def test_every_drawn_job_start_is_accepted_by_its_kinds_service(request):
    from stoprace.model import ManualClock  # noqa: PLC0415
    from stoprace.model.analysis_kinds import TEXT_KINDS  # noqa: PLC0415
    from stoprace.model.service import ComprehendService, TranslateService  # noqa: PLC0415

    common = {"JobName", "DataAccessRoleArn", "InputDataConfig", "OutputDataConfig", "ClientRequestToken"}
    translate = "TargetLanguageCodes" in request
    kind = (
        TEXT_KINDS["text-translation-job"]
        if translate
        else next(
            k
            for k in TEXT_KINDS.values()
            if k.service == "comprehend" and set(k.example) == set(request) - common
        )
    )
    service = (TranslateService if translate else ComprehendService)(clock=ManualClock())
    answer = kind.call(service, "create", **request)
    assert answer["JobStatus"] == "SUBMITTED"
