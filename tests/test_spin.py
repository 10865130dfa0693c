"""A second opinion: the lifecycle as Promela (generated from the edge table), verified by SPIN, and the
broken tables the in-house checker is tested with failed by SPIN too, property by property, its trails
replaying through the model to the same violations."""

from __future__ import annotations

import itertools
import re

import pytest

from stoprace.model import (
    DEFAULT_POLICY,
    EDGES,
    SERVICE_TRIGGERS,
    Actor,
    Edge,
    Policy,
    Provenance,
    enabled_edges,
)
from stoprace.model.check import NO_TRAPS, SCENARIOS, check, replay
from stoprace.model.kinds import CLASSIFIER, KINDS
from stoprace.model.lifecycle import GUARDS
from stoprace.model.promela import PROPERTIES, promela, properties
from stoprace.model.promela_properties import SAME_AS, STRONGER
from stoprace.sim.cli import main
from stoprace.sim.spin import covering_policies, disagreements, missing, verify

needs_spin = pytest.mark.skipif(missing() is not None, reason=missing() or "")
REJECT = Policy(stop_when_submitted="reject")


def edge(trigger, source, dest):
    return Edge(trigger, (source,), dest, Actor.SERVICE, Provenance.ASSUMED, "a broken row")


STOPPED_TO_TRAINING = edge("start_training", "STOPPED", "TRAINING")
# The broken tables, and the properties SPIN must fail on each under the default policy and under
# stop_when_submitted=reject (a job can then be stopped only once it trains).
BROKEN = {
    "a stopped job trains again": (
        (*EDGES, STOPPED_TO_TRAINING),
        {"stopped_stays", "stop_never_back", "finished_changes", "timestamps"},
        {"stopped_stays", "stop_never_back", "finished_changes", "timestamps"},
    ),
    "a stop request is undone": (
        (*EDGES, edge("start_training", "STOP_REQUESTED", "TRAINING")),
        {"stop_never_back", "finishes"},  # and the job can go round stop, resume, stop forever
        {"stop_never_back", "finishes"},
    ),
    "the service stops a job by itself": (
        (*EDGES, edge("finish_stop", "TRAINING", "STOP_REQUESTED")),
        {"stop_requested_entry"},
        {"stop_requested_entry"},
    ),
    "no stop ever finishes": (
        tuple(e for e in EDGES if e.trigger != "finish_stop"),
        {"finishes"},  # a job stopped while SUBMITTED never trains, so nothing ends it
        set(),  # every stop-requested job has trained, so finish_training still ends it
    ),
}


def test_every_enabled_row_is_a_branch_a_reviewer_can_find():
    for policy in covering_policies():
        text = promela(policy)
        for row, e in enumerate(EDGES):
            present = all(f"/* row {row}: {e.trigger} {source} -> " in text for source in e.source)
            assert present == (e in enabled_edges(policy)), (row, e.trigger, policy.changes())
            for line in text.splitlines():
                if f"/* row {row}: " in line and e.guard is not None:
                    assert f"&& {e.guard} ->" in line  # the guard by the table's name for it
    used = {e.guard for e in EDGES if e.guard is not None}  # the guards of the training table
    assert used < set(GUARDS)
    assert all((f"#define {guard} " in promela()) == (guard in used) for guard in GUARDS)
    assert all(f"ltl {name} {{ {formula} }}" in promela() for name, formula in PROPERTIES.items())


def test_the_kinds_models_differ_only_in_the_comments_naming_the_resource(tmp_path, capsys):
    def code(text):  # Promela without its comments
        return re.sub(r"/\*.*?\*/", "", text, flags=re.S)

    for policy, scenario in itertools.product(covering_policies(), SCENARIOS):
        classifier, recognizer = (promela(policy, scenario=scenario, kind=kind) for kind in KINDS)
        assert classifier != recognizer
        assert code(classifier) == code(recognizer)
    out = tmp_path / "recognizer.pml"
    assert main(["export", "promela", "--resource", "entity-recognizer", "-o", str(out)]) == 0
    text = out.read_text()
    assert text == promela(kind="entity-recognizer")
    assert "entity-recognizer lifecycle" in text
    assert "StopTrainingEntityRecognizer" in text
    assert main(["export", "promela"]) == 0
    assert "document-classifier lifecycle" in capsys.readouterr().out


def test_the_model_changes_when_the_table_does():
    text = promela(edges=(*EDGES, STOPPED_TO_TRAINING))
    assert text != promela()
    assert f"/* row {len(EDGES)}: start_training STOPPED -> TRAINING (assumed) */" in text


def test_the_properties_follow_the_policy_and_scenario():
    assert "before == SUBMITTED" in properties()["stop_requested_entry"]
    assert "before == SUBMITTED" not in properties(policy=REJECT)["stop_requested_entry"]
    assert "ResourceInUseException" in properties(policy=Policy(stop_when_finished="reject"))["rejection"]
    only_reuse = {"create_submitted", "name_in_use", "name_free"}
    assert set(properties("name_reuse")) - set(properties()) == only_reuse
    assert set(properties("name_reuse")) == set(SAME_AS)


