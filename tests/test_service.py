"""ComprehendService against the documented facts and the policy, through its boto3-shaped API only."""

from __future__ import annotations

import gc
import weakref
from datetime import UTC, datetime, timedelta

import pytest
from helpers import ACCOUNT, REGION, create_request, snapshot, walk
from hypothesis import given
from hypothesis import strategies as st

from stoprace.model import (
    EPOCH,
    ComprehendService,
    InternalServerException,
    InvalidFilterException,
    InvalidRequestException,
    InvalidTransitionError,
    ManualClock,
    ModelError,
    Policy,
    ResourceInUseException,
    ResourceLimitExceededException,
    ResourceNotFoundException,
    ServiceError,
    TooManyRequestsException,
    TooManyTagsException,
    UnsupportedLanguageException,
    ValidationException,
)

ARN_PREFIX = f"arn:aws:comprehend:{REGION}:{ACCOUNT}:document-classifier/"


def create(service: ComprehendService, name: str = "news", **overrides) -> str:
    return service.create_document_classifier(**create_request(name, **overrides))["DocumentClassifierArn"]


def props(service: ComprehendService, arn: str) -> dict:
    return service.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]


# --- the acceptance walk-through --------------------------------------------------------------------


def test_create_gives_a_submitted_job_with_the_documented_arn(service, clock):
    arn = create(service)
    assert arn == ARN_PREFIX + "news"
    p = props(service, arn)
    assert p["Status"] == "SUBMITTED"
    assert p["SubmitTime"] == clock()
    assert "TrainingStartTime" not in p
    assert "EndTime" not in p


def test_create_with_a_version_puts_it_in_the_arn(service):
    assert create(service, VersionName="v2") == ARN_PREFIX + "news/version/v2"


def test_the_lost_race_end_to_end(service, clock):
    arn = create(service)
    assert service.fire(arn, "start_training") == "TRAINING"
    assert "TrainingStartTime" not in props(service, arn)  # provisioning (evidence: provisioning)
    clock.advance(120)
    assert service.fire(arn, "begin_billing") == "TRAINING"
    assert props(service, arn)["TrainingStartTime"] == clock()
    clock.advance(3600)
    assert service.stop_training_document_classifier(DocumentClassifierArn=arn) == {}
    assert props(service, arn)["Status"] == "STOP_REQUESTED"
    clock.advance(30)
    service.fire(arn, "end_billing")  # billed training ended before the stop took effect
    billed_end = clock()
    clock.advance(65)
    service.fire(arn, "finish_training")
    p = props(service, arn)
    assert p["Status"] == "TRAINED"
    assert (p["TrainingEndTime"], p["EndTime"]) == (billed_end, clock())
    assert service.billed_training_seconds(arn) == 3630
    assert service.path(arn) == ("SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED")


def test_the_won_race_end_to_end(service, clock):
    arn = create(service)
    service.fire(arn, "start_training")
    service.fire(arn, "begin_billing")
    clock.advance(600)
    service.stop_training_document_classifier(DocumentClassifierArn=arn)
    clock.advance(45)
    service.fire(arn, "finish_stop")
    p = props(service, arn)
    assert p["Status"] == "STOPPED"
    assert p["EndTime"] == p["TrainingEndTime"] == clock()
    assert service.billed_training_seconds(arn) == 645


# --- stop: ARN validation ------------------------------------------------------------------------------


def test_stop_with_a_257_character_arn_is_invalid_and_changes_nothing(service):
    arn = create(service)
    service.fire(arn, "start_training")
    long_arn = ARN_PREFIX + "a" * (257 - len(ARN_PREFIX))
    assert len(long_arn) == 257
    before = snapshot(service)
    with pytest.raises(ValidationException, match="Member must have length less than or equal to 256") as err:
        service.stop_training_document_classifier(DocumentClassifierArn=long_arn)
    assert err.value.http_status == 400
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.operation_name == "StopTrainingDocumentClassifier"
    assert snapshot(service) == before


@pytest.mark.parametrize(
    "bad",
    [
        ARN_PREFIX + "news_1",
        ARN_PREFIX.replace(ACCOUNT, "12345") + "news",
        "news",
        "",
        ARN_PREFIX + "news/version/",
        42,
        None,
    ],
)
def test_stop_with_a_malformed_arn_is_invalid_and_changes_nothing(service, bad):
    arn = create(service)
    service.fire(arn, "start_training")
    before = snapshot(service)
    with pytest.raises(ValidationException, match="at 'documentClassifierArn' failed to satisfy") as err:
        service.stop_training_document_classifier(DocumentClassifierArn=bad)
    assert err.value.http_status == 400
    assert snapshot(service) == before


