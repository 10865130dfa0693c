"""What every ``stoprace`` command shares: one-line errors, policies, progress, job options, output."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from model import ModelError, Policy

__all__ = [
    "Parser", "TerminalProgress", "UsageError", "add_job_arguments", "add_policy_argument", "assignment",
    "clock_text", "is_number", "job_settings", "policy", "show", "stop_times",
]


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``stoprace: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


class UsageError(Exception):
    """A bad argument found after parsing; reported like argparse's own errors."""


def policy(assignments: Sequence[str]) -> Policy:
    """The policy of ``--policy FIELD=VALUE ...``; a bad setting is a usage error."""
    try:
        return Policy.from_assignments(assignments)
    except ModelError as err:
        raise UsageError(str(err)) from None


def add_policy_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    parser.add_argument("--policy", metavar="FIELD=VALUE", nargs="+", default=[], help=help_text)


def add_job_arguments(parser: argparse.ArgumentParser, defaults: Any, queue_help: str) -> None:
    """The options of a job's course, shared by race and fleet, with the scenario's defaults."""
    for option, help_text in (
        ("--queue-delay", queue_help),
        ("--provisioning", "time in TRAINING before billed training begins (TrainingStartTime)"),
        ("--training-duration", "billed training time to completion"),
        ("--finalization", "time from the end of billed training (TrainingEndTime) to the job's end"),
    ):
        default = getattr(defaults, option[2:].replace("-", "_")).spec
        parser.add_argument(option, default=default, metavar="SPEC", help=f"{help_text} (default: {default})")
    parser.add_argument("--p-warning", type=float, default=defaults.p_warning, metavar="P",
                        help=f"chance a completion has warnings (default: {defaults.p_warning})")
    parser.add_argument("--p-failure", type=float, default=defaults.p_failure, metavar="P",
                        help=f"chance training fails (default: {defaults.p_failure})")
    parser.add_argument("--failure-point", default=defaults.failure_point.spec, metavar="SPEC",
                        help="when a failing job fails, as a fraction of its training time "
                        f"(default: {defaults.failure_point.spec})")


def add_race_arguments(
    parser: argparse.ArgumentParser, defaults: Any, *, stop_type: Callable[[str], Any], stop_default: str,
    stop_help: str, replications: int | None, replications_help: str,
) -> None:
    """The options of a race scenario, shared by race and audit: the jobs, the stop latency and times,
    the policy, the replications and the seed."""
    add_job_arguments(parser, defaults, "time in SUBMITTED before training starts")
    parser.add_argument("--stop-latency", default=defaults.stop_latency.spec, metavar="SPEC",
                        help="time a stop needs to take effect (default: %(default)s)")
    parser.add_argument("--stop-at", type=stop_type, default=stop_type(stop_default), metavar="TIMES",
                        help=f"{stop_help} (default: {stop_default})")
    add_policy_argument(parser, "model policy settings (see `stoprace model`)")
    parser.add_argument("--replications", type=int, default=replications, metavar="N",
                        help=f"jobs per stop time (default: {replications_help})")
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default: %(default)s)")


def job_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The scenario fields of :func:`add_job_arguments`' options."""
    return {name: getattr(args, name) for name in (
        "queue_delay", "provisioning", "training_duration", "finalization", "p_warning", "p_failure",
        "failure_point",
    )}


def stop_times(text: str) -> tuple[float, ...]:
    """``1800,3600`` (a list) or ``600:7200:600`` (start:end:step, end included)."""
    try:
        if ":" in text:
            start, end, step = (float(part) for part in text.split(":"))
            if step <= 0 or end < start:
                raise ValueError
            count = int((end - start) / step + 1e-9) + 1
            return tuple(start + i * step for i in range(count))
        return tuple(float(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a list of seconds (1800,3600) or a range START:END:STEP with STEP > 0"
        ) from None


def assignment(text: str) -> tuple[str, str]:
    """``FIELD=VALUE``."""
    name, eq, value = text.partition("=")
    if not eq or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not FIELD=VALUE")
    return name.strip(), value.strip()


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def clock_text(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


class TerminalProgress:
    """A one-line progress counter with the time left, on standard error, shown only on a terminal."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.shown = sys.stderr.isatty()
        self.started = time.perf_counter()
        self.first: int | None = None

    def __call__(self, done: int, total: int) -> None:
        if self.first is None:
            self.first, self.started = done, time.perf_counter()
        if not self.shown:
            return
        elapsed = time.perf_counter() - self.started
        fresh = done - self.first
        left = ""
        if fresh and done < total:
            left = f", about {clock_text(elapsed / fresh * (total - done))} left"
        end = "\n" if done == total else ""
        print(f"\r{self.what}: {done}/{total}, {clock_text(elapsed)} elapsed{left}   ", end=end,
              file=sys.stderr, flush=True)


def show(args: argparse.Namespace, report: dict[str, Any], table: Any, written: str) -> int:
    """Print ``report`` as JSON (``--json``) or as ``table(report)``, and say what ``--out`` wrote."""
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(report))
        if args.out is not None:
            print(f"wrote {written} to {args.out}")
    return 0
