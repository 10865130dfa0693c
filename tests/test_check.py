"""The exhaustive checker: what it finds in the model, and that it finds what is wrong in broken tables."""

from __future__ import annotations

import gc
import json
import re

import pytest
from helpers import DOCUMENTED_STATUSES, ROOT

from stoprace.model import DEFAULT_POLICY, EDGES, Actor, Edge, Policy, Provenance
from stoprace.model.catalog import Record
from stoprace.model.check import NO_TRAPS, SCENARIOS, check, explore
from stoprace.model.invariants import FINISHED_CHANGES, METADATA, STOPPED_STAYS
from stoprace.model.kinds import CLASSIFIER, KINDS
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
    """Every policy combination searched for a classifier: the suite's one exhaustive run (pytest-xdist
    gives a module to one worker, so it runs once, in that worker's process). A recognizer goes through
    the same lifecycle and differs only in its operations, requests and responses, which no policy
    touches: the suite searches it under the pairwise covering array, where its searches find what a
    classifier's do step for step (below). `stoprace check` searches both kinds exhaustively."""
    return check(kinds=[CLASSIFIER.name], workers=1)


@pytest.mark.slow
def test_every_policy_combination_holds_and_leaves_no_dead_row(exhaustive_report):
    expected = sum(1 for _ in Policy.combinations())
    assert len({r.policy for r in exhaustive_report.results}) == expected
    assert {r.scenario for r in exhaustive_report.results} == set(SCENARIOS)
    assert {r.kind for r in exhaustive_report.results} == {CLASSIFIER.name}
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

    def searched(policies, kinds, **_):  # the command asks for every combination, of every kind
        assert set(policies) == set(Policy.combinations())
        assert tuple(kinds) == tuple(KINDS)
        return exhaustive_report  # the classifier's half of that search

    monkeypatch.setattr("stoprace.sim.cli.check.check", searched)
    match = re.search(
        r"^\$ stoprace check\n(.*?)^\.\.\.$", (ROOT / "docs" / "check.md").read_text(), re.M | re.S
    )
    assert match, "docs/check.md lost its check example"
    shown = match.group(1).splitlines()
    assert main(["check"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[1 : len(shown)] == shown[1:]
    # The header counts both kinds: twice the classifier's, as the kinds' searches are the same step for
    # step (test_the_kinds_share_the_lifecycle_...).
    one = exhaustive_report.as_dict()
    kinds = ", ".join(KINDS)
    assert re.fullmatch(
        rf"checked 4608 policies x 2 scenarios \(name_reuse, one_job\) x {len(KINDS)} kinds \({kinds}\): "
        rf"{len(KINDS) * one['states']} configurations, {len(KINDS) * one['steps']} steps, [\d.]+ s",
        shown[0],
    ), shown[0]


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
    assert sorted(v.kind for v in traps) == sorted(KINDS)  # one a kind: the kinds share the table
    for trap in traps:
        assert trap.trace == ("create", "stop")
        assert trap.detail == "a STOP_REQUESTED job can never finish by itself"
    assert report.summary(DEFAULT_POLICY)["trap_states"] == len(KINDS)


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
    with pytest.raises(ValueError, match="no resource kind 'endpoint'"):
        check([DEFAULT_POLICY], kinds=["endpoint"])
    with pytest.raises(ValueError, match="at least one scenario"):
        check([DEFAULT_POLICY], scenarios=[])
    with pytest.raises(ValueError, match="one kind"):
        check([DEFAULT_POLICY], kinds=[])


def test_progress_is_reported():
    seen = []
    check(list(Policy.combinations(["deletable"])), workers=1, progress=lambda d, t: seen.append((d, t)))
    assert seen[0] == (0, 4)  # told at once, before the first search comes back
    assert seen[-1] == (4, 4)


def _found(result):
    """What a search reports, but for how many steps it took."""
    violations = [(v.property, v.trace, v.detail, v.kind, v.scenario) for v in result.violations]
    seen = (result.states, result.taken, result.statuses)
    return result.kind, result.scenario, result.policy, seen, violations


@pytest.mark.parametrize("table", ["ours", "broken"])
def test_one_search_serving_both_scenarios_finds_what_a_search_for_each_finds(table):
    edges = EDGES if table == "ours" else (*EDGES, STOPPED_TO_TRAINING)
    policies = Policy.pairwise()
    together = check(policies, edges=edges, workers=1).results
    apart = [
        explore(policy, scenario, edges, kind)
        for policy in policies
        for kind in KINDS
        for scenario in SCENARIOS
    ]
    assert [(_found(r), r.steps) for r in together] == [(_found(r), r.steps) for r in apart]
    assert table == "ours" or any(r.violations for r in together)


def test_leaving_out_the_events_a_job_cannot_take_changes_nothing_found(monkeypatch):
    policies = Policy.pairwise()
    lean = check(policies, workers=1)
    monkeypatch.setattr("stoprace.model.check._can_happen", lambda *_: True)  # try every event everywhere
    every = check(policies, workers=1)
    assert [_found(r) for r in lean.results] == [_found(r) for r in every.results]
    assert sum(r.steps for r in every.results) > 2 * sum(r.steps for r in lean.results)


def test_the_kinds_share_the_lifecycle_and_each_is_judged_through_its_own_responses(monkeypatch):
    report = check(Policy.pairwise(), workers=1)
    assert report.ok
    by_kind = {kind: [r for r in report.results if r.kind == kind] for kind in KINDS}
    classifier, recognizer = by_kind.values()
    for ours, theirs in zip(classifier, recognizer, strict=True):
        assert (ours.policy, ours.scenario) == (theirs.policy, theirs.scenario)
        assert (ours.states, ours.steps, ours.taken, ours.statuses) == (
            theirs.states,
            theirs.steps,
            theirs.taken,
            theirs.statuses,
        )
        assert ("finish_training", "STOP_REQUESTED", "TRAINED") in theirs.taken
    real = Record.properties

    def without_recognizer_metadata(record, fresh=True):
        props = real(record, fresh)
        props.pop("RecognizerMetadata", None)
        return props

    monkeypatch.setattr(Record, "properties", without_recognizer_metadata)
    report = check([DEFAULT_POLICY], scenarios=["one_job"], workers=1)
    assert {(v.kind, v.property) for v in report.violations} == {("entity-recognizer", METADATA)}
    trained = ("create", "start_training", "begin_billing", "finish_training")  # the shortest way to a model
    assert report.violations[0].trace == trained


def test_the_search_leaves_nothing_for_the_garbage_collector():
    # Each refused call once left a reference cycle (the error, its frames, transitions' EventData):
    # 2,404 objects for this search's 182 steps, a third of the exhaustive check's time collecting them.
    gc.collect()
    gc.disable()
    try:
        result = explore(DEFAULT_POLICY, "name_reuse", kind="entity-recognizer")
        assert result.steps > 100
        assert gc.collect() < result.steps
    finally:
        gc.enable()


def test_the_command_checks_every_kind_unless_told_one(capsys):
    from stoprace.sim.cli import main  # noqa: PLC0415

    assert main(["check", "--single", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["kinds"] == sorted(KINDS)
    assert main(["check", "--single", "--json", "--resource", "entity-recognizer"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["kinds"] == ["entity-recognizer"]
    assert report["ok"]