@pytest.mark.parametrize("operation", ["stop_training_document_classifier", "delete_document_classifier"])
def test_stop_and_delete_require_the_arn(service, operation):
    with pytest.raises(ValidationException, match=r"Value null at 'documentClassifierArn'.*must not be null"):
        getattr(service, operation)()
    with pytest.raises(ValidationException, match=r"at 'force'.*must be one of: DocumentClassifierArn"):
        getattr(service, operation)(DocumentClassifierArn=ARN_PREFIX + "x", Force=True)


def test_stop_of_a_well_formed_unknown_arn_is_not_found(service):
    arn = create(service)
    service.fire(arn, "start_training")
    before = snapshot(service)
    with pytest.raises(ResourceNotFoundException) as err:
        service.stop_training_document_classifier(DocumentClassifierArn=ARN_PREFIX + "other")
    assert err.value.http_status == 400
    assert err.value.message.startswith("The specified resource ARN was not found")
    assert snapshot(service) == before


def test_arns_of_another_account_or_region_are_not_found(service):
    create(service)
    for other in (ARN_PREFIX.replace(ACCOUNT, "999999999999"), ARN_PREFIX.replace(REGION, "us-east-1")):
        with pytest.raises(ResourceNotFoundException):
            service.stop_training_document_classifier(DocumentClassifierArn=other + "news")


def test_newer_arn_pattern_can_be_selected(make_service):
    seed, newer = make_service(), make_service(arn_pattern="newer")
    odd = "arn:aws:comprehend:us-east-1:aws:document-classifier/-odd"
    with pytest.raises(ValidationException):
        seed.stop_training_document_classifier(DocumentClassifierArn=odd)
    with pytest.raises(ResourceNotFoundException):
        newer.stop_training_document_classifier(DocumentClassifierArn=odd)


def test_botocore_status_convention_can_be_selected(make_service):
    service = make_service(http_statuses="botocore")
    with pytest.raises(ResourceNotFoundException) as err:
        service.describe_document_classifier(DocumentClassifierArn=ARN_PREFIX + "gone")
    assert err.value.http_status == 404
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


# --- stop in each of the 8 statuses, under each policy (the open questions, written out) ----------------

# (status, policy field that governs it or None) -> expected status after an accepted stop
STOP_EXPECTATIONS = {
    "SUBMITTED": ("stop_when_submitted", {"accept": "STOP_REQUESTED", "ignore": "SUBMITTED"}),
    "TRAINING": (None, {None: "STOP_REQUESTED"}),
    "STOP_REQUESTED": ("stop_when_stop_requested", {"ignore": "STOP_REQUESTED"}),
    "TRAINED": ("stop_when_finished", {"ignore": "TRAINED"}),
    "TRAINED_WITH_WARNING": ("stop_when_finished", {"ignore": "TRAINED_WITH_WARNING"}),
    "STOPPED": ("stop_when_finished", {"ignore": "STOPPED"}),
    "IN_ERROR": ("stop_when_finished", {"ignore": "IN_ERROR"}),
    "DELETING": ("stop_when_finished", {"ignore": "DELETING"}),
}


def _stop_cases():
    for status, (field, outcomes) in STOP_EXPECTATIONS.items():
        if field is None:
            yield status, Policy(), outcomes[None]
            continue
        for choice in Policy.__dataclass_fields__[field].metadata["choices"]:
            yield status, Policy(**{field: choice}), outcomes.get(choice)


@pytest.mark.parametrize(("status", "policy", "expected"), list(_stop_cases()))
def test_stop_in_each_status_follows_the_policy(make_service, clock, status, policy, expected):
    service = make_service(policy)
    arn = create(service)
    walk(service, arn, status, clock)
    before = snapshot(service)
    if expected is None:
        with pytest.raises(InvalidRequestException, match=f"is {status}"):
            service.stop_training_document_classifier(DocumentClassifierArn=arn)
        assert snapshot(service) == before
    else:
        assert service.stop_training_document_classifier(DocumentClassifierArn=arn) == {}
        assert props(service, arn)["Status"] == expected
        if expected == status:
            assert snapshot(service) == before


@pytest.mark.parametrize(
    "code", ["InvalidRequestException", "ResourceInUseException", "ResourceUnavailableException"]
)
def test_rejected_stop_error_is_selectable(make_service, code):
    service = make_service(Policy(stop_when_finished="reject", stop_rejection_error=code))
    arn = create(service)
    walk(service, arn, "TRAINED")
    with pytest.raises(ServiceError) as err:
        service.stop_training_document_classifier(DocumentClassifierArn=arn)
    assert err.value.code == code
    assert err.value.http_status == 400


