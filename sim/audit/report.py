"""An audit's findings in words, its table, its JSON, its files, and the CI gate."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stoprace.model.kinds import KINDS
from stoprace.model.statuses import FINISHED, WITH_MODEL
from stoprace.sim.report import DEFAULT_USD_PER_HOUR

from .poller import CallablePoller, Poller, cause, state_sets, status_states
from .run import MISREPORTS, AuditResult

__all__ = ["audit_report", "audit_table", "fixed_poller", "gate", "write_audit"]

_FINISHED = frozenset(s.value for s in FINISHED)
_WITH_MODEL = frozenset(s.value for s in WITH_MODEL)
_LABELS = {
    "false_failure": "false failure",
    "false_success": "false success",
    "gave_up_early": "gave up too early",
    "premature": "premature verdict",
}
#: The share of this scenario's jobs a fixed budget of attempts must see to their end.
COVER = 0.999


def fixed_poller(
    result: Any, finished: frozenset[str] = _FINISHED, done: frozenset[str] = _WITH_MODEL
) -> Poller | None:
    """The poller with what the audit ``result`` found fixed: a status that is not final (not in
    ``finished``) never decides (retry), a final status decides (success where the job is ``done``: with a
    model, or all its documents processed; failure otherwise), and the attempts cover 99.9% of the jobs to
    their end. None for a callable (its code is the user's) or when nothing needs fixing."""
    poller = result.poller
    if isinstance(poller, CallablePoller):
        return None
    states = status_states(poller)
    fixed: dict[str, list[str]] = {"success": [], "failure": [], "retry": []}
    for status in states:  # the right reading: wait through what is not final; judge the final status
        if status not in finished:
            fixed["retry"].append(status)
        else:
            fixed["success" if status in done else "failure"].append(status)
    spans = max(row.span_quantile(COVER) for row in result.rows)
    attempts = max(poller.max_attempts, math.ceil(max(spans, 0.0) / poller.delay) + 1)
    now = {status: state or "retry" for status, state in states.items()}
    if now == {status: state for state, group in fixed.items() for status in group} and (
        attempts == poller.max_attempts
    ):
        return None
    return state_sets(
        tuple(fixed["retry"]),
        tuple(fixed["success"]),
        tuple(fixed["failure"]),
        poller.delay,
        attempts,
        resource=poller.resource,
    )


def _worst(result: AuditResult, name: str) -> tuple[float, Any]:
    row = max(result.rows, key=lambda r: r.share(name))
    return row.share(name), row.stop_at


def findings(
    result: AuditResult,
    rerun: Callable[[Poller], AuditResult] | None,
    usd_per_hour: float = DEFAULT_USD_PER_HOUR,
) -> list[dict[str, Any]]:
    """A finding per misreport that happened: its worst share, the statuses the verdicts were taken on,
    what the false failures cost, the fix, and the share after it (the audit re-run with the fix)."""
    fixed = fixed_poller(result)
    after = rerun(fixed) if fixed is not None and rerun is not None else None
    found = []
    for name in MISREPORTS:
        if not any(row.counts[name] for row in result.rows):
            continue
        share, where = _worst(result, name)
        seen: dict[str, int] = {}
        for row in result.rows:
            for status, n in row.causes[name].items():
                seen[status] = seen.get(status, 0) + n
        causes = ", ".join(
            f"{cause(result.poller, s)} ({n} jobs)" for s, n in sorted(seen.items(), key=lambda kv: -kv[1])
        )
        finding: dict[str, Any] = {
            "misreport": name,
            "share": share,
            "stop_at": where,
            "cause": causes,
            "fix": _fix_text(name, result, fixed),
            "share_after_fix": _worst(after, name)[0] if after is not None else None,
        }
        if name == "false_failure":
            hours = sum(row.billed_false_failure for row in result.rows) / 3600
            finding["billed_hours_reported_failed"] = hours
            finding["cost_usd_reported_failed"] = hours * usd_per_hour
        found.append(finding)
    return found


def _fix_text(name: str, result: AuditResult, fixed: Poller | None) -> str:
    if isinstance(result.poller, CallablePoller) and name == "gave_up_early":
        span = max(row.span_quantile(COVER) for row in result.rows)
        return (
            f"keep waiting at least {math.ceil(span / 60)} min from the first describe: that covers "
            f"{COVER:.1%} of this scenario's jobs to their end"
        )
    if isinstance(result.poller, CallablePoller):
        return (
            "wait until the status is final (treat SUBMITTED, TRAINING and STOP_REQUESTED as 'keep "
            "waiting') and judge the job by its final status; long enough for the job to end"
        )
    if name == "gave_up_early" and fixed is not None:
        states = status_states(result.poller)
        waits = sorted(s for s in _FINISHED if states[s] in (None, "retry"))
        decide = f"decide on {', '.join(waits)} (final statuses it keeps waiting on); " if waits else ""
        return (
            f"{decide}a budget of {fixed.max_attempts} attempts x {fixed.delay:g} s covers "
            f"{COVER:.1%} of this scenario's jobs to their end"
        )
    if name == "false_success":
        return "succeed only on TRAINED and TRAINED_WITH_WARNING: the other final statuses have no model"
    return "treat STOP_REQUESTED (every status that is not final) as retry and judge the final status"


def audit_report(result: AuditResult, found: list[dict[str, Any]]) -> dict[str, Any]:
    scenario = result.scenario
    return {
        "scenario": scenario.as_dict(),
        "poller": result.poller.as_dict(),
        "engine": result.engine,
        "seed": scenario.race.seed,
        "replications": scenario.race.replications,
        "rows": [row.as_dict() for row in result.rows],
        "findings": found,
    }


def gate(report: dict[str, Any], above: float) -> list[str]:
    """The misreports whose share is above ``above`` with 99.9% confidence (the lower end of the 99.9%
    interval), as lines."""
    failed = []
    for row in report["rows"]:
        for name in MISREPORTS:
            low = row["ci999"][name][0]
            if low > above:
                where = "no stop" if row["stop_at"] is None else f"stop at {row['stop_at']:g} s"
                failed.append(
                    f"{_LABELS[name]}: {row[f'p_{name}']:.2%} ({where}); its 99.9% interval "
                    f"starts at {low:.2%}, above {above:.2%}"
                )
    return failed


def audit_table(report: dict[str, Any]) -> str:
    poller = report["poller"]
    on = f" on {KINDS[poller['resource']].noun}s" if "resource" in poller else ""  # a classifier's: nothing
    lines = [
        f"{poller['kind']} {poller['name']}{on}"
        + (f": {poller['max_attempts']} attempts x {poller['delay']:g} s" if "delay" in poller else "")
    ]
    if "states" in poller:
        lines.append("  " + "; ".join(f"{k}: {', '.join(v) or '-'}" for k, v in poller["states"].items()))
    lines.append(f"{report['replications']} jobs per row, {report['engine']} engine, seed {report['seed']}")
    lines.append("stop at   false failure  false success  gave up early  premature  mean polls  mean lag")
    for row in report["rows"]:
        stop = "none" if row["stop_at"] is None else f"{row['stop_at']:g}"
        lag = row["mean_lag_seconds"]
        lines.append(
            f"{stop:>7}  "
            + "  ".join(f"{row[f'p_{m}']:>13.2%}" for m in MISREPORTS[:3])
            + f"  {row['p_premature']:>9.2%}  {row['mean_polls']:>10.1f}  "
            + (f"{lag:>6.0f} s" if lag is not None else "      -")
        )
    for f in report["findings"]:
        after = f["share_after_fix"]
        lines.append(f"- {_LABELS[f['misreport']]}: up to {f['share']:.2%} of jobs; cause: {f['cause']}")
        if "billed_hours_reported_failed" in f:
            hours, usd = f["billed_hours_reported_failed"], f["cost_usd_reported_failed"]
            lines.append(
                f"  models reported failed although trained: {hours:.1f} billed hours, {usd:.0f} USD"
            )
        lines.append(f"  fix: {f['fix']}" + (f" (after the fix: {after:.2%})" if after is not None else ""))
    if not report["findings"]:
        lines.append("no misreports")
    return "\n".join(lines)


def write_audit(report: dict[str, Any], directory: Path) -> None:
    """audit.json, audit.csv and audit.png (each misreport's share against stop time) in ``directory``."""
    import matplotlib  # noqa: PLC0415 - heavy; only --out needs it

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt  # noqa: PLC0415

    directory.mkdir(parents=True, exist_ok=True)
    (directory / "audit.json").write_text(json.dumps(report, indent=2) + "\n")
    with (directory / "audit.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "stop_at",
                "jobs",
                *(f"p_{m}" for m in MISREPORTS),
                *(f"{m}_ci95_{e}" for m in MISREPORTS for e in ("low", "high")),
                "mean_polls",
                "mean_lag_seconds",
            ]
        )
        for row in report["rows"]:
            writer.writerow(
                [
                    row["stop_at"],
                    row["jobs"],
                    *(row[f"p_{m}"] for m in MISREPORTS),
                    *(row["ci95"][m][e] for m in MISREPORTS for e in (0, 1)),
                    row["mean_polls"],
                    row["mean_lag_seconds"],
                ]
            )
    figure, axes = plt.subplots(figsize=(7, 4))
    stops = [row["stop_at"] if row["stop_at"] is not None else 0.0 for row in report["rows"]]
    for name in MISREPORTS:
        shares = [row[f"p_{name}"] for row in report["rows"]]
        low = [row["ci95"][name][0] for row in report["rows"]]
        high = [row["ci95"][name][1] for row in report["rows"]]
        axes.plot(stops, shares, marker="o", label=_LABELS[name])
        axes.fill_between(stops, low, high, alpha=0.2)
    axes.set_xlabel("stop sent at (s after submission)")
    axes.set_ylabel("share of jobs")
    axes.set_title(f"{report['poller']['name']}: misreports against stop time")
    axes.legend()
    figure.tight_layout()
    figure.savefig(directory / "audit.png", dpi=120)
    plt.close(figure)
