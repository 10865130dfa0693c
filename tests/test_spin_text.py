"""SPIN's second opinion on the jobs that process text: the Promela model generated from their table,
its properties written from the evidence, the verdicts the same as the in-house search's."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from stoprace.model.analysis import edges_for
from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.check_text import check_text
from stoprace.model.policy import JobPolicy
from stoprace.model.promela_text import SAME_AS, promela_text, text_properties
from stoprace.sim.spin import missing, verify

pytestmark = pytest.mark.skipif(missing() is not None, reason=str(missing()))
KIND = "events-detection-job"
STATUSES = TEXT_KINDS[KIND].statuses


def _spin(policy, edges=None):
    source = promela_text(policy, kind=KIND, edges=edges)
    return verify(policy, source=source, kind=KIND, formulas=text_properties(policy, STATUSES))


@pytest.mark.parametrize(
    "policy", [JobPolicy(), JobPolicy(stop_when_submitted="reject", stop_when_finished="ignore")]
)
def test_spin_holds_every_property_and_agrees_with_the_search(policy):
    result = _spin(policy)
    assert result.ok, [p.name for p in result.properties if not p.holds]
    assert {p.name for p in result.properties} == set(text_properties(policy, STATUSES))
    assert check_text([policy], kinds=[KIND]).ok


def test_spin_and_the_search_both_catch_a_broken_table():
    unguarded = tuple(replace(e, guard=None) if e.guard else e for e in edges_for(STATUSES))
    result = _spin(JobPolicy(), unguarded)
    failed = {p.name: p.trail for p in result.properties if not p.holds}
    assert set(failed) == {"not_started"}
    assert failed["not_started"][-2:] == ("stop", "finish_processing")
    ours = {
        p
        for r in check_text([JobPolicy()], kinds=[KIND], edges=unguarded).results
        for p, _, _ in r.violations
    }
    assert ours == set(SAME_AS["not_started"])


@pytest.mark.slow
def test_the_command_line_exports_and_checks_with_spin():
    exported = subprocess.run(
        [sys.executable, "-m", "stoprace", "export", "promela", "--resource", KIND],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert exported.returncode == 0
    assert "ltl not_started" in exported.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "stoprace", "export", "promela", "--resource", KIND, "--scenario",
         "name_reuse"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "no name to reuse" in refused.stderr
    checked = subprocess.run(
        # every field pinned but one: the default policy and that field's alternative, two SPIN models
        [sys.executable, "-m", "stoprace", "check", "--resource", KIND, "--with-spin", "--policy",
         *(f"{f}={getattr(JobPolicy(), f)}" for f in JobPolicy.__dataclass_fields__ if f != "race_outcomes")],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert (
        "SPIN: 2 models (1 kind x 2 policies), every verdict the same as the in-house checker's"
        in checked.stdout
    )
