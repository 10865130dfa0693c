"""The undocumented choices of the model, one field each, as a frozen dataclass.

AWS documents a stop only for a ``TRAINING`` job. Everything else a model of the service has to decide
is decided here, by name, with the default the evidence favours and each alternative selectable, so no
behaviour is an accident of the code. Each field names its fact on the evidence page
(``docs/evidence.md``).

>>> Policy().stop_when_submitted
'accept'
>>> Policy.from_assignments(["stop_when_finished=reject"]).stop_when_finished
'reject'
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from .errors import PolicyError

__all__ = ["DEFAULT_JOB_POLICY", "DEFAULT_POLICY", "JobPolicy", "Policy", "PolicyField", "policy_fields"]


def _choice(default: str, choices: tuple[str, ...], question: str, evidence: str, fact: str) -> Any:
    return field(
        default=default,
        metadata={"choices": choices, "question": question, "evidence": evidence, "fact": fact},
    )


class Choices:
    """What every set of answers to open questions can do (:class:`Policy` for the resources that train,
    :class:`JobPolicy` for the jobs that process text): be validated, parsed from ``FIELD=VALUE``, varied
    over its choices, and compared with its defaults. Each field of a subclass is a :func:`_choice`."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            choices = f.metadata["choices"]
            if value not in choices:
                raise PolicyError(
                    f"policy field {f.name}={value!r} is not allowed; choose one of: {', '.join(choices)}"
                )

    @classmethod
    def from_assignments(cls, assignments: Iterable[str], base: Self | None = None) -> Self:
        """A policy from ``FIELD=VALUE`` strings, starting from ``base`` (the defaults).

        >>> Policy.from_assignments(["deletable=documented"]).deletable
        'documented'
        """
        changes: dict[str, str] = {}
        names = {f.name for f in dataclasses.fields(cls)}
        for item in assignments:
            name, sep, value = item.partition("=")
            name, value = name.strip(), value.strip()
            if not sep or not name:
                raise PolicyError(f"policy setting {item!r} is not of the form FIELD=VALUE")
            if name not in names:
                raise PolicyError(f"unknown policy field {name!r}; fields are: {', '.join(sorted(names))}")
            changes[name] = value
        return dataclasses.replace(base or cls(), **changes)

    @classmethod
    def combinations(cls, fields: Iterable[str] | None = None) -> Iterator[Self]:
        """Every policy that varies ``fields`` (all fields when None) over their choices.

        >>> sum(1 for _ in Policy.combinations(["stop_when_submitted"]))
        3
        """
        chosen = [f for f in policy_fields(cls) if fields is None or f.name in set(fields)]
        for values in itertools.product(*(f.choices for f in chosen)):
            yield cls(**{f.name: v for f, v in zip(chosen, values, strict=True)})

    @classmethod
    def pairwise(cls, fields: Iterable[str] | None = None) -> list[Self]:
        """A covering array of strength two: policies in which every pair of values of two of
        ``fields`` (all fields when None) occurs at least once, the defaults first. Behaviour that
        depends on how two choices combine is met in a dozen policies instead of every combination.

        Built greedily and deterministically: each new policy starts from the first pair not yet
        covered and takes, field by field, the value that covers the most pairs still missing.

        >>> len(Policy.pairwise()) < 20 < sum(1 for _ in Policy.combinations())
        True
        """
        chosen = [f for f in policy_fields(cls) if fields is None or f.name in set(fields)]
        missing = {
            ((a.name, x), (b.name, y))
            for i, a in enumerate(chosen)
            for b in chosen[i + 1 :]
            for x in a.choices
            for y in b.choices
        }
        # Where each value stands (its field, then its choice, as declared): pairs are taken in that
        # order, so the array is the same every run whatever the order of a set.
        place = {(f.name, v): (i, j) for i, f in enumerate(chosen) for j, v in enumerate(f.choices)}
        rows = [{f.name: f.default for f in chosen}]
        while True:
            missing -= set(itertools.combinations(rows[-1].items(), 2))
            if not missing:
                break
            (first, x), (second, y) = min(
                missing,
                key=lambda pair: (place[pair[0]][0], place[pair[1]][0], place[pair[0]][1], place[pair[1]][1]),
            )
            row = {first: x, second: y}
            for spec in chosen:
                if spec.name not in row:  # the first choice that covers the most pairs still missing
                    row[spec.name] = max(spec.choices, key=lambda v: _gain(missing, row, spec.name, v))
            rows.append({f.name: row[f.name] for f in chosen})
        return [cls(**row) for row in rows]

    def as_dict(self) -> dict[str, str]:
        """The policy's values by field name."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def changes(self) -> dict[str, str]:
        """The fields that differ from the defaults."""
        default = type(self)().as_dict()
        return {k: v for k, v in self.as_dict().items() if default[k] != v}


@dataclass(frozen=True, slots=True)
class Policy(Choices):
    """Every open question about the service, each answered by its default unless chosen otherwise.

    Timing questions (how long ``STOP_REQUESTED``, provisioning and finalization last, training quotas,
    request-rate quotas) are not here: the model has no clock. They are parameters of the simulators in
    :mod:`stoprace.sim`.
    """

    stop_when_submitted: str = _choice(
        "accept",
        ("accept", "ignore", "reject"),
        "What does a stop do to a SUBMITTED job?",
        "aws-nuke stops SUBMITTED jobs and expects no error; Terraform stops in any state",
        "stop-when-submitted",
    )
    stop_when_stop_requested: str = _choice(
        "ignore",
        ("ignore", "reject"),
        "What does a repeated stop do to a STOP_REQUESTED job?",
        "moto answers a repeated stop with 200 and no change",
        "stop-repeated",
    )
    stop_when_finished: str = _choice(
        "ignore",
        ("ignore", "reject"),
        "What does a stop do to a finished or DELETING job?",
        "Terraform's delete stops first in every state and ignores only ResourceNotFound",
        "stop-when-finished",
    )
    stop_rejection_error: str = _choice(
        "InvalidRequestException",
        ("InvalidRequestException", "ResourceInUseException", "ResourceUnavailableException"),
        "Which error does a rejected stop get?",
        "StopTrainingDocumentClassifier lists no ResourceInUse or ResourceUnavailable error",
        "rejected-stop-error",
    )
    race_outcomes: str = _choice(
        "all",
        ("all", "trained_or_stopped"),
        "Can a STOP_REQUESTED job end TRAINED_WITH_WARNING or IN_ERROR as well as TRAINED or STOPPED?",
        "not stated; a completion with warnings or a failure can win the race as a plain completion can",
        "race-other-outcomes",
    )
    stopped_training_end: str = _choice(
        "at_stopped",
        ("at_stopped", "at_stop_request"),
        "When does billed training time end for a job that ends STOPPED?",
        "not stated; TrainingEndTime and EndTime are set when the job reaches STOPPED",
        "stopped-billing",
    )
    deletable: str = _choice(
        "finished",
        ("finished", "documented"),
        "Which finished statuses can be deleted?",
        "docs name IN_ERROR and TRAINED; Airflow treats STOPPED as deletable; Terraform deletes after stop",
        "delete-other-finished",
    )
    delete_rejection_error: str = _choice(
        "InvalidRequestException",
        ("InvalidRequestException", "ResourceUnavailableException"),
        "Which error does a delete of a job that is not deletable get?",
        "not stated; InvalidRequestException is the generic rejection of DeleteDocumentClassifier",
        "delete-active",
    )
    repeated_token: str = _choice(
        "idempotent",
        ("idempotent", "ignored"),
        "What does a create with a ClientRequestToken already used do?",
        "not stated; same token and parameters return the same ARN, as AWS idempotency tokens do",
        "request-token",
    )

    billing_start: str = _choice(
        "after_provisioning",
        ("after_provisioning", "with_training"),
        "Does billed training (TrainingStartTime) begin when a job enters TRAINING, or after provisioning?",
        "AWS's recorded outputs list a TRAINING classifier with no TrainingStartTime yet: provisioning first",
        "provisioning",
    )
    billing_end: str = _choice(
        "before_finalization",
        ("before_finalization", "with_end"),
        "Does billed training (TrainingEndTime) end when the job finishes, or before a finalization?",
        "EndTime came 56, 68 and 71 s after TrainingEndTime in AWS's recorded outputs",
        "finalization",
    )


@dataclass(frozen=True, slots=True)
class JobPolicy(Choices):
    """Every open question about the jobs that process text (the seven Comprehend analysis jobs and
    Translate's batch jobs; :mod:`stoprace.model.analysis`), each answered by its default unless chosen
    otherwise. How long a job queues, how fast it processes and whether the service moves on a cycle are
    timing questions, answered by the simulators' scenarios."""

    stop_when_submitted: str = _choice(
        "accept",
        ("accept", "reject"),
        "What does a stop do to a SUBMITTED job?",
        "not stated; the CLI's stop examples answer STOP_REQUESTED without showing the status before",
        "analysis-job-stop-when-submitted",
    )
    stop_when_stop_requested: str = _choice(
        "ignore",
        ("ignore", "reject"),
        "What does a repeated stop do to a STOP_REQUESTED job?",
        "the stop answers the job's status; moto answers a repeated stop with 200",
        "analysis-job-stop",
    )
    stop_when_stopped: str = _choice(
        "ignore",
        ("ignore", "reject"),
        "What does a stop do to a STOPPED job?",
        "the stop answers STOPPED for a job an earlier stop already stopped",
        "analysis-job-stop",
    )
    stop_when_finished: str = _choice(
        "reject",
        ("reject", "ignore"),
        "What does a stop do to a COMPLETED, COMPLETED_WITH_ERROR or FAILED job?",
        "a stop of a COMPLETED or FAILED job returns a 400 error",
        "analysis-job-stop",
    )
    stop_rejection_error: str = _choice(
        "InvalidRequestException",
        ("InvalidRequestException", "InternalServerException"),
        "Which error does a rejected stop get?",
        "the documented refusal is a 400 (InvalidRequestException's status; InternalServerException is 500)",
        "analysis-job-stop",
    )
    race_outcomes: str = _choice(
        "all",
        ("all", "completed_or_stopped"),
        "Can a STOP_REQUESTED job end FAILED (or COMPLETED_WITH_ERROR) as well as COMPLETED or STOPPED?",
        "not stated; a failure can win the race as a completion can",
        "analysis-job-stop",
    )
    repeated_token: str = _choice(
        "idempotent",
        ("idempotent", "ignored"),
        "What does a start with a client token already used do?",
        "not stated; same token and parameters return the same job, as AWS idempotency tokens do",
        "request-token",
    )


@dataclass(frozen=True, slots=True)
class PolicyField:
    """One open question: the field, its default, its choices, the evidence for the default, and the
    name of that evidence's fact on the evidence page."""

    name: str
    default: str
    choices: tuple[str, ...]
    question: str
    evidence: str
    fact: str


def _gain(
    missing: set[tuple[tuple[str, str], tuple[str, str]]], row: dict[str, str], name: str, value: str
) -> int:
    """How many pairs still missing ``name=value`` would cover beside the values ``row`` holds."""
    return sum(
        ((k, w), (name, value)) in missing or ((name, value), (k, w)) in missing for k, w in row.items()
    )


def policy_fields(policy_type: type[Choices] | None = None) -> tuple[PolicyField, ...]:
    """Every field of ``policy_type`` (:class:`Policy` unless given), described."""
    return tuple(
        PolicyField(
            name=f.name,
            default=str(f.default),
            choices=f.metadata["choices"],
            question=f.metadata["question"],
            evidence=f.metadata["evidence"],
            fact=f.metadata["fact"],
        )
        for f in dataclasses.fields(policy_type or Policy)
    )


DEFAULT_POLICY = Policy()
DEFAULT_JOB_POLICY = JobPolicy()
