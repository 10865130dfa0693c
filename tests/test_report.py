import json

from model import EDGES, Policy, policy_fields
from model.report import as_json, as_text, assumptions_markdown


def test_json_lists_every_edge_with_its_provenance_and_evidence():
    data = json.loads(json.dumps(as_json()))
    assert len(data["edges"]) == len(EDGES)
    for row, edge in zip(data["edges"], EDGES, strict=True):
        assert row["trigger"] == edge.trigger
        assert row["source"] == list(edge.source)
        assert row["dest"] == edge.dest
        assert row["provenance"] == edge.provenance.value
        assert row["actor"] == edge.actor.value
        assert row["evidence"] == edge.evidence
    assert {p["field"] for p in data["policy"]} == {f.name for f in policy_fields()}


def test_json_marks_edges_enabled_under_the_policy():
    default = as_json()
    strict = as_json(Policy(deletable="documented"))
    flipped = [
        (a["trigger"], a["source"])
        for a, b in zip(default["edges"], strict["edges"], strict=True)
        if a["enabled"] != b["enabled"]
    ]
    assert flipped == [("delete", ["TRAINED_WITH_WARNING", "STOPPED"])]


def test_text_shows_every_edge_and_field():
    text = as_text()
    for edge in EDGES:
        assert edge.evidence in text
    for f in policy_fields():
        assert f.name in text


def test_markdown_has_one_row_per_edge_and_per_field():
    rows = [line for line in assumptions_markdown().splitlines() if line.startswith("| `")]
    assert len(rows) == len(EDGES) + len(policy_fields())
