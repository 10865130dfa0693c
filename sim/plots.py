"""Figures of a race result (matplotlib, drawn off-screen).

Each function takes a :class:`~sim.race.RaceResult` and returns a matplotlib ``Figure``; ``save_all``
writes them as PNG files.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

from .race import RaceResult

__all__ = ["billed_cost_figure", "final_status_figure", "p_race_lost_figure", "save_all"]

STATUS_ORDER = ("TRAINED", "TRAINED_WITH_WARNING", "STOPPED", "IN_ERROR")
STATUS_COLOURS = {
    "TRAINED": "#d62728",
    "TRAINED_WITH_WARNING": "#ff7f0e",
    "STOPPED": "#2ca02c",
    "IN_ERROR": "#7f7f7f",
}


def _pyplot() -> Any:
    import matplotlib  # noqa: PLC0415 - heavy; only figures need it

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    return plt


def _minutes(result: RaceResult) -> list[float]:
    return [row.stop_at / 60 for row in result.rows]


def p_race_lost_figure(result: RaceResult, analytic: list[float | None] | None = None) -> Any:
    """``p_race_lost`` against stop time, with its 95% Wilson band and the analytic curve."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    rows = [(m, r) for m, r in zip(_minutes(result), result.rows, strict=True) if r.p_race_lost is not None]
    if rows:
        x = [m for m, _ in rows]
        intervals = [r.ci() for _, r in rows]
        ax.fill_between(x, [i[0] for i in intervals if i], [i[1] for i in intervals if i],
                        color="#1f77b4", alpha=0.25, label="95% Wilson interval")
        simulated = [r.p_race_lost for _, r in rows]
        ax.plot(x, simulated, "o-", color="#1f77b4", label=f"simulated ({result.engine})")
    if analytic is not None:
        points = [(m, a) for m, a in zip(_minutes(result), analytic, strict=True) if a is not None]
        if points:
            ax.plot([m for m, _ in points], [a for _, a in points], "k--", label="analytic")
    ax.set_xlabel("stop sent, minutes after submission")
    ax.set_ylabel("P(race lost | stop requested while training)")
    ax.set_title("A stop that loses the race: the job ends TRAINED anyway")
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def final_status_figure(result: RaceResult) -> Any:
    """The share of each final status against stop time."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = _minutes(result)
    bottom = [0.0] * len(x)
    for status in STATUS_ORDER:
        share = [row.final.get(status, 0) / row.jobs for row in result.rows]
        ax.bar(x, share, bottom=bottom, width=_bar_width(x), color=STATUS_COLOURS[status], label=status)
        bottom = [b + s for b, s in zip(bottom, share, strict=True)]
    ax.set_xlabel("stop sent, minutes after submission")
    ax.set_ylabel("share of jobs")
    ax.set_title("How jobs end, by when the stop is sent")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def billed_cost_figure(result: RaceResult, usd_per_hour: float = 3.0) -> Any:
    """Expected billed training hours, and their cost, against stop time."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.2))
    x = _minutes(result)
    hours = [row.mean_billed_seconds / 3600 for row in result.rows]
    ax.plot(x, hours, "o-", color="#9467bd")
    ax.set_xlabel("stop sent, minutes after submission")
    ax.set_ylabel("expected billed training hours per job")
    ax.set_title(f"What a job costs at {usd_per_hour:g} USD per training hour")
    ax.grid(alpha=0.3)
    cost = ax.secondary_yaxis("right", functions=(lambda h: h * usd_per_hour, lambda c: c / usd_per_hour))
    cost.set_ylabel("expected cost per job, USD")
    fig.tight_layout()
    return fig


def _bar_width(x: list[float]) -> float:
    gaps = [b - a for a, b in pairwise(x) if b > a]
    return 0.8 * min(gaps) if gaps else 1.0


def save_all(
    result: RaceResult, directory: Path, analytic: list[float | None] | None = None, usd_per_hour: float = 3.0
) -> list[Path]:
    """Write the three figures as PNG files into ``directory``; return their paths."""
    plt = _pyplot()
    figures = {
        "p_race_lost.png": p_race_lost_figure(result, analytic),
        "final_status.png": final_status_figure(result),
        "billed_cost.png": billed_cost_figure(result, usd_per_hour),
    }
    paths = []
    for name, fig in figures.items():
        path = directory / name
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths
