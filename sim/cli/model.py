"""``stoprace model``: the lifecycle's edge table and the policy."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stoprace.model.tables import as_json, as_text, assumptions_markdown

from .common import add_policy_argument, policy


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "model",
        help="print the lifecycle's edge table and the policy",
        description=(
            "Print every edge of the lifecycle (trigger, source, destination, actor, provenance, "
            "the policy it needs, evidence), then every policy field with its value and choices."
        ),
    )
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print JSON instead of a table")
    shape.add_argument(
        "--markdown",
        action="store_true",
        help="print the assumptions table of the documentation's concepts page (Markdown)",
    )
    add_policy_argument(parser, "mark the edges enabled under this policy (default: the default policy)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    chosen = policy(args.policy)
    if args.json:
        print(json.dumps(as_json(chosen), indent=2))
    elif args.markdown:
        print(assumptions_markdown())
    else:
        print(as_text(chosen))
    return 0
