"""The ``stoprace`` command line (also ``python -m sim``).

Bad arguments exit with status 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from model import ModelError, Policy, policy_fields
from model.check import CheckReport, check
from model.tables import as_json, as_text, assumptions_markdown
from sim import race, vector
from sim.distributions import FORMS
from sim.fleet import FleetScenario
from sim.report import race_report, race_table, write_outputs
from sim.scenario import DEFAULT_SEED, RaceScenario

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line: ``stoprace: error: ...``, status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _policy(assignments: Sequence[str]) -> Policy:
    try:
        return Policy.from_assignments(assignments)
    except ModelError as err:
        raise _UsageError(str(err)) from None


class _UsageError(Exception):
    """A bad argument found after parsing; reported like argparse's own errors."""


def _cmd_model(args: argparse.Namespace) -> int:
    policy = _policy(args.policy)
    if args.json:
        print(json.dumps(as_json(policy), indent=2))
    elif args.markdown:
        print(assumptions_markdown())
    else:
        print(as_text(policy))
    return 0


def _policies(assignments: Sequence[str], single: bool) -> list[Policy]:
    """The policies to check: ``assignments`` fix fields; the others vary unless ``single``."""
    fixed = _policy(assignments)
    if single:
        return [fixed]
    pinned = {item.partition("=")[0].strip() for item in assignments}
    free = [f.name for f in policy_fields() if f.name not in pinned]
    return [
        dataclasses.replace(p, **{name: getattr(fixed, name) for name in pinned})
        for p in Policy.combinations(free)
    ]


def _cmd_diagram(args: argparse.Namespace) -> int:
    from model.diagram import FORMATS, Diagram, DiagramError, annotations_from_race  # noqa: PLC0415

    policy = _policy(args.policy)
    fmt = args.format
    if fmt is None:
        fmt = "mermaid"
        if args.output is not None:
            suffix = args.output.suffix.lower().lstrip(".")
            fmt = {"mmd": "mermaid", "md": "mermaid", "gv": "dot"}.get(suffix, suffix)
            if fmt not in FORMATS:
                raise _UsageError(f"cannot tell the format from {args.output.name!r}; give --format")
    if args.stop_at is not None and args.annotate is None:
        raise _UsageError("--stop-at picks a row of --annotate RESULTS; give both")
    annotations = {}
    if args.annotate is not None:
        try:
            report = json.loads(args.annotate.read_text())
        except (OSError, ValueError) as err:
            raise _UsageError(f"cannot read race results {args.annotate}: {err}") from None
        try:
            annotations = annotations_from_race(report, args.stop_at)
        except (DiagramError, KeyError, TypeError, ValueError) as err:
            raise _UsageError(f"{args.annotate}: {err}") from None
    diagram = Diagram(policy=policy, annotations=annotations, stamps=args.stamps)
    if fmt == "png" and args.output is None and sys.stdout.isatty():
        raise _UsageError("PNG is binary: write it with -o FILE (or pipe the output)")
    try:
        content = diagram.render(fmt)
    except DiagramError as err:
        raise _UsageError(str(err)) from None
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


class _Progress:
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
        eta = f", about {_clock(elapsed / fresh * (total - done))} left" if fresh and done < total else ""
        end = "\n" if done == total else ""
        print(f"\r{self.what}: {done}/{total}, {_clock(elapsed)} elapsed{eta}   ", end=end, file=sys.stderr,
              flush=True)




def _cmd_check(args: argparse.Namespace) -> int:
    policies = _policies(args.policy, args.single)
    if args.workers is not None and args.workers < 1:
        raise _UsageError(f"--workers must be at least 1, got {args.workers}")
    report = check(policies, workers=args.workers, progress=_Progress("searches"))
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(_check_text(report))
    return 0 if report.ok else 1