def test_stop_of_a_deleted_job_is_not_found(service):
    arn = create(service)
    walk(service, arn, "DELETING")
    service.fire(arn, "finish_delete")
    with pytest.raises(ResourceNotFoundException):
        service.stop_training_document_classifier(DocumentClassifierArn=arn)


def test_stop_accepted_while_submitted_ends_stopped_without_training(service):
    arn = create(service)
    service.stop_training_document_classifier(DocumentClassifierArn=arn)
    with pytest.raises(InvalidTransitionError):
        service.fire(arn, "start_training")
    service.fire(arn, "finish_stop")
    p = props(service, arn)
    assert p["Status"] == "STOPPED"
    assert "TrainingStartTime" not in p
    assert "TrainingEndTime" not in p
    assert "EndTime" in p
    assert service.billed_training_seconds(arn) == 0


@pytest.mark.parametrize(("choice", "billed"), [("at_stopped", 700), ("at_stop_request", 600)])
def test_billing_of_a_stopped_job_follows_the_policy(make_service, clock, choice, billed):
    service = make_service(Policy(stopped_training_end=choice))
    arn = create(service)
    service.fire(arn, "start_training")
    service.fire(arn, "begin_billing")
    clock.advance(600)
    service.stop_training_document_classifier(DocumentClassifierArn=arn)
    clock.advance(100)
    service.fire(arn, "finish_stop")
    assert service.billed_training_seconds(arn) == billed
    p = props(service, arn)
    assert p["EndTime"] == clock()
    assert (p["TrainingEndTime"] - p["TrainingStartTime"]).total_seconds() == billed


def test_billing_accrues_while_training(service, clock):
    arn = create(service)
    assert service.billed_training_seconds(arn) == 0
    service.fire(arn, "start_training")
    clock.advance(60)
    assert service.billed_training_seconds(arn) == 0  # provisioning is not billed
    service.fire(arn, "begin_billing")
    clock.advance(120)
    assert service.billed_training_seconds(arn) == 120
    service.fire(arn, "end_billing")
    clock.advance(65)
    assert service.billed_training_seconds(arn) == 120  # nor is finalization


# --- describe -------------------------------------------------------------------------------------------


def test_describe_echoes_the_request_and_defaults_mode(service):
    arn = create(
        service,
        VersionName="v1",
        Mode="MULTI_LABEL",
        VpcConfig={"SecurityGroupIds": ["sg-1"], "Subnets": ["subnet-1"]},
    )
    p = props(service, arn)
    assert p["DocumentClassifierArn"] == arn
    assert p["LanguageCode"] == "en"
    assert p["VersionName"] == "v1"
    assert p["Mode"] == "MULTI_LABEL"
    assert p["InputDataConfig"] == {"DataFormat": "COMPREHEND_CSV", "S3Uri": "s3://training-bucket/news.csv"}
    assert p["OutputDataConfig"] == {}
    assert p["DataAccessRoleArn"].endswith(":role/comprehend-access")
    assert props(service, create(service, "plain"))["Mode"] == "MULTI_CLASS"


def test_describe_returns_copies(service):
    arn = create(service)
    p = props(service, arn)
    p["InputDataConfig"]["S3Uri"] = "s3://elsewhere/x"
    p["Status"] = "TRAINED"
    assert props(service, arn)["InputDataConfig"]["S3Uri"] == "s3://training-bucket/news.csv"
    assert props(service, arn)["Status"] == "SUBMITTED"


def test_timestamps_are_aware_datetimes_in_order(service, clock):
    arn = create(service)
    clock.advance(5)
    service.fire(arn, "start_training")
    clock.advance(5)
    service.fire(arn, "begin_billing")
    clock.advance(50)
    service.fire(arn, "end_billing")
    clock.advance(60)
    service.fire(arn, "finish_training_with_warning", message="few documents per label")
    p = props(service, arn)
    assert p["SubmitTime"] < p["TrainingStartTime"] < p["TrainingEndTime"] < p["EndTime"]
    assert all(p[k].tzinfo is not None for k in ("SubmitTime", "TrainingStartTime", "EndTime"))
    assert p["Message"] == "few documents per label"


def test_a_failed_job_reports_its_message(service):
    arn = create(service)
    walk(service, arn, "TRAINING")
    service.fire(arn, "fail_training", message="INTERNAL_ERROR: no labels")
    p = props(service, arn)
    assert (p["Status"], p["Message"]) == ("IN_ERROR", "INTERNAL_ERROR: no labels")


def test_describe_errors(service):
    with pytest.raises(ValidationException, match="Value null at 'documentClassifierArn'"):
        service.describe_document_classifier()
    with pytest.raises(ValidationException, match="at 'extra' failed"):
        service.describe_document_classifier(DocumentClassifierArn=ARN_PREFIX + "x", Extra=1)
    with pytest.raises(ResourceNotFoundException):
        service.describe_document_classifier(DocumentClassifierArn=ARN_PREFIX + "x")


