"""Lifecycle diagrams: every format shows the statuses and exactly the enabled edges, with provenance.

Tests that need Graphviz's ``dot`` program skip, saying so, where it is not installed (CI installs it).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from stoprace.model import API_TRIGGERS, EDGES, RACE_LOST_STEPS, SERVICE_TRIGGERS, Policy, Status, TrainingJob
from stoprace.model.diagram import Diagram, DiagramError, has_dot
from stoprace.model.lifecycle import Provenance, enabled_edges
from stoprace.model.statuses import DELETED
from stoprace.sim.report import annotations_from_race

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "docs" / "lifecycle.svg"
needs_dot = pytest.mark.skipif(
    not has_dot(), reason="Graphviz's dot is not installed (apt-get install graphviz)"
)

# The policy fields the table's edges depend on: every combination of them is a different diagram.
DIAGRAM_POLICIES = list(Policy.combinations(sorted({name for e in EDGES for name, _ in e.when})))

# stateDiagram-v2 statements the diagram may use (one per line).
MERMAID_LINE = re.compile(
    r"^(---|stateDiagram-v2|direction LR|classDef s_\w+ [\w#:,-]+|state \"\w+\" as \w+|Class \w+ s_\w+"
    r"|\w+ --> \w+: [^\n]+|\[\*\] --> \w+|\w+ --> \[\*\]|)$"
)


def expected_arrows(policy: Policy) -> dict[tuple[str, str], set[Provenance]]:
    """Every step a job can take under ``policy`` (source, destination or source for a no-op), with the
    provenance of the edges behind it: found by running jobs, firing every trigger from every
    configuration they reach, not by reading the table."""
    arrows: dict[tuple[str, str], set[Provenance]] = {}
    start = TrainingJob(policy, at=0)
    queue, seen = [start], {(start.state, start.message, tuple(start.times), tuple(start.path))}
    while queue:
        job = queue.pop()
        for trigger in (*API_TRIGGERS, *SERVICE_TRIGGERS):
            if not job.can_fire(trigger):
                continue
            twin = job.copy()
            step = twin.fire(trigger, at=len(seen))
            arrows.setdefault((step.source, step.dest or step.source), set()).add(step.edge.provenance)
            key = (twin.state, twin.message, tuple(twin.times), tuple(twin.path))
            if key not in seen:
                seen.add(key)
                queue.append(twin)
    return arrows


@pytest.mark.parametrize("policy", DIAGRAM_POLICIES, ids=lambda p: p.changes() or "default")
def test_mermaid_has_every_status_and_exactly_the_enabled_edges(policy):
    text = Diagram(policy).mermaid()
    lines = [line.strip() for line in text.splitlines()]
    assert lines[3] == "stateDiagram-v2"
    body = lines[4:]
    assert [line for line in body if not MERMAID_LINE.match(line)] == []
    for status in Status:
        assert f'state "{status.value}" as {status.value}' in body
    drawn = {}
    for line in body:
        match = re.match(r"^(\w+) --> (\w+): (.*)$", line)
        if match:
            drawn[(match[1], match[2])] = match[3]
    assert set(drawn) == set(expected_arrows(policy))
    for (source, dest), provenances in expected_arrows(policy).items():
        label = drawn[(source, dest)]
        for provenance in (Provenance.INFERRED, Provenance.ASSUMED):
            if provenances == {provenance}:
                assert f"({provenance.value})" in label
        assert ("RACE LOST" in label) == ((source, dest) in RACE_LOST_STEPS)
    for status in ("TRAINED", "TRAINED_WITH_WARNING", "STOPPED", "IN_ERROR", DELETED):
        assert f"{status} --> [*]" in body
    assert "[*] --> SUBMITTED" in body


def test_a_disabled_edge_is_left_out():
    default = Diagram().mermaid()
    strict = Diagram(Policy(race_outcomes="trained_or_stopped", stop_when_submitted="reject")).mermaid()
    assert "STOP_REQUESTED --> TRAINED_WITH_WARNING" in default
    assert "STOP_REQUESTED --> TRAINED_WITH_WARNING" not in strict
    assert "SUBMITTED --> STOP_REQUESTED" not in strict
    assert "STOP_REQUESTED --> TRAINED:" in strict  # documented: under every policy


def _dot_edges(text: str) -> dict[tuple[str, str], dict[str, str]]:
    edges = {}
    # a statement's attributes: quoted strings (labels of several lines, with brackets) or bare words
    for match in re.finditer(r'^\s*(\w+) -> (\w+) \[((?:[^\]"]|"[^"]*")*)\]$', text, re.MULTILINE):
        attrs = dict(re.findall(r'(\w+)=("[^"]*"|\S+)', match[3]))
        edges[(match[1], match[2])] = {k: v.strip('"') for k, v in attrs.items()}
    return edges


def test_dot_draws_provenance_as_line_styles_and_the_race_in_red():
    edges = _dot_edges(Diagram().dot())
    edges.pop(("start", "SUBMITTED"))
    arrows = expected_arrows(Policy())
    assert set(edges) == set(arrows)
    line = {Provenance.DOCUMENTED: "solid", Provenance.INFERRED: "dashed", Provenance.ASSUMED: "dotted"}
    for key, provenances in arrows.items():
        weakest = max(provenances, key=list(line).index)
        assert edges[key]["style"] == line[weakest], key
        assert (edges[key]["color"] == "#d62728") == (key in RACE_LOST_STEPS), key
    assert edges[("STOP_REQUESTED", "TRAINED")]["penwidth"] == "3"
    assert edges[("TRAINING", "STOP_REQUESTED")]["color"] == "#1f5fbf"  # an API call
    assert edges[("TRAINING", "TRAINED")]["color"] == "black"  # the service's progress


def svg_edges(svg: str) -> dict[tuple[str, str], dict[str, str]]:
    """(source, dest) -> the drawn line's stroke, dash pattern, width and label, from Graphviz SVG."""
    ns = {"svg": "http://www.w3.org/2000/svg"}
    root = ET.fromstring(svg)
    edges = {}
    for group in root.iterfind(".//svg:g[@class='edge']", ns):
        title = group.findtext("svg:title", namespaces=ns) or ""
        source, _, dest = title.partition("->")
        source, dest = source.partition(":")[0], dest.partition(":")[0]  # "TRAINING:e": a port
        path = group.find("svg:path", ns)
        assert path is not None
        label = " ".join(t.text or "" for t in group.iterfind("svg:text", ns))
        edges[(source, dest)] = {
            "stroke": path.get("stroke", ""),
            "dash": path.get("stroke-dasharray", ""),
            "width": path.get("stroke-width", "1"),
            "label": label,
        }
    return edges


