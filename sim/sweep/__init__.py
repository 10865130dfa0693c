"""Sweeps: grids of race or fleet scenarios, on this process, local processes or a Dask cluster.

A :class:`Sweep` names the kind of scenario (``race`` or ``fleet``), the settings every cell shares
(``base``), and either a ``grid`` (every combination of the values given for some fields) or an explicit
list of ``cells``. Each cell's seed is derived from the sweep's seed and the cell's identity (its
settings, as canonical JSON) through ``numpy.random.SeedSequence``, so a cell's result does not depend
on the backend, the number of workers or the order in which cells finish.

Results go to a CSV file, one cell at a time as it finishes (appended, flushed and synced). Beside it,
``FILE.sweep.json`` records the sweep's definition: running the same sweep again skips the cells already
in the file, and a file made by a different definition is refused rather than mixed. When the sweep is
complete the file is rewritten in cell order, so it is byte for byte the same however it was computed:
serially or not, interrupted or not.

Policy fields are swept as ``policy.FIELD`` (for example ``policy.race_outcomes``).

>>> sweep = Sweep("race", base={"replications": 2000, "stop_at": (3000.0,)},
...               grid={"stop_latency": ["exponential:mean=60", "exponential:mean=600"]}, seed=1)
>>> ", ".join(cell.params["stop_latency"] for cell in sweep.cells())
'exponential:mean=60, exponential:mean=600'
>>> first, *_ = run_cell(sweep.kind, sweep.cells()[0].scenario_params())
>>> first["jobs"]
2000
"""

from .definition import BACKENDS, METRICS, Cell, Sweep, SweepError, parse_value, sweep_from_toml
from .run import SweepRun, load_results, run_cell, run_sweep
from .table import heatmap_axes, sweep_table

__all__ = [
    "BACKENDS",
    "METRICS",
    "Cell",
    "Sweep",
    "SweepError",
    "SweepRun",
    "heatmap_axes",
    "load_results",
    "parse_value",
    "run_cell",
    "run_sweep",
    "sweep_from_toml",
    "sweep_table",
]
