"""The command-line reference, generated from the parsers themselves (the documentation's ``cli.md``).

Each command gets its description, its usage line and a table of its arguments with their help and
defaults, exactly as ``stoprace COMMAND --help`` knows them, so the reference cannot drift from the
command.

>>> "## `stoprace race`" in reference_markdown()
True
"""

from __future__ import annotations

import argparse

__all__ = ["MARKER", "commands", "reference_markdown"]

#: What ``docs/cli.md`` holds in place of the generated reference.
MARKER = "<!-- stoprace cli reference -->"


def commands(parser: argparse.ArgumentParser | None = None) -> dict[str, argparse.ArgumentParser]:
    """Every command's parser by its full name (``stoprace``, ``stoprace race``, ...), in ``--help``
    order."""
    from . import build_parser  # noqa: PLC0415 - the package imports this module's siblings first

    root = parser if parser is not None else build_parser()
    found = {root.prog: root}
    for action in root._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.update(commands(sub))
    return found


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _arguments(parser: argparse.ArgumentParser) -> list[str]:
    formatter = parser._get_formatter()
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction | argparse._SubParsersAction):
            continue
        if action.option_strings:
            names = ", ".join(f"`{o}`" for o in action.option_strings)
            takes = "" if action.nargs == 0 else formatter._format_args(action, action.dest.upper())
            name = f"{names} `{takes}`" if takes else names
        else:
            name = f"`{action.metavar or action.dest}`"
        help_text = formatter._expand_help(action) if action.help else ""
        rows.append(f"| {name} | {_escape(help_text)} |")
    if not rows:
        return []
    return ["| argument | meaning |", "|---|---|", *rows, ""]


def reference_markdown() -> str:
    """Markdown for every command: heading, description, usage and arguments."""
    lines: list[str] = []
    for name, parser in commands().items():
        lines += [f"## `{name}`", ""]
        if parser.description:
            lines += [parser.description, ""]
        usage = parser.format_usage().removeprefix("usage: ").strip()
        lines += ["```", " ".join(usage.split()), "```", ""]
        lines += _arguments(parser)
    return "\n".join(lines).rstrip() + "\n"