# --- create ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "field", ["DocumentClassifierName", "DataAccessRoleArn", "InputDataConfig", "LanguageCode"]
)
def test_create_requires_each_required_field(service, field):
    request = create_request()
    del request[field]
    camel = field[0].lower() + field[1:]
    with pytest.raises(ValidationException, match=f"Value null at '{camel}'.*Member must not be null"):
        service.create_document_classifier(**request)
    assert service.arns() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"Bogus": 1}, "at 'bogus'.*Member must be one of: DocumentClassifierName"),
        ({"DocumentClassifierName": "a" * 64}, "'documentClassifierName'.*length less than or equal to 63"),
        ({"DocumentClassifierName": "bad_name"}, r"'bad_name' at 'documentClassifierName'.*pattern: \^"),
        ({"DocumentClassifierName": 7}, "at 'documentClassifierName'.*Member must be of type string"),
        ({"VersionName": "-v"}, "at 'versionName'.*regular expression pattern"),
        ({"DataAccessRoleArn": "arn:aws:iam::123:role/x"}, "at 'dataAccessRoleArn'.*regular expression"),
        ({"InputDataConfig": "s3://b/k"}, "at 'inputDataConfig'.*Member must be of type structure"),
        ({"InputDataConfig": {"S3Uri": "http://x"}}, "at 'inputDataConfig.s3Uri'.*pattern: s3://"),
        ({"InputDataConfig": {"S3Uri": "s3://bucket/k", "Color": 1}}, "at 'inputDataConfig.color'"),
        ({"LanguageCode": "xx"}, r"at 'languageCode'.*enum value set: \[en, es, fr"),
        ({"Mode": "MULTI"}, r"at 'mode'.*enum value set: \[MULTI_CLASS, MULTI_LABEL\]"),
        ({"ClientRequestToken": "not valid!"}, "at 'clientRequestToken'.*pattern"),
        ({"ClientRequestToken": "a" * 65}, "at 'clientRequestToken'.*less than or equal to 64"),
        ({"Tags": [{"Value": "x"}]}, "Value null at 'tags.1.member.key'.*must not be null"),
        ({"VpcConfig": {"Subnets": ["s"]}}, "Value null at 'vpcConfig.securityGroupIds'"),
    ],
)
def test_create_refuses_bad_input_naming_the_field(service, overrides, message):
    with pytest.raises(ValidationException, match=message):
        service.create_document_classifier(**create_request(**overrides))
    assert service.arns() == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"InputDataConfig": {}}, "S3Uri is required"),
        ({"InputDataConfig": {"DataFormat": "AUGMENTED_MANIFEST"}}, "AugmentedManifests is required"),
        ({"Tags": [{"Key": "a"}, {"Key": "a"}]}, "appears twice"),
    ],
)
def test_create_that_passes_validation_can_still_be_invalid(service, overrides, message):
    with pytest.raises(InvalidRequestException, match=message):
        service.create_document_classifier(**create_request(**overrides))
    assert service.arns() == []


def test_create_refuses_languages_custom_classification_lacks(service):
    with pytest.raises(UnsupportedLanguageException, match="'ja' is not supported"):
        service.create_document_classifier(**create_request(LanguageCode="ja"))
    for code in ("en", "es", "fr", "de", "it", "pt"):
        create(service, f"lang-{code}", LanguageCode=code)


def test_create_refuses_more_than_50_tags(service):
    tags = [{"Key": f"k{i}", "Value": "v"} for i in range(51)]
    with pytest.raises(TooManyTagsException, match="51 tags"):
        service.create_document_classifier(**create_request(Tags=tags))
    create(service, Tags=tags[:50])


def test_a_name_and_version_in_use_is_refused(service):
    arn = create(service)
    before = snapshot(service)
    with pytest.raises(ResourceInUseException, match="already exists"):
        create(service)
    assert snapshot(service) == before
    other = create(service, VersionName="v2")
    assert other != arn
    with pytest.raises(ResourceInUseException):
        create(service, VersionName="v2")


def test_a_name_is_free_again_once_its_delete_completes(service):
    arn = create(service)
    walk(service, arn, "DELETING")
    with pytest.raises(ResourceInUseException):
        create(service)
    service.fire(arn, "finish_delete")
    assert create(service) == arn
    assert props(service, arn)["Status"] == "SUBMITTED"


def test_same_token_same_parameters_gives_the_same_arn_and_no_new_job(service):
    first = create(service, ClientRequestToken="tok-1")
    service.fire(first, "start_training")
    again = create(service, ClientRequestToken="tok-1")
    assert again == first
    assert service.arns() == [first]
    assert props(service, first)["Status"] == "TRAINING"


def test_same_token_other_parameters_is_an_error(service):
    create(service, ClientRequestToken="tok-1")
    before = snapshot(service)
    with pytest.raises(InvalidRequestException, match="already used with different parameters"):
        create(service, "other", ClientRequestToken="tok-1")
    assert snapshot(service) == before


def test_token_can_be_ignored_by_policy(make_service):
    service = make_service(Policy(repeated_token="ignored"))
    create(service, ClientRequestToken="tok-1")
    with pytest.raises(ResourceInUseException):
        create(service, ClientRequestToken="tok-1")


def test_a_token_is_forgotten_with_its_job(service):
    arn = create(service, ClientRequestToken="tok-1")
    walk(service, arn, "DELETING")
    service.fire(arn, "finish_delete")
    assert create(service, "another", ClientRequestToken="tok-1") == ARN_PREFIX + "another"


def test_active_job_quota(make_service):
    service = make_service(max_active_jobs=2)
    a, _ = create(service, "a"), create(service, "b")
    with pytest.raises(ResourceLimitExceededException, match="quota is 2"):
        create(service, "c")
    walk(service, a, "TRAINED")
    create(service, "c")


# --- list -----------------------------------------------------------------------------------------------


def _all_pages(service, **params):
    seen, token = [], None
    while True:
        page = service.list_document_classifiers(**params, **({"NextToken": token} if token else {}))
        seen += [p["DocumentClassifierArn"] for p in page["DocumentClassifierPropertiesList"]]
        token = page.get("NextToken")
        if token is None:
            return seen


def test_list_defaults_to_100_per_page_and_paginates_every_job_once(service):
    arns = [create(service, f"job-{i}") for i in range(230)]
    first = service.list_document_classifiers()
    assert len(first["DocumentClassifierPropertiesList"]) == 100
    assert "NextToken" in first
    assert _all_pages(service) == arns
    assert _all_pages(service, MaxResults=7) == arns
    assert "NextToken" not in service.list_document_classifiers(MaxResults=500)


def test_pagination_survives_deletes_between_pages(service):
    arns = [create(service, f"job-{i}") for i in range(6)]
    page = service.list_document_classifiers(MaxResults=3)
    walk(service, arns[4], "DELETING")
    service.fire(arns[4], "finish_delete")
    rest = service.list_document_classifiers(MaxResults=3, NextToken=page["NextToken"])
    listed = [p["DocumentClassifierArn"] for p in rest["DocumentClassifierPropertiesList"]]
    assert listed == [arns[3], arns[5]]


@pytest.mark.parametrize(
    ("bad", "constraint"),
    [
        (0, "value greater than or equal to 1"),
        (501, "value less than or equal to 500"),
        (-1, "value greater than or equal to 1"),
        ("10", "type integer"),
        (True, "type integer"),
        (2.5, "type integer"),
    ],
)
def test_max_results_must_be_1_to_500(service, bad, constraint):
    expected = f"at 'maxResults' failed to satisfy constraint: Member must (have|be of) {constraint}"
    with pytest.raises(ValidationException, match=expected):
        service.list_document_classifiers(MaxResults=bad)


def test_list_filters_each_criterion(service, clock):
    a = create(service, "alpha")
    clock.advance(10)
    b = create(service, "beta")
    b2 = create(service, "beta", VersionName="v2")
    clock.advance(10)
    c = create(service, "gamma")
    walk(service, c, "TRAINING")
    middle = clock() - timedelta(seconds=15)

    def listed(flt):
        return _all_pages(service, Filter=flt)

    assert listed({"Status": "TRAINING"}) == [c]
    assert listed({"Status": "SUBMITTED"}) == [a, b, b2]
    assert listed({"DocumentClassifierName": "beta"}) == [b, b2]
    assert listed({"SubmitTimeBefore": middle}) == [a]
    assert listed({"SubmitTimeAfter": middle}) == [b, b2, c]
    naive = middle.replace(tzinfo=None)
    assert listed({"SubmitTimeAfter": naive}) == [b, b2, c]
    assert listed({"SubmitTimeAfter": middle.timestamp()}) == [b, b2, c]
    assert listed({"SubmitTimeAfter": middle.isoformat()}) == [b, b2, c]
    assert listed({}) == [a, b, b2, c]


@pytest.mark.parametrize(
    "flt",
    [
        {"Status": "TRAINING", "DocumentClassifierName": "x"},
        {"SubmitTimeBefore": datetime(2030, 1, 1, tzinfo=UTC), "SubmitTimeAfter": 0},
        {"SubmitTimeBefore": "yesterday"},
    ],
)
def test_bad_filters_are_invalid_filter(service, flt):
    with pytest.raises(InvalidFilterException):
        service.list_document_classifiers(Filter=flt)


