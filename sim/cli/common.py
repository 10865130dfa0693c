"""What every ``stoprace`` command shares: one-line errors, policies, progress, job options, output."""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from stoprace.model import ModelError, Policy

__all__ = [
    "Parser",
    "TerminalProgress",
    "UsageError",
    "add_job_arguments",
    "add_policy_argument",
    "assignment",
    "clock_text",
    "finite",
    "is_number",
    "job_settings",
    "number_range",
    "output_dir",
    "output_file",
    "policy",
    "show",
    "stop_times",
    "whole",
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
    """The options of a job's course, shared by race and fleet, with the scenario's defaults (each left
    None when not given: a ``--scenario`` file then fills it, else the scenario's default)."""
    parser.add_argument(
        "--scenario",
        type=Path,
        default=None,
        metavar="FILE",
        help="take the job's distributions from FILE (a scenario.toml of `stoprace fit "
        "--out`); options given here win over it",
    )
    for option, help_text in (
        ("--queue-delay", queue_help),
        ("--provisioning", "time in TRAINING before billed training begins (TrainingStartTime)"),
        ("--training-duration", "billed training time to completion"),
        ("--finalization", "time from the end of billed training (TrainingEndTime) to the job's end"),
    ):
        default = getattr(defaults, option[2:].replace("-", "_")).spec
        parser.add_argument(option, default=None, metavar="DIST", help=f"{help_text} (default: {default})")
    parser.add_argument(
        "--p-warning",
        type=finite,
        default=None,
        metavar="P",
        help=f"chance a completion has warnings (default: {defaults.p_warning})",
    )
    parser.add_argument(
        "--p-failure",
        type=finite,
        default=None,
        metavar="P",
        help=f"chance training fails (default: {defaults.p_failure})",
    )
    parser.add_argument(
        "--failure-point",
        default=None,
        metavar="DIST",
        help="when a failing job fails, as a fraction of its training time "
        f"(default: {defaults.failure_point.spec})",
    )


def add_race_arguments(
    parser: argparse.ArgumentParser,
    defaults: Any,
    *,
    stop_type: Callable[[str], Any],
    stop_default: str,
    stop_help: str,
    replications: int | None,
    replications_help: str,
) -> None:
    """The options of a race scenario, shared by race and audit: the jobs, the stop latency and times,
    the policy, the replications and the seed."""
    add_job_arguments(parser, defaults, "time in SUBMITTED before training starts")
    add_stop_latency_argument(parser, defaults)
    parser.add_argument(
        "--stop-at",
        type=stop_type,
        default=stop_type(stop_default),
        metavar="TIMES",
        help=f"{stop_help} (default: {stop_default})",
    )
    add_policy_argument(parser, "model policy settings (see `stoprace model`)")
    parser.add_argument(
        "--replications",
        type=int,
        default=replications,
        metavar="N",
        help=f"jobs per stop time (default: {replications_help})",
    )
    parser.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default: %(default)s)")


def add_stop_latency_argument(parser: argparse.ArgumentParser, defaults: Any) -> None:
    """``--stop-latency``: the time a stop needs to take effect (``defaults``' when not given)."""
    parser.add_argument(
        "--stop-latency",
        default=None,
        metavar="DIST",
        help=f"time a stop needs to take effect (default: {defaults.stop_latency.spec})",
    )


def race_scenario(args: argparse.Namespace, **overrides: Any) -> Any:
    """The :class:`~stoprace.sim.scenario.RaceScenario` of :func:`add_race_arguments`' options (``overrides``
    replace any of them); a bad value is a usage error."""
    from stoprace.sim.scenario import RaceScenario  # noqa: PLC0415 - the scenario module imports numpy

    settings = {
        **job_settings(args),
        "stop_at": args.stop_at,
        "policy": policy(args.policy),
        "replications": args.replications,
        "seed": args.seed,
    }
    latency = args.stop_latency if args.stop_latency is not None else scenario_file(args).get("stop_latency")
    if latency is not None:
        settings["stop_latency"] = latency
    try:
        return RaceScenario.for_resource(
            getattr(args, "resource", "document-classifier"), **{**settings, **overrides}
        )
    except (TypeError, ValueError) as err:
        raise UsageError(str(err)) from None


