"""``stoprace sweep``: grids of race or fleet scenarios, resumable, on processes or Dask."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from stoprace.sim.files import read_limited
from stoprace.sim.scenario import DEFAULT_SEED
from stoprace.sim.sweep.definition import BACKENDS, KINDS

from .common import TerminalProgress, UsageError, assignment, is_number, number_range, output_file, whole

#: A sweep file is refused beyond this size (sweep files are a few lines).
MAX_SWEEP_FILE_BYTES = 1 << 20


def add(commands: Any) -> None:
    parser = commands.add_parser(
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
    parser.add_argument(
        "kind", nargs="?", choices=tuple(KINDS), default=None, help="what each cell simulates (default: race)"
    )
    parser.add_argument(
        "--grid",
        type=assignment,
        nargs="+",
        default=[],
        metavar="FIELD=V1|V2",
        help="swept fields and their values",
    )
    parser.add_argument(
        "--set",
        type=assignment,
        nargs="+",
        default=[],
        metavar="FIELD=VALUE",
        help="settings every cell shares (for example replications=20000 stop_at=1800,3600)",
    )
    parser.add_argument(
        "--file",
        type=Path,
        default=None,
        metavar="TOML",
        help="a sweep file: kind, seed, [base], [grid] or [[cells]]",
    )
    parser.add_argument("--seed", type=int, default=None, help=f"the sweep's seed (default: {DEFAULT_SEED})")
    parser.add_argument(
        "--out",
        type=output_file,
        default=Path("sweep.csv"),
        metavar="CSV",
        help="the results file (default: %(default)s)",
    )
    _add_where_and_figure(parser)
    parser.set_defaults(run=run)


def _add_where_and_figure(parser: argparse.ArgumentParser) -> None:
    """Where the cells run, and the heatmap."""
    parser.add_argument(
        "--backend", choices=BACKENDS, default=None, help="where cells run (default: processes, one per core)"
    )
    parser.add_argument(
        "--workers", type=whole(1), default=None, metavar="N", help="processes (default: cores)"
    )
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="run on an existing Dask cluster (needs the dask extra)",
    )
    parser.add_argument(
        "--dask-local",
        type=whole(1),
        default=None,
        metavar="N",
        help="run on a local Dask cluster of N workers",
    )
    parser.add_argument(
        "--heatmap",
        nargs=2,
        default=None,
        metavar=("X", "Y"),
        help="the heatmap's axes (default: the first two swept fields, or one and stop_at)",
    )
    parser.add_argument("--metric", default="p_race_lost", help="the column to show (default: %(default)s)")


def _grid_values(kind: str, name: str, text: str) -> list[Any]:
    """``V1|V2|...``; a numeric field also takes a range ``START:END:STEP`` (end included)."""
    from stoprace.sim.sweep import SweepError, parse_value  # noqa: PLC0415

    values: list[Any] = []
    for raw in text.split("|"):
        part = raw.strip()
        if part.count(":") == 2 and all(is_number(p) for p in part.split(":")):
            try:
                numbers = number_range(part)
            except argparse.ArgumentTypeError as err:
                raise SweepError(f"{name}={part!r}: {err}") from None
            values += [parse_value(kind, name, str(int(v)) if v.is_integer() else repr(v)) for v in numbers]
        elif part:
            values.append(parse_value(kind, name, part))
    if not values:
        raise SweepError(f"grid field {name!r} has no values")
    return values


def definition(args: argparse.Namespace) -> Any:
    """The sweep the arguments describe: a ``--file``, or a kind with ``--set`` and ``--grid``."""
    from stoprace.sim import sweep as sweeps  # noqa: PLC0415

    if args.file is not None:
        if args.grid or args.set or args.kind:
            raise UsageError("--file defines the whole sweep; do not add a kind, --grid or --set")
        try:
            text = read_limited(args.file, MAX_SWEEP_FILE_BYTES, "a sweep file").decode()
        except UnicodeDecodeError:
            raise UsageError(f"{args.file}: not a text (TOML) file") from None
        except ValueError as err:  # not readable, not a regular file, too large
            raise UsageError(str(err)) from None
        try:
            found = sweeps.sweep_from_toml(text, args.file.parent)
        except sweeps.SweepError as err:  # name the sweep file (a scenario file it names follows)
            raise UsageError(f"{args.file}: {err}") from None
        return found if args.seed is None else dataclasses.replace(found, seed=args.seed)
    kind = args.kind or "race"
    base = {name: sweeps.parse_value(kind, name, value) for name, value in args.set}
    grid = {name: _grid_values(kind, name, value) for name, value in args.grid}
    return sweeps.Sweep(kind, base=base, grid=grid, seed=DEFAULT_SEED if args.seed is None else args.seed)


def _heatmap(rows: list[dict[str, str]], swept: list[str], args: argparse.Namespace) -> Path | None:
    from stoprace.sim.plots import sweep_heatmap_figure  # noqa: PLC0415
    from stoprace.sim.sweep import heatmap_axes  # noqa: PLC0415

    axes = heatmap_axes(rows, swept, args.heatmap)
    if len(axes) < 2:
        return None
    try:
        figure = sweep_heatmap_figure(rows, axes[0], axes[1], args.metric)
    except ValueError as err:
        raise UsageError(str(err)) from None
    path: Path = args.out.with_suffix(".png")
    figure.savefig(path, dpi=120)
    return path


def run(args: argparse.Namespace) -> int:
    from stoprace.sim import sweep as sweeps  # noqa: PLC0415

    if args.scheduler is not None or args.dask_local is not None:
        if args.backend not in (None, "dask"):
            raise UsageError("--scheduler and --dask-local go with --backend dask")
        args.backend = "dask"
    try:
        chosen = definition(args)
        done = sweeps.run_sweep(
            chosen,
            args.out,
            backend=args.backend or "processes",
            workers=args.workers,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
            progress=TerminalProgress("cells"),
        )
        rows = sweeps.load_results(args.out)
        table = sweeps.sweep_table(rows, chosen.swept, args.metric)
    except sweeps.SweepError as err:
        raise UsageError(str(err)) from None
    if done.resumed:
        print(
            f"resumed: {done.resumed} of {done.cells} cells were already in {args.out}; "
            f"computed {done.computed}"
        )
    print(table)
    figure = _heatmap(rows, chosen.swept, args)
    print(
        f"wrote {args.out} ({done.cells} cells, {len(rows)} rows, {done.seconds:.1f} s)"
        + (f" and {figure}" if figure else "")
    )
    return 0