def _check_text(report: CheckReport) -> str:
    facts = report.as_dict()
    lines = [
        f"checked {facts['policies']} policies x {len(facts['scenarios'])} scenarios "
        f"({', '.join(facts['scenarios'])}): {facts['states']} configurations, {facts['steps']} steps, "
        f"{facts['seconds']:.1f} s",
    ]
    sections = [("default policy", facts["default_policy"])]
    if facts["policies"] > 1:
        sections.append(("all policies searched", facts["all_policies"]))
    for title, summary in sections:
        if summary is None:
            continue
        lines += [
            f"{title}:",
            f"  reachable statuses: {', '.join(summary['reachable_statuses'])}",
            f"  STOP_REQUESTED -> TRAINED (the lost race) reachable: {_yes(summary['race_lost_reachable'])}",
            f"  STOPPED -> TRAINED reachable: {_yes(summary['stopped_to_trained_reachable'])}",
            f"  trap states: {summary['trap_states']}",
        ]
    dead = report.dead_rows
    lines.append(f"dead rows (no policy searched takes them): {len(dead) or 'none'}")
    lines += [f"  {e.trigger}: {', '.join(e.source)} -> {e.dest or '(no change)'}" for e in dead]
    violations = report.violations
    if violations:
        lines.append(f"VIOLATIONS: {len(violations)}; the shortest of each property:")
        seen: set[str] = set()
        for v in violations:
            if v.property not in seen:
                seen.add(v.property)
                lines.append(str(v))
    else:
        lines.append("every property holds")
    return "\n".join(lines)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _stop_times(text: str) -> tuple[float, ...]:
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


def _scenario(args: argparse.Namespace) -> RaceScenario:
    try:
        return RaceScenario(
            queue_delay=args.queue_delay,
            provisioning=args.provisioning,
            training_duration=args.training_duration,
            finalization=args.finalization,
            stop_latency=args.stop_latency,
            p_warning=args.p_warning,
            p_failure=args.p_failure,
            failure_point=args.failure_point,
            stop_at=args.stop_at,
            policy=_policy(args.policy),
            replications=args.replications,
            seed=args.seed,
        )
    except ValueError as err:
        raise _UsageError(str(err)) from None


def _show(args: argparse.Namespace, report: dict[str, Any], table: Any, written: str) -> int:
    """Print ``report`` as JSON (``--json``) or as ``table(report)``, and say what ``--out`` wrote."""
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(report))
        if args.out is not None:
            print(f"wrote {written} to {args.out}")
    return 0


def _cmd_race(args: argparse.Namespace) -> int:
    scenario = _scenario(args)
    if args.usd_per_hour < 0:
        raise _UsageError(f"--usd-per-hour must be at least 0, got {args.usd_per_hour}")
    engine = race if args.engine == "simpy" else vector
    result = engine.simulate(scenario, progress=_Progress("jobs"))
    report = race_report(result, args.usd_per_hour)
    if args.out is not None:
        write_outputs(result, report, args.out, args.usd_per_hour)
    return _show(args, report, race_table, "results.json, results.csv and 3 figures")


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
    from sim.fleet import OPERATIONS  # noqa: PLC0415

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


