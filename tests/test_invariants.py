from datetime import UTC, datetime, timedelta

from stoprace.model import Policy
from stoprace.model.invariants import (
    BILLED,
    CREATE_SUBMITTED,
    FAILED_CALL,
    FINISHED_CHANGES,
    INVARIANTS,
    METADATA,
    NAME_FREE,
    NAME_IN_USE,
    OTHERS_UNCHANGED,
    REJECTION,
    STATUS,
    STOP_ANSWER,
    STOP_NEVER_BACK,
    STOP_REQUESTED_ENTRY,
    STOPPED_STAYS,
    TIMESTAMPS_ORDER,
    TIMESTAMPS_PRESENT,
    TOKEN_REUSE,
    check_properties,
    check_step,
)

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def trained_job(**changes):
    props = {
        "Status": "TRAINED",
        "SubmitTime": at(0),
        "TrainingStartTime": at(10),
        "TrainingEndTime": at(70),
        "EndTime": at(70),
        "ClassifierMetadata": {"NumberOfLabels": 3},
    }
    props.update(changes)
    return props


def names(findings):
    return [name for name, _ in findings]


def test_a_well_formed_trained_job_passes():
    assert check_properties(trained_job(), billed_seconds=60.0, trained=True) == []


def test_metadata_is_reported_by_a_trained_resource_of_either_kind_and_not_before():
    recognizer = trained_job(Status="TRAINED_WITH_WARNING")
    recognizer["RecognizerMetadata"] = recognizer.pop("ClassifierMetadata")
    assert check_properties(recognizer, billed_seconds=60.0, trained=True) == []
    bare = trained_job()
    del bare["ClassifierMetadata"]
    assert names(check_properties(bare, billed_seconds=60.0, trained=True)) == [METADATA]
    training = {"Status": "TRAINING", "SubmitTime": at(0), "RecognizerMetadata": {}}
    assert names(check_properties(training, billed_seconds=0.0, trained=True)) == [METADATA]
    # what a STOPPED or IN_ERROR resource reports is not recorded: either is accepted
    for status in ("STOPPED", "IN_ERROR"):
        assert METADATA not in names(
            check_properties(trained_job(Status=status), billed_seconds=60.0, trained=True)
        )


def test_unknown_status():
    assert names(check_properties({"Status": "FAILED"}, billed_seconds=0, trained=False)) == [STATUS]


def test_missing_and_extra_timestamps():
    no_end = trained_job()
    del no_end["EndTime"]
    assert TIMESTAMPS_PRESENT in names(check_properties(no_end, billed_seconds=60, trained=True))
    submitted = {"Status": "SUBMITTED", "SubmitTime": at(0), "EndTime": at(5)}
    assert names(check_properties(submitted, billed_seconds=0, trained=False)) == [TIMESTAMPS_PRESENT]


def test_a_trained_status_needs_training():
    assert TIMESTAMPS_PRESENT in names(check_properties(trained_job(), billed_seconds=60, trained=False))


def test_timestamps_out_of_order():
    late = trained_job(TrainingStartTime=at(80))
    assert TIMESTAMPS_ORDER in names(check_properties(late, billed_seconds=-10, trained=True))


def test_training_end_equals_end_except_for_early_billing_of_stopped_jobs():
    stopped = trained_job(Status="STOPPED", TrainingEndTime=at(50))
    billed = Policy(billing_end="with_end")  # billing ends with the job
    found = check_properties(stopped, billed_seconds=40, trained=True, policy=billed)
    assert TIMESTAMPS_ORDER in names(found)
    policy = Policy(stopped_training_end="at_stop_request", billing_end="with_end")
    assert check_properties(stopped, billed_seconds=40, trained=True, policy=policy) == []


def test_a_finalization_ends_billing_before_the_job_and_may_be_seen_while_training():
    trained = trained_job(TrainingEndTime=at(50))
    assert check_properties(trained, billed_seconds=40, trained=True) == []
    finalizing = {k: v for k, v in trained.items() if k not in ("EndTime", "ClassifierMetadata")}
    finalizing["Status"] = "TRAINING"
    assert check_properties(finalizing, billed_seconds=40, trained=True) == []
    billed = Policy(billing_end="with_end")
    found = check_properties(finalizing, billed_seconds=40, trained=True, policy=billed)
    assert TIMESTAMPS_PRESENT in names(found)


def test_provisioning_leaves_a_training_or_stopped_job_without_a_start_but_not_a_trained_one():
    provisioning = {"Status": "TRAINING", "SubmitTime": at(0)}
    assert check_properties(provisioning, billed_seconds=0, trained=True) == []
    stopped = {"Status": "STOPPED", "SubmitTime": at(0), "EndTime": at(5)}
    assert check_properties(stopped, billed_seconds=0, trained=True) == []
    trained = {"Status": "TRAINED", "SubmitTime": at(0), "EndTime": at(5)}
    assert TIMESTAMPS_PRESENT in names(check_properties(trained, billed_seconds=0, trained=True))
    billed = Policy(billing_start="with_training")
    found = check_properties(provisioning, billed_seconds=0, trained=True, policy=billed)
    assert TIMESTAMPS_PRESENT in names(found)


def test_billing_must_match_the_training_interval_and_never_be_negative():
    assert names(check_properties(trained_job(), billed_seconds=61, trained=True)) == [BILLED]
    never = {"Status": "STOPPED", "SubmitTime": at(0), "EndTime": at(5)}
    assert names(check_properties(never, billed_seconds=3, trained=False)) == [BILLED]
    assert BILLED in names(check_properties(never, billed_seconds=-1, trained=False))


def step(action, old, new, *, result=None, error=None, policy=Policy(), reuse=None):  # noqa: B008
    before = None if old is None else {"Status": old}
    after = None if new is None else {"Status": new}
    findings = check_step(action, before, after, result=result, error=error, policy=policy, token_reuse=reuse)
    return names(findings)


def test_step_properties_each_catch_their_violation():
    assert STOPPED_STAYS in step("start_training", "STOPPED", "TRAINING")
    assert STOPPED_STAYS in step("finish_training", "STOPPED", "TRAINED")
    assert STOP_NEVER_BACK in step("start_training", "STOP_REQUESTED", "TRAINING")
    assert STOP_NEVER_BACK in step("start_training", "STOPPED", "TRAINING")
    assert STOP_NEVER_BACK not in step("start_training", "SUBMITTED", "TRAINING")
    assert FINISHED_CHANGES in step("fail_training", "TRAINED", "IN_ERROR")
    assert step("delete", "TRAINED", "DELETING", result={}) == []
    assert STOP_REQUESTED_ENTRY in step("start_training", "SUBMITTED", "STOP_REQUESTED")
    assert STOP_REQUESTED_ENTRY in step(
        "stop", "SUBMITTED", "STOP_REQUESTED", policy=Policy(stop_when_submitted="ignore"), result={}
    )
    assert step("stop", "SUBMITTED", "STOP_REQUESTED", result={}) == []
    assert STOP_ANSWER in step("stop", "TRAINING", "STOP_REQUESTED", result={"ok": True})
    assert FAILED_CALL in step("delete", "TRAINING", "DELETING", error="InvalidRequestException")
    assert OTHERS_UNCHANGED in step("other", "TRAINING", "TRAINED")
    assert step("other", "TRAINING", "TRAINING") == []
    assert CREATE_SUBMITTED in step("create", None, "TRAINING", result={})
    assert NAME_FREE in step("create", None, None, error="ResourceInUseException")
    assert NAME_IN_USE in step("create", "TRAINED", "TRAINED", result={})
    assert step("create", "TRAINED", "TRAINED", error="ResourceInUseException") == []
    assert step("create", "TRAINED", "TRAINED", result={}, reuse="same") == []
    assert TOKEN_REUSE in step("create", "TRAINED", "TRAINED", error="ResourceInUseException", reuse="same")
    assert step("create", "TRAINED", "TRAINED", error="InvalidRequestException", reuse="different") == []
    assert TOKEN_REUSE in step("create", None, "SUBMITTED", result={}, reuse="different")
    assert NAME_IN_USE in step(
        "create", "TRAINED", "TRAINED", result={}, reuse="same", policy=Policy(repeated_token="ignored")
    )
    assert REJECTION in step(
        "stop",
        "TRAINED",
        "TRAINED",
        error="ResourceInUseException",
        policy=Policy(stop_when_finished="reject"),
    )


def test_every_property_is_named_once():
    assert len(INVARIANTS) == len(set(INVARIANTS))
