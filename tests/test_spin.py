"""A second opinion: the lifecycle as Promela (generated from the edge table), verified by SPIN, and the
broken tables the in-house checker is tested with failed by SPIN too, its trails replaying through the
model to the same violations."""

from __future__ import annotations

import re

import pytest

from model import DEFAULT_POLICY, EDGES, SERVICE_TRIGGERS, Actor, Edge, Provenance, enabled_edges
from model.check import NO_TRAPS, check
from model.invariants import STOPPED_STAYS
from model.promela import PROPERTIES, promela
from sim.cli import main
from sim.spin import covering_policies, missing, replay, verify

needs_spin = pytest.mark.skipif(missing() is not None, reason=missing() or "")
STOPPED_TO_TRAINING = Edge("start_training", ("STOPPED",), "TRAINING", Actor.SERVICE, Provenance.ASSUMED, "x")
NO_FINISH_STOP = tuple(e for e in EDGES if e.trigger != "finish_stop")


def test_every_enabled_row_is_a_branch_a_reviewer_can_find():
    for policy in covering_policies():
        text = promela(policy)
        for row, edge in enumerate(EDGES):
            present = all(f"/* row {row}: {edge.trigger} {source} -> " in text for source in edge.source)
            assert present == (edge in enabled_edges(policy)), (row, edge.trigger, policy.changes())
    assert all(f"ltl {name} {{ {formula} }}" in promela() for name, formula in PROPERTIES.items())


def test_the_model_changes_when_the_table_does():
    text = promela(edges=(*EDGES, STOPPED_TO_TRAINING))
    assert text != promela()
    assert f"/* row {len(EDGES)}: start_training STOPPED -> TRAINING (assumed) */" in text


def test_the_covering_set_has_every_alternative_of_every_field():
    from model import policy_fields  # noqa: PLC0415

    seen = {(f.name, getattr(p, f.name)) for p in covering_policies() for f in policy_fields()}
    assert seen == {(f.name, c) for f in policy_fields() for c in f.choices}


@needs_spin
@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["one_job", "name_reuse"])
def test_spin_verifies_the_default_and_covering_policies(scenario):
    total = 0
    for policy in covering_policies():
        result = verify(policy, scenario=scenario)
        failed = [(p.name, p.trail) for p in result.properties if not p.holds]
        assert result.ok, (policy.changes(), failed)
        total += sum(p.states for p in result.properties)
    print(f"{scenario}: {len(covering_policies())} policies, {total} states stored in all")


@needs_spin
def test_an_extra_edge_from_stopped_fails_under_spin_as_under_the_in_house_checker():
    broken = (*EDGES, STOPPED_TO_TRAINING)
    spin = {p.name: p for p in verify(DEFAULT_POLICY, broken).properties}
    assert not spin["stopped_stays"].holds
    assert spin["finishes"].holds
    ours = {v.property: v for v in check([DEFAULT_POLICY], edges=broken, scenarios=["one_job"], workers=1)
            .violations}[STOPPED_STAYS]
    assert ("create", *spin["stopped_stays"].trail) == ours.trace  # the same steps
    (job,) = replay(spin["stopped_stays"].trail, DEFAULT_POLICY, broken)
    steps = list(zip(job.path, job.path[1:], strict=False))
    assert ("STOPPED", "TRAINING") in steps
    assert ours.detail == "STOPPED became TRAINING by start_training"


@needs_spin
def test_a_missing_finish_stop_traps_the_job_under_spin_as_under_the_in_house_checker():
    spin = {p.name: p for p in verify(DEFAULT_POLICY, NO_FINISH_STOP).properties}
    assert not spin["finishes"].holds
    assert spin["stopped_stays"].holds
    assert spin["stop_never_back"].holds
    (job,) = replay(spin["finishes"].trail, DEFAULT_POLICY, NO_FINISH_STOP)
    assert job.status == "STOP_REQUESTED"
    assert not any(job.can_fire(t) for t in SERVICE_TRIGGERS)  # trapped: the same violation
    ours = [v for v in check([DEFAULT_POLICY], edges=NO_FINISH_STOP, scenarios=["one_job"], workers=1)
            .violations if v.property == NO_TRAPS]
    assert [v.detail for v in ours] == [f"a {job.status} job can never finish by itself"]


@needs_spin
def test_check_with_spin_reports_agreement(capsys):
    assert main(["check", "--single", "--with-spin"]) == 0
    out = capsys.readouterr().out
    assert "the two checkers agree" in out
    assert re.search(r"default policy \(one_job\): SPIN holds, \d+ states; in-house holds", out)
