import dataclasses
import gc
import weakref
from unittest import mock

import pytest
import transitions
from helpers import WALKS

from stoprace.model import (
    API_TRIGGERS,
    DEFAULT_POLICY,
    EDGES,
    SERVICE_TRIGGERS,
    STATES,
    Actor,
    InvalidTransitionError,
    ModelError,
    Policy,
    Provenance,
    Status,
    TrainingJob,
    enabled_edges,
)
from stoprace.model.job import machine_for
from stoprace.model.lifecycle import Edge


def edges_from(status: str, trigger: str, policy: Policy = DEFAULT_POLICY) -> list[Edge]:
    return [e for e in enabled_edges(policy) if e.trigger == trigger and status in e.source]


def job_in(status: str, policy: Policy = DEFAULT_POLICY) -> TrainingJob:
    job = TrainingJob(policy, at=0)
    for i, trigger in enumerate(WALKS[status], start=1):
        if trigger != "begin_billing" or job.can_fire(trigger):  # no provisioning under with_training
            job.fire(trigger, at=i * 10)
    return job


def test_trigger_names_are_the_agreed_ones():
    assert set(API_TRIGGERS) == {"stop", "delete"}
    assert set(SERVICE_TRIGGERS) == {
        "start_training",
        "begin_billing",
        "end_billing",
        "finish_training",
        "finish_training_with_warning",
        "fail_training",
        "finish_stop",
        "finish_delete",
    }


def test_every_edge_is_tagged_and_api_edges_are_api_triggers():
    for edge in EDGES:
        assert isinstance(edge.actor, Actor)
        assert isinstance(edge.provenance, Provenance)
        assert edge.evidence
        assert (edge.actor is Actor.API) == (edge.trigger in API_TRIGGERS)


def test_states_are_the_eight_statuses_and_the_deleted_pseudo_state():
    assert STATES[:8] == tuple(s.value for s in Status)
    assert STATES[8:] == ("DELETED",)


# --- the documented lifecycle (the documented facts) ------------------------------------------------


def test_a_new_job_is_submitted():
    job = TrainingJob(at=0)
    assert job.status is Status.SUBMITTED
    assert job.path == ["SUBMITTED"]


@pytest.mark.parametrize(
    ("trigger", "status"),
    [
        ("finish_training", Status.TRAINED),
        ("finish_training_with_warning", Status.TRAINED_WITH_WARNING),
        ("fail_training", Status.IN_ERROR),
    ],
)
def test_training_ends_trained_with_warning_or_in_error(trigger, status):
    job = job_in("TRAINING")
    job.fire(trigger, at=100)
    assert job.status is status


def test_stop_marks_a_training_job_stop_requested():
    job = job_in("TRAINING")
    job.fire("stop", at=50)
    assert job.status is Status.STOP_REQUESTED
    assert job.stop_requested_at == 50


def test_the_race_lost_a_stop_requested_job_can_end_trained():
    job = job_in("STOP_REQUESTED")
    job.fire("finish_training", at=99)
    assert job.status is Status.TRAINED
    assert job.race_lost
    assert job.path == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "TRAINED"]


def test_the_race_won_a_stop_requested_job_ends_stopped():
    job = job_in("STOP_REQUESTED")
    job.fire("finish_stop", at=99)
    assert job.status is Status.STOPPED
    assert not job.race_lost


def test_stopped_is_never_followed_by_training_or_trained():
    for trigger in SERVICE_TRIGGERS:
        assert not edges_from("STOPPED", trigger)
    job = job_in("STOPPED")
    for trigger in ("start_training", "finish_training", "finish_training_with_warning"):
        with pytest.raises(InvalidTransitionError):
            job.fire(trigger, at=1000)
    assert job.status is Status.STOPPED


@pytest.mark.parametrize("status", ["TRAINED", "IN_ERROR"])
def test_documented_terminal_states_are_deletable(status):
    for policy in Policy.combinations(["deletable"]):
        job = job_in(status, policy)
        job.fire("delete", at=500)
        assert job.status is Status.DELETING
        job.fire("finish_delete", at=600)
        assert job.deleted
        with pytest.raises(ModelError, match="deleted"):
            _ = job.status


# --- the undocumented choices (what AWS leaves open), under each policy alternative -----------------------


