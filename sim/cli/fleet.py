"""``stoprace fleet``: many jobs stopped through a throttled service with the SDK's retries."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.kinds import KINDS
from stoprace.model.service import DEFAULT_ACCOUNT, DEFAULT_REGION
from stoprace.sim.distributions import FORMS
from stoprace.sim.fleet import HTTP_STATUSES, OPERATIONS, FleetScenario, fleet_table
from stoprace.sim.report import DEFAULT_USD_PER_HOUR
from stoprace.sim.retry import MODES
from stoprace.sim.scenario_file import fleet_fields

from .common import (
    TerminalProgress,
    UsageError,
    add_job_arguments,
    add_policy_argument,
    add_resource_argument,
    finite,
    job_settings,
    output_dir,
    policy,
    scenario_file,
    seconds,
    show,
)
from .text_race import add_text_arguments, refuse_text_options, text_scenario

_DEFAULTS = FleetScenario()


def _submit_rate(text: str) -> float | None:
    """``once`` (every job at time 0) or jobs per second (a Poisson stream)."""
    if text.strip().lower() == "once":
        return None
    try:
        rate = float(text)
    except ValueError:
        rate = math.nan
    if not (math.isfinite(rate) and rate > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not 'once' or a number of jobs per second > 0")
    return rate


def _rate_limit(text: str) -> tuple[str, tuple[float, int] | None]:
    """``OPERATION=RATE:BURST`` or ``OPERATION=none``."""
    name, eq, value = text.partition("=")
    name = name.strip()
    if not eq or name not in OPERATIONS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not OPERATION=RATE:BURST with OPERATION one of {', '.join(OPERATIONS)}"
        )
    if value.strip().lower() == "none":
        return name, None
    try:
        rate_text, _, burst_text = value.partition(":")
        rate, burst = float(rate_text), int(burst_text or "1")
        if not (math.isfinite(rate) and rate > 0 and burst >= 1):
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: the limit is RATE:BURST, requests per second > 0 and a whole burst >= 1 (or none)"
        ) from None
    return name, (rate, burst)


def add(commands: Any) -> None:
    d = _DEFAULTS
    parser = commands.add_parser(
        "fleet",
        help="simulate many jobs stopped through a throttled service with the SDK's retries",
        description=(
            "Simulate an account: jobs submitted at once or as a Poisson stream, training slots, stop "
            "workers, per-operation request-rate limits (TooManyRequestsException over them), injected "
            "InternalServerException, clients that poll and stop at a deadline or a cost budget, and "
            "botocore's legacy or standard retries (and, if asked, application retries of the stop). "
            "Distributions are specs: " + ", ".join(FORMS) + "."
        ),
    )
    parser.add_argument("--jobs", type=int, default=d.jobs, metavar="N", help="jobs (default: %(default)s)")
    parser.add_argument(
        "--submit-rate",
        type=_submit_rate,
        default=d.submit_rate,
        metavar="RATE",
        help=f"jobs per second (a Poisson stream), or 'once' for all at time 0 (default: {d.submit_rate:g})",
    )
    parser.add_argument(
        "--training-slots",
        type=int,
        default=d.training_slots,
        metavar="C",
        help="jobs that can train at once; others wait in SUBMITTED (default: no limit)",
    )
    add_job_arguments(parser, d, "time from a free slot to training")
    _add_service(parser)
    _add_clients(parser)
    _add_retries(parser)
    add_policy_argument(parser, "model policy settings (see `stoprace model`)")
    add_resource_argument(parser, text=True)
    add_text_arguments(parser)
    parser.add_argument("--seed", type=int, default=d.seed, help="random seed (default: %(default)s)")
    _add_outputs(parser)
    parser.set_defaults(run=run)


def _add_service(parser: argparse.ArgumentParser) -> None:
    """The service's side: its stop workers, rate limits and injected errors."""
    d = _DEFAULTS
    parser.add_argument(
        "--stop-workers",
        type=int,
        default=None,
        metavar="K",
        help=f"stop-handling workers of the service (default: {d.stop_workers}; a --scenario file's "
        "stop_workers)",
    )
    parser.add_argument(
        "--stop-handling",
        default=None,
        metavar="DIST",
        help="a worker's time to make a stop take effect once it has the stop (default: "
        f"{d.stop_handling.spec}; a --scenario file's stop_handling)",
    )
    limits = " ".join(f"{k}={r:g}:{b}" for k, (r, b) in d.rate_limits.items())
    parser.add_argument(
        "--rate-limit",
        type=_rate_limit,
        nargs="+",
        default=[],
        metavar="OP=RATE:BURST",
        help=f"request-rate limits by operation ({', '.join(OPERATIONS)}): requests a second and a burst "
        f"(1 when left out, as in stop=5), or OP=none (default: {limits})",
    )
    parser.add_argument(
        "--p-server-error",
        type=finite,
        default=d.p_server_error,
        metavar="P",
        help="chance any call gets InternalServerException (default: %(default)s)",
    )