def test_the_covering_set_has_every_alternative_of_every_field():
    from stoprace.model import policy_fields  # noqa: PLC0415

    seen = {(f.name, getattr(p, f.name)) for p in covering_policies() for f in policy_fields()}
    assert seen == {(f.name, c) for f in policy_fields() for c in f.choices}


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["one_job", "name_reuse"])
def test_spin_verifies_the_default_and_covering_policies(scenario):
    total = seconds = 0.0
    for policy in covering_policies():
        result = verify(policy, scenario=scenario)
        failed = [(p.name, p.trail) for p in result.properties if not p.holds]
        assert result.ok, (policy.changes(), failed)
        assert [p.name for p in result.properties] == list(properties(scenario, policy))
        total += sum(p.states for p in result.properties)
        seconds += sum(p.seconds for p in result.properties)
    print(f"{scenario}: {len(covering_policies())} policies, {total:.0f} states stored, {seconds:.2f} s")


@needs_spin
@pytest.mark.parametrize("policy", [DEFAULT_POLICY, REJECT], ids=["default", "reject"])
@pytest.mark.parametrize("name", BROKEN)
def test_spin_fails_each_broken_table_as_the_in_house_checker_does(name, policy):
    edges, expected, expected_reject = BROKEN[name]
    spin = verify(policy, edges)
    failed = {p.name: p for p in spin.properties if not p.holds}
    assert set(failed) == (expected if policy is DEFAULT_POLICY else expected_reject)
    ours = check([policy], edges=edges, scenarios=["one_job"], workers=1).violations
    assert disagreements(spin, [v.property for v in ours]) == []
    shortest = {v.property: v for v in ours}
    for prop in set(failed) - STRONGER:
        # The trail, replayed through the model and judged as the in-house checker judges, shows the
        # very violation the in-house checker reports, by the same shortest steps.
        trail = ("create", *failed[prop].trail)
        replayed = {v.property: v for v in replay(trail, policy, "one_job", edges).violations}
        same = [
            s
            for s in SAME_AS[prop]
            if s in shortest
            and s in replayed
            and replayed[s].detail == shortest[s].detail
            and replayed[s].trace == shortest[s].trace == trail
        ]
        assert same, (prop, trail, {s: shortest.get(s) for s in SAME_AS[prop]})


@needs_spin
def test_a_trap_and_a_livelock_fail_finishes_with_trails_that_never_end_the_job():
    edges, _, _ = BROKEN["no stop ever finishes"]
    trapped = {p.name: p for p in verify(DEFAULT_POLICY, edges).properties}["finishes"]
    trapped_job = replay(("create", *trapped.trail), DEFAULT_POLICY, "one_job", edges)
    status = trapped_job.service.status(trapped_job.arn)
    assert status == "STOP_REQUESTED"
    assert not any(trapped_job.service.can_fire(trapped_job.arn, t) for t in SERVICE_TRIGGERS)  # trapped
    ours = [
        v
        for v in check(
            [DEFAULT_POLICY], edges=edges, scenarios=["one_job"], kinds=[CLASSIFIER.name], workers=1
        ).violations
        if v.property == NO_TRAPS
    ]
    assert [v.detail for v in ours] == [f"a {status} job can never finish by itself"]

    edges, _, _ = BROKEN["a stop request is undone"]
    looping = {p.name: p for p in verify(DEFAULT_POLICY, edges).properties}["finishes"]
    looped = replay(("create", *looping.trail), DEFAULT_POLICY, "one_job", edges)
    path = [str(s) for s in looped.service.path(looped.arn)]
    steps = list(itertools.pairwise(path))
    assert ("STOP_REQUESTED", "TRAINING") in steps
    assert ("TRAINING", "STOP_REQUESTED") in steps
    assert path[-1] in ("TRAINING", "STOP_REQUESTED")  # a cycle: the job never finishes


# Models that break one property each, by a wrong answer or effect the table cannot express: SPIN must
# fail that property alone (each property can fail).
MUTANTS = [
    (
        "rejection",
        "one_job",
        "last_call = InvalidRequestException  /* no edge: refused */",
        "last_call = ResourceNotFoundException  /* no edge: refused */",
    ),
    (
        "failed_call",
        "one_job",
        "step(DELETE); last_call = InvalidRequestException",
        "step(DELETE); SubmitTime = false; last_call = InvalidRequestException",
    ),
    (
        "name_in_use",
        "name_reuse",
        "step(CREATE); last_call = ResourceInUseException",
        "step(CREATE); last_call = InvalidRequestException",
    ),
    ("name_free", "name_reuse", "creates++; last_call = ACCEPTED", "creates++; last_call = NO_CHANGE"),
    ("create_submitted", "name_reuse", "step(CREATE); status = SUBMITTED", "step(CREATE); status = TRAINING"),
]


@needs_spin
@pytest.mark.parametrize(("prop", "scenario", "right", "wrong"), MUTANTS, ids=[m[0] for m in MUTANTS])
def test_each_call_property_fails_on_a_model_that_breaks_it(prop, scenario, right, wrong):
    source = promela(scenario=scenario)
    assert right in source
    result = verify(DEFAULT_POLICY, scenario=scenario, source=source.replace(right, wrong))
    assert [p.name for p in result.properties if not p.holds] == [prop]


@needs_spin
def test_check_with_spin_reports_agreement(capsys):
    assert main(["check", "--single", "--with-spin"]) == 0
    out = capsys.readouterr().out
    assert "the two checkers agree" in out
    for kind, scenario in itertools.product(KINDS, SCENARIOS):
        assert re.search(
            rf"default policy \({kind}, {scenario}\): SPIN holds, \d+ states, [\d.]+ s; in-house holds", out
        )