def test_stop_of_a_submitted_job_follows_the_policy():
    accept = job_in("SUBMITTED", Policy(stop_when_submitted="accept"))
    accept.fire("stop", at=1)
    assert accept.status is Status.STOP_REQUESTED
    accept.fire("finish_stop", at=2)
    assert accept.path == ["SUBMITTED", "STOP_REQUESTED", "STOPPED"]
    assert accept.training_start is None
    assert accept.training_end is None

    ignore = job_in("SUBMITTED", Policy(stop_when_submitted="ignore"))
    ignore.fire("stop", at=1)
    assert ignore.status is Status.SUBMITTED
    assert ignore.path == ["SUBMITTED"]

    reject = job_in("SUBMITTED", Policy(stop_when_submitted="reject"))
    with pytest.raises(InvalidTransitionError):
        reject.fire("stop", at=1)
    assert reject.status is Status.SUBMITTED


def test_a_job_stopped_before_training_cannot_complete_training():
    job = job_in("SUBMITTED")
    job.fire("stop", at=1)
    for trigger in ("finish_training", "finish_training_with_warning", "fail_training", "start_training"):
        assert not job.can_fire(trigger)
        with pytest.raises(InvalidTransitionError):
            job.fire(trigger, at=2)
    assert job.status is Status.STOP_REQUESTED
    assert job.can_fire("finish_stop")


def test_training_never_started_is_named_in_the_refusal():
    job = job_in("SUBMITTED")
    job.fire("stop", at=1)
    with pytest.raises(
        InvalidTransitionError,
        match=r"refused in STOP_REQUESTED \(its edge needs: billed training has begun\)",
    ):
        job.fire("finish_training", at=2)


@pytest.mark.parametrize("choice", ["ignore", "reject"])
def test_repeated_stop_follows_the_policy(choice):
    job = job_in("STOP_REQUESTED", Policy(stop_when_stop_requested=choice))
    if choice == "ignore":
        job.fire("stop", at=100)
    else:
        with pytest.raises(InvalidTransitionError):
            job.fire("stop", at=100)
    assert job.status is Status.STOP_REQUESTED
    assert job.stop_requested_at == 30  # the first request's time is kept (the walk's third step)


@pytest.mark.parametrize("status", ["TRAINED", "TRAINED_WITH_WARNING", "STOPPED", "IN_ERROR", "DELETING"])
@pytest.mark.parametrize("choice", ["ignore", "reject"])
def test_stop_of_a_finished_or_deleting_job_follows_the_policy(status, choice):
    job = job_in(status, Policy(stop_when_finished=choice))
    before = (list(job.path), job.end_time, job.training_end)
    if choice == "ignore":
        job.fire("stop", at=1000)
    else:
        with pytest.raises(InvalidTransitionError):
            job.fire("stop", at=1000)
    assert (list(job.path), job.end_time, job.training_end) == before


@pytest.mark.parametrize(
    ("trigger", "status"),
    [("finish_training_with_warning", Status.TRAINED_WITH_WARNING), ("fail_training", Status.IN_ERROR)],
)
def test_race_outcomes_policy(trigger, status):
    everything = job_in("STOP_REQUESTED", Policy(race_outcomes="all"))
    everything.fire(trigger, at=100)
    assert everything.status is status

    narrow = job_in("STOP_REQUESTED", Policy(race_outcomes="trained_or_stopped"))
    with pytest.raises(InvalidTransitionError):
        narrow.fire(trigger, at=100)
    narrow.fire("finish_training", at=100)
    assert narrow.status is Status.TRAINED


@pytest.mark.parametrize("status", ["TRAINED_WITH_WARNING", "STOPPED"])
def test_deletable_policy(status):
    job = job_in(status, Policy(deletable="finished"))
    job.fire("delete", at=1000)
    assert job.status is Status.DELETING
    strict = job_in(status, Policy(deletable="documented"))
    with pytest.raises(InvalidTransitionError):
        strict.fire("delete", at=1000)
    assert strict.status == status


@pytest.mark.parametrize("status", ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "DELETING"])
def test_unfinished_jobs_cannot_be_deleted(status):
    for policy in Policy.combinations(["deletable"]):
        assert not edges_from(status, "delete", policy)
        with pytest.raises(InvalidTransitionError):
            job_in(status, policy).fire("delete", at=1000)


# --- timestamps ---------------------------------------------------------------------------------------


def test_timestamps_of_a_trained_job():
    job = TrainingJob(at=0)
    job.fire("start_training", at=60)
    job.fire("begin_billing", at=120)
    job.fire("end_billing", at=3660)
    job.fire("finish_training", at=3725)
    assert (job.submit_time, job.training_start, job.training_end, job.end_time) == (0, 120, 3660, 3725)
    assert job.path == ["SUBMITTED", "TRAINING", "TRAINED"]  # the phases keep the status


