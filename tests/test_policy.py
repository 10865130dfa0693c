import dataclasses

import pytest

from stoprace.model import DEFAULT_POLICY, Policy, PolicyError, policy_fields

# The defaults the evidence favours, field by field.
EVIDENCE_DEFAULTS = {
    "stop_when_submitted": "accept",
    "stop_when_stop_requested": "ignore",
    "stop_when_finished": "ignore",
    "stop_rejection_error": "InvalidRequestException",
    "race_outcomes": "all",
    "stopped_training_end": "at_stopped",
    "deletable": "finished",
    "delete_rejection_error": "InvalidRequestException",
    "repeated_token": "idempotent",
    "billing_start": "after_provisioning",  # evidence: provisioning
    "billing_end": "before_finalization",
}


def test_defaults_are_the_ones_the_evidence_favours():
    assert Policy().as_dict() == EVIDENCE_DEFAULTS
    assert Policy() == DEFAULT_POLICY


def test_every_field_has_choices_a_question_and_evidence():
    for f in policy_fields():
        assert f.default in f.choices
        assert len(f.choices) >= 2
        assert f.question.endswith("?")
        assert f.evidence


def test_policy_is_frozen_and_hashable():
    policy = Policy()
    with pytest.raises(dataclasses.FrozenInstanceError):
        policy.deletable = "documented"  # type: ignore[misc]
    assert hash(policy) == hash(Policy())


def test_unknown_value_is_refused_with_the_choices():
    with pytest.raises(PolicyError, match="choose one of: accept, ignore, reject"):
        Policy(stop_when_submitted="maybe")


@pytest.mark.parametrize("field", [f.name for f in policy_fields()])
def test_every_alternative_is_selectable(field):
    for choice in next(f.choices for f in policy_fields() if f.name == field):
        assert getattr(Policy.from_assignments([f"{field}={choice}"]), field) == choice


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("deletable", "FIELD=VALUE"),
        ("=x", "FIELD=VALUE"),
        ("nope=1", "unknown policy field 'nope'"),
        ("deletable=all", "choose one of: finished, documented"),
    ],
)
def test_bad_assignments_say_what_is_wrong(item, message):
    with pytest.raises(PolicyError, match=message):
        Policy.from_assignments([item])


def test_combinations_cover_every_choice_once():
    policies = list(Policy.combinations())
    expected = 1
    for f in policy_fields():
        expected *= len(f.choices)
    assert len(policies) == len(set(policies)) == expected


def test_changes_lists_only_non_defaults():
    assert Policy().changes() == {}
    assert Policy(deletable="documented").changes() == {"deletable": "documented"}


def _pairs(rows, fields):
    return {
        ((a.name, getattr(row, a.name)), (b.name, getattr(row, b.name)))
        for row in rows
        for i, a in enumerate(fields)
        for b in fields[i + 1 :]
    }


def test_the_pairwise_array_covers_every_pair_of_values_in_a_dozen_policies():
    fields = policy_fields()
    every = _pairs(list(Policy.combinations()), fields)
    rows = Policy.pairwise()
    assert _pairs(rows, fields) == every
    assert rows[0] == Policy()
    assert len(rows) <= 12 < len(every)
    assert len(set(rows)) == len(rows)
    assert rows == Policy.pairwise()  # the same array every time


def test_a_pairwise_array_of_some_fields_varies_only_those():
    rows = Policy.pairwise(["deletable", "billing_end"])
    assert {frozenset(r.changes()) for r in rows} <= {
        frozenset(),
        frozenset({"deletable"}),
        frozenset({"billing_end"}),
        frozenset({"deletable", "billing_end"}),
    }
    assert len(rows) == 4
