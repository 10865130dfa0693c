"""``stoprace export``: the lifecycle in another checker's language (Promela, for SPIN)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.errors import ModelError
from stoprace.model.policy import JobPolicy
from stoprace.model.promela import SCENARIOS, promela
from stoprace.model.promela_text import promela_text

from .common import UsageError, add_output_argument, add_policy_argument, add_resource_argument, policy


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "export",
        help="write the lifecycle as a Promela model for the SPIN model checker",
        description=(
            "Write the lifecycle under a policy as Promela, generated from the edge table: a service "
            "process taking the service's own steps, a client calling stop and delete in any order, the "
            "properties as LTL formulas. Check a safety property with `spin -a FILE && cc -o pan pan.c && "
            "./pan -N stopped_stays`, the liveness one with `./pan -a -f -N finishes` (or run "
            "`stoprace check --with-spin`)."
        ),
    )
    parser.add_argument("format", choices=("promela",), help="the language (promela)")
    add_policy_argument(parser, "the policy the model follows (see `stoprace model`)")
    parser.add_argument(
        "--scenario",
        choices=tuple(SCENARIOS),
        default="one_job",
        help="one resource, or a name used twice (default: %(default)s)",
    )
    add_resource_argument(
        parser,
        "whose model (the kinds that train share the lifecycle: only the comments naming the resource and "
        "its operations differ; a job that processes text has its own; default: %(default)s)",
        text=True,
    )
    add_output_argument(parser, "write to FILE (default: standard output)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.resource in TEXT_KINDS:
        if args.scenario != "one_job":
            raise UsageError("a job that processes text has no name to reuse: its model is one job (one_job)")
        try:
            chosen = JobPolicy.from_assignments(args.policy)
        except ModelError as err:
            raise UsageError(str(err)) from None
        text = promela_text(chosen, kind=args.resource)
    else:
        text = promela(policy(args.policy), scenario=args.scenario, kind=args.resource)
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0
