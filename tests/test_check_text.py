"""The exhaustive check of the jobs that process text: the table holds every property under every policy,
every row is reachable, and broken tables are caught with a shortest trace."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace

import pytest

from stoprace.model.analysis import JOB_EDGES, edges_for
from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.check_text import NO_TRAPS, check_text
from stoprace.model.policy import DEFAULT_JOB_POLICY, JobPolicy
from stoprace.model.text_invariants import FINISHED_STAYS, NOT_STARTED, STOP_ANSWER, STOP_ENTRY


@pytest.fixture(scope="module")
def everything():
    return check_text()  # every policy (128) x every kind (8): about 3 s


@pytest.mark.slow
def test_every_property_holds_for_every_kind_under_every_policy(everything):
    assert everything.ok, everything.as_text()
    assert len(everything.results) == 128 * len(TEXT_KINDS)
    assert everything.race_lost_reachable
    for kind in TEXT_KINDS:
        assert everything.dead_rows(kind) == [], kind
    statuses = {s for r in everything.results if r.kind == "text-translation-job" for s in r.statuses}
    assert "COMPLETED_WITH_ERROR" in statuses
    assert all(
        "COMPLETED_WITH_ERROR" not in r.statuses
        for r in everything.results
        if r.kind != "text-translation-job"
    )


def _violated(edges, kind="sentiment-detection-job", policy=DEFAULT_JOB_POLICY):
    report = check_text([policy], kinds=[kind], edges=edges)
    return {prop: trace for r in report.results for prop, trace, _ in r.violations}


def test_broken_tables_are_caught_with_a_shortest_trace():
    comprehend = edges_for(TEXT_KINDS["sentiment-detection-job"].statuses)
    unguarded = tuple(replace(e, guard=None) if e.guard else e for e in comprehend)
    assert _violated(unguarded)[NOT_STARTED] == ("create", "stop", "finish_processing")
    no_effect = tuple(e for e in comprehend if e.trigger != "finish_stop")
    assert NO_TRAPS in _violated(no_effect, policy=JobPolicy(race_outcomes="completed_or_stopped"))
    reopened = (*comprehend, replace(comprehend[0], source=("FAILED",), stamps=()))
    assert _violated(reopened)[FINISHED_STAYS] == ("create", "fail", "start_processing")
    from_queue = tuple(e for e in comprehend if not (e.trigger == "stop" and e.source == ("SUBMITTED",)))
    queued_stop = (
        *from_queue,
        replace(next(e for e in comprehend if e.trigger == "stop"), source=("SUBMITTED",)),
    )
    assert STOP_ENTRY in _violated(queued_stop, policy=JobPolicy(stop_when_submitted="reject"))
    assert STOP_ANSWER not in _violated(JOB_EDGES, kind="text-translation-job")


@pytest.mark.slow
def test_the_command_line_checks_text_kinds():
    done = subprocess.run(
        [sys.executable, "-m", "stoprace", "check", "--resource", "events-detection-job", "--json"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["ok"]
    assert report["searches"] == 128
    assert report["dead_rows"] == {"events-detection-job": []}
    mixed = subprocess.run(
        [sys.executable, "-m", "stoprace", "check", "--resource", "events-detection-job", "--resource",
         "document-classifier"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert mixed.returncode == 2
    assert "separate runs" in mixed.stderr
