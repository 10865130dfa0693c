"""The project's structure, checked on the source: the lifecycle decides every status question,
``model/`` draws no random numbers, and dependencies point from ``sim`` to ``model`` only."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from stoprace.model import Status
from stoprace.model.analysis import JobStatus

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*(ROOT / "model").glob("*.py"), *(ROOT / "sim").rglob("*.py")])
#: Where status names may decide behaviour: the table, the statuses, and the independent oracle.
STATUS_OWNERS = {
    "model/lifecycle.py",
    "model/guards.py",
    "model/statuses.py",
    "model/invariants.py",
    "model/analysis.py",  # the text jobs' table and vocabulary
    "model/text_invariants.py",  # their independent oracle, written from the evidence
}
NAMES = {s.value for s in Status} | {s.value for s in JobStatus}


def _status_literal(node: ast.AST) -> str | None:
    """The status a node names: a string literal such as "TRAINED", or ``Status.TRAINED``."""
    if isinstance(node, ast.Constant) and node.value in NAMES:
        return str(node.value)
    if isinstance(node, ast.Attribute) and node.attr == "value":  # Status.TRAINED.value
        return _status_literal(node.value)
    if isinstance(node, ast.Attribute) and node.attr in NAMES:
        return node.attr
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return next((found for e in node.elts if (found := _status_literal(e)) is not None), None)
    return None


def status_comparisons(source: str) -> list[tuple[int, str]]:
    """Every comparison (``==``, ``!=``, ``in``, ``not in``) with a literal status, and every ``match``
    case on one: (line, status)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                if (status := _status_literal(operand)) is not None:
                    found.append((node.lineno, status))
        elif isinstance(node, ast.MatchValue) and (status := _status_literal(node.value)) is not None:
            found.append((node.lineno, status))
    return found


def test_the_detector_finds_literal_and_enum_comparisons():
    code = 'a == "TRAINED"\nb in ("STOPPED", "X")\nc != Status.TRAINING\nd == "TRAINING_X"\ne = "TRAINED"\n'
    assert status_comparisons(code) == [(1, "TRAINED"), (2, "STOPPED"), (3, "TRAINING")]


@pytest.mark.parametrize(
    "path",
    [p for p in SOURCES if str(p.relative_to(ROOT)) not in STATUS_OWNERS],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_status_name_decides_behaviour_outside_the_lifecycle(path):
    name = str(path.relative_to(ROOT))
    found = status_comparisons(path.read_text())
    assert not found, (
        f"{name} compares with literal statuses at {found}: use stoprace.model.lifecycle's vocabulary"
    )


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "import_module" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                names.add(arg.value)
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "model").glob("*.py")), ids=lambda p: p.name)
def test_model_draws_nothing_and_never_imports_sim(path):
    roots = {name.split(".")[0] for name in _imports(path)}
    assert not roots & {"numpy", "random", "secrets", "sim"}, f"model/{path.name} imports {roots}"


# A module a reader can hold at once, and functions that fit on a screen (the project's limits).
MAX_MODULE_LINES = 460
MAX_FUNCTION_LINES = 60


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_and_functions_stay_small(path):
    text = path.read_text()
    assert text.count("\n") <= MAX_MODULE_LINES, f"{path.name} has {text.count(chr(10))} lines; split it"
    long = [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines in {path.name}: {long}"