def add_resource_argument(
    parser: argparse.ArgumentParser, help: str | None = None, text: bool = False
) -> None:
    """``--resource``: which kind of resource (a classifier by default); ``help`` says what it changes,
    by default that its recorded timings are the defaults of a simulation. ``text``: the jobs that process
    text are choices too."""
    from stoprace.model.analysis_kinds import TEXT_KINDS  # noqa: PLC0415
    from stoprace.model.kinds import CLASSIFIER, KINDS  # noqa: PLC0415

    if help is None:
        others = "; ".join(
            f"{kind.name}: " + ", ".join(f"{field} {spec}" for field, spec in kind.timings.items())
            for kind in KINDS.values()
            if kind is not CLASSIFIER
        )
        help = (
            "the kind of resource that trains (default: %(default)s); the defaults above are a "
            f"classifier's, another kind's timings replace them ({others})"
        )
        if text:
            help += "; or a job that processes text (its options below)"
    choices = (*KINDS, *TEXT_KINDS) if text else tuple(KINDS)
    parser.add_argument("--resource", choices=choices, default=CLASSIFIER.name, help=help)


#: The options of a job's course (their destinations), as :func:`add_job_arguments` adds them.
JOB_OPTIONS = (
    "queue_delay",
    "provisioning",
    "training_duration",
    "finalization",
    "p_warning",
    "p_failure",
    "failure_point",
)


def job_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The scenario fields of :func:`add_job_arguments`' options given on the command line, else in the
    ``--scenario`` file (a field set by neither keeps the scenario's default)."""
    from_file = scenario_file(args)
    settings = {}
    for name in JOB_OPTIONS:
        value = getattr(args, name)
        if value is None:
            value = from_file.get(name)
        if value is not None:
            settings[name] = value
    return settings


def scenario_file(args: argparse.Namespace) -> dict[str, Any]:
    """The fields of the ``--scenario`` file (read once), or none; a bad file is a usage error."""
    if getattr(args, "scenario", None) is None:
        return {}
    if not hasattr(args, "_scenario_values"):
        from stoprace.sim.scenario_file import read_scenario_file  # noqa: PLC0415

        try:
            args._scenario_values = read_scenario_file(args.scenario)
        except ValueError as err:
            raise UsageError(str(err)) from None
    values: dict[str, Any] = args._scenario_values
    return values


#: The most stop times a list or a range may give (checked before anything is built).
MAX_STOP_TIMES = 10_000


_DURATION = re.compile(r"(?:(\d+(?:\.\d*)?|\.\d+)h)?(?:(\d+(?:\.\d*)?|\.\d+)m)?(?:(\d+(?:\.\d*)?|\.\d+)s)?")


def seconds_of(text: str) -> float:
    """A time in seconds from a number (``5400``) or a duration with units (``90s``, ``20m``,
    ``1h30m``, ``1.5h``); a ``ValueError`` otherwise.

    >>> seconds_of("1h30m"), seconds_of("90s"), seconds_of("20m"), seconds_of("5400")
    (5400.0, 90.0, 1200.0, 5400.0)
    """
    text = text.strip()
    match = _DURATION.fullmatch(text.lower())
    if text and match is not None and any(match.groups()):
        hours, minutes, secs = (float(g) if g else 0.0 for g in match.groups())
        return hours * 3600 + minutes * 60 + secs
    return float(text)


def seconds(text: str) -> float:
    """A finite time in seconds (argparse type): a number, or a duration such as ``20m`` or ``1h30m``."""
    try:
        value = seconds_of(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a time: seconds (90), or with units (90s, 20m, 1h30m)"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite time")
    return value


def number_range(text: str, noun: str = "values", parse: Callable[[str], float] = float) -> tuple[float, ...]:
    """``START:END:STEP`` (end included; finite numbers, STEP > 0, each read by ``parse``), at most
    :data:`MAX_STOP_TIMES` values, counted before any is built."""
    try:
        start, end, step = (parse(part) for part in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range START:END:STEP") from None
    if not all(math.isfinite(p) for p in (start, end, step)) or step <= 0 or end < start:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a range START:END:STEP of finite numbers with END >= START and STEP > 0"
        )
    count = math.floor((end - start) / step + 1e-9) + 1
    if count > MAX_STOP_TIMES:
        raise argparse.ArgumentTypeError(
            f"{text!r} gives {count:,} {noun}; at most {MAX_STOP_TIMES:,} (use a larger step)"
        )
    return tuple(start + i * step for i in range(count))


def stop_times(text: str) -> tuple[float, ...]:
    """``1800,3600`` (a list) or ``600:7200:600`` (start:end:step, end included), finite seconds >= 0,
    at most :data:`MAX_STOP_TIMES` of them; each time in seconds or with units (``30m,1h``,
    ``10m:2h:10m``)."""
    if ":" in text:
        times = number_range(text, "stop times", seconds_of)
    else:
        try:
            times = tuple(seconds_of(part) for part in text.split(","))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a list of times (1800,3600 or 30m,1h) or a range START:END:STEP with "
                "STEP > 0"
            ) from None
        if len(times) > MAX_STOP_TIMES:
            raise argparse.ArgumentTypeError(f"{len(times):,} stop times given; at most {MAX_STOP_TIMES:,}")
    if not all(math.isfinite(t) and t >= 0 for t in times):
        raise argparse.ArgumentTypeError(f"{text!r}: stop times must be finite numbers of seconds >= 0")
    return times


