"""Figures of a race result (matplotlib's object API: no pyplot, no global backend).

Each function takes a :class:`~stoprace.sim.race.RaceResult` (and, optionally, the report of
:func:`stoprace.sim.report.race_report`, whose analytic values are drawn beside the simulated ones) and
returns a matplotlib ``Figure``; ``save_all`` writes them as PNG files.
"""

from __future__ import annotations

import warnings
from itertools import pairwise
from pathlib import Path
from typing import Any

from stoprace.model.statuses import FINISHED_ORDER

from .race import RaceResult

__all__ = [
    "billed_cost_figure",
    "final_status_figure",
    "fleet_dwell_figure",
    "fleet_timeline_figure",
    "p_race_lost_figure",
    "save_all",
    "save_fleet",
    "sweep_heatmap_figure",
]

STATUS_ORDER = tuple(s.value for s in FINISHED_ORDER)
# TRAINED_WITH_WARNING is olive, not orange: the fleet's timeline draws STOP_REQUESTED in orange.
STATUS_COLOURS = dict(zip(STATUS_ORDER, ("#d62728", "#bcbd22", "#2ca02c", "#7f7f7f"), strict=True))


def _figure() -> Any:
    """A new figure and its axes, without pyplot: no global backend is chosen or changed, so the
    figures display inline in Jupyter and save anywhere (PNG through Agg)."""
    from matplotlib.figure import Figure  # noqa: PLC0415 - heavy; only figures need it

    fig = Figure(figsize=(7, 4.2))
    return fig, fig.subplots()


def _minutes(result: RaceResult) -> list[float]:
    return [row.stop_at / 60 for row in result.rows]


def _analytic(report: dict[str, Any] | None, key: str) -> list[Any] | None:
    """One analytic column of ``report``'s rows, or None where there is none."""
    if report is None or any(row.get(key) is None for row in report["rows"]):
        return None
    return [row[key] for row in report["rows"]]


def p_race_lost_figure(result: RaceResult, report: dict[str, Any] | None = None) -> Any:
    """``p_race_lost`` against stop time, with its 95% Wilson band and the analytic curve."""
    fig, ax = _figure()
    rows = [(m, r) for m, r in zip(_minutes(result), result.rows, strict=True) if r.p_race_lost is not None]
    if rows:
        x = [m for m, _ in rows]
        intervals = [r.ci() for _, r in rows]
        ax.fill_between(
            x,
            [i[0] for i in intervals if i],
            [i[1] for i in intervals if i],
            color="#1f77b4",
            alpha=0.25,
            label="95% Wilson interval",
        )
        simulated = [r.p_race_lost for _, r in rows]
        ax.plot(x, simulated, "o-", color="#1f77b4", label=f"simulated ({result.engine})")
    if report is not None:
        analytic = [row.get("analytic_p_race_lost") for row in report["rows"]]
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


def final_status_figure(result: RaceResult, report: dict[str, Any] | None = None) -> Any:
    """The share of each final status against stop time (stacked bars), with the analytic shares as
    black marks where the report has them."""
    fig, ax = _figure()
    x = _minutes(result)
    bottom = [0.0] * len(x)
    for status in STATUS_ORDER:
        share = [row.final.get(status, 0) / row.jobs for row in result.rows]
        ax.bar(x, share, bottom=bottom, width=_bar_width(x), color=STATUS_COLOURS[status], label=status)
        bottom = [b + s for b, s in zip(bottom, share, strict=True)]
    expected = _analytic(report, "analytic_final")
    if expected is not None:
        top = [0.0] * len(x)
        for status in STATUS_ORDER[:-1]:
            top = [t + e.get(status, 0.0) for t, e in zip(top, expected, strict=True)]
            ax.scatter(
                x,
                top,
                marker="_",
                s=400,
                color="black",
                zorder=3,
                label="analytic" if status == STATUS_ORDER[0] else None,
            )
    ax.set_xlabel("stop sent, minutes after submission")
    ax.set_ylabel("share of jobs")
    ax.set_title("How jobs end, by when the stop is sent")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    return fig


def billed_cost_figure(
    result: RaceResult, usd_per_hour: float = 3.0, report: dict[str, Any] | None = None
) -> Any:
    """Expected billed training hours, and their cost, against stop time, with the 95% interval of
    the mean and the analytic curve."""
    fig, ax = _figure()
    x = _minutes(result)
    hours = [row.mean_billed_seconds / 3600 for row in result.rows]
    intervals = [row.billed_ci() for row in result.rows]
    if all(intervals):
        ax.fill_between(
            x,
            [i[0] / 3600 for i in intervals if i],
            [i[1] / 3600 for i in intervals if i],
            color="#9467bd",
            alpha=0.25,
            label="95% interval",
        )
    ax.plot(x, hours, "o-", color="#9467bd", label=f"simulated ({result.engine})")
    expected = _analytic(report, "analytic_mean_billed_seconds")
    if expected is not None:
        ax.plot(x, [e / 3600 for e in expected], "k--", label="analytic")
    ax.legend()
    ax.set_xlabel("stop sent, minutes after submission")
    ax.set_ylabel("expected billed training hours per job")
    ax.set_title(f"What a job costs at {usd_per_hour:g} USD per training hour")
    ax.grid(alpha=0.3)
    if usd_per_hour > 0:  # a free hour has no cost axis to draw
        cost = ax.secondary_yaxis("right", functions=(lambda h: h * usd_per_hour, lambda c: c / usd_per_hour))
        cost.set_ylabel("expected cost per job, USD")
    fig.tight_layout()
    return fig