def check_svg_matches_the_table(svg: str, policy: Policy | None = None) -> None:
    policy = policy or Policy()
    edges = svg_edges(svg)
    edges.pop(("start", "SUBMITTED"))
    arrows = expected_arrows(policy)
    assert set(edges) == set(arrows)
    dashes = {Provenance.DOCUMENTED: "", Provenance.INFERRED: "5,2", Provenance.ASSUMED: "1,5"}
    for key, provenances in arrows.items():
        weakest = max(provenances, key=list(dashes).index)
        assert edges[key]["dash"] == dashes[weakest], key
        if key in RACE_LOST_STEPS:
            assert (edges[key]["stroke"], edges[key]["width"]) == ("#d62728", "3"), key
        triggers = {
            e.trigger for e in enabled_edges(policy) if key[0] in e.source and (e.dest or key[0]) == key[1]
        }
        assert all(t in edges[key]["label"] for t in triggers), key


@needs_dot
def test_svg_shows_inferred_edges_dashed_and_the_race_highlighted():
    check_svg_matches_the_table(Diagram().svg())


@needs_dot
def test_png_is_a_png():
    assert Diagram().png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_committed_diagram_matches_the_table():
    """docs/lifecycle.svg is regenerated by `stoprace diagram -o docs/lifecycle.svg`."""
    check_svg_matches_the_table(COMMITTED.read_text())


