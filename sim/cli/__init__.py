"""The ``stoprace`` command line (also ``python -m stoprace``): one module per command.

Each command module has ``add(commands)``, which adds its parser (defaults from the scenario
dataclasses, choices from the names the simulators define), and ``run(args)``, which returns the exit
status. Bad arguments exit with status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from stoprace import __version__

from . import audit, check, diagram, export, fit, fleet, model, race, sweep
from .common import Parser, UsageError

__all__ = ["build_parser", "main"]

#: The commands, in the order ``stoprace --help`` lists them.
COMMANDS = (model, check, diagram, export, fleet, sweep, race, audit, fit)


def build_parser() -> argparse.ArgumentParser:
    """The ``stoprace`` argument parser."""
    parser = Parser(
        prog="stoprace",
        description=(
            "A formal model and simulator of Amazon Comprehend's stop-training race: a stop request "
            "that loses to training completion (STOP_REQUESTED -> TRAINED)."
        ),
    )
    parser.add_argument("--version", action="version", version=f"stoprace {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for command in COMMANDS:
        command.add(commands)
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
    except UsageError as err:
        print(f"stoprace {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    except OSError as err:  # a file or directory of the user's that cannot be read or written
        where = f": {err.filename}" if err.filename else ""
        print(f"stoprace {args.command}: error: {err.strerror or err}{where}", file=sys.stderr)
        return 2
    return status