def finite(text: str) -> float:
    """A finite number (argparse type): NaN and infinity are refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def whole(low: int) -> Callable[[str], int]:
    """A whole number of at least ``low`` (argparse type)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{text!r}: must be at least {low}")
        return value

    return parse


def _writable_parent(path: Path) -> Path:
    """The nearest existing ancestor of ``path``, which must be a writable directory."""
    ancestor = path.absolute().parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise argparse.ArgumentTypeError(f"{path}: {ancestor} is not a directory")
    if not os.access(ancestor, os.W_OK):
        raise argparse.ArgumentTypeError(f"{path}: cannot write in {ancestor}")
    return ancestor


def output_dir(text: str) -> Path:
    """A directory to write into (argparse type): created if missing; not an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: exists and is not a directory")
    if path.is_dir():
        if not os.access(path, os.W_OK):
            raise argparse.ArgumentTypeError(f"{text}: cannot write in this directory")
        return path
    _writable_parent(path)
    return path


def add_output_argument(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``-o/--output FILE``: where a command that prints to standard output writes instead."""
    parser.add_argument("-o", "--output", type=output_file, default=None, metavar="FILE", help=help_text)


def output_file(text: str) -> Path:
    """A file to write (argparse type): its directory must exist; not an existing directory."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: is a directory; give a file name")
    if not path.absolute().parent.is_dir():
        raise argparse.ArgumentTypeError(f"{text}: the directory {path.parent} does not exist")
    _writable_parent(path)
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"{text}: cannot write this file")
    return path


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
        print(  # \x1b[K clears what a longer line before left behind
            f"\r{self.what}: {done}/{total}, {clock_text(elapsed)} elapsed{left}\x1b[K",
            end=end,
            file=sys.stderr,
            flush=True,
        )


def show(args: argparse.Namespace, report: dict[str, Any], table: Any, written: str) -> int:
    """Print ``report`` as JSON (``--json``) or as ``table(report)``, and say what ``--out`` wrote."""
    if args.json:
        print(json.dumps(report, indent=2, allow_nan=False))
    else:
        print(table(report))
        if args.out is not None:
            print(f"wrote {written} to {args.out}")
    return 0
