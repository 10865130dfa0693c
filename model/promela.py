"""The lifecycle in Promela, for the SPIN model checker: a second opinion from an established checker.

:func:`promela` writes one job's lifecycle under a policy, generated from the edge table (nothing
restated by hand): a ``service`` process that takes the service's own steps, a ``client`` process that
calls the stop and the delete (``StopTrainingDocumentClassifier`` and ``DeleteDocumentClassifier``, or a
recognizer's) in any order (or stops calling), the job's status and which timestamps are set as
variables, and each call's outcome (accepted, accepted with no change, refused with the policy's error)
as the table and the policy say.
Every ``if`` branch carries a comment naming its row of the table.

The properties (:mod:`stoprace.model.promela_properties`, written from the evidence) are LTL formulas over the
job's status, its timestamps and what the last step was (the status ``before`` it, the ``action`` that took
it, the client's ``last_call`` answer). The kinds of resource that train share the lifecycle, so their
models differ only in the comments that name the resource and its operations.

>>> text = promela()
>>> "proctype service" in text and "ltl finishes" in text
True
"""

from __future__ import annotations

from collections.abc import Iterable

from .check import SCENARIOS
from .kinds import CLASSIFIER, ResourceKind, kind_named
from .lifecycle import EDGES, GUARDS, Actor, Edge, Stamp, enabled_edges
from .policy import DEFAULT_POLICY, Policy
from .promela_properties import ERRORS
from .promela_properties import properties as _ltl
from .statuses import DELETED, FINISHED_ORDER, Status

__all__ = ["PROPERTIES", "SCENARIOS", "promela", "properties"]


