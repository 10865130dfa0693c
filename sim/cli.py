"""The ``stoprace`` command line (also ``python -m sim``).

Bad arguments exit with status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from model import ModelError, Policy, policy_fields
from model.check import CheckReport, check
from model.report import as_json, as_text, assumptions_markdown

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``stoprace: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _policy(assignments: Sequence[str]) -> Policy:
    try:
        return Policy.from_assignments(assignments)
    except ModelError as err:
        raise _UsageError(str(err)) from None


class _UsageError(Exception):
    """A bad argument found after parsing; reported like argparse's own errors."""


def _cmd_model(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    if args.json:
        print(json.dumps(as_json(policy), indent=2))
    elif args.markdown:
        print(assumptions_markdown())
    else:
        print(as_text(policy))
    return 0


def _policies(assignments: Sequence[str], single: bool) -> list[Policy]:
    """The policies to check: ``assignments`` fix fields; the others vary unless ``single``."""
    fixed = _policy(assignments)
    if single:
        return [fixed]
    names = {item.partition("=")[0].strip() for item in assignments}
    free = [f.name for f in policy_fields() if f.name not in names]
    return [
        Policy.from_assignments([f"{k}={v}" for k, v in p.as_dict().items() if k in free], base=fixed)
        for p in Policy.combinations(free)
    ]


class _Progress:
    """A one-line progress counter on standard error, shown only on a terminal."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.shown = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.shown:
            end = "\n" if done == total else ""
            print(f"\r{self.what}: {done}/{total}", end=end, file=sys.stderr, flush=True)


def _cmd_check(args: argparse.Namespace) -> int:
    policies = _policies(args.policy, args.single)
    if args.workers is not None and args.workers < 1:
        raise _UsageError(f"--workers must be at least 1, got {args.workers}")
    report = check(policies, workers=args.workers, progress=_Progress("searches"))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(_check_text(report))
    return 0 if report.ok else 1


def _check_text(report: CheckReport) -> str:
    facts = report.as_dict()
    lines = [
        f"checked {facts['policies']} policies x {len(facts['scenarios'])} scenarios "
        f"({', '.join(facts['scenarios'])}): {facts['states']} configurations, {facts['steps']} steps, "
        f"{facts['seconds']:.1f} s",
    ]
    sections = [("default policy", facts["default_policy"])]
    if facts["policies"] > 1:
        sections.append(("all policies searched", facts["all_policies"]))
    for title, summary in sections:
        if summary is None:
            continue
        lines += [
            f"{title}:",
            f"  reachable statuses: {', '.join(summary['reachable_statuses'])}",
            f"  STOP_REQUESTED -> TRAINED (the lost race) reachable: {_yes(summary['race_lost_reachable'])}",
            f"  STOPPED -> TRAINED reachable: {_yes(summary['stopped_to_trained_reachable'])}",
            f"  trap states: {summary['trap_states']}",
        ]
    dead = report.dead_rows
    lines.append(f"dead rows (no policy searched takes them): {len(dead) or 'none'}")
    lines += [f"  {e.trigger}: {', '.join(e.source)} -> {e.dest or '(no change)'}" for e in dead]
    violations = report.violations
    if violations:
        lines.append(f"VIOLATIONS: {len(violations)}; the shortest of each property:")
        seen: set[str] = set()
        for v in violations:
            if v.property not in seen:
                seen.add(v.property)
                lines.append(str(v))
    else:
        lines.append("every property holds")
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def build_parser() -> argparse.ArgumentParser:
    """The ``stoprace`` argument parser."""
    parser = _Parser(
        prog="stoprace",
        description=(
            "A formal model and simulator of Amazon Comprehend's stop-training race: a stop request "
            "that loses to training completion (STOP_REQUESTED -> TRAINED)."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    model = commands.add_parser(
        "model",
        help="print the lifecycle's edge table and the policy",
        description=(
            "Print every edge of the lifecycle (trigger, source, destination, actor, provenance, "
            "the policy it needs, evidence), then every policy field with its value and choices."
        ),
    )
    shape = model.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print JSON instead of a table")
    shape.add_argument(
        "--markdown", action="store_true", help="print the README's assumptions table (Markdown)"
    )
    model.add_argument(
        "--policy",
        metavar="FIELD=VALUE",
        nargs="+",
        default=[],
        help="mark the edges enabled under this policy (default: the default policy)",
    )
    model.set_defaults(run=_cmd_model)

    checker = commands.add_parser(
        "check",
        help="exhaustively check the model under every policy",
        description=(
            "Search every reachable configuration of one classifier, and of two sharing a name, under "
            "every policy combination; check SPEC's safety properties and that no job is trapped. "
            "Exit 0 when everything holds, 1 with the shortest counterexamples when not."
        ),
    )
    checker.add_argument("--json", action="store_true", help="print the report as JSON")
    checker.add_argument(
        "--policy",
        metavar="FIELD=VALUE",
        nargs="+",
        default=[],
        help="fix these policy fields; the others still vary over all their choices",
    )
    checker.add_argument(
        "--single", action="store_true", help="check only the one policy --policy gives (defaults elsewhere)"
    )
    checker.add_argument(
        "--workers", type=int, default=None, metavar="N", help="processes to use (default: one per core)"
    )
    checker.set_defaults(run=_cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``stoprace`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.run(args)
    except _UsageError as err:
        print(f"stoprace {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
