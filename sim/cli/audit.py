"""``stoprace audit``: how often a client's waiting logic misreports the race, and what to change."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from stoprace.model.analysis_kinds import TEXT_KINDS
from stoprace.model.family import family_of
from stoprace.model.kinds import CLASSIFIER, KINDS
from stoprace.sim.audit import ENGINES, AuditScenario, PollerError, audit, state_sets, waiter_from_file
from stoprace.sim.audit.poller import CallablePoller, Poller, callable_poller
from stoprace.sim.audit.report import audit_report, audit_table, findings, gate, write_audit
from stoprace.sim.report import DEFAULT_USD_PER_HOUR
from stoprace.sim.scenario import RaceScenario

from .common import (
    TerminalProgress,
    UsageError,
    add_race_arguments,
    add_resource_argument,
    finite,
    output_dir,
    race_scenario,
    seconds,
    stop_times,
)
from .text_race import add_text_arguments, refuse_text_options, text_scenario

_STOP_AT = "600:7200:600"
_EXACT_REPLICATIONS = 1000


def _stops(text: str) -> tuple[float, ...] | None:
    return None if text.strip().lower() == "none" else stop_times(text)


def _statuses(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def add(commands: Any) -> None:
    defaults = RaceScenario()
    parser = commands.add_parser(
        "audit",
        help="how often a client's waiting logic misreports the race, and the fix",
        description=(
            "Run a poller (a botocore waiter file, state sets, or a Python callable) on simulated jobs "
            "that someone stops at each --stop-at time, and count its verdicts against what became of "
            "the jobs: false failures (a model reported failed), false successes, gave up too early, "
            "premature verdicts. Prints findings with the fix, checked by re-running the audit."
        ),
    )
    _add_poller(parser)
    add_race_arguments(
        parser,
        defaults,
        stop_type=_stops,
        stop_default=_STOP_AT,
        stop_help="when someone stops the job: 1800,3600 or 30m,1h, START:END:STEP, or none",
        replications=None,
        replications_help=(f"{defaults.replications}; {_EXACT_REPLICATIONS} with --engine exact"),
    )
    add_resource_argument(parser, text=True)
    add_text_arguments(parser)
    # the kind from the waiter's operation, else --resource; its stop times unless given (() marks that)
    parser.set_defaults(resource=None, stop_at=())
    parser.add_argument(
        "--poll-start",
        default="fixed:0",
        metavar="DIST",
        help="when the first describe comes, after submission (default: %(default)s; "
        "uniform:low=0,high=60 for a poller of unknown phase)",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default=None,
        help="vector (numpy, fast) or exact (the poller's own code through the bridge; default for "
        "--client, vector otherwise)",
    )
    _add_outputs(parser)
    parser.set_defaults(run=run)


def _add_poller(parser: argparse.ArgumentParser) -> None:
    poll = parser.add_argument_group("the poller (one of: a waiter file, state sets, a callable)")
    poll.add_argument(
        "--waiter-file", type=Path, metavar="FILE", help="a botocore waiter model (JSON, version 2)"
    )
    poll.add_argument("--waiter", metavar="NAME", help="the waiter in the file (needed if it has several)")
    poll.add_argument(
        "--retry", type=_statuses, default=(), metavar="A,B", help="statuses to keep waiting on"
    )
    poll.add_argument("--success", type=_statuses, default=(), metavar="C,D", help="statuses that succeed")
    poll.add_argument("--failure", type=_statuses, default=(), metavar="E,F", help="statuses that fail")
    poll.add_argument(
        "--delay",
        type=seconds,
        metavar="TIME",
        help="time between describes, seconds or with units: 90s, 1m (state sets: default 60; overrides "
        "a waiter file's)",
    )
    poll.add_argument(
        "--max-attempts",
        type=int,
        metavar="N",
        help="describes at most (state sets: default 60; overrides a waiter file's)",
    )
    poll.add_argument(
        "--client",
        metavar="MODULE:FUNCTION",
        help="function(client, arn) in MODULE (found from the current directory) or in path/to/file.py, "
        "run unchanged through the bridge in virtual time: returning is success, raising TimeoutError "
        "(or a ...Timeout exception, or botocore's WaiterError for max attempts) is giving up, raising "
        "anything else is failure",
    )


def _add_outputs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--usd-per-hour",
        type=finite,
        default=DEFAULT_USD_PER_HOUR,
        metavar="USD",
        help="training price for the cost of models reported failed (default: %(default)s)",
    )
    parser.add_argument(
        "--fail-above",
        type=finite,
        default=None,
        metavar="P",
        help="exit 1 when a misreport's share is above P with 99.9%% confidence (a CI gate)",
    )
    parser.add_argument(
        "--out",
        type=output_dir,
        default=None,
        metavar="DIR",
        help="write audit.json, audit.csv and audit.png into DIR",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def poller(args: argparse.Namespace) -> Poller | CallablePoller:
    sets = bool(args.retry or args.success or args.failure)
    given = [
        name
        for name, on in (
            ("--waiter-file", args.waiter_file is not None),
            ("state sets", sets),
            ("--client", args.client is not None),
        )
        if on
    ]
    if len(given) != 1:
        what = " and ".join(given) if given else "none"
        raise UsageError(
            f"give one poller: --waiter-file FILE, state sets (--success/--failure/--retry) or "
            f"--client MODULE:FUNCTION; got {what}"
        )
    resource = args.resource or CLASSIFIER.name
    try:
        if args.waiter_file is not None:
            waiter = waiter_from_file(args.waiter_file, args.waiter, args.delay, args.max_attempts)
            if args.resource is not None and waiter.resource != args.resource:
                raise PollerError(
                    f"--resource {args.resource}, but waiter {waiter.name!r} waits on "
                    f"{family_of(waiter.resource)[1].noun}s ({waiter.config['operation']})"
                )
            return waiter
        if args.client is not None:
            if args.delay is not None or args.max_attempts is not None:
                raise PollerError("--delay and --max-attempts do not apply to --client: its code decides")
            sys.path.insert(0, str(Path.cwd()))
            return callable_poller(args.client, resource)
        delay = 60.0 if args.delay is None else args.delay
        attempts = 60 if args.max_attempts is None else args.max_attempts
        return state_sets(args.retry, args.success, args.failure, delay, attempts, resource=resource)
    except PollerError as err:
        raise UsageError(str(err)) from None


def engine(args: argparse.Namespace) -> str:
    """The engine asked for; by default the exact one for a callable (the only one that can run it)."""
    if args.engine is not None:
        return str(args.engine)
    return "exact" if args.client is not None else "vector"


def scenario(args: argparse.Namespace, resource: str = CLASSIFIER.name) -> AuditScenario:
    """The audit's scenario, of the jobs of ``resource`` (the poller's)."""
    replications = args.replications
    if replications is None:
        replications = _EXACT_REPLICATIONS if engine(args) == "exact" else RaceScenario().replications
    args.resource = resource
    stops = _stops(KINDS[resource].stop_range) if args.stop_at == () else args.stop_at
    race = race_scenario(args, stop_at=stops if stops is not None else (0.0,), replications=replications)
    try:
        return AuditScenario(race=race, stopped=stops is not None, poll_start=args.poll_start)
    except (TypeError, ValueError) as err:
        raise UsageError(f"--poll-start: {err}") from None


def _gate(args: argparse.Namespace, report: dict[str, Any]) -> int:
    """With ``--fail-above``: 1, each misreport over the share said on standard error; else 0."""
    if args.fail_above is None:
        return 0
    failed = gate(report, args.fail_above)
    for line in failed:
        print(f"stoprace audit: {line}", file=sys.stderr)
    return 1 if failed else 0


def _text_run(args: argparse.Namespace, waiting: Poller | CallablePoller) -> int:
    """The audit of a client waiting on a job that processes text (a waiter, state sets or a callable)."""
    from stoprace.sim.text.audit import text_audit, text_audit_report, text_audit_table  # noqa: PLC0415

    if args.fail_above is not None and not 0 <= args.fail_above < 1:
        raise UsageError(f"--fail-above must be a share in [0, 1), got {args.fail_above}")
    args.resource = waiting.resource
    stops = None if args.stop_at == () else args.stop_at
    if args.replications is None and engine(args) == "exact":
        args.replications = _EXACT_REPLICATIONS
    chosen = text_scenario(args, stops if stops is not None else None, DEFAULT_USD_PER_HOUR)
    try:
        result = text_audit(
            chosen, waiting, stopped=args.stop_at is not None, poll_start=args.poll_start,
            progress=TerminalProgress("jobs"), engine=engine(args),
        )  # fmt: skip
    except (PollerError, ImportError) as err:
        raise UsageError(str(err)) from None
    except ValueError as err:
        raise UsageError(f"--poll-start: {err}") from None
    report = text_audit_report(result)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "audit.json").write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else text_audit_table(report))
    return _gate(args, report)


def run(args: argparse.Namespace) -> int:
    waiting = poller(args)
    if waiting.resource in TEXT_KINDS:
        return _text_run(args, waiting)
    chosen = scenario(args, waiting.resource)
    refuse_text_options(args)
    if args.fail_above is not None and not 0 <= args.fail_above < 1:
        raise UsageError(f"--fail-above must be a share in [0, 1), got {args.fail_above}")
    if args.usd_per_hour < 0:
        raise UsageError(f"--usd-per-hour must be at least 0, got {args.usd_per_hour}")
    try:
        result = audit(chosen, waiting, engine(args), progress=TerminalProgress("jobs"))
    except (PollerError, ImportError) as err:
        raise UsageError(str(err)) from None
    found = findings(result, lambda fixed: audit(chosen, fixed, "vector"), args.usd_per_hour)
    report = audit_report(result, found)
    if args.out is not None:
        write_audit(report, args.out)
    print(json.dumps(report, indent=2, allow_nan=False) if args.json else audit_table(report))
    if args.out is not None and not args.json:
        print(f"wrote audit.json, audit.csv and audit.png to {args.out}")
    return _gate(args, report)
