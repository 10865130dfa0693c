"""The ``stoprace`` command line (also ``python -m stoprace``): one module per command.

Each command module has ``add(commands)``, which adds its parser (defaults from the scenario
dataclasses, choices from the names the simulators define), and ``run(args)``, which returns the exit
status. Bad arguments exit with status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from stoprace import __version__

from . import audit, check, diagram, export, fit, fleet, model, race, serve, sweep
from .common import Parser, UsageError

__all__ = ["build_parser", "main"]

#: The commands, in the order ``stoprace --help`` lists them.
COMMANDS = (model, check, diagram, export, fleet, sweep, race, audit, fit, serve)


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


#: The options that name where a command writes, so that a failed write names the option.
_OUTPUTS = ("out", "output", "export_history")


def _os_error(args: argparse.Namespace, err: OSError) -> str:
    """``err`` in one line, naming the output option whose path it failed on, if one did."""
    reason = err.strerror or str(err)
    if err.filename is not None:
        failed = Path(os.fsdecode(err.filename)).absolute()
        for name in _OUTPUTS:
            value = getattr(args, name, None)
            if value is not None and failed.is_relative_to(Path(value).absolute()):
                return f"--{name.replace('_', '-')} {value}: {reason} ({err.filename})"
        return f"{reason}: {err.filename}"
    return reason


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
        print(f"stoprace {args.command}: error: {_os_error(args, err)}", file=sys.stderr)
        return 2
    return status