def _cmd_fleet(args: argparse.Namespace) -> int:
    from sim import fleet  # noqa: PLC0415
    from sim.plots import save_fleet  # noqa: PLC0415

    limits = dict(fleet.FleetScenario().rate_limits)
    for name, limit in args.rate_limit:
        if limit is None:
            limits.pop(name, None)
        else:
            limits[name] = limit
    stop_after, budget = args.stop_after, args.budget_usd
    if stop_after is not None and budget is not None:
        raise _UsageError("give --stop-after (a deadline) or --budget-usd (a cost limit), not both")
    if stop_after is None and budget is None:
        stop_after = fleet.FleetScenario().stop_after  # the default decision: a deadline
    try:
        scenario = fleet.FleetScenario(
            jobs=args.jobs, submit_rate=args.submit_rate, training_slots=args.training_slots,
            queue_delay=args.queue_delay, provisioning=args.provisioning,
            training_duration=args.training_duration, finalization=args.finalization,
            p_warning=args.p_warning, p_failure=args.p_failure, failure_point=args.failure_point,
            stop_workers=args.stop_workers,
            stop_handling=args.stop_handling, rate_limits=limits, p_server_error=args.p_server_error,
            poll_interval=args.poll_interval, stop_after=stop_after, budget_usd=budget,
            usd_per_hour=args.usd_per_hour, retry_mode=args.retry_mode, app_retry=args.app_retry,
            app_retry_interval=args.app_retry_interval, http_statuses=args.http_statuses,
            policy=_policy(args.policy), seed=args.seed,
        )
    except ValueError as err:
        raise _UsageError(str(err)) from None
    result = fleet.simulate(scenario, progress=_Progress("jobs done"), keep_timeline=args.out is not None)
    report = result.as_dict()
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "fleet.json").write_text(json.dumps(report, indent=2) + "\n")
        save_fleet(result, args.out)
    return _show(args, report, fleet_table, "fleet.json and 2 figures")


def fleet_table(report: dict[str, Any]) -> str:
    """A readable summary of a fleet report."""
    s = report["scenario"]
    arrivals = "all at once" if s["submit_rate"] is None else f"{s['submit_rate']:g} jobs/s"
    if s["stop_after"] is not None:
        decision = f"stop {s['stop_after']:g} s after submission"
    elif s["budget_usd"] is not None:
        decision = f"stop at {s['budget_usd']:g} USD of training"
    else:
        decision = "no stop"
    limits = ", ".join(f"{k} {v['rate']:g}/s burst {v['burst']}" for k, v in s["rate_limits"].items())
    lost = report["stop_never_accepted_by_error"]
    lines = [
        f"{report['jobs']} jobs ({arrivals}), {decision}; {s['retry_mode']} retries"
        f"{' + application retries' if s['app_retry'] else ''}; rate limits: {limits or 'none'}; "
        f"seed {report['seed']}",
        f"stops decided {report['stop_decided']}, accepted {report['stop_accepted']}, never accepted "
        f"{report['stop_never_accepted']}"
        + (f" ({100 * report['share_never_accepted']:.1f}%: "
           + ", ".join(f"{k} {v}" for k, v in lost.items()) + ")" if report["share_never_accepted"] else ""),
        "final: " + ", ".join(f"{k} {v}" for k, v in report["final"].items()),
    ]
    if report["p_race_lost"] is not None:
        low, high = report["ci95"]
        lines.append(f"p_race_lost {report['p_race_lost']:.4f} (95% CI {low:.4f}-{high:.4f}) of "
                     f"{report['stop_requested']} stops that reached a training job")
    for key, label in (("stop_requested_seconds", "time in STOP_REQUESTED"),
                       ("observe_final_seconds", "decision to seeing the final status")):
        d = report[key]
        if d["count"]:
            lines.append(f"{label}: mean {d['mean'] / 60:.1f} min, median {d['p50'] / 60:.1f}, "
                         f"90% {d['p90'] / 60:.1f}, max {d['max'] / 60:.1f}")
    lines.append(f"billed training after the stop decision: {report['wasted_billed_hours']:.1f} h, "
                 f"{report['wasted_cost_usd']:.2f} USD")
    for op, outcomes in report["api_calls"].items():
        lines.append(f"{op}: " + ", ".join(f"{k} {v}" for k, v in outcomes.items()))
    return "\n".join(lines)


#: The fleet client's default decision (a deadline), from the scenario's own default.
_FLEET_STOP_AFTER = FleetScenario.__dataclass_fields__["stop_after"].default


