"""Stateful tests of the service against the documented properties, under a covering array of policies.

The properties come from :mod:`stoprace.model.invariants`, written from the evidence and never from the
edge table; list results are judged against an oracle written here from the List operation's reference
(evidence: ``list``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from stoprace.model import Policy
from stoprace.model.invariants import check_properties, check_step
from stoprace.model.kinds import kind_of_arn
from stoprace.model.strategies import ComprehendStateMachine
from stoprace.model.text_invariants import check_job_properties, check_job_step

# The policies of a pairwise covering array (every pair of two fields' values meets in one of them) each
# get many runs; the drawn-policy test draws any of the combinations. The exhaustive checker
# (tests/test_check.py) is what visits every combination.
PER_POLICY_EXAMPLES = {"dev": 10, "ci": 100}
PER_POLICY_STEPS = 30


def _matches(props: dict[str, Any], filter_: dict[str, Any] | None) -> bool:
    """The List reference: a filter keeps classifiers (or recognizers) with that status, that name, or
    submitted strictly before or after that time."""
    if not filter_:
        return True
    ((key, value),) = filter_.items()
    if key == "Status":
        return bool(props["Status"] == value)
    if key == "SubmitTimeBefore":
        return bool(props["SubmitTime"] < value)
    if key == "SubmitTimeAfter":
        return bool(props["SubmitTime"] > value)
    arn = next(iter(props.values()))  # the resource's own ARN comes first, then its name after the type
    return bool(arn.split(":", 5)[5].split("/")[1] == value)


class DocumentedChecks(ComprehendStateMachine):
    """Judges every step the base machine takes."""

    def __init__(self) -> None:
        super().__init__()
        self.trained: dict[str, bool] = {}
        self.listings: list[list[dict[str, Any]]] = []
        self.tokens: dict[str, tuple[str, dict[str, Any]]] = {}  # token -> (ARN, request) it created
        self.job_started: dict[str, bool] = {}  # each analysis job: whether it has been IN_PROGRESS

    def observe(self):
        """Every describe, and (kept aside) the whole listing, so that a failed call is checked
        against both."""
        self.listings = [*self.listings[-1:], self._list_everything()]
        return super().observe()

    def _list_everything(self):
        return [
            p for kind in self.kinds for p in self.call(kind, "list", MaxResults=500)[kind.properties_list]
        ]

    def on_step(self, action, arn, *, before, after, result, error):
        if error is not None:  # a failed call, or a refused service event
            assert self.listings[-2] == self.listings[-1], f"failed {action} changed the listing"
        request = self.last_request if action == "create" else None
        reuse = self._token_reuse(request)
        for name, now in after.items():
            own = name == arn and action not in ("describe", "list")
            findings = check_step(
                action if own else "other",
                before.get(name),
                now,
                result=result,
                error=None if error == "refused" else error,
                policy=self.policy,
                token_reuse=reuse if own else None,
            )
            if now is None:
                self.trained.pop(name, None)
            else:
                self.trained[name] = self.trained.get(name, False) or now["Status"] == "TRAINING"
                findings += check_properties(
                    now,
                    billed_seconds=self.service.billed_training_seconds(name),
                    trained=self.trained[name],
                    policy=self.policy,
                )
            assert not findings, f"{action} on {arn}: {findings}"
        token = request.get("ClientRequestToken") if request else None
        if token and error is None:
            self.tokens.setdefault(token, (next(iter(result.values())), request))
        # A token is remembered as long as the classifier it created exists.
        self.tokens = {t: (a, r) for t, (a, r) in self.tokens.items() if after.get(a) is not None}

    def on_job_step(self, action, job_id, *, before, after, answer, error):
        started = self.job_started.get(job_id, False)
        repeated = action == "create" and error is None and job_id in self.job_started
        findings = check_job_step(
            action,
            before if action != "create" else (after if repeated else None),
            after,
            answer=answer,
            error=None if error == "refused" else error,
            started=started,
            repeated=repeated,
            policy=self.service.job_policy,
        )
        if after is not None:
            findings += check_job_properties(after, self.job_kind[job_id].statuses)
            self.job_started[job_id] = started or after["JobStatus"] == "IN_PROGRESS"
        assert not findings, f"{action} on {job_id}: {findings}"

    def _token_reuse(self, request):
        if request is None or self.policy.repeated_token != "idempotent":
            return None
        earlier = self.tokens.get(request.get("ClientRequestToken"))
        if earlier is None:
            return None
        return "same" if earlier[1] == request else "different"

    def on_list(self, filter_, pages, error):
        assert error is None, f"list with {filter_} failed: {error}"
        kind = self.listed_kind
        listed = [p[kind.arn_member] for page in pages for p in page[kind.properties_list]]
        assert len(listed) == len(set(listed)), "pagination returned a resource twice"
        expected = {
            a
            for a, p in self.observe().items()
            if p is not None and kind_of_arn(a) is kind and _matches(p, filter_)
        }
        assert set(listed) == expected
        for page in pages[:-1]:
            assert "NextToken" in page
        assert "NextToken" not in pages[-1]


TestDocumentedPropertiesUnderDrawnPolicies = DocumentedChecks.TestCase


@pytest.mark.parametrize(
    "policy", Policy.pairwise(), ids=lambda p: ",".join(p.changes().values()) or "default"
)
def test_the_documented_properties_hold_under_policy(policy):
    profile = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    checks = type("FixedPolicyChecks", (DocumentedChecks,), {"fixed_policy": policy})
    run_state_machine_as_test(
        checks,
        settings=settings(
            settings.default,
            max_examples=PER_POLICY_EXAMPLES.get(profile, 1),
            stateful_step_count=PER_POLICY_STEPS,
            database=None,
        ),
    )
