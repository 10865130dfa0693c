"""``stoprace race``: stop requests racing training completion (the main study)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.kinds import kind_named
from stoprace.sim import race, vector
from stoprace.sim.distributions import FORMS
from stoprace.sim.report import DEFAULT_USD_PER_HOUR, race_report, race_table, write_outputs
from stoprace.sim.scenario import RaceScenario

from . import text_race
from .common import (
    TerminalProgress,
    UsageError,
    add_race_arguments,
    add_resource_argument,
    finite,
    output_dir,
    race_scenario,
    show,
    stop_times,
)
from .text_race import add_text_arguments, refuse_text_options

#: The race engines by name: the numpy one (fast) and the simpy one (the reference).
ENGINES = {"vector": vector, "simpy": race}
_STOP_AT = "600:7200:600"


def add(commands: Any) -> None:
    defaults = RaceScenario()
    parser = commands.add_parser(
        "race",
        help="simulate stop requests racing training completion (the main study)",
        description=(
            "Simulate jobs whose stop is sent at each --stop-at time and count how often training "
            "completes before the stop takes effect (the job ends TRAINED anyway). Durations are "
            "distribution specs: " + ", ".join(FORMS) + ". Every value is in seconds."
        ),
    )
    add_race_arguments(
        parser,
        defaults,
        stop_type=stop_times,
        stop_default=_STOP_AT,
        stop_help="when the stop is sent: 1800,3600 or 30m,1h, or START:END:STEP (10m:2h:10m); another "
        "--resource has its own default",
        replications=defaults.replications,
        replications_help=str(defaults.replications),
    )
    add_resource_argument(parser, text=True)
    add_text_arguments(parser)
    parser.set_defaults(stop_at=None, replications=None)  # the resource's own, unless given
    parser.add_argument(
        "--engine",
        choices=tuple(ENGINES),
        default="vector",
        help="vector (numpy, fast) or simpy (the reference; same per-job outcomes)",
    )
    parser.add_argument(
        "--usd-per-hour",
        type=finite,
        default=DEFAULT_USD_PER_HOUR,
        metavar="USD",
        help="training price for the cost columns (default: %(default)s, the list price)",
    )
    parser.add_argument(
        "--fit-uncertainty",
        type=Path,
        default=None,
        metavar="FIT_JSON",
        help="also give p_race_lost's 95%% interval across the bootstrap replicates of "
        "`stoprace fit --bootstrap N` (its fit.json): the fit's own uncertainty",
    )
    parser.add_argument(
        "--out",
        type=output_dir,
        default=None,
        metavar="DIR",
        help="write results.json, results.csv and the figures (PNG) into DIR",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(run=run)


def scenario(args: argparse.Namespace) -> RaceScenario:
    refuse_text_options(args)
    stops = args.stop_at if args.stop_at is not None else stop_times(kind_named(args.resource).stop_range)
    replications = args.replications if args.replications is not None else RaceScenario().replications
    chosen: RaceScenario = race_scenario(args, stop_at=stops, replications=replications)
    return chosen


def run(args: argparse.Namespace) -> int:
    if args.resource in TEXT_KINDS:
        return text_race.run(args, DEFAULT_USD_PER_HOUR)
    chosen = scenario(args)
    if args.usd_per_hour < 0:
        raise UsageError(f"--usd-per-hour must be at least 0, got {args.usd_per_hour}")
    specs = None
    if args.fit_uncertainty is not None:
        from stoprace.sim.history.uncertainty import read_fit  # noqa: PLC0415

        try:
            specs = read_fit(args.fit_uncertainty)
        except ValueError as err:
            raise UsageError(str(err)) from None
    result = ENGINES[args.engine].simulate(chosen, progress=TerminalProgress("jobs"))
    report = race_report(result, args.usd_per_hour)
    if specs is not None:
        from stoprace.sim.history.uncertainty import add_intervals, fit_intervals  # noqa: PLC0415

        add_intervals(
            report, fit_intervals(chosen, specs), args.fit_uncertainty, max(len(v) for v in specs.values())
        )
    if args.out is not None:
        write_outputs(result, report, args.out, args.usd_per_hour)
    return show(args, report, race_table, "results.json, results.csv and 3 figures")