def test_without_the_phases_training_is_billed_from_start_to_end():
    job = TrainingJob(Policy(billing_start="with_training", billing_end="with_end"), at=0)
    job.fire("start_training", at=60)
    for phase in ("begin_billing", "end_billing"):
        assert not job.can_fire(phase)
    job.fire("finish_training", at=3660)
    assert (job.submit_time, job.training_start, job.training_end, job.end_time) == (0, 60, 3660, 3660)


def test_training_that_was_never_billed_cannot_end():
    job = TrainingJob(at=0)
    job.fire("start_training", at=60)  # provisioning
    with pytest.raises(InvalidTransitionError, match="needs: billed training has begun"):
        job.fire("finish_training", at=100)
    assert job.training_start is None
    assert job.status is Status.TRAINING


def test_finalization_is_optional_and_stamps_are_set_once():
    job = job_in("TRAINING")
    job.fire("finish_training", at=500)  # no end_billing first: a finalization of no length
    assert job.training_end == job.end_time == 500
    twice = job_in("TRAINING")
    twice.fire("end_billing", at=400)
    with pytest.raises(InvalidTransitionError, match="needs: billed training has begun and not ended"):
        twice.fire("end_billing", at=450)
    twice.fire("finish_training", at=465)
    assert (twice.training_end, twice.end_time) == (400, 465)


def test_a_stop_during_finalization_saves_nothing_and_loses_the_race():
    job = job_in("TRAINING")
    job.fire("end_billing", at=1000)
    job.fire("stop", at=1010)
    assert job.status is Status.STOP_REQUESTED
    assert not job.can_fire("finish_stop")
    with pytest.raises(InvalidTransitionError, match="needs: billed training has not ended"):
        job.fire("finish_stop", at=1020)
    job.fire("finish_training", at=1065)
    assert job.race_lost
    assert (job.training_end, job.end_time) == (1000, 1065)


def test_a_stop_during_provisioning_can_save_the_whole_bill():
    job = TrainingJob(at=0)
    job.fire("start_training", at=60)
    job.fire("stop", at=90)
    job.fire("finish_stop", at=120)
    assert job.path == ["SUBMITTED", "TRAINING", "STOP_REQUESTED", "STOPPED"]
    assert (job.training_start, job.training_end, job.end_time) == (None, None, 120)


@pytest.mark.parametrize(("choice", "billed"), [("at_stopped", 30), ("at_stop_request", 0)])
def test_billing_that_begins_while_a_stop_is_pending_ends_with_the_stop(choice, billed):
    job = TrainingJob(Policy(stopped_training_end=choice), at=0)
    job.fire("start_training", at=60)
    job.fire("stop", at=80)
    job.fire("begin_billing", at=90)  # provisioning goes on while the stop is pending
    job.fire("finish_stop", at=120)
    assert job.training_end - job.training_start == billed  # never negative: billing began after the stop


def test_a_job_stopped_while_submitted_never_begins_billing():
    job = TrainingJob(at=0)
    job.fire("stop", at=10)
    assert not job.can_fire("begin_billing")
    with pytest.raises(InvalidTransitionError, match="needs: job is provisioning"):
        job.fire("begin_billing", at=20)


@pytest.mark.parametrize(("choice", "billed_end"), [("at_stopped", 200), ("at_stop_request", 100)])
def test_stopped_training_end_policy(choice, billed_end):
    job = TrainingJob(Policy(stopped_training_end=choice), at=0)
    job.fire("start_training", at=10)
    job.fire("begin_billing", at=10)
    job.fire("stop", at=100)
    job.fire("finish_stop", at=200)
    assert job.end_time == 200
    assert job.training_end == billed_end


def test_a_lost_race_bills_until_completion_under_every_policy():
    for policy in Policy.combinations(["stopped_training_end"]):
        job = TrainingJob(policy, at=0)
        job.fire("start_training", at=10)
        job.fire("begin_billing", at=10)
        job.fire("stop", at=100)
        job.fire("finish_training", at=150)
        assert job.training_end == job.end_time == 150


def test_failure_carries_a_message():
    job = job_in("TRAINING")
    job.fire("fail_training", at=100, message="no labels found")
    assert job.message == "no labels found"
    default = job_in("TRAINING")
    default.fire("fail_training", at=100)
    assert default.message == "Training failed."


