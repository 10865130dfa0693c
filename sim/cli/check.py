"""``stoprace check``: exhaustive checking of the model under every policy."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from collections.abc import Sequence
from typing import Any

from stoprace.model import Policy, policy_fields
from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.check import SCENARIOS, check
from stoprace.model.errors import ModelError
from stoprace.model.kinds import KINDS
from stoprace.model.policy import JobPolicy

from .common import TerminalProgress, UsageError, add_policy_argument, policy, whole


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="exhaustively check the model under every policy",
        description=(
            "Search every reachable configuration of one resource, and of two sharing a name, for each kind "
            "of resource that trains (through its own operations and responses), under every policy "
            "combination; check the documented safety properties and that no job is trapped. Exit 0 when "
            "everything holds, 1 with the shortest counterexamples when not."
        ),
    )
    parser.add_argument(
        "--resource",
        choices=(*KINDS, *TEXT_KINDS),
        action="append",
        default=None,
        help="check this kind of resource (repeat for several; default: every kind that trains); the "
        "jobs that process text are checked by their own table, oracle and JobPolicy",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_policy_argument(parser, "fix these policy fields; the others still vary over all their choices")
    parser.add_argument(
        "--single", action="store_true", help="check only the one policy --policy gives (defaults elsewhere)"
    )
    parser.add_argument(
        "--workers", type=whole(1), default=None, metavar="N", help="processes to use (default: one per core)"
    )
    parser.add_argument(
        "--with-spin",
        action="store_true",
        help="also verify with SPIN (its Promela model from the same table), on the policy "
        "given and each alternative of each field it leaves free, and say whether the two "
        "checkers agree (needs spin and a C compiler)",
    )
    parser.set_defaults(run=run)


def policies(assignments: Sequence[str], single: bool) -> list[Policy]:
    """The policies to check: ``assignments`` fix fields; the others vary unless ``single``."""
    fixed = policy(assignments)
    if single:
        return [fixed]
    pinned = {item.partition("=")[0].strip() for item in assignments}
    free = [f.name for f in policy_fields() if f.name not in pinned]
    return [
        dataclasses.replace(p, **{name: getattr(fixed, name) for name in pinned})
        for p in Policy.combinations(free)
    ]


def _text_run(args: argparse.Namespace, kinds: tuple[str, ...]) -> int:
    """The check of the jobs that process text (their own search; SPIN does not model them yet)."""
    from stoprace.model.check_text import check_text  # noqa: PLC0415

    if any(k in KINDS for k in kinds):
        raise UsageError("check a resource that trains and a job that processes text in separate runs")
    try:
        fixed = JobPolicy.from_assignments(args.policy)
    except ModelError as err:
        raise UsageError(str(err)) from None
    pinned = {item.partition("=")[0].strip() for item in args.policy}
    free = [f.name for f in policy_fields(JobPolicy) if f.name not in pinned]
    chosen = (
        [fixed]
        if args.single
        else [
            dataclasses.replace(p, **{n: getattr(fixed, n) for n in pinned})
            for p in JobPolicy.combinations(free)
        ]
    )
    report = check_text(chosen, kinds=kinds)
    result = report.as_dict()
    lines = [report.as_text()]
    agree = True
    if args.with_spin:
        from stoprace.sim.spin import missing  # noqa: PLC0415

        reason = missing()
        if reason is not None:
            raise UsageError(f"--with-spin: {reason}")
        result["spin"], spin_lines, agree = _text_spin(report, fixed, pinned, kinds)
        lines += spin_lines
    print(json.dumps(result, indent=2) if args.json else "\n".join(lines))
    return 0 if report.ok and agree else 1


def _text_spin(
    report: Any, fixed: JobPolicy, pinned: set[str], kinds: tuple[str, ...]
) -> tuple[Any, list[str], bool]:
    """SPIN on the policy given and each alternative of each free field, for each kind; whether it agrees
    with the in-house search property by property."""
    from stoprace.model.analysis_kinds import text_kind_named  # noqa: PLC0415
    from stoprace.model.promela_text import SAME_AS, promela_text, text_properties  # noqa: PLC0415
    from stoprace.sim.spin import verify  # noqa: PLC0415

    chosen = [fixed] + [
        dataclasses.replace(fixed, **{f.name: c})
        for f in policy_fields(JobPolicy)
        if f.name not in pinned
        for c in f.choices
        if c != getattr(fixed, f.name)
    ]
    found, lines, agree = [], [], True
    for kind in kinds:
        statuses = text_kind_named(kind).statuses
        for choice in chosen:
            source = promela_text(choice, kind=kind)
            spin = verify(choice, source=source, kind=kind, formulas=text_properties(choice, statuses))
            ours = {
                p for r in report.results if r.kind == kind and r.policy == choice for p, _, _ in r.violations
            }
            for verdict in spin.properties:
                if verdict.holds == any(s in ours for s in SAME_AS[verdict.name]):
                    agree = False
                    lines.append(f"DISAGREE {kind} {choice.changes()}: {verdict.name}")
            found.append(spin.as_dict())
    verdict_text = "every verdict the same as the in-house checker's" if agree else "verdicts differ"
    kinds_text = f"{len(kinds)} kind{'s' * (len(kinds) != 1)}"
    counted = f"{kinds_text} x {len(chosen)} polic{'ies' if len(chosen) != 1 else 'y'}"
    lines.append(f"SPIN: {len(found)} models ({counted}), {verdict_text}")
    return found, lines, agree


def run(args: argparse.Namespace) -> int:
    kinds_asked = tuple(dict.fromkeys(args.resource)) if args.resource else ()
    if any(k in TEXT_KINDS for k in kinds_asked):
        return _text_run(args, kinds_asked)
    chosen = policies(args.policy, args.single)
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    if args.with_spin:
        from stoprace.sim.spin import missing  # noqa: PLC0415

        reason = missing()
        if reason is not None:
            raise UsageError(f"--with-spin: {reason}")
    kinds = tuple(dict.fromkeys(args.resource)) if args.resource else tuple(KINDS)
    report = check(chosen, kinds=kinds, workers=args.workers, progress=TerminalProgress("searches"))
    result = report.as_dict()
    text = report.as_text()
    agree = True
    if args.with_spin:
        spin, agree = _spin(args, report, kinds)
        result["spin"] = spin
        text += "\n" + _spin_text(spin)
    print(json.dumps(result, indent=2) if args.json else text)
    return 0 if report.ok and agree and all(r["ok"] for r in result.get("spin", {}).get("runs", [])) else 1


def _spin(args: argparse.Namespace, report: Any, kinds: Sequence[str]) -> tuple[dict[str, Any], bool]:
    """SPIN on the covering set of the policies checked, for each kind checked; whether its verdicts
    agree with the report's, property by property."""
    from stoprace.sim.spin import covering_policies, disagreements, verify  # noqa: PLC0415

    pinned = {item.partition("=")[0].strip() for item in args.policy}
    free = () if args.single else [f.name for f in policy_fields() if f.name not in pinned]
    runs: list[dict[str, Any]] = []
    covering = covering_policies(policy(args.policy), free)
    for chosen, kind, scenario in itertools.product(covering, kinds, SCENARIOS):
        verdict = verify(chosen, scenario=scenario, kind=kind)
        found = sorted(
            {
                v.property
                for v in report.violations
                if v.policy == chosen.changes() and v.scenario == scenario and v.kind == kind
            }
        )
        run = verdict.as_dict()
        run["in_house"] = found
        run["disagreements"] = disagreements(verdict, found)
        runs.append(run)
    agree = not any(run["disagreements"] for run in runs)
    return {"runs": runs, "agree": agree}, agree


def _spin_text(spin: dict[str, Any]) -> str:
    lines = [
        f"SPIN on {len(spin['runs'])} runs (policy, kind, scenario; every alternative of each free field):"
    ]
    for run in spin["runs"]:
        policy_text = ", ".join(f"{k}={v}" for k, v in run["policy"].items()) or "default policy"
        states = sum(p["states"] for p in run["properties"])
        failed = [p["name"] for p in run["properties"] if not p["holds"]]
        spin_verdict = "holds" if run["ok"] else "fails " + ", ".join(failed)
        lines.append(
            f"  {policy_text} ({run['kind']}, {run['scenario']}): SPIN {spin_verdict}, {states} states, "
            f"{run['seconds']:.1f} s; "
            f"in-house {'fails ' + '; '.join(run['in_house']) if run['in_house'] else 'holds'}"
        )
        lines += [f"    DISAGREE: {line}" for line in run["disagreements"]]
    lines.append(
        f"SPIN stored {sum(p['states'] for r in spin['runs'] for p in r['properties'])} states in "
        f"{sum(r['seconds'] for r in spin['runs']):.1f} s in all"
    )
    lines.append("the two checkers agree" if spin["agree"] else "the two checkers DISAGREE")
    return "\n".join(lines)