def _bar_width(x: list[float]) -> float:
    gaps = [b - a for a, b in pairwise(x) if b > a]
    return 0.8 * min(gaps) if gaps else 1.0


def save_all(
    result: RaceResult, directory: Path, report: dict[str, Any] | None = None, usd_per_hour: float = 3.0
) -> list[Path]:
    """Write the three figures as PNG files into ``directory``; return their paths."""
    figures = {
        "p_race_lost.png": p_race_lost_figure(result, report),
        "final_status.png": final_status_figure(result, report),
        "billed_cost.png": billed_cost_figure(result, usd_per_hour, report),
    }
    return _save(figures, directory)


def _save(figures: dict[str, Any], directory: Path) -> list[Path]:
    """Write each figure as PNG under its name in ``directory``; return the paths."""
    paths = []
    for name, fig in figures.items():
        path = directory / name
        fig.savefig(path, dpi=120)
        paths.append(path)
    return paths


TIMELINE_COLOURS = {"SUBMITTED": "#c7c7c7", "TRAINING": "#1f77b4", "STOP_REQUESTED": "#ff7f0e"}


def fleet_timeline_figure(result: Any, max_jobs: int = 300) -> Any:
    """A fleet's jobs against time (one row a job, in submission order; at most ``max_jobs`` rows,
    evenly chosen): grey while SUBMITTED, blue while TRAINING, orange while STOP_REQUESTED, then a mark
    in the colour of the final status; a black tick where the client decided to stop. Needs the
    result of ``stoprace.sim.fleet.simulate(..., keep_timeline=True)``."""
    if result.timeline is None:
        raise ValueError("the timeline was not kept: simulate(..., keep_timeline=True)")
    rows = sorted(result.timeline, key=lambda r: r[0])
    title = f"A fleet's jobs over time (all {len(rows):,} created)"
    if len(rows) > max_jobs:
        title = f"A fleet's jobs over time ({max_jobs:,} of the {len(rows):,} created, evenly chosen)"
        rows = [rows[round(i * (len(rows) - 1) / (max_jobs - 1))] for i in range(max_jobs)]
    fig, ax = _figure()
    fig.set_size_inches(8, 5)
    for y, (submit, start, stop_request, decided, end, final) in enumerate(rows):
        edges = [("SUBMITTED", submit)]
        if start is not None:
            edges.append(("TRAINING", start))
        if stop_request is not None:
            edges.append(("STOP_REQUESTED", stop_request))
        for (status, begin), (_, until) in zip(edges, [*edges[1:], ("", end)], strict=True):
            ax.plot([begin / 60, until / 60], [y, y], color=TIMELINE_COLOURS[status], linewidth=1.2)
        ax.plot([end / 60], [y], marker="|", color=STATUS_COLOURS.get(final, "black"), markersize=4)
        if decided is not None:
            ax.plot([decided / 60], [y], marker="|", color="black", markersize=3)
    for status, colour in TIMELINE_COLOURS.items():
        ax.plot([], [], color=colour, label=status)
    for status in STATUS_ORDER:
        ax.plot([], [], marker="|", linestyle="", color=STATUS_COLOURS[status], label=f"ends {status}")
    ax.set_xlabel("minutes after the first submission")
    ax.set_ylabel("job (in submission order)")
    ax.set_title(title)
    ax.legend(fontsize="x-small", loc="lower right")
    fig.tight_layout()
    return fig