def _assignment(text: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name.strip() or not value.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not FIELD=VALUE")
    return name.strip(), value.strip()


def _grid_values(kind: str, name: str, text: str) -> list[Any]:
    """``V1|V2|...``; a numeric field also takes a range ``START:END:STEP`` (end included)."""
    from sim.sweep import SweepError, parse_value  # noqa: PLC0415

    values: list[Any] = []
    for raw in text.split("|"):
        part = raw.strip()
        if part.count(":") == 2 and all(_is_number(p) for p in part.split(":")):
            try:
                numbers = _stop_times(part)
            except argparse.ArgumentTypeError:
                raise SweepError(
                    f"{name}={part!r} is an empty range; START:END:STEP needs END >= START and STEP > 0"
                ) from None
            values += [parse_value(kind, name, str(int(v)) if v.is_integer() else repr(v)) for v in numbers]
        elif part:
            values.append(parse_value(kind, name, part))
    if not values:
        raise SweepError(f"grid field {name!r} has no values")
    return values


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _clock(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}"


def _sweep_definition(args: argparse.Namespace) -> Any:
    from sim import sweep as sweeps  # noqa: PLC0415

    if args.file is not None:
        if args.grid or args.set or args.kind:
            raise _UsageError("--file defines the whole sweep; do not add a kind, --grid or --set")
        try:
            text = args.file.read_text()
        except OSError as err:
            raise _UsageError(f"cannot read {args.file}: {err.strerror or err}") from None
        definition = sweeps.sweep_from_toml(text)
        return definition if args.seed is None else dataclasses.replace(definition, seed=args.seed)
    kind = args.kind or "race"
    base = {name: sweeps.parse_value(kind, name, value) for name, value in args.set}
    grid = {name: _grid_values(kind, name, value) for name, value in args.grid}
    return sweeps.Sweep(kind, base=base, grid=grid, seed=DEFAULT_SEED if args.seed is None else args.seed)


def _cmd_sweep(args: argparse.Namespace) -> int:
    from sim import sweep as sweeps  # noqa: PLC0415

    if args.scheduler is not None or args.dask_local is not None:
        if args.backend not in (None, "dask"):
            raise _UsageError("--scheduler and --dask-local go with --backend dask")
        args.backend = "dask"
    try:
        definition = _sweep_definition(args)
        run = sweeps.run_sweep(
            definition, args.out, backend=args.backend or "processes", workers=args.workers,
            scheduler=args.scheduler, dask_local=args.dask_local, progress=_Progress("cells"),
        )
    except sweeps.SweepError as err:
        raise _UsageError(str(err)) from None
    rows = sweeps.load_results(args.out)
    if run.resumed:
        print(f"resumed: {run.resumed} of {run.cells} cells were already in {args.out}; "
              f"computed {run.computed}")
    print(_sweep_table(rows, definition.swept, args.metric))
    figure = _sweep_heatmap(rows, definition, args)
    print(f"wrote {args.out} ({run.cells} cells, {len(rows)} rows, {run.seconds:.1f} s)"
          + (f" and {figure}" if figure else ""))
    return 0


def _sweep_table(rows: list[dict[str, str]], swept: list[str], metric: str) -> str:
    if rows and metric not in rows[0]:
        raise _UsageError(f"unknown --metric {metric!r}; columns: {', '.join(rows[0])}")
    columns = list(dict.fromkeys([*swept, *(["stop_at"] if rows and "stop_at" in rows[0] else []), metric]))
    if rows and "ci95_low" in rows[0] and metric == "p_race_lost":
        columns += ["ci95_low", "ci95_high"]
    table = [columns] + [[_cell_text(r[c]) for c in columns] for r in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "\n".join("  ".join(v.rjust(w) for v, w in zip(line, widths, strict=True)) for line in table)


def _cell_text(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        return value or "-"
    return value if number.is_integer() and "." not in value else f"{number:.4g}"


def _sweep_heatmap(rows: list[dict[str, str]], definition: Any, args: argparse.Namespace) -> Path | None:
    from sim.plots import sweep_heatmap_figure  # noqa: PLC0415

    axes = list(args.heatmap) if args.heatmap else definition.swept[:2]
    if len(axes) < 2 and rows and "stop_at" in rows[0] and "stop_at" not in axes:
        axes.append("stop_at")
    if len(axes) < 2 or not rows:
        return None
    try:
        figure = sweep_heatmap_figure(rows, axes[0], axes[1], args.metric)
    except ValueError as err:
        raise _UsageError(str(err)) from None
    path: Path = args.out.with_suffix(".png")
    figure.savefig(path, dpi=120)
    return path


def _add_job_arguments(parser: argparse.ArgumentParser, defaults: Any, queue_help: str) -> None:
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


def _add_sweep_parser(commands: Any) -> None:
    sweeper = commands.add_parser(
        "sweep",
        help="run a grid of race or fleet scenarios, resumable, on processes or Dask",
        description=(
            "Run every combination of the --grid values (or the cells of a TOML --file) and append each "
            "cell's results to --out as it finishes. Running the same command again skips finished "
            "cells; a results file of a different sweep is refused. Grid values are separated by |; a "
            "numeric field also takes START:END:STEP. Policy fields are policy.FIELD. Writes the results "
            "(CSV), a summary table, and a heatmap of --metric over two fields (OUT with .png)."
        ),
    )
    sweeper.add_argument("kind", nargs="?", choices=("race", "fleet"), default=None,
                         help="what each cell simulates (default: race)")
    sweeper.add_argument("--grid", type=_assignment, nargs="+", default=[], metavar="FIELD=V1|V2",
                         help="swept fields and their values")
    sweeper.add_argument("--set", type=_assignment, nargs="+", default=[], metavar="FIELD=VALUE",
                         help="settings every cell shares (for example replications=20000 stop_at=1800,3600)")
    sweeper.add_argument("--file", type=Path, default=None, metavar="TOML",
                         help="a sweep file: kind, seed, [base], [grid] or [[cells]]")
    sweeper.add_argument("--seed", type=int, default=None, help=f"the sweep's seed (default: {DEFAULT_SEED})")
    sweeper.add_argument("--out", type=Path, default=Path("sweep.csv"), metavar="CSV",
                         help="the results file (default: %(default)s)")
    sweeper.add_argument("--backend", choices=("serial", "processes", "dask"), default=None,
                         help="where cells run (default: processes, one per core)")
    sweeper.add_argument("--workers", type=int, default=None, metavar="N", help="processes (default: cores)")
    sweeper.add_argument("--scheduler", default=None, metavar="ADDRESS",
                         help="run on an existing Dask cluster (needs the dask extra)")
    sweeper.add_argument("--dask-local", type=int, default=None, metavar="N",
                         help="run on a local Dask cluster of N workers")
    sweeper.add_argument("--heatmap", nargs=2, default=None, metavar=("X", "Y"),
                         help="the heatmap's axes (default: the first two swept fields, or one and stop_at)")
    sweeper.add_argument("--metric", default="p_race_lost", help="the column to show (default: %(default)s)")
    sweeper.set_defaults(run=_cmd_sweep)


def _add_fleet_parser(commands: Any) -> None:
    fleeter = commands.add_parser(
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
    fleeter.add_argument("--jobs", type=int, default=500, metavar="N", help="jobs (default: %(default)s)")
    fleeter.add_argument("--submit-rate", type=_submit_rate, default=1.0, metavar="RATE",
                         help="jobs per second (a Poisson stream), or 'once' for all at time 0 (default: 1)")
    fleeter.add_argument("--training-slots", type=int, default=None, metavar="C",
                         help="jobs that can train at once; others wait in SUBMITTED (default: no limit)")
    _add_job_arguments(fleeter, FleetScenario(), "time from a free slot to training")
    fleeter.add_argument("--stop-workers", type=int, default=4, metavar="K",
                         help="stop-handling workers of the service (default: %(default)s)")
    fleeter.add_argument("--stop-handling", default="exponential:mean=30", metavar="SPEC",
                         help="a worker's time to make a stop take effect (default: %(default)s)")
    fleeter.add_argument("--rate-limit", type=_rate_limit, nargs="+", default=[], metavar="OP=RATE:BURST",
                         help="request-rate limits by operation (create, describe, stop), or OP=none "
                         "(default: stop=1:1 describe=20:40)")
    fleeter.add_argument("--p-server-error", type=float, default=0.01, metavar="P",
                         help="chance any call gets InternalServerException (default: %(default)s)")
    fleeter.add_argument("--poll-interval", type=float, default=60.0, metavar="SECONDS",
                         help="how often a client describes its job (default: %(default)s)")
    fleeter.add_argument("--stop-after", type=float, default=None, metavar="SECONDS",
                         help="a client stops its job this long after submission (default: "
                         f"{_FLEET_STOP_AFTER}, unless --budget-usd is given)")
    fleeter.add_argument("--budget-usd", type=float, default=None, metavar="USD",
                         help="instead, stop at the first poll where training has cost this much")
    fleeter.add_argument("--usd-per-hour", type=float, default=3.0, metavar="USD",
                         help="training price (default: %(default)s)")
    fleeter.add_argument("--retry-mode", choices=("legacy", "standard"), default="legacy",
                         help="botocore's retry mode (default: legacy, botocore's default)")
    fleeter.add_argument("--app-retry", action="store_true",
                         help="the application retries a stop the SDK gave up on until it is accepted")
    fleeter.add_argument("--app-retry-interval", default="fixed:5", metavar="SPEC",
                         help="the application's wait between its retries (default: %(default)s)")
    fleeter.add_argument("--http-statuses", choices=("seed", "botocore"), default="seed",
                         help="TooManyRequestsException as HTTP 400 (the API reference) or 429 "
                         "(botocore's model)")
    fleeter.add_argument("--policy", metavar="FIELD=VALUE", nargs="+", default=[],
                         help="model policy settings (see `stoprace model`)")
    fleeter.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    fleeter.add_argument("--out", type=Path, default=None, metavar="DIR",
                         help="write fleet.json and the figures (timeline, STOP_REQUESTED times) into DIR")
    fleeter.add_argument("--json", action="store_true", help="print the results as JSON")
    fleeter.set_defaults(run=_cmd_fleet)


def build_parser() -> argparse.ArgumentParser:
    """The ``stoprace`` argument parser."""
    parser = _Parser(
        prog="stoprace",
        description=(
            "A formal model and simulator of Amazon Comprehend's stop-training race: a stop request "
            "that loses to training completion (STOP_REQUESTED -> TRAINED)."
        ),
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    model = commands.add_parser(
        "model",
        help="print the lifecycle's edge table and the policy",
        description=(
            "Print every edge of the lifecycle (trigger, source, destination, actor, provenance, "
            "the policy it needs, evidence), then every policy field with its value and choices."
        ),
    )
    shape = model.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print JSON instead of a table")
    shape.add_argument(
        "--markdown", action="store_true", help="print the README's assumptions table (Markdown)"
    )
    model.add_argument(
        "--policy",
        metavar="FIELD=VALUE",
        nargs="+",
        default=[],
        help="mark the edges enabled under this policy (default: the default policy)",
    )
    model.set_defaults(run=_cmd_model)

    checker = commands.add_parser(
        "check",
        help="exhaustively check the model under every policy",
        description=(
            "Search every reachable configuration of one classifier, and of two sharing a name, under "
            "every policy combination; check SPEC's safety properties and that no job is trapped. "
            "Exit 0 when everything holds, 1 with the shortest counterexamples when not."
        ),
    )
    checker.add_argument("--json", action="store_true", help="print the report as JSON")
    checker.add_argument(
        "--policy",
        metavar="FIELD=VALUE",
        nargs="+",
        default=[],
        help="fix these policy fields; the others still vary over all their choices",
    )
    checker.add_argument(
        "--single", action="store_true", help="check only the one policy --policy gives (defaults elsewhere)"
    )
    checker.add_argument(
        "--workers", type=int, default=None, metavar="N", help="processes to use (default: one per core)"
    )
    checker.set_defaults(run=_cmd_check)

    drawer = commands.add_parser(
        "diagram",
        help="draw the lifecycle as Mermaid, DOT, SVG or PNG",
        description=(
            "Draw the statuses and every edge the policy enables. Documented edges are solid, inferred "
            "dashed, assumed dotted (in Mermaid the label says so); API calls are blue; the race edges "
            "(STOP_REQUESTED -> TRAINED...) red. SVG and PNG need Graphviz's dot program "
            "(apt-get install graphviz, brew install graphviz); Mermaid and DOT need nothing."
        ),
    )
    drawer.add_argument("--format", choices=("mermaid", "dot", "svg", "png"), default=None,
                        help="output format (default: from the -o suffix, else mermaid)")
    drawer.add_argument("--policy", metavar="FIELD=VALUE", nargs="+", default=[],
                        help="draw the edges of this policy (see `stoprace model`)")
    drawer.add_argument("--annotate", type=Path, default=None, metavar="RESULTS",
                        help="put simulated frequencies on the edges, from `stoprace race` results.json")
    drawer.add_argument("--stamps", action="store_true",
                        help="write the timestamps each step sets, and the guards' legend")
    drawer.add_argument("--stop-at", type=float, default=None, metavar="SECONDS",
                        help="with --annotate: use only this stop time's row (default: pool them all)")
    drawer.add_argument("-o", "--output", type=Path, default=None, metavar="FILE",
                        help="write to FILE instead of standard output")
    drawer.set_defaults(run=_cmd_diagram)

    _add_fleet_parser(commands)
    _add_sweep_parser(commands)

    defaults = RaceScenario()
    racer = commands.add_parser(
        "race",
        help="simulate stop requests racing training completion (the main study)",
        description=(
            "Simulate jobs whose stop is sent at each --stop-at time and count how often training "
            "completes before the stop takes effect (the job ends TRAINED anyway). Durations are "
            "distribution specs: " + ", ".join(FORMS) + ". Every value is in seconds."
        ),
    )
    _add_job_arguments(racer, defaults, "time in SUBMITTED before training starts")
    racer.add_argument("--stop-latency", default=defaults.stop_latency.spec, metavar="SPEC",
                       help="time a stop needs to take effect (default: %(default)s)")
    racer.add_argument("--stop-at", type=_stop_times, default=_stop_times("600:7200:600"), metavar="TIMES",
                       help="when the stop is sent: 1800,3600 or START:END:STEP (default: 600:7200:600)")
    racer.add_argument("--policy", metavar="FIELD=VALUE", nargs="+", default=[],
                       help="model policy settings (see `stoprace model`)")
    racer.add_argument("--replications", type=int, default=defaults.replications, metavar="N",
                       help="jobs per stop time (default: %(default)s)")
    racer.add_argument("--seed", type=int, default=defaults.seed, help="random seed (default: %(default)s)")
    racer.add_argument("--engine", choices=("vector", "simpy"), default="vector",
                       help="vector (numpy, fast) or simpy (the reference; same per-job outcomes)")
    racer.add_argument("--usd-per-hour", type=float, default=3.0, metavar="USD",
                       help="training price for the cost columns (default: %(default)s, the list price)")
    racer.add_argument("--out", type=Path, default=None, metavar="DIR",
                       help="write results.json, results.csv and the figures (PNG) into DIR")
    racer.add_argument("--json", action="store_true", help="print the results as JSON")
    racer.set_defaults(run=_cmd_race)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``stoprace`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        status: int = args.run(args)
    except _UsageError as err:
        print(f"stoprace {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
        return 0
    return status


if __name__ == "__main__":
    raise SystemExit(main())