def properties(scenario: str = "one_job", policy: Policy = DEFAULT_POLICY) -> dict[str, str]:
    """The LTL properties SPIN checks on ``scenario`` under ``policy``, by name."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
    return _ltl(SCENARIOS[scenario], policy)


#: The properties of one job under the default policy.
PROPERTIES = properties()

_SET = {s for e in EDGES for s in (*e.stamps, *dict(e.stamps_from))}  # and SubmitTime, set by a create
_STAMP_NAMES = tuple(s.value for s in Stamp if s is Stamp.SUBMIT or s in _SET)
# The guards of lifecycle.GUARDS, in Promela (the flags are the timestamps set, and whether the job has
# been TRAINING).
_GUARDS = {
    "has_trained": "TrainingStartTime",
    "provisioning": "(!TrainingStartTime && been_training)",
    "billing": "(TrainingStartTime && !TrainingEndTime)",
    "not_finalizing": "!TrainingEndTime",
    "processing": "ProcessingStartTime",
}
# The status training starts in (the start_training edges' destination): the provisioning guard asks
# whether it is on the job's path.
_TRAINING = frozenset(str(e.dest) for e in EDGES if e.trigger == "start_training")


def promela(
    policy: Policy = DEFAULT_POLICY,
    edges: Iterable[Edge] = EDGES,
    scenario: str = "one_job",
    kind: str = CLASSIFIER.name,
) -> str:
    """The Promela model of ``scenario`` under ``policy`` and ``edges`` (the project's table by default),
    for a resource of ``kind`` (named as in its ARN)."""
    if scenario not in SCENARIOS:
        raise ValueError(f"unknown scenario {scenario!r}; scenarios: {', '.join(SCENARIOS)}")
    if set(_GUARDS) != set(GUARDS):
        raise ValueError(f"guards without a Promela form: {sorted(set(GUARDS) ^ set(_GUARDS))}")
    table = tuple(edges)
    enabled = enabled_edges(policy, table)
    rows = {id(edge): i for i, edge in enumerate(table)}
    states = [s.value for s in Status]
    lines = [
        *_header(kind_named(kind), policy),
        "",
        f"mtype = {{ {', '.join([*states, DELETED])} }};",
        "mtype = { NONE, ACCEPTED, NO_CHANGE, " + ", ".join(ERRORS) + " };",
        "mtype = { SERVICE, STOP, DELETE, CREATE };",
        "",
        "mtype status = SUBMITTED;",
        "bool "
        + ", ".join(f"{name} = {'true' if name == Stamp.SUBMIT.value else 'false'}" for name in _STAMP_NAMES)
        + ";",
        "bool been_training = false;  /* TRAINING is on the job's path */",
        "mtype last_call = NONE;      /* the answer to the client's last call */",
        "byte creates = 1;            /* resources made under the name (the first at the start) */",
        "",
        "/* The last step, for the properties: the status before it, who took it, the timestamps before. */",
        "mtype before = SUBMITTED;",
        "mtype action = NONE;",
        "bool "
        + ", ".join(
            f"was_{name} = {'true' if name == Stamp.SUBMIT.value else 'false'}" for name in _STAMP_NAMES
        )
        + ";",
        "#define step(who) before = status; action = who; "
        + "; ".join(f"was_{name} = {name}" for name in _STAMP_NAMES),
        "#define unchanged (status == before && "
        + " && ".join(f"{name} == was_{name}" for name in _STAMP_NAMES)
        + ")",
        "",
        "/* The table's guards (model/lifecycle.py GUARDS): the timestamps set, and whether the job has",
        "   been TRAINING. A timestamp is set once; billed training ends only once it has begun. */",
        *(f"#define {name} {form}" for name, form in _GUARDS.items() if name in {e.guard for e in edges}),
        "#define end_billed_training TrainingEndTime = (TrainingEndTime || TrainingStartTime)",
        "",
        "#define finished (" + " || ".join(f"status == {s.value}" for s in FINISHED_ORDER) + ")",
        f"#define done (finished || status == {Status.DELETING.value} || status == {DELETED})",
        "",
        *_service(enabled, rows),
        "",
        *_client(enabled, rows, policy, SCENARIOS[scenario]),
        "",
        *_properties(properties(scenario, policy)),
    ]
    return "\n".join(lines) + "\n"


def _header(resource: ResourceKind, policy: Policy) -> list[str]:
    """The opening comment: whose lifecycle, under which policy, from where."""
    return [
        f"/* The Comprehend {resource.name} lifecycle under policy {_policy_text(policy)}.",
        "   Generated by stoprace from its edge table (model/lifecycle.py); row N is EDGES[N].",
        f"   The client calls {resource.operations['stop']} and {resource.operations['delete']}. */",
    ]


def _policy_text(policy: Policy) -> str:
    changes = policy.changes()
    return ", ".join(f"{k}={v}" for k, v in changes.items()) if changes else "(the defaults)"


def _branch(edge: Edge, source: str, row: int, who: str) -> tuple[str, list[str], str]:
    """One edge from one source, taken by ``who``: its condition, its effects (the step recorded first)
    and the comment naming its row. Timestamps follow the job's rules: set once; ``TrainingEndTime``
    only after ``TrainingStartTime``."""
    condition = f"status == {source}"
    if edge.guard is not None:
        condition += f" && {edge.guard}"
    effects = [f"step({who})"]
    if edge.dest is not None and edge.dest != source:
        effects.append(f"status = {edge.dest}")
        if edge.dest in _TRAINING:
            effects.append("been_training = true")
    for stamp in edge.stamps:
        if stamp is Stamp.TRAINING_END:
            effects.append("end_billed_training")
        else:
            effects.append(f"{stamp.value} = true")
    for stamp, other in edge.stamps_from:
        needs = f"{other.value} && TrainingStartTime" if stamp is Stamp.TRAINING_END else other.value
        effects.append(f"{stamp.value} = ({stamp.value} || ({needs}))")
    comment = f"/* row {row}: {edge.trigger} {source} -> {edge.dest or 'no change'} ({edge.provenance}) */"
    return condition, effects, comment


def _step(edge: Edge, source: str, row: int) -> str:
    condition, effects, comment = _branch(edge, source, row, "SERVICE")
    return f"    :: atomic {{ {condition} -> {'; '.join(effects)} }} {comment}"


def _service(enabled: tuple[Edge, ...], rows: dict[int, int]) -> list[str]:
    # ``end``: a finished or deleted job waits here (for a delete, or a new create): a valid end.
    lines = ["active proctype service() {", "end:", "  do"]
    for edge in enabled:
        if edge.actor is Actor.SERVICE:
            lines += [_step(edge, source, rows[id(edge)]) for source in edge.source]
    lines += ["  od", "}"]
    return lines


def _client(enabled: tuple[Edge, ...], rows: dict[int, int], policy: Policy, creates: int) -> list[str]:
    errors = {"stop": policy.stop_rejection_error, "delete": policy.delete_rejection_error}
    lines = ["active proctype client() {", "  do"]
    if creates > 1:
        fresh = "; ".join(
            f"{name} = {'true' if name == Stamp.SUBMIT.value else 'false'}" for name in _STAMP_NAMES
        )
        lines += [
            "    :: atomic { /* create under the same name */",
            "      if",
            f"      :: status == {DELETED} && creates < {creates} -> step(CREATE); "
            f"status = {Status.SUBMITTED.value}; {fresh}; been_training = false; creates++; "
            "last_call = ACCEPTED",
            f"      :: status != {DELETED} -> step(CREATE); last_call = ResourceInUseException"
            "  /* the name is in use */",
            "      fi",
            "      }",
        ]
    for trigger in ("stop", "delete"):
        lines.append(f"    :: atomic {{ /* {trigger}: the call is answered at once */")
        lines.append("      if")
        accepted: set[str] = set()
        for edge in enabled:
            if edge.trigger != trigger:
                continue
            for source in edge.source:
                accepted.add(source)
                outcome = "ACCEPTED" if edge.dest is not None else "NO_CHANGE"
                condition, effects, comment = _branch(edge, source, rows[id(edge)], trigger.upper())
                effects.append(f"last_call = {outcome}")
                lines.append(f"      :: {condition} -> {'; '.join(effects)} {comment}")
        refused = [s for s in [*(s.value for s in Status)] if s not in accepted]
        if refused:
            condition = " || ".join(f"status == {s}" for s in refused)
            lines.append(
                f"      :: ({condition}) -> step({trigger.upper()}); last_call = {errors[trigger]}"
                "  /* no edge: refused */"
            )
        lines.append(
            f"      :: status == {DELETED} -> step({trigger.upper()}); last_call = ResourceNotFoundException"
        )
        lines.append("      fi")
        lines.append("      }")
    lines += ["    :: break  /* the client stops calling */", "  od", "}"]
    return lines


def _properties(formulas: dict[str, str]) -> list[str]:
    return [
        "/* The properties (model/promela_properties.py), written from the evidence. */",
        *(f"ltl {name} {{ {formula} }}" for name, formula in formulas.items()),
    ]
