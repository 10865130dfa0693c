"""The properties SPIN checks on the Promela model (:mod:`stoprace.model.promela`), written once from the
evidence like :mod:`stoprace.model.invariants`, never from the edge table.

The model records each step as it takes it: ``before`` is the status before the last step, ``action``
who took it (``SERVICE``, or the client's ``STOP``, ``DELETE`` or ``CREATE``), ``last_call`` the
answer to the client's last call, and ``unchanged`` says that the step changed neither the status nor
any timestamp. A property about one step is then a property of every state: ``[] (...)``.

Each LTL formula below carries the statement of :mod:`stoprace.model.invariants` (or
:mod:`stoprace.model.check`) it
restates, so that the two checkers' verdicts can be compared property by property (:data:`SAME_AS`).
What SPIN does not check, and why: the answer body of a stop (``{}``) and the billed seconds (numbers,
not statuses), a call aimed at another classifier (the model has one classifier at a time), and
ClientRequestToken reuse (tokens are not modelled). Timestamps are flags (set or not): ``timestamps``
checks which are set, and their order as far as that shows it. Each ``[] p`` formula is a safety
property (SPIN turns it into a never claim asserting ``p`` in every reachable state); ``finishes`` is the
one liveness property, checked for acceptance cycles under weak fairness.

>>> sorted(properties())[:3]
['failed_call', 'finished_changes', 'finishes']
>>> print(properties(2)["name_free"])
[] ((action == CREATE && before == DELETED) -> (last_call == ACCEPTED))
"""

from __future__ import annotations

from .check import NO_TRAPS
from .invariants import (
    CREATE_SUBMITTED,
    FAILED_CALL,
    FINISHED_CHANGES,
    FINISHED_STATUSES,
    NAME_FREE,
    NAME_IN_USE,
    REJECTION,
    STOP_NEVER_BACK,
    STOP_REQUESTED_ENTRY,
    STOPPED_STAYS,
    TIMESTAMPS_ORDER,
    TIMESTAMPS_PRESENT,
    TRAINED_STATUSES,
    stop_requested_from,
)
from .policy import DEFAULT_POLICY, Policy

__all__ = ["ERRORS", "LIVENESS", "SAME_AS", "STRONGER", "properties"]

#: The errors a refused call answers, as the model's ``last_call`` names them.
ERRORS = (
    "InvalidRequestException",
    "ResourceInUseException",
    "ResourceUnavailableException",
    "ResourceNotFoundException",
)

#: Each SPIN property's statements in the in-house checker: SPIN fails the property exactly when the
#: in-house checker finds one of them.
SAME_AS: dict[str, tuple[str, ...]] = {
    "stopped_stays": (STOPPED_STAYS,),
    "stop_never_back": (STOP_NEVER_BACK,),
    "finished_changes": (FINISHED_CHANGES,),
    "stop_requested_entry": (STOP_REQUESTED_ENTRY,),
    "failed_call": (FAILED_CALL,),
    "rejection": (REJECTION,),
    "timestamps": (TIMESTAMPS_PRESENT, TIMESTAMPS_ORDER),
    "create_submitted": (CREATE_SUBMITTED,),
    "name_in_use": (NAME_IN_USE,),
    "name_free": (NAME_FREE,),
    "finishes": (NO_TRAPS,),
}

#: The liveness properties (the others are safety properties: ``[] p``, or ``[] (p -> [] q)``).
LIVENESS = frozenset({"finishes"})

#: The properties that ask more than their in-house statements: ``finishes`` (every run under weak
#: fairness ends) also fails on a livelock, a cycle of steps the job can take forever, where the
#: in-house checker asks only that service progress alone can end the job from every state.
STRONGER = frozenset({"finishes"})


def _any(variable: str, statuses: tuple[str, ...]) -> str:
    return "(" + " || ".join(f"{variable} == {s}" for s in statuses) + ")"


def properties(scenario_creates: int = 1, policy: Policy = DEFAULT_POLICY) -> dict[str, str]:
    """The LTL properties, by name (SPIN's ``-N NAME`` picks one), for a scenario of
    ``scenario_creates`` classifiers under one name, under ``policy``.

    The path properties hold of each classifier: with several, the k-th one is the job while
    ``creates == k``, so a property that begins with one classifier ends with it.
    """
    refused = _any("last_call", ERRORS)
    stop_from = stop_requested_from(policy)
    finished = _any("status", FINISHED_STATUSES)
    never_trained = " && ".join(f"status != {s}" for s in ("TRAINING", *TRAINED_STATUSES))
    formulas = {
        "stopped_stays": _each(scenario_creates, "status == STOPPED", never_trained),
        "stop_never_back": _each(scenario_creates, "StopRequestTime", "status != TRAINING"),
        "finished_changes": f"[] (({_any('before', FINISHED_STATUSES)} && (status != before)) -> "
        "((action == DELETE) && (status == DELETING)))",
        "stop_requested_entry": "[] (((status == STOP_REQUESTED) && (before != STOP_REQUESTED)) -> "
        f"((action == STOP) && {_any('before', stop_from)}))",
        "failed_call": f"[] ((action != SERVICE && {refused}) -> unchanged)",
        "rejection": f"[] ((action == STOP && before != DELETED && {refused}) -> "
        f"(last_call == {policy.stop_rejection_error})) && "
        f"[] ((action == DELETE && before != DELETED && {refused}) -> "
        f"(last_call == {policy.delete_rejection_error}))",
        # The timestamps' presence and order, as far as flags can say: billed training ends only after
        # it began, a finished job has its EndTime, and only an ended (finished or deleting) one.
        "timestamps": f"[] (!(TrainingEndTime && !TrainingStartTime) && ({finished} -> EndTime) && "
        f"(EndTime -> ({finished} || status == DELETING || status == DELETED)))",
        "finishes": "<> done",
    }
    if scenario_creates > 1:
        formulas |= {
            "create_submitted": "[] ((action == CREATE && last_call == ACCEPTED) -> (status == SUBMITTED))",
            "name_in_use": "[] ((action == CREATE && before != DELETED) -> "
            "(last_call == ResourceInUseException))",
            "name_free": "[] ((action == CREATE && before == DELETED) -> (last_call == ACCEPTED))",
        }
    return formulas


def _each(creates: int, before: str, after: str) -> str:
    """``[] (before -> [] after)`` of each classifier: the first alone, or the k-th while it lasts."""
    if creates == 1:
        return f"[] (({before}) -> [] ({after}))"
    return " && ".join(
        f"[] (({before} && creates == {k}) -> [] (creates != {k} || ({after})))"
        for k in range(1, creates + 1)
    )
