"""The exhaustive checker: what it finds in the model, and that it finds what is wrong in broken tables."""

from __future__ import annotations

import re

import pytest
from helpers import DOCUMENTED_STATUSES, ROOT

from stoprace.model import DEFAULT_POLICY, EDGES, Actor, Edge, Policy, Provenance
from stoprace.model.check import NO_TRAPS, SCENARIOS, check, explore
from stoprace.model.invariants import FINISHED_CHANGES, STOPPED_STAYS
from stoprace.model.lifecycle import HAS_TRAINED

STOPPED_TO_TRAINING = Edge("start_training", ("STOPPED",), "TRAINING", Actor.SERVICE, Provenance.ASSUMED, "x")


def test_default_policy_reaches_every_status_and_the_lost_race_but_never_stopped_to_trained():
    report = check([DEFAULT_POLICY], workers=1)
    assert report.ok, [str(v) for v in report.violations]
    summary = report.summary(DEFAULT_POLICY)
    assert summary["reachable_statuses"] == DOCUMENTED_STATUSES
    assert summary["race_lost_reachable"] is True
    assert summary["stopped_to_trained_reachable"] is False
    assert summary["trap_states"] == 0


@pytest.fixture(scope="module")
def exhaustive_report():
    """Every policy combination, searched: the suite's one exhaustive run (about a minute on two cores;
    pytest-xdist gives a module to one worker, so it runs once)."""
    return check()


@pytest.mark.slow
def test_every_policy_combination_holds_and_leaves_no_dead_row(exhaustive_report):
    expected = sum(1 for _ in Policy.combinations())
    assert len({r.policy for r in exhaustive_report.results}) == expected
    assert {r.scenario for r in exhaustive_report.results} == set(SCENARIOS)
    assert exhaustive_report.ok, [str(v) for v in exhaustive_report.violations[:5]]
    assert exhaustive_report.dead_rows == []
    assert exhaustive_report.summary()["reachable_statuses"] == DOCUMENTED_STATUSES
    assert not exhaustive_report.reachable("STOPPED", "TRAINED")


@pytest.mark.slow
def test_the_race_edge_is_reachable_under_every_policy(exhaustive_report):
    for result in exhaustive_report.results:
        assert ("finish_training", "STOP_REQUESTED", "TRAINED") in result.taken


@pytest.mark.slow
def test_the_check_example_is_what_the_command_prints(exhaustive_report, monkeypatch, capsys):
    from stoprace.sim.cli import main  # noqa: PLC0415

    def searched(policies, **_):  # the command asks for every combination: the suite's run is that search
        assert set(policies) == set(Policy.combinations())
        return exhaustive_report

    monkeypatch.setattr("stoprace.sim.cli.check.check", searched)
    match = re.search(
        r"^\$ stoprace check\n(.*?)^\.\.\.$", (ROOT / "docs" / "check.md").read_text(), re.M | re.S
    )
    assert match, "docs/check.md lost its check example"
    shown = match.group(1).splitlines()
    assert main(["check"]) == 0
    printed = capsys.readouterr().out.splitlines()
    seconds = re.compile(r"[\d.]+ s$")
    assert seconds.sub("", printed[0]) == seconds.sub("", shown[0])
    assert printed[1 : len(shown)] == shown[1:]


def test_name_reuse_reaches_resource_in_use_and_recreation():
    result = explore(DEFAULT_POLICY, "name_reuse")
    one = explore(DEFAULT_POLICY, "one_job")
    assert result.states > one.states
    assert not result.violations


def test_an_extra_edge_from_stopped_to_training_gets_the_shortest_counterexample():
    broken = (*EDGES, STOPPED_TO_TRAINING)
    report = check([DEFAULT_POLICY], edges=broken, scenarios=["one_job"], workers=1)
    assert not report.ok
    found = {v.property: v for v in report.violations}
    assert found[STOPPED_STAYS].trace == ("create", "stop", "finish_stop", "start_training")
    assert found[STOPPED_STAYS].detail == "STOPPED became TRAINING by start_training"
    assert found[FINISHED_CHANGES].trace == ("create", "stop", "finish_stop", "start_training")
    assert report.reachable("STOPPED", "TRAINING")


def test_an_extra_edge_is_found_under_the_policy_that_reaches_it():
    broken = (*EDGES, STOPPED_TO_TRAINING)
    policy = Policy(stop_when_submitted="reject")
    report = check([policy], edges=broken, scenarios=["one_job"], workers=1)
    found = {v.property: v for v in report.violations}
    assert found[STOPPED_STAYS].trace == ("create", "start_training", "stop", "finish_stop", "start_training")
    assert found[STOPPED_STAYS].policy == {"stop_when_submitted": "reject"}


def test_a_missing_finish_stop_traps_jobs_in_stop_requested():
    broken = tuple(e for e in EDGES if e.trigger != "finish_stop")
    report = check([DEFAULT_POLICY], edges=broken, scenarios=["one_job"], workers=1)
    traps = [v for v in report.violations if v.property == NO_TRAPS]
    assert len(traps) == 1
    assert traps[0].trace == ("create", "stop")
    assert traps[0].detail == "a STOP_REQUESTED job can never finish by itself"
    assert report.summary(DEFAULT_POLICY)["trap_states"] == 1


def test_a_missing_finish_stop_traps_nothing_when_submitted_jobs_cannot_be_stopped():
    broken = tuple(e for e in EDGES if e.trigger != "finish_stop")
    policy = Policy(stop_when_submitted="reject")
    report = check([policy], edges=broken, scenarios=["one_job"], workers=1)
    traps = [v for v in report.violations if v.property == NO_TRAPS]
    assert traps == []  # every STOP_REQUESTED job has trained, so finish_training still ends it


def test_a_row_no_configuration_can_take_is_reported_dead():
    unreachable = Edge(
        "fail_training", ("SUBMITTED",), "IN_ERROR", Actor.SERVICE, Provenance.ASSUMED, "x", guard=HAS_TRAINED
    )
    report = check([DEFAULT_POLICY], edges=(*EDGES, unreachable), workers=1)
    assert unreachable in report.dead_rows


def test_results_do_not_depend_on_the_number_of_workers():
    policies = list(Policy.combinations(["stop_when_submitted", "deletable"]))
    one = check(policies, workers=1).as_dict()
    two = check(policies, workers=2).as_dict()
    one.pop("seconds")
    two.pop("seconds")
    assert one == two


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown scenario"):
        check([DEFAULT_POLICY], scenarios=["three_jobs"])
    with pytest.raises(ValueError, match="workers must be at least 1"):
        check([DEFAULT_POLICY], workers=0)


def test_progress_is_reported():
    seen = []
    check(list(Policy.combinations(["deletable"])), workers=1, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 4)  # told at once, before the first search comes back
    assert seen[-1] == (4, 4)
