"""The ``stoprace`` command line (also ``python -m sim``).

Bad arguments exit with status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import NoReturn

from model import ModelError, Policy
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