def _add_clients(parser: argparse.ArgumentParser) -> None:
    """The clients: how they poll, and when they stop their jobs."""
    d = _DEFAULTS
    parser.add_argument(
        "--poll-interval",
        type=seconds,
        default=d.poll_interval,
        metavar="TIME",
        help="how often a client describes its job (default: %(default)s)",
    )
    parser.add_argument(
        "--stop-after",
        type=seconds,
        default=None,
        metavar="TIME",
        help=f"a client stops its job this long after submission (default: {d.stop_after}, a recognizer's "
        f"{KINDS['entity-recognizer'].stop_after}, unless --budget-usd is given)",
    )
    parser.add_argument(
        "--budget-usd",
        type=finite,
        default=None,
        metavar="USD",
        help="instead, stop at the first poll where training has cost this much",
    )
    parser.add_argument(
        "--usd-per-hour",
        type=finite,
        default=d.usd_per_hour,
        metavar="USD",
        help="training price (default: %(default)s)",
    )


def _add_retries(parser: argparse.ArgumentParser) -> None:
    """Retries: the SDK's, the application's, and how throttling is answered."""
    d = _DEFAULTS
    parser.add_argument(
        "--retry-mode",
        choices=(*MODES, "default"),
        default="default",
        help="botocore's retry mode (default: the default of the botocore version: legacy "
        "up to 1.43, standard from 1.44)",
    )
    parser.add_argument(
        "--botocore",
        default="installed",
        metavar="VERSION",
        help="retry as this botocore release does, e.g. 1.43 or 1.44.8 (default: the "
        "installed one, or the newest rules without botocore)",
    )
    parser.add_argument(
        "--app-retry",
        action="store_true",
        help="the application retries a stop the SDK gave up on until it is accepted",
    )
    parser.add_argument(
        "--app-retry-interval",
        default=d.app_retry_interval.spec,
        metavar="DIST",
        help="the application's wait between its retries (default: %(default)s)",
    )
    parser.add_argument(
        "--http-statuses",
        choices=HTTP_STATUSES,
        default=d.http_statuses,
        help="TooManyRequestsException as HTTP 400 (the API reference) or 429 (botocore's model)",
    )


