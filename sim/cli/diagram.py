"""``stoprace diagram``: the lifecycle as Mermaid, DOT, SVG or PNG."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from stoprace.model.diagram import FORMATS
from stoprace.model.errors import ModelError
from stoprace.sim.files import parse_json, read_limited

from .common import (
    UsageError,
    add_output_argument,
    add_policy_argument,
    add_resource_argument,
    seconds,
)


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "diagram",
        help="draw the lifecycle as Mermaid, DOT, SVG or PNG",
        description=(
            "Draw the statuses and every edge the policy enables. Documented edges are solid, inferred "
            "dashed, assumed dotted (in Mermaid the label says so); API calls are blue; the race edges "
            "(STOP_REQUESTED -> TRAINED...) red. SVG and PNG need Graphviz's dot program "
            "(apt-get install graphviz, brew install graphviz); Mermaid and DOT need nothing."
        ),
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from the -o suffix, else mermaid)",
    )
    add_policy_argument(parser, "draw the edges of this policy (see `stoprace model`)")
    parser.add_argument(
        "--annotate",
        type=Path,
        default=None,
        metavar="RESULTS",
        help="put simulated frequencies on the edges, from `stoprace race` results.json",
    )
    parser.add_argument(
        "--stamps", action="store_true", help="write the timestamps each step sets, and the guards' legend"
    )
    parser.add_argument(
        "--stop-at",
        type=seconds,
        default=None,
        metavar="TIME",
        help="with --annotate: use only this stop time's row (default: pool them all)",
    )
    add_resource_argument(
        parser,
        "whose lifecycle: a resource that trains (they share one: the title and the create differ) or a "
        "job that processes text (their own; default: %(default)s)",
        text=True,
    )
    add_output_argument(parser, "write to FILE instead of standard output")
    parser.set_defaults(run=run)


def _format(args: argparse.Namespace) -> str:
    from stoprace.model.diagram import DiagramError, format_of  # noqa: PLC0415

    if args.format is not None:
        return str(args.format)  # argparse checked it is one of FORMATS
    if args.output is None:
        return "mermaid"
    try:
        return format_of(args.output)
    except DiagramError as err:
        raise UsageError(str(err)) from None


#: A race result read by --annotate is refused beyond this size (results are a few kilobytes).
MAX_RESULTS_BYTES = 64 << 20


def _annotations(args: argparse.Namespace) -> dict[tuple[str, str], str]:
    from stoprace.model.diagram import DiagramError  # noqa: PLC0415
    from stoprace.sim.report import annotations_from_race  # noqa: PLC0415

    if args.stop_at is not None and args.annotate is None:
        raise UsageError("--stop-at picks a row of --annotate RESULTS; give both")
    if args.annotate is None:
        return {}
    what = "a race's results.json"
    try:
        report = parse_json(read_limited(args.annotate, MAX_RESULTS_BYTES, what), args.annotate, what)
    except ValueError as err:  # not readable, not a regular file, too large, not JSON
        raise UsageError(str(err)) from None
    try:
        return annotations_from_race(report, args.stop_at)
    except (DiagramError, KeyError, TypeError, ValueError) as err:
        raise UsageError(f"{args.annotate}: {err}") from None


def run(args: argparse.Namespace) -> int:
    from stoprace.model.diagram import Diagram, DiagramError  # noqa: PLC0415
    from stoprace.model.family import family_of  # noqa: PLC0415

    family, _ = family_of(args.resource)
    fmt = _format(args)
    try:
        chosen = family.policy_type.from_assignments(args.policy, family.default_policy)
    except ModelError as err:
        raise UsageError(str(err)) from None
    if family.name == "text" and args.annotate is not None:
        raise UsageError("--annotate reads a race of the resources that train; a text job's diagram has none")
    diagram = Diagram(
        policy=chosen, annotations=_annotations(args), stamps=args.stamps, resource=args.resource
    )
    if fmt == "png" and args.output is None and sys.stdout.isatty():
        raise UsageError("PNG is binary: write it with -o FILE (or pipe the output)")
    try:
        content = diagram.render(fmt)
    except DiagramError as err:
        raise UsageError(str(err)) from None
    if args.output is not None:
        if isinstance(content, bytes):
            args.output.write_bytes(content)
        else:
            args.output.write_text(content)
        print(f"wrote {fmt} diagram to {args.output}", file=sys.stderr)
    elif isinstance(content, bytes):
        sys.stdout.buffer.write(content)
    else:
        sys.stdout.write(content)
    return 0
