"""A sweep's results as a readable table, and the axes of its heatmap."""

from __future__ import annotations

from collections.abc import Sequence

from .definition import SweepError

__all__ = ["heatmap_axes", "sweep_table"]


def sweep_table(rows: list[dict[str, str]], swept: Sequence[str], metric: str) -> str:
    """The swept fields, the stop time (for a race) and ``metric`` (with its interval for
    ``p_race_lost``), one line per row; ``SweepError`` for a metric that is not a column."""
    if rows and metric not in rows[0]:
        raise SweepError(f"unknown --metric {metric!r}; columns: {', '.join(rows[0])}")
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


def heatmap_axes(rows: list[dict[str, str]], swept: Sequence[str], asked: Sequence[str] | None) -> list[str]:
    """The heatmap's two axes: those ``asked``, or the first two swept fields, or one and the stop
    time; fewer than two where there is nothing to map."""
    axes = list(asked) if asked else list(swept[:2])
    if len(axes) < 2 and rows and "stop_at" in rows[0] and "stop_at" not in axes:
        axes.append("stop_at")
    return axes if rows else []
