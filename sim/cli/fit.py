"""``stoprace fit``: distributions fitted to an account's own history, with censoring done right."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.family import family_of
from stoprace.model.kinds import CLASSIFIER, KINDS
from stoprace.sim.fleet.scenario import DEFAULT_STOP_WORKERS
from stoprace.sim.history.read import History, HistoryError, read_history
from stoprace.sim.scenario import DEFAULT_SEED

from .common import TerminalProgress, UsageError, output_dir, show, whole


def add(commands: Any) -> None:
    parser = commands.add_parser(
        "fit",
        help="fit the race's distributions to an account's history (list output, CloudTrail records)",
        description=(
            "Read `aws comprehend list-document-classifiers` or describe output and CloudTrail records "
            "(lookup-events output or log files; .gz accepted), take each quantity with its censoring "
            "(a stopped job's training, a lost race's stop latency) and fit exponential, log-normal, "
            "gamma and Weibull distributions by maximum likelihood, ranked by AIC."
        ),
    )
    parser.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="history files, any mix of kinds, or directories of them (every .json and .json.gz below)",
    )
    parser.add_argument(
        "--bootstrap",
        type=whole(0),
        default=0,
        metavar="N",
        help="parametric bootstrap replicates for 95%% intervals on each chosen "
        "distribution's parameters, median and mean (default: none)",
    )
    parser.add_argument(
        "--stop-workers",
        type=whole(1),
        default=DEFAULT_STOP_WORKERS,
        metavar="K",
        help="the stop workers a fleet assumes: the wait for one of them is taken out of the stop "
        "latency to give a worker's handling time, for `stoprace fleet` (default: %(default)s, the "
        "fleet's default)",
    )
    parser.add_argument(
        "--seed", type=whole(0), default=DEFAULT_SEED, help="the bootstrap's seed (default: %(default)s)"
    )
    parser.add_argument(
        "--out",
        type=output_dir,
        default=None,
        metavar="DIR",
        help="write scenario.toml (the chosen distributions, for --scenario), fit.json "
        "and a figure per quantity into DIR",
    )
    parser.add_argument(
        "--resource",
        choices=(*KINDS, *TEXT_KINDS),
        default=None,
        help="fit the jobs of this kind of resource (default: the one kind the history holds); a job "
        "that processes text has no start of processing: its duration and stop latency are fitted",
    )
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.set_defaults(run=run)


def _of_one_kind(history: History, resource: str | None) -> History:
    """The history of ``resource``, or of the one kind it holds; a usage error when it holds several and
    none is named."""
    held = history.resources()
    if resource is None:
        if len(held) > 1:
            counts = ", ".join(f"{n} {family_of(k)[1].noun}s" for k, n in sorted(held.items()))
            raise UsageError(f"the history holds {counts}: choose one with --resource")
        resource = next(iter(held), CLASSIFIER.name)
    return history.of(resource)


#: The most bootstrap replicates (each refits every quantity's distribution).
MAX_BOOTSTRAP = 10_000


def _text_run(args: argparse.Namespace, history: History) -> int:
    """The fit of a history of jobs that process text: what it can estimate (see sim/text/fit.py)."""
    from stoprace.sim.text.fit import text_fit, text_fit_table  # noqa: PLC0415

    if args.bootstrap:
        raise UsageError("--bootstrap is for the resources that train; a text job's fit has none yet")
    try:
        report = text_fit(history)
    except ValueError as err:
        raise UsageError(str(err)) from None
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fit.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
    return show(args, report, text_fit_table, "fit.json")


def run(args: argparse.Namespace) -> int:
    # scipy.stats is a second's import: only the command that fits pays it
    from stoprace.sim.history.report import fit_history, fit_table  # noqa: PLC0415

    if args.bootstrap > MAX_BOOTSTRAP:
        raise UsageError(f"--bootstrap {args.bootstrap:,}: at most {MAX_BOOTSTRAP:,} replicates")
    try:
        history = _of_one_kind(read_history(args.files), args.resource)
        if history.resource in TEXT_KINDS:
            return _text_run(args, history)
        report = fit_history(
            history,
            args.bootstrap,
            args.seed,
            progress=TerminalProgress("bootstrap replicates"),
            stop_workers=args.stop_workers,
        )
    except HistoryError as err:
        raise UsageError(str(err)) from None
    if args.out is not None:
        from stoprace.sim.plots import save_fit  # noqa: PLC0415
        from stoprace.sim.scenario_file import scenario_toml  # noqa: PLC0415

        args.out.mkdir(parents=True, exist_ok=True)
        fitted = report["quantities"]
        chosen: dict[str, Any] = {name: quantity["chosen"]["spec"] for name, quantity in fitted.items()}
        if "stop_handling" in chosen:
            chosen["stop_workers"] = args.stop_workers
        measures = [f"{name}: {quantity['measures']}" for name, quantity in fitted.items()]
        noun = KINDS[report.get("resource", CLASSIFIER.name)].noun
        comment = "\n".join(
            (
                f"Fitted by `stoprace fit` from {report['jobs']} {noun}s and {report['stops']} stops.",
                "Read by `stoprace race|fleet|audit --scenario FILE`.",
                *measures,
            )
        )
        (args.out / "scenario.toml").write_text(scenario_toml(chosen, comment))
        (args.out / "fit.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
        save_fit(report, args.out)
    return show(args, report, fit_table, "scenario.toml, fit.json and a figure per quantity")
