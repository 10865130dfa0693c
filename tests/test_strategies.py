"""The strategies generate what they promise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stoprace.model import ArnError, ComprehendService, ServiceError, Status, validate_arn, validate_name
from stoprace.model.lifecycle import SERVICE_TRIGGERS
from stoprace.model.strategies import (
    create_requests,
    invalid_arns,
    invalid_create_requests,
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


@given(valid_arns())
def test_valid_arns_are_valid(arn):
    assert validate_arn(arn) == arn


@given(valid_arns(region="eu-west-1", account="111122223333", versions=True))
def test_valid_arns_can_fix_their_parts(arn):
    assert arn.startswith("arn:aws")
    assert ":eu-west-1:111122223333:" in arn
    assert "/version/" in arn


@given(invalid_arns())
def test_invalid_arns_are_invalid(value):
    with pytest.raises(ArnError):
        validate_arn(value)


@given(create_requests())
def test_create_requests_are_accepted(request):
    service = ComprehendService()
    arn = service.create_document_classifier(**request)["DocumentClassifierArn"]
    assert service.status(arn) == "SUBMITTED"


@given(invalid_create_requests())
def test_invalid_create_requests_are_refused_and_change_nothing(request):
    service = ComprehendService()
    with pytest.raises(ServiceError):
        service.create_document_classifier(**request)
    assert service.arns() == []


@given(list_filters())
def test_list_filters_are_accepted(filter_):
    service = ComprehendService()
    service.list_document_classifiers(**({"Filter": filter_} if filter_ is not None else {}))


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