def fleet_dwell_figure(result: Any) -> Any:
    """The histogram of time spent in STOP_REQUESTED (wait for a stop worker plus the handling)."""
    fig, ax = _figure()
    minutes = result.dwell / 60
    if len(minutes):
        ax.hist(minutes, bins=40, color="#ff7f0e", alpha=0.85)
        mean = float(minutes.mean())
        ax.axvline(mean, color="black", linestyle="--", label=f"mean {mean:.1f} min")
        ax.legend()
    ax.set_xlabel("minutes in STOP_REQUESTED")
    ax.set_ylabel("jobs")
    ax.set_title("How long a stop takes to take effect (or to lose the race)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def save_fleet(result: Any, directory: Path) -> list[Path]:
    """Write the fleet figures (the timeline needs ``keep_timeline=True``) as PNG into ``directory``."""
    figures = {"fleet_dwell.png": fleet_dwell_figure(result)}
    if result.timeline is not None:
        figures["fleet_timeline.png"] = fleet_timeline_figure(result)
    return _save(figures, directory)


def sweep_heatmap_figure(rows: list[dict[str, str]], x: str, y: str, metric: str = "p_race_lost") -> Any:
    """A heatmap of ``metric`` over two columns of a sweep's results (other columns averaged over)."""
    import numpy as np  # noqa: PLC0415

    for name in (x, y, metric):
        if rows and name not in rows[0]:
            raise ValueError(f"the results have no column {name!r}; columns: {', '.join(rows[0])}")
    xs = list(dict.fromkeys(r[x] for r in rows))
    ys = list(dict.fromkeys(r[y] for r in rows))
    sums = np.zeros((len(ys), len(xs)))
    counts = np.zeros((len(ys), len(xs)))
    for r in rows:
        if r[metric] != "":
            i, j = ys.index(r[y]), xs.index(r[x])
            sums[i, j] += float(r[metric])
            counts[i, j] += 1
    with np.errstate(invalid="ignore"):
        grid = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    fig, ax = _figure()
    fig.set_size_inches(max(6.0, 1.2 * len(xs) + 3), max(4.0, 0.5 * len(ys) + 2.5))
    image = ax.imshow(grid, cmap="viridis", aspect="auto", origin="lower")
    ax.set_xticks(range(len(xs)), _labels(xs), rotation=30, ha="right", fontsize="small")
    ax.set_yticks(range(len(ys)), _labels(ys), fontsize="small")
    for i in range(len(ys)):
        for j in range(len(xs)):
            if not np.isnan(grid[i, j]):
                red, green, blue, _ = image.cmap(image.norm(grid[i, j]))
                light = 0.299 * red + 0.587 * green + 0.114 * blue > 0.5  # dark text on light cells
                ax.text(
                    j,
                    i,
                    f"{grid[i, j]:.3g}",
                    ha="center",
                    va="center",
                    color="black" if light else "white",
                    fontsize="x-small",
                )
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    ax.set_title(f"{metric} over {x} and {y}")
    fig.colorbar(image, ax=ax, label=metric)
    fig.tight_layout()
    return fig


def _labels(values: list[str]) -> list[str]:
    """Tick labels: long values lose the prefix they all share (``lognormal:median=3600,sigma=0.2``
    and ``...sigma=0.5`` become ``...sigma=0.2`` and ``...sigma=0.5``)."""
    if len(values) < 2 or max(len(v) for v in values) <= 24:
        return values
    prefix = values[0]
    for value in values[1:]:
        while not value.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind(c) for c in ",:")
    return ["..." + v[cut + 1 :] for v in values] if cut > 0 else values


def survival_figure(name: str, fitted: dict[str, Any]) -> Any:
    """One quantity of ``stoprace fit``: the Kaplan-Meier survival curve with its 95% band, and each
    fitted family's survival function."""
    import numpy as np  # noqa: PLC0415

    from stoprace.sim.history.fitting import FAMILIES, frozen  # noqa: PLC0415

    fig, ax = _figure()
    km = fitted["kaplan_meier"]
    if km is not None:
        ax.fill_between(km["time"], km["low"], km["high"], step="post", color="0.8", label="95% band")
        ax.step(km["time"], km["survival"], where="post", color="k", label="Kaplan-Meier")
        top = max(km["time"]) * 1.1 or 1.0
    else:
        top = 2 * fitted["chosen"]["median"] or 1.0
    top = max(top, 1.2 * fitted["chosen"]["median"])
    x = [top * i / 399 for i in range(400)]
    for fit in fitted["families"]:
        if fit["family"] == "fixed":  # every value the same
            value = fit["parameters"]["value"]
            ax.step([0, value, top], [1, 0, 0], where="post", label=f"fixed {value:g} s")
        elif fit["family"] in FAMILIES:
            dist = frozen(fit["family"], fit["parameters"])
            with warnings.catch_warnings(), np.errstate(all="ignore"):  # extreme fits of a few values
                warnings.simplefilter("ignore")
                survival = dist.sf(x)
            ax.plot(x, survival, label=f"{fit['family']} (AIC {fit['aic']:.0f})")
    ax.set_xlabel(f"{name.replace('_', ' ')}, seconds")
    ax.set_ylabel("share still longer")
    title = f"{name.replace('_', ' ')}: {fitted['n']} jobs, {fitted['censored']} censored"
    fit = fitted.get("goodness_of_fit")
    if "warning" in fitted and fit is not None:  # the chosen family leaves the band more than by chance
        family, share = fitted["families"][0]["family"], fit["share_outside_band"]
        title += f"\n{family} leaves the band at {share:.0%} of its steps"
    ax.set_title(title, color="firebrick" if "warning" in fitted else "black")
    ax.legend()
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def save_fit(report: dict[str, Any], directory: Path) -> list[Path]:
    """One PNG a fitted quantity, ``NAME.png`` in ``directory``; return the paths."""
    quantities = report["quantities"].items()
    return _save({f"{name}.png": survival_figure(name, fitted) for name, fitted in quantities}, directory)