def _add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        type=output_dir,
        default=None,
        metavar="DIR",
        help="write fleet.json and the figures (timeline, STOP_REQUESTED times) into DIR",
    )
    parser.add_argument(
        "--export-history",
        type=output_dir,
        default=None,
        metavar="DIR",
        help="write what AWS would have given for these jobs into DIR: list-document-"
        "classifiers pages and CloudTrail records (lookup-events pages and log files), "
        "as `stoprace fit` reads them",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def scenario(args: argparse.Namespace) -> FleetScenario:
    limits = dict(_DEFAULTS.rate_limits)
    for name, limit in args.rate_limit:
        if limit is None:
            limits.pop(name, None)
        else:
            limits[name] = limit
    stop_after, budget = args.stop_after, args.budget_usd
    if stop_after is not None and budget is not None:
        raise UsageError("give --stop-after (a deadline) or --budget-usd (a cost limit), not both")
    if stop_after is None and budget is None:
        stop_after = KINDS[args.resource].stop_after  # the default decision: a deadline
    try:  # a file's end-to-end stop latency is not a worker's handling time
        from_file = fleet_fields(scenario_file(args), args.scenario, args.stop_handling is not None)
    except ValueError as err:
        raise UsageError(str(err)) from None
    handling = args.stop_handling or from_file.get("stop_handling") or _DEFAULTS.stop_handling
    workers = args.stop_workers if args.stop_workers is not None else from_file.get("stop_workers")
    try:
        return FleetScenario.for_resource(
            args.resource,
            jobs=args.jobs,
            submit_rate=args.submit_rate,
            training_slots=args.training_slots,
            **job_settings(args),
            stop_workers=_DEFAULTS.stop_workers if workers is None else workers,
            stop_handling=handling,
            rate_limits=limits,
            p_server_error=args.p_server_error,
            poll_interval=args.poll_interval,
            stop_after=stop_after,
            budget_usd=budget,
            usd_per_hour=args.usd_per_hour,
            retry_mode=args.retry_mode,
            botocore=args.botocore,
            app_retry=args.app_retry,
            app_retry_interval=args.app_retry_interval,
            http_statuses=args.http_statuses,
            policy=policy(args.policy),
            seed=args.seed,
        )
    except (TypeError, ValueError) as err:
        raise UsageError(str(err)) from None


def _text_run(args: argparse.Namespace) -> int:
    """A fleet of jobs that process text (sim/text/fleet.py)."""
    from stoprace.sim.text.fleet import TextFleetScenario, simulate_text_fleet, text_fleet_table  # noqa: PLC0415

    for name, option in (
        ("training_slots", "--training-slots"),
        ("budget_usd", "--budget-usd"),
        ("export_history", "--export-history"),
    ):
        if getattr(args, name) is not None:
            raise UsageError(f"{option} is an option of the resources that train, not of a {args.resource}")
    if args.app_retry:
        raise UsageError(f"--app-retry is an option of the resources that train, not of a {args.resource}")
    stop_after = args.stop_after if args.stop_after is not None else TextFleetScenario().stop_after
    text = text_scenario(args, (stop_after,), DEFAULT_USD_PER_HOUR)
    retry_mode = args.retry_mode if args.retry_mode != "default" else "standard"
    try:
        chosen = TextFleetScenario(
            text=text,
            jobs=args.jobs,
            submit_rate=args.submit_rate,
            stop_after=stop_after,
            poll_interval=args.poll_interval
            if args.poll_interval is not None
            else TextFleetScenario().poll_interval,
            stop_workers=args.stop_workers
            if args.stop_workers is not None
            else TextFleetScenario().stop_workers,
            stop_handling=args.stop_handling or TextFleetScenario().stop_handling,
            rate_limits={name: limit for name, limit in args.rate_limit if limit is not None},
            p_server_error=args.p_server_error,
            retry_mode=retry_mode,
            seed=args.seed,
        )
    except (TypeError, ValueError) as err:
        raise UsageError(str(err)) from None
    report = simulate_text_fleet(chosen).as_dict()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fleet.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
    return show(args, report, text_fleet_table, "fleet.json")


def run(args: argparse.Namespace) -> int:
    if args.resource in TEXT_KINDS:
        return _text_run(args)
    refuse_text_options(args)
    from stoprace.sim.fleet import SimulationStalled, simulate  # noqa: PLC0415
    from stoprace.sim.history.export import HistoryRecorder  # noqa: PLC0415
    from stoprace.sim.plots import save_fleet  # noqa: PLC0415

    chosen = scenario(args)
    recorder = None
    if args.export_history is not None:
        recorder = HistoryRecorder(
            chosen.seed, DEFAULT_ACCOUNT, DEFAULT_REGION, chosen.botocore, chosen.resource
        )
    try:
        result = simulate(
            chosen,
            progress=TerminalProgress("jobs done"),
            keep_timeline=args.out is not None,
            recorder=recorder,
        )
    except SimulationStalled as err:
        raise UsageError(str(err)) from None
    report = result.as_dict()
    if recorder is not None:
        files = recorder.write(args.export_history)
        print(f"wrote {len(files)} history files into {args.export_history}", file=sys.stderr)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fleet.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
        save_fleet(result, args.out)
    return show(args, report, fleet_table, "fleet.json and 2 figures")