@pytest.mark.parametrize(
    ("flt", "message"),
    [
        ({"Status": "FAILED"}, "Value 'FAILED' at 'filter.status'.*enum value set"),
        ({"Status": "TRAINED_WITH_WARNINGS"}, "at 'filter.status'.*enum value set"),
        ({"DocumentClassifierName": "bad_name"}, "at 'filter.documentClassifierName'.*pattern"),
        ({"Colour": "red"}, "at 'filter.colour'.*Member must be one of: Status, DocumentClassifierName"),
        ("TRAINING", "at 'filter'.*Member must be of type structure"),
    ],
)
def test_filters_that_break_the_model_are_refused_by_validation(service, flt, message):
    with pytest.raises(ValidationException, match=message):
        service.list_document_classifiers(Filter=flt)


def test_forged_or_stale_tokens_are_invalid(service):
    for i in range(5):
        create(service, f"job-{i}")
    token = service.list_document_classifiers(MaxResults=2)["NextToken"]
    payload = token.partition(".")[0]
    for forged in ("garbage", payload + ".0000", "x" + token, ".\x80", "é.é"):
        with pytest.raises(InvalidRequestException, match="NextToken"):
            service.list_document_classifiers(NextToken=forged)
    with pytest.raises(ValidationException, match=r"at 'nextToken'.*greater than or equal to 1"):
        service.list_document_classifiers(NextToken="")
    with pytest.raises(InvalidRequestException, match="different Filter"):
        service.list_document_classifiers(NextToken=token, Filter={"Status": "TRAINING"})
    other = ComprehendService(clock=service.clock, account_id="999999999999", region=REGION)
    with pytest.raises(InvalidRequestException, match="not a token this service issued"):
        other.list_document_classifiers(NextToken=token)


# --- delete ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["TRAINED", "IN_ERROR", "TRAINED_WITH_WARNING", "STOPPED"])
def test_delete_of_a_finished_job_goes_through_deleting(service, status):
    arn = create(service)
    walk(service, arn, status)
    assert service.delete_document_classifier(DocumentClassifierArn=arn) == {}
    assert props(service, arn)["Status"] == "DELETING"
    assert service.fire(arn, "finish_delete") is None
    with pytest.raises(ResourceNotFoundException):
        service.describe_document_classifier(DocumentClassifierArn=arn)
    assert arn not in _all_pages(service)


@pytest.mark.parametrize("status", ["TRAINED_WITH_WARNING", "STOPPED"])
def test_only_documented_statuses_are_deletable_under_the_strict_policy(make_service, status):
    service = make_service(Policy(deletable="documented"))
    arn = create(service)
    walk(service, arn, status)
    with pytest.raises(InvalidRequestException, match="accepted only in IN_ERROR, TRAINED under"):
        service.delete_document_classifier(DocumentClassifierArn=arn)
    assert props(service, arn)["Status"] == status


@pytest.mark.parametrize("status", ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "DELETING"])
@pytest.mark.parametrize("code", ["InvalidRequestException", "ResourceUnavailableException"])
def test_delete_of_an_unfinished_job_is_rejected_per_policy(make_service, status, code):
    service = make_service(Policy(delete_rejection_error=code))
    arn = create(service)
    walk(service, arn, status)
    before = snapshot(service)
    with pytest.raises(ServiceError) as err:
        service.delete_document_classifier(DocumentClassifierArn=arn)
    assert err.value.code == code
    assert snapshot(service) == before


def test_delete_of_an_unknown_or_malformed_arn(service):
    with pytest.raises(ResourceNotFoundException):
        service.delete_document_classifier(DocumentClassifierArn=ARN_PREFIX + "ghost")
    with pytest.raises(ValidationException):
        service.delete_document_classifier(DocumentClassifierArn="ghost")


# --- fire -----------------------------------------------------------------------------------------------


def test_fire_takes_only_service_triggers(service):
    arn = create(service)
    with pytest.raises(ModelError, match="API call"):
        service.fire(arn, "stop")
    with pytest.raises(ModelError, match="service triggers are"):
        service.fire(arn, "explode")
    with pytest.raises(ModelError, match="takes no details"):
        service.fire(arn, "start_training", message="x")
    with pytest.raises(ResourceNotFoundException):
        service.fire(ARN_PREFIX + "ghost", "start_training")


def test_fire_without_an_edge_changes_nothing(service):
    arn = create(service)
    before = snapshot(service)
    with pytest.raises(InvalidTransitionError, match="'finish_stop' has no edge from SUBMITTED"):
        service.fire(arn, "finish_stop")
    assert snapshot(service) == before
    assert service.can_fire(arn, "start_training")
    assert not service.can_fire(arn, "finish_stop")


