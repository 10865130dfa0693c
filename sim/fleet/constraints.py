"""What bound a fleet: the stops that did not stop their job, each put down to its cause, with the figures
of the service's workers, rate limits and training slots and the client's retries.

A stop fails to save its job in one of two ways: it is never accepted (the SDK gave up on it, and the
application too), or it is accepted and the job finishes first (while the stop waits for a worker, or
while a worker handles it). Each such stop has one cause:

- ``stop rate limit``: throttled on every attempt the SDK made (or, in legacy mode, throttled once:
  legacy does not retry throttling at HTTP 400);
- ``retry quota``: throttled or failed while the client-wide retry quota (standard and adaptive modes)
  had too little left for a retry;
- ``server errors``: ``InternalServerException`` on every attempt;
- ``stop workers``: accepted, and overtaken while it waited for a free worker;
- ``handling time``: accepted, and overtaken while a worker handled it.

The binding constraint is the cause of the most failed stops. Training slots cost no stop, they delay
training; the slots are named binding when they were busy at least :data:`BUSY` of the run and jobs
waited for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stoprace.model.kinds import CLASSIFIER, KINDS

from .scenario import FleetScenario
from .state import Capacity, Ledger

__all__ = ["BUSY", "CAUSES", "constraints", "constraints_lines"]

#: The utilisation from which training slots are named binding.
BUSY = 0.9
CAUSES = ("stop rate limit", "retry quota", "server errors", "stop workers", "handling time")
_THROTTLED = "TooManyRequestsException"


def _cause(why: str, code: str) -> str:
    if why == "quota":
        return "retry quota"
    if code == _THROTTLED:
        return "stop rate limit"
    if code == "InternalServerException":
        return "server errors"
    return f"{code} ({why})"


def constraints(
    scenario: FleetScenario,
    ledger: Ledger,
    capacity: Capacity,
    *,
    mean_worker_wait: float | None,
    duration: float,
) -> dict[str, Any]:
    """The ``constraints`` part of a fleet's JSON report (see the module's documentation)."""
    failed: dict[str, int] = dict.fromkeys(CAUSES, 0)
    for (why, code), count in ledger.lost_why.items():
        cause = _cause(why, code)
        failed[cause] = failed.get(cause, 0) + count
    failed["stop workers"] += capacity.overtaken_waiting
    failed["handling time"] += capacity.overtaken_handling
    slots = _slots(scenario, capacity, duration)
    ranked = sorted(((n, c) for c, n in failed.items() if n), key=lambda item: (-item[0], item[1]))
    binding = [cause for _, cause in ranked]
    if slots is not None and slots["jobs_waited"] and (slots["utilisation"] or 0) >= BUSY:
        binding.append("training slots")
    return {
        "binding": binding,
        "failed_stops": {cause: n for n, cause in ranked},
        "stop_workers": _workers(scenario, capacity, mean_worker_wait),
        "rate_limits": _limits(scenario, ledger),
        "retries": {op: dict(sorted(c.items())) for op, c in sorted(ledger.retries.items())},
        "gave_up": {op: dict(sorted(c.items())) for op, c in sorted(ledger.gave_up.items())},
        "retry_quota": None
        if scenario.retry_mode == "legacy"
        else {"refusals": sum(c.get("quota", 0) for c in ledger.gave_up.values())},
        "training_slots": slots,
    }


def _workers(scenario: FleetScenario, capacity: Capacity, mean_wait: float | None) -> dict[str, Any]:
    span = capacity.last_release - capacity.first_stop if capacity.first_stop is not None else 0.0
    return {
        "workers": scenario.stop_workers,
        "handled": capacity.handled,
        "utilisation": capacity.worker_busy / (scenario.stop_workers * span) if span > 0 else None,
        "busy_seconds": capacity.worker_busy,
        "span_seconds": span,
        "mean_wait_seconds": mean_wait,
        "mean_handling_seconds": capacity.worker_busy / capacity.handled if capacity.handled else None,
        "overtaken_waiting": capacity.overtaken_waiting,
        "overtaken_handling": capacity.overtaken_handling,
    }


def _limits(scenario: FleetScenario, ledger: Ledger) -> dict[str, Any]:
    limits = {}
    for short, (rate, burst) in scenario.rate_limits.items():
        calls: Mapping[str, int] = ledger.calls.get(scenario.operations[short], {})
        total = sum(calls.values())
        throttled = calls.get(_THROTTLED, 0)
        limits[scenario.operations[short]] = {
            "rate": rate,
            "burst": burst,
            "calls": total,
            "throttled": throttled,
            "share_throttled": throttled / total if total else None,
        }
    return limits


def _slots(scenario: FleetScenario, capacity: Capacity, duration: float) -> dict[str, Any] | None:
    if scenario.training_slots is None:
        return None
    return {
        "slots": scenario.training_slots,
        "utilisation": capacity.slot_busy / (scenario.training_slots * duration) if duration > 0 else None,
        "jobs_waited": capacity.slot_waited,
        "mean_wait_seconds": capacity.slot_wait / capacity.slot_requests if capacity.slot_requests else None,
        "max_wait_seconds": capacity.slot_wait_max,
    }


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def _explain(cause: str, n: int, report: Mapping[str, Any], decided: int) -> str:
    """One failed-stop cause in words, with its figures."""
    c = report["constraints"]
    s = report["scenario"]
    w = c["stop_workers"]
    stop = KINDS[s.get("resource", CLASSIFIER.name)].operations["stop"]
    stop_limit = c["rate_limits"].get(stop)
    limit = (
        f"{stop_limit['throttled']:,} of {stop_limit['calls']:,} stop calls throttled at "
        f"{stop_limit['rate']:g}/s, burst {stop_limit['burst']}"
        if stop_limit
        else "no stop limit"
    )
    if cause == "stop rate limit":
        how = (
            "throttled, which legacy retries do not retry"
            if s["retry_mode"] == "legacy"
            else "throttled on every attempt"
        )
        return f"{n:,} of {decided:,} stops never accepted, {how} ({limit})"
    if cause == "retry quota":
        retried = c["retries"]
        spent = ", ".join(
            f"{op} {sum(codes.values()):,}"
            for op, codes in sorted(retried.items(), key=lambda x: -sum(x[1].values()))
        )
        return (
            f"{n:,} of {decided:,} stops never accepted: the client-wide retry quota was empty when they "
            f"were throttled or failed (retries that spent it: {spent or 'none'}; {limit})"
        )
    if cause == "server errors":
        return f"{n:,} of {decided:,} stops never accepted: InternalServerException on every attempt"
    if cause == "stop workers":
        busy = "-" if w["utilisation"] is None else f"{w['utilisation']:.0%}"
        return (
            f"{n:,} accepted stops overtaken while they waited for one of {w['workers']} stop workers "
            f"(busy {busy} from the first stop to the last; mean wait {_minutes(w['mean_wait_seconds'])} "
            f"against {_minutes(w['mean_handling_seconds'])} of handling)"
        )
    if cause == "handling time":
        return (
            f"{n:,} accepted stops overtaken while a worker handled them (mean handling "
            f"{_minutes(w['mean_handling_seconds'])})"
        )
    return f"{n:,} of {decided:,} stops never accepted: {cause}"


def constraints_lines(report: Mapping[str, Any]) -> list[str]:
    """The summary's lines on what bound the fleet, most costly first, then the retries."""
    c = report["constraints"]
    lines = []
    failed = c["failed_stops"]
    for i, (cause, n) in enumerate(failed.items()):
        head = "what bound: " if i == 0 else "then: "
        lines.append(head + f"{cause}: " + _explain(cause, n, report, report["stop_decided"]))
    if not failed:
        lines.append("what bound: nothing: every stop decided on took effect")
    slots = c["training_slots"]
    if slots is not None:
        busy = "-" if slots["utilisation"] is None else f"{slots['utilisation']:.0%}"
        named = " (binding)" if "training slots" in c["binding"] else ""
        lines.append(
            f"training slots{named}: {slots['slots']}, busy {busy}; {slots['jobs_waited']:,} jobs waited "
            f"for one, mean {_minutes(slots['mean_wait_seconds'])}, max {_minutes(slots['max_wait_seconds'])}"
        )
    retries = sum(sum(codes.values()) for codes in c["retries"].values())
    by = "; ".join(
        f"{op}: " + ", ".join(f"{code} {n:,}" for code, n in codes.items())
        for op, codes in c["retries"].items()
    )
    gave = "; ".join(
        f"{op}: " + ", ".join(f"{why} {n:,}" for why, n in reasons.items())
        for op, reasons in c["gave_up"].items()
    )
    quota = c["retry_quota"]
    lines.append(
        f"SDK retries {retries:,}"
        + (f" ({by})" if by else "")
        + (f"; gave up on ({gave})" if gave else "")
        + ("" if quota is None else f"; retries the quota refused {quota['refusals']:,}")
    )
    return lines
