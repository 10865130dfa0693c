"""``stoprace race --resource <a job that processes text>``: the race counted in documents.

The race command's options that a text job has (the queue, the stop latency and times, the policy, the
replications, the seed, the engine, ``--json`` and ``--out``) mean the same here; the rest of a text job
is its own (``--documents``, ``--document-size``, ``--rate``, ``--cycle``, ``--usd-per-unit``), and the
options of the resources that train are refused by name.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.errors import ModelError
from stoprace.model.policy import JobPolicy

from .common import JOB_OPTIONS, TerminalProgress, UsageError, finite, show, stop_times

__all__ = ["TEXT_OPTIONS", "add_text_arguments", "run"]

#: The options only a text job has, by their destinations.
TEXT_OPTIONS = ("documents", "document_size", "rate", "cycle", "usd_per_unit")
#: The options only a resource that trains has (their defaults are None, or the price's).
_TRAINING_OPTIONS = ("scenario", *(n for n in JOB_OPTIONS if n != "queue_delay"), "fit_uncertainty")
_STOP_AT = "60:600:60"


def add_text_arguments(parser: argparse.ArgumentParser) -> None:
    from stoprace.sim.text.scenario import TextScenario  # noqa: PLC0415 - numpy, only when parsing

    defaults = TextScenario()
    group = parser.add_argument_group(
        "jobs that process text (--resource " + ", ".join(TEXT_KINDS) + ")",
        f"their stop times default to {_STOP_AT} and their replications to {defaults.replications}",
    )
    group.add_argument(
        "--documents",
        type=int,
        default=None,
        metavar="N",
        help=f"documents a job processes (default: {defaults.documents})",
    )
    group.add_argument(
        "--document-size",
        default=None,
        metavar="DIST",
        help=f"characters of each document (default: {defaults.document_size.spec})",
    )
    group.add_argument(
        "--rate",
        type=finite,
        default=None,
        metavar="CHARS",
        help=f"characters processed a second (default: {defaults.rate:g})",
    )
    group.add_argument(
        "--cycle",
        type=finite,
        default=None,
        metavar="SECONDS",
        help="the service moves jobs only on ticks this far apart (default: off)",
    )
    group.add_argument(
        "--usd-per-unit",
        type=finite,
        default=None,
        metavar="USD",
        help="price of a billed unit (default: the kind's list price)",
    )


def refuse_text_options(args: argparse.Namespace) -> None:
    """A resource that trains takes none of the text jobs' options."""
    given = [name for name in TEXT_OPTIONS if getattr(args, name, None) is not None]
    if given:
        raise UsageError(
            f"--{given[0].replace('_', '-')} is an option of the jobs that process text "
            f"(--resource {', '.join(TEXT_KINDS)}), not of a {args.resource}"
        )


def text_scenario(
    args: argparse.Namespace, stop_at: tuple[float, ...] | None, usd_per_hour_default: float
) -> Any:
    """The :class:`~stoprace.sim.text.scenario.TextScenario` of the command's options (``stop_at`` None:
    the default stop times); the options of the resources that train are refused by name."""
    from stoprace.sim.text.scenario import TextScenario  # noqa: PLC0415

    given = [name for name in _TRAINING_OPTIONS if getattr(args, name, None) is not None]
    if args.usd_per_hour != usd_per_hour_default:
        given.append("usd_per_hour")
    if given:
        raise UsageError(
            f"--{given[0].replace('_', '-')} is an option of the resources that train; a "
            f"{args.resource} takes --documents, --document-size, --rate, --cycle and --usd-per-unit"
        )
    try:
        policy = JobPolicy.from_assignments(args.policy)
    except ModelError as err:
        raise UsageError(str(err)) from None
    shared = {name: getattr(args, name, None) for name in ("replications", "queue_delay", "stop_latency")}
    settings: dict[str, Any] = {
        "kind": args.resource,
        "stop_at": stop_at if stop_at is not None else stop_times(_STOP_AT),
        "policy": policy,
        "seed": args.seed,
        **{name: value for name, value in shared.items() if value is not None},
        **{name: getattr(args, name) for name in TEXT_OPTIONS[:4] if getattr(args, name) is not None},
        **({"price_per_unit": args.usd_per_unit} if args.usd_per_unit is not None else {}),
    }
    try:
        return TextScenario(**settings)
    except (TypeError, ValueError) as err:
        raise UsageError(str(err)) from None


def run(args: argparse.Namespace, usd_per_hour_default: float) -> int:
    from stoprace.sim.text.report import simulate, text_report, text_table  # noqa: PLC0415

    scenario = text_scenario(args, args.stop_at, usd_per_hour_default)
    result = simulate(scenario, args.engine, progress=TerminalProgress("jobs"))
    report = text_report(result)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
    return show(args, report, text_table, "results.json")
