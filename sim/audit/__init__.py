"""``stoprace audit``: judge a client's waiting logic against the race, and say how often it misreports.

A poller (a botocore waiter model, state sets, or a Python callable: :mod:`~stoprace.sim.audit.poller`) waits
on each of the race's jobs (:mod:`~stoprace.sim.audit.jobs`); its verdicts are tallied against what became of
the jobs (:mod:`~stoprace.sim.audit.verdicts`, :mod:`~stoprace.sim.audit.run`) by the numpy engine
(:mod:`~stoprace.sim.audit.vector`) or by the poller's own code through the bridge in virtual time
(:mod:`~stoprace.sim.audit.exact`), which agree job by job.
"""

from __future__ import annotations

from .jobs import AuditScenario
from .poller import GaveUp, Poller, PollerError, callable_verdict, state_sets, waiter_from_file
from .run import ENGINES, MISREPORTS, AuditResult, AuditRow, audit

__all__ = [
    "ENGINES",
    "MISREPORTS",
    "AuditResult",
    "AuditRow",
    "AuditScenario",
    "GaveUp",
    "Poller",
    "PollerError",
    "audit",
    "callable_verdict",
    "state_sets",
    "waiter_from_file",
]
