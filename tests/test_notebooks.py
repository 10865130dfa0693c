"""The notebooks run from top to bottom on a fresh kernel, show their figures, and are committed clean."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stoprace.model.diagram import has_dot

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the [test] extra")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the [test] extra")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
FIGURES = ("image/png", "image/svg+xml")


def test_the_notebooks_are_there():
    assert [n.name for n in NOTEBOOKS] == [
        "01_lifecycle.ipynb",
        "02_stop_race.ipynb",
        "03_stop_storm.ipynb",
        "04_audit.ipynb",
        "05_fit.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: commit notebooks without outputs"
            assert cell.execution_count is None


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_runs_and_shows_its_figures(path, monkeypatch):
    # The kernel is a subprocess: make the project importable there even when it is not installed.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, on any error
    # Without Graphviz's dot a diagram shows as Mermaid (Markdown); the race figures are matplotlib's.
    kinds = FIGURES if has_dot() else (*FIGURES, "text/markdown")
    figures = [
        output
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if any(kind in output.get("data", {}) for kind in kinds)
    ]
    assert figures, f"{path.name} shows no figure"
