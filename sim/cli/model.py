"""``stoprace model``: the lifecycle's edge table and the policy."""

from __future__ import annotations

import argparse
import json
from typing import Any

from stoprace.model.errors import ModelError
from stoprace.model.family import family_of
from stoprace.model.tables import as_json, as_text, assumptions_markdown

from .common import UsageError, add_policy_argument, add_resource_argument


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
    add_resource_argument(
        parser,
        "whose table: the resources that train share one; a job that processes text has its family's "
        "(default: %(default)s)",
        text=True,
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    family, kind = family_of(args.resource)
    try:
        chosen = family.policy_type.from_assignments(args.policy, family.default_policy)
    except ModelError as err:
        raise UsageError(str(err)) from None
    edges = family.edges_of(kind)
    if args.json:
        print(json.dumps(as_json(chosen, edges), indent=2))
    elif args.markdown:
        print(assumptions_markdown(edges=edges, policy_type=family.policy_type))
    else:
        print(as_text(chosen, edges))
    return 0
