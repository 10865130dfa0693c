import json

from stoprace.model import EDGES, Policy, policy_fields
from stoprace.model.tables import as_json, as_text, assumptions_markdown


def test_json_says_how_the_race_can_be_lost_and_what_each_ending_stamps():
    data = json.loads(json.dumps(as_json()))
    rows = {(r["trigger"], tuple(r["source"]), r["dest"]): r for r in data["edges"]}
    lost = rows["finish_training", ("STOP_REQUESTED",), "TRAINED"]
    assert (lost["actor"], lost["provenance"], lost["guard"]) == ("service", "documented", "has_trained")
    assert lost["facts"] == ["stop-race"]
    assert lost["stamps"] == ["TrainingEndTime", "EndTime"]
    starts = {
        r["when"]["billing_start"]: r["stamps"] for r in data["edges"] if r["trigger"] == "start_training"
    }
    assert starts == {"with_training": ["TrainingStartTime"], "after_provisioning": []}
    assert rows["begin_billing", ("TRAINING",), "TRAINING"]["stamps"] == ["TrainingStartTime"]
    assert rows["end_billing", ("TRAINING",), "TRAINING"]["stamps"] == ["TrainingEndTime"]
    early = [r for r in data["edges"] if r["when"].get("stopped_training_end") == "at_stop_request"]
    assert {(tuple(r["stamps"]), tuple(r["stamps_from"].items())) for r in early} == {
        (("EndTime",), (("TrainingEndTime", "StopRequestTime"),))
    }
    assert rows["stop", ("STOP_REQUESTED",), None]["stamps"] == []
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
