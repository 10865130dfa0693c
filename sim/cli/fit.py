"""``stoprace fit``: distributions fitted to an account's own history, with censoring done right."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from sim.history.read import HistoryError, read_history
from sim.history.report import fit_history, fit_table

from .common import UsageError


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
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="history files, any mix of kinds")
    parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        report = fit_history(read_history(args.files))
    except HistoryError as err:
        raise UsageError(str(err)) from None
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else fit_table(report))
    return 0