def test_without_dot_images_say_how_to_install_it_and_text_still_works(monkeypatch):
    monkeypatch.setattr("stoprace.model.diagram.shutil.which", lambda name: None)
    with pytest.raises(DiagramError, match=r"apt-get install graphviz.*brew install graphviz.*mermaid"):
        Diagram().svg()
    with pytest.raises(DiagramError, match="apt-get install graphviz"):
        Diagram().png()
    assert Diagram().dot().startswith("digraph")
    bundle = Diagram()._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/markdown"].startswith("```mermaid\n---")


@needs_dot
def test_jupyter_shows_svg_where_dot_is_installed():
    bundle = Diagram()._repr_mimebundle_()
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml")


def test_a_silent_fallback_of_the_engine_is_refused(monkeypatch):
    # transitions falls back to Mermaid when the graphviz package is missing; we refuse instead.
    monkeypatch.setattr("transitions.extensions.diagrams_graphviz.pgv", None)
    with pytest.raises(DiagramError, match="fell back"):
        Diagram().dot()


RESULT = {
    "rows": [
        {
            "stop_at": 1800.0,
            "stop_requested": 80,
            "paths": {
                "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED": 70,
                "SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED": 10,
                "SUBMITTED>TRAINING>TRAINED": 20,
            },
        },
        {
            "stop_at": 3600.0,
            "stop_requested": 20,
            "paths": {
                "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED": 10,
                "SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED": 10,
                "SUBMITTED>TRAINING>TRAINED": 80,
            },
        },
    ]
}


def test_annotations_are_simulated_frequencies():
    pooled = annotations_from_race(RESULT)
    assert pooled[("STOP_REQUESTED", "TRAINED")] == "race lost 20.0%"  # 20 of 100 stop requests
    assert pooled[("TRAINING", "STOP_REQUESTED")] == "50.0%"  # 100 of 200 jobs in TRAINING
    assert pooled[("STOP_REQUESTED", "STOPPED")] == "80.0%"
    late = annotations_from_race(RESULT, stop_at=3600)
    assert late[("STOP_REQUESTED", "TRAINED")] == "race lost 50.0%"
    assert "race lost 20.0%" in Diagram(annotations=pooled).mermaid()
    with pytest.raises(DiagramError, match="no row for stop time 5 s; the result has 1800, 3600"):
        annotations_from_race(RESULT, stop_at=5)
    with pytest.raises(DiagramError, match="not a race result"):
        annotations_from_race({"edges": []})


def test_save_picks_the_format_from_the_suffix(tmp_path):
    assert Diagram().save(tmp_path / "d.mmd").read_text().startswith("---")
    assert Diagram().save(tmp_path / "d.dot").read_text().startswith("digraph")
    with pytest.raises(DiagramError, match=r"name it \.mmd, \.dot, \.svg or \.png"):
        Diagram().save(tmp_path / "d.txt")
    with pytest.raises(DiagramError, match="unknown diagram format 'gif'"):
        Diagram().render("gif")


def test_annotating_a_real_race_result(tmp_path):
    from stoprace.sim import vector  # noqa: PLC0415
    from stoprace.sim.report import race_report  # noqa: PLC0415
    from stoprace.sim.scenario import RaceScenario  # noqa: PLC0415

    report = race_report(vector.simulate(RaceScenario(replications=5000, stop_at=(3000.0,))))
    notes = annotations_from_race(json.loads(json.dumps(report)))
    row = report["rows"][0]
    lost = row["paths"].get("SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED", 0)
    assert notes[("STOP_REQUESTED", "TRAINED")] == f"race lost {100 * lost / row['stop_requested']:.1f}%"


def test_stamps_are_written_on_the_arrows_only_when_asked():
    plain, stamped = Diagram().mermaid(), Diagram(stamps=True).mermaid()
    assert "TRAINING --> TRAINING: begin_billing [if provisioning] / TrainingStartTime" in stamped
    assert "STOP_REQUESTED --> STOPPED: finish_stop [unless finalizing] / TrainingEndTime, EndTime" in stamped
    assert "TrainingStartTime" not in plain
    early = Diagram(Policy(stopped_training_end="at_stop_request"), stamps=True).mermaid()
    assert "finish_stop [unless finalizing] / EndTime, TrainingEndTime=StopRequestTime" in early