def test_only_failure_and_warning_take_a_message():
    with pytest.raises(ModelError, match="takes no message"):
        job_in("TRAINING").fire("finish_training", at=1, message="x")


# --- refusals and the Machine ---------------------------------------------------------------------------


def test_unknown_trigger_is_refused_by_name():
    with pytest.raises(ModelError, match="unknown trigger 'explode'"):
        TrainingJob(at=0).fire("explode")


def test_a_trigger_without_an_edge_raises_and_changes_nothing():
    job = job_in("TRAINED")
    with pytest.raises(InvalidTransitionError, match="'start_training' has no edge from TRAINED") as err:
        job.fire("start_training", at=1)
    assert err.value.allowed_from == ("SUBMITTED",)
    assert job.path == ["SUBMITTED", "TRAINING", "TRAINED"]


def test_one_machine_per_policy_shared_by_every_job():
    policy = Policy(deletable="documented")
    machine = machine_for(policy)
    with mock.patch.object(transitions.Machine, "__init__", side_effect=AssertionError("built")) as init:
        jobs = [TrainingJob(policy, at=i) for i in range(100)]
        for job in jobs:
            job.fire("start_training", at=1)
    assert init.call_count == 0
    assert all(job._machine is machine for job in jobs)
    assert machine_for(policy) is machine
    assert machine_for(Policy()) is not machine


def test_the_shared_machine_holds_no_jobs():
    machine = machine_for(Policy())
    jobs = [TrainingJob(at=0) for _ in range(3)]
    jobs[0].fire("start_training", at=1)
    assert machine.models == []
    assert [j.state for j in jobs] == ["TRAINING", "SUBMITTED", "SUBMITTED"]


def test_a_table_with_two_edges_for_one_event_is_refused():
    twin = Edge("finish_training", ("TRAINING",), "STOPPED", Actor.SERVICE, Provenance.ASSUMED, "x")
    with pytest.raises(ModelError, match="two edges for trigger 'finish_training' from TRAINING"):
        machine_for(Policy(), (*EDGES, twin))


def test_a_table_naming_an_unknown_state_is_refused():
    bad = Edge("finish_training", ("TRAINING",), "DONE", Actor.SERVICE, Provenance.ASSUMED, "x")
    with pytest.raises(ModelError, match="unknown states"):
        machine_for(Policy(), (*EDGES[1:], bad))


def test_a_dropped_job_is_garbage_collected():
    job = TrainingJob(at=0)
    job.fire("start_training", at=1)
    ref = weakref.ref(job)
    del job
    gc.collect()
    assert ref() is None


# --- the vocabulary derived from the table -------------------------------------------------------------


def test_a_table_whose_endings_disagree_with_finished_is_refused():
    from stoprace.model.lifecycle import _check_vocabulary  # noqa: PLC0415 - the import-time check itself

    _check_vocabulary(EDGES)
    no_end = tuple(dataclasses.replace(e, stamps=()) if e.trigger == "finish_stop" else e for e in EDGES)
    with pytest.raises(ModelError, match="FINISHED must be"):
        _check_vocabulary(no_end)
    stuck = tuple(e for e in EDGES if e.trigger != "start_training")  # SUBMITTED could never finish
    with pytest.raises(ModelError, match="ACTIVE must be"):
        _check_vocabulary(stuck)


def test_the_stop_request_policy_decides_where_billing_of_a_stopped_job_ends():
    for policy, billed in ((Policy(), 250.0), (Policy(stopped_training_end="at_stop_request"), 100.0)):
        job = TrainingJob(policy, at=0.0)
        job.fire("start_training", at=50.0)
        job.fire("begin_billing", at=50.0)
        job.fire("stop", at=150.0)
        job.fire("finish_stop", at=300.0)
        assert (job.end_time, job.training_end - job.training_start) == (300.0, billed)


def test_a_job_stopped_before_training_gets_no_billed_interval():
    job = TrainingJob(at=0.0)
    job.fire("stop", at=10.0)
    step = job.fire("finish_stop", at=20.0)
    assert (step.source, step.dest) == ("STOP_REQUESTED", "STOPPED")
    assert (job.training_start, job.training_end, job.end_time) == (None, None, 20.0)


def test_firing_jobs_logs_nothing_at_info(caplog):
    # An application that logs at INFO must not get a line per transition from the transitions library.
    with caplog.at_level("INFO"):
        job = job_in("TRAINING")
        job.fire("finish_training", at=100)
    assert [r for r in caplog.records if r.name.startswith("transitions")] == []
