"""``stoprace check``: exhaustive checking of the model under every policy."""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Sequence
from typing import Any

from model import Policy, policy_fields
from model.check import check

from .common import TerminalProgress, UsageError, add_policy_argument, policy, whole


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "check",
        help="exhaustively check the model under every policy",
        description=(
            "Search every reachable configuration of one classifier, and of two sharing a name, under "
            "every policy combination; check SPEC's safety properties and that no job is trapped. "
            "Exit 0 when everything holds, 1 with the shortest counterexamples when not."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_policy_argument(parser, "fix these policy fields; the others still vary over all their choices")
    parser.add_argument("--single", action="store_true",
                        help="check only the one policy --policy gives (defaults elsewhere)")
    parser.add_argument("--workers", type=whole(1), default=None, metavar="N",
                        help="processes to use (default: one per core)")
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


def run(args: argparse.Namespace) -> int:
    chosen = policies(args.policy, args.single)
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be at least 1, got {args.workers}")
    report = check(chosen, workers=args.workers, progress=TerminalProgress("searches"))
    print(json.dumps(report.as_dict(), indent=2) if args.json else report.as_text())
    return 0 if report.ok else 1