# --- admission hook, constructor --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "status"), [(TooManyRequestsException, 400), (InternalServerException(), 500)]
)
def test_admission_can_refuse_any_call_which_then_changes_nothing(make_service, answer, status):
    calls = []
    refusing = False

    def admission(operation, params):
        calls.append((operation, dict(params)))
        return answer if refusing else None

    service = make_service(admission=admission)
    arn = create(service)
    service.fire(arn, "start_training")
    before = snapshot(service)
    refusing = True
    for call in (
        lambda: service.stop_training_document_classifier(DocumentClassifierArn=arn),
        lambda: create(service, "second"),
        lambda: service.delete_document_classifier(DocumentClassifierArn=arn),
        service.list_document_classifiers,
        lambda: service.describe_document_classifier(DocumentClassifierArn=arn),
    ):
        with pytest.raises(ServiceError) as err:
            call()
        assert err.value.code == answer.code
        assert err.value.http_status == status
        assert err.value.operation_name == calls[-1][0]
    refusing = False
    assert snapshot(service) == before
    assert ("StopTrainingDocumentClassifier", {"DocumentClassifierArn": arn}) in calls


def test_admission_is_not_consulted_for_the_services_own_progress(make_service):
    calls = []
    service = make_service(admission=lambda op, params: calls.append(op))
    arn = create(service)
    service.fire(arn, "start_training")
    assert calls == ["CreateDocumentClassifier"]


def test_admission_must_answer_none_or_an_error(make_service):
    service = make_service(admission=lambda op, params: "no")
    with pytest.raises(TypeError, match="admission hook must return None or a ServiceError"):
        service.list_document_classifiers()


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"account_id": "123"}, "12 digits"),
        ({"region": "us east"}, "region"),
        ({"partition": "azure"}, "partition"),
        ({"http_statuses": "http"}, "http_statuses"),
        ({"max_active_jobs": 0}, "max_active_jobs"),
        ({"arn_pattern": "loose"}, "loose"),
    ],
)
def test_constructor_refuses_bad_settings(kwargs, error):
    with pytest.raises(ValueError, match=error):
        ComprehendService(**kwargs)


def test_constructor_refuses_bad_types():
    with pytest.raises(TypeError, match="clock"):
        ComprehendService(clock="now")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="policy"):
        ComprehendService(policy={"deletable": "finished"})  # type: ignore[arg-type]


def test_a_naive_clock_is_refused_when_used():
    service = ComprehendService(clock=lambda: datetime(2025, 1, 1))
    with pytest.raises(TypeError, match="aware datetime"):
        service.create_document_classifier(**create_request())
    assert service.arns() == []


def test_a_dropped_service_and_its_jobs_are_garbage_collected():
    service = ComprehendService(clock=ManualClock())
    arn = create(service, "j0")
    service.fire(arn, "start_training")
    refs = [weakref.ref(service), weakref.ref(service._jobs[arn].job)]
    del service
    gc.collect()
    assert [r() for r in refs] == [None, None]


# --- a failed call changes nothing, whatever the junk ------------------------------------------------------

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=300),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
keys = st.sampled_from(
    [
        "DocumentClassifierArn",
        "DocumentClassifierName",
        "Filter",
        "MaxResults",
        "NextToken",
        "LanguageCode",
        "InputDataConfig",
        "DataAccessRoleArn",
        "VersionName",
        "Tags",
        "Mode",
        "Nope",
    ]
)


@given(
    operation=st.sampled_from(
        [
            "create_document_classifier",
            "describe_document_classifier",
            "list_document_classifiers",
            "stop_training_document_classifier",
            "delete_document_classifier",
        ]
    ),
    params=st.dictionaries(keys, junk, max_size=4),
)
def test_any_failed_call_changes_nothing(operation, params):
    clock = ManualClock()
    service = ComprehendService(clock=clock)
    arns = [
        service.create_document_classifier(**create_request(f"j{i}"))["DocumentClassifierArn"]
        for i in range(3)
    ]
    for arn, status in zip(arns, ("TRAINING", "TRAINED", "STOP_REQUESTED"), strict=True):
        walk(service, arn, status)
    before = snapshot(service)
    failure: ServiceError | None = None
    try:
        getattr(service, operation)(**params)
    except ServiceError as err:
        failure = err
    if failure is not None:
        assert failure.code in {
            "ValidationException",
            "InvalidRequestException",
            "InvalidFilterException",
            "ResourceNotFoundException",
            "UnsupportedLanguageException",
            "TooManyTagsException",
        }
        assert failure.operation_name
        assert snapshot(service) == before


# --- observers ---------------------------------------------------------------------------------------


