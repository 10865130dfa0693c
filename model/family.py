"""The two families of jobs, as data: what a tool needs to know of a lifecycle besides its edges.

Resources that train (document classifiers, entity recognizers: :mod:`stoprace.model.lifecycle`) and
jobs that process text (the seven Comprehend analysis jobs, Translate's batch jobs:
:mod:`stoprace.model.analysis`) each have their states, the one a job starts in, the finished ones, the
steps on which a stop loses the race, the pseudo-state of a deleted job (training only), the policy type
that answers their open questions, and a table. :func:`family_of` finds a resource's family and its
kind, so that the diagram, the exporter and the checker take any kind without asking which.

>>> family, kind = family_of("pii-entities-detection-job")
>>> family.name, family.initial, kind.operations["stop"]
('text', 'SUBMITTED', 'StopPiiEntitiesDetectionJob')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .analysis import (
    JOB_EDGES,
    JOB_FINISHED,
    JOB_RACE_LOST_STEPS,
    JOB_STATES,
    JOB_STOP_REQUEST_STEP,
    edges_for,
)
from .analysis_kinds import TEXT_KINDS
from .kinds import KINDS
from .lifecycle import EDGES, RACE_LOST_STEPS, STATES, STOP_REQUEST_STEP, Edge
from .policy import DEFAULT_JOB_POLICY, DEFAULT_POLICY, Choices, JobPolicy, Policy
from .statuses import DELETED, FINISHED

__all__ = ["FAMILIES", "TEXT", "TRAINING", "Family", "family_of"]


@dataclass(frozen=True)
class Family:
    """One family's lifecycle facts (see the module's documentation)."""

    name: str
    states: tuple[str, ...]  # the Machine's states; the first is where a job starts
    finished: frozenset[str]
    race_lost: frozenset[tuple[str, str]]
    stop_request: tuple[str, str]  # the step on which a stop meets a working job
    working: str  # the status of a job at work (training, processing): the diagram's centre
    edges: tuple[Edge, ...]
    policy_type: type[Choices]
    default_policy: Choices
    deleted: str | None  # the pseudo-state of a deleted job, if the family has deletes
    lost_means: str  # what a lost race is, in a few words

    def states_of(self, kind: Any) -> tuple[str, ...]:
        """The states of ``kind``'s jobs (a kind's status enum may lack some of the family's)."""
        return tuple(s for s in self.states if s in kind.statuses) if self.name == "text" else self.states

    @property
    def initial(self) -> str:
        return self.states[0]

    def edges_of(self, kind: Any) -> tuple[Edge, ...]:
        """The table of ``kind`` (a kind whose status enum lacks some of the family's has fewer edges)."""
        return edges_for(kind.statuses) if self.name == "text" else self.edges

    def title(self, kind: Any) -> str:
        """A diagram's title for ``kind``."""
        if self.name == "text":
            service = "Amazon Translate" if kind.service == "translate" else "Amazon Comprehend"
            return f"{service} {kind.noun}: job lifecycle"
        return f"Amazon Comprehend {kind.name.replace('-', ' ')}: training job lifecycle"


TRAINING = Family(
    name="training",
    states=STATES,
    finished=frozenset(s.value for s in FINISHED),
    race_lost=RACE_LOST_STEPS,
    stop_request=STOP_REQUEST_STEP,
    working="TRAINING",
    edges=EDGES,
    policy_type=Policy,
    default_policy=DEFAULT_POLICY,
    deleted=DELETED,
    lost_means="trained after a stop",
)
TEXT = Family(
    name="text",
    states=JOB_STATES,
    finished=frozenset(s.value for s in JOB_FINISHED),
    race_lost=JOB_RACE_LOST_STEPS,
    stop_request=JOB_STOP_REQUEST_STEP,
    working="IN_PROGRESS",
    edges=JOB_EDGES,
    policy_type=JobPolicy,
    default_policy=DEFAULT_JOB_POLICY,
    deleted=None,
    lost_means="completed after a stop",
)
FAMILIES = {family.name: family for family in (TRAINING, TEXT)}


def family_of(resource: str) -> tuple[Family, Any]:
    """The family of ``resource`` (named as in its ARN) and its kind; ``ValueError`` naming every kind."""
    if resource in KINDS:
        return TRAINING, KINDS[resource]
    if resource in TEXT_KINDS:
        return TEXT, TEXT_KINDS[resource]
    raise ValueError(f"no resource kind {resource!r}; kinds: {', '.join([*KINDS, *TEXT_KINDS])}")