def test_observers_are_told_every_change_and_call_in_order():
    clock = ManualClock()
    service = ComprehendService(clock=clock)
    told = []
    service.on_change(lambda c: told.append(("change", c.trigger, c.source, c.dest, c.time, dict(c.details))))
    service.on_call(
        lambda c: told.append(("call", c.operation, c.error, c.step and (c.step.source, c.step.dest)))
    )
    arn = create(service, "watched")
    clock.advance(60)
    service.fire(arn, "start_training")
    service.fire(arn, "begin_billing")  # a step that keeps the status is told too
    clock.advance(60)
    service.stop_training_document_classifier(DocumentClassifierArn=arn)
    service.stop_training_document_classifier(DocumentClassifierArn=arn)  # a repeat: accepted, no change
    clock.advance(60)
    service.fire(arn, "fail_training", message="out of memory")
    t = [EPOCH + timedelta(seconds=s) for s in (60, 120, 180)]
    assert told == [
        ("call", "CreateDocumentClassifier", None, None),
        ("change", "start_training", "SUBMITTED", "TRAINING", t[0], {}),
        ("change", "begin_billing", "TRAINING", "TRAINING", t[0], {}),
        ("change", "stop", "TRAINING", "STOP_REQUESTED", t[1], {}),
        ("call", "StopTrainingDocumentClassifier", None, ("TRAINING", "STOP_REQUESTED")),
        ("call", "StopTrainingDocumentClassifier", None, ("STOP_REQUESTED", None)),
        ("change", "fail_training", "STOP_REQUESTED", "IN_ERROR", t[2], {"message": "out of memory"}),
    ]


def test_a_refused_call_is_told_with_its_error_and_changes_nothing():
    service = ComprehendService(clock=ManualClock())
    changes, calls = [], []
    service.on_change(changes.append)
    service.on_call(calls.append)
    arn = create(service, "refused")
    with pytest.raises(InvalidRequestException):
        service.delete_document_classifier(DocumentClassifierArn=arn)  # a SUBMITTED job cannot be deleted
    with pytest.raises(InvalidTransitionError):
        service.fire(arn, "finish_stop")
    assert changes == []
    assert [(c.operation, c.error, c.step) for c in calls[1:]] == [
        ("DeleteDocumentClassifier", "InvalidRequestException", None)
    ]


def test_unsubscribed_observers_and_forks_hear_nothing():
    service = ComprehendService(clock=ManualClock())
    told = []
    unsubscribe = service.on_change(told.append)
    arn = create(service, "quiet")
    twin = service.fork()
    twin.fire(arn, "start_training")
    unsubscribe()
    service.fire(arn, "start_training")
    assert told == []
    with pytest.raises(TypeError, match="observer must be callable"):
        service.on_call("not a function")  # type: ignore[arg-type]


def test_an_arn_that_is_not_a_string_is_not_found_like_any_other(service):
    arn = create(service)
    for call in (lambda a: service.fire(a, "start_training"), service.status, service.path):
        with pytest.raises(ResourceNotFoundException):
            call([arn])
    assert service.status(arn) == "SUBMITTED"


# --- forget (for simulators) ----------------------------------------------------------------------------


def test_forget_drops_a_finished_job_without_a_call_or_a_change(service):
    arn, other = create(service), create(service, "other")
    walk(service, arn, "STOPPED")
    changes, calls = [], []
    service.on_change(changes.append)
    service.on_call(calls.append)
    service.forget(arn)
    assert service.arns() == [other]
    assert (changes, calls) == ([], [])
    with pytest.raises(ResourceNotFoundException):
        service.describe_document_classifier(DocumentClassifierArn=arn)


@pytest.mark.parametrize("status", ["SUBMITTED", "TRAINING", "STOP_REQUESTED"])
def test_forget_refuses_a_job_that_has_not_finished(service, status):
    arn = create(service)
    walk(service, arn, status)
    before = snapshot(service)
    with pytest.raises(ModelError, match=f"forget\\(\\) takes a finished job; .* is {status}"):
        service.forget(arn)
    assert snapshot(service) == before
    with pytest.raises(ResourceNotFoundException):
        service.forget(ARN_PREFIX + "ghost")


def test_a_member_given_as_none_is_absent(service):
    arn = service.create_document_classifier(**create_request(VersionName=None, Tags=None))[
        "DocumentClassifierArn"
    ]
    assert arn.endswith("document-classifier/news")  # no /version/ part
    assert service.list_document_classifiers(MaxResults=None, NextToken=None, Filter=None) == (
        service.list_document_classifiers()
    )
    assert service.list_document_classifier_summaries(MaxResults=None, NextToken=None) == (
        service.list_document_classifier_summaries()
    )
