"""stoprace lives in a user's environment without breaking it: the only top-level name it installs is
``stoprace``, so a project with its own ``model`` and ``sim`` modules keeps them, and still gets the
pytest fixture, the command and ``python -m stoprace``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

import stoprace

# A user's project: its own model and sim, as modules or as packages, and a test of its own pipeline
# that uses the fixture stoprace's pytest plugin provides.
USER_TEST = """
import model
import sim


def test_the_projects_own_modules_are_its_own():
    assert model.OWNER == "user" and sim.OWNER == "user"


def test_the_fixture_answers_a_real_boto3_client(stoprace_comprehend):
    import boto3

    client = boto3.client("comprehend", region_name="us-east-1")
    arn = client.create_document_classifier(
        DocumentClassifierName="news", DataAccessRoleArn="arn:aws:iam::111122223333:role/r",
        InputDataConfig={"S3Uri": "s3://bucket/train.csv"}, LanguageCode="en",
    )["DocumentClassifierArn"]
    assert client.describe_document_classifier(DocumentClassifierArn=arn)[
        "DocumentClassifierProperties"]["Status"] == "SUBMITTED"
"""


def _user_project(tmp_path: Path, layout: str) -> Path:
    project = tmp_path / layout
    project.mkdir()
    for name in ("model", "sim"):
        if layout == "modules":
            (project / f"{name}.py").write_text('OWNER = "user"\n')
        else:
            (project / name).mkdir()
            (project / name / "__init__.py").write_text('OWNER = "user"\n')
    (project / "test_pipeline.py").write_text(USER_TEST)
    return project


def _run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    return subprocess.run(
        args, cwd=project, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["modules", "packages"])
def test_a_project_with_its_own_model_and_sim_keeps_them(tmp_path, layout):
    project = _user_project(tmp_path, layout)
    bin_dir = Path(sys.executable).parent

    tests = _run(project, sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_pipeline.py")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "2 passed" in tests.stdout

    own = _run(project, sys.executable, "-c", "import model, sim; print(model.__file__, sim.__file__)")
    assert own.returncode == 0, own.stderr
    assert all(Path(f).resolve().is_relative_to(project) for f in own.stdout.split())

    version = _run(project, sys.executable, "-m", "stoprace", "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout.strip() == f"stoprace {stoprace.__version__}"

    race = _run(
        project, str(bin_dir / "stoprace"), "race", "--replications", "200", "--stop-at", "1800", "--json"
    )
    assert race.returncode == 0, race.stderr
    assert json.loads(race.stdout)["rows"][0]["stop_at"] == 1800


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_name(tmp_path):
    pytest.importorskip("setuptools", minversion="70.1", reason="builds the wheel without isolation")
    # Built from a copy (links kept as links), so the checkout gets no build/ folder.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    for name in ("stoprace", "model", "sim"):
        shutil.copytree(
            ROOT / name, source / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__")
        )
    build = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = tmp_path.glob("stoprace-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"stoprace", f"stoprace-{stoprace.__version__}.dist-info"}
    top_level = next(n for n in names if n.endswith("top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == ["stoprace"]
    # the package's data and typing marker travel with it
    assert {"stoprace/py.typed", "stoprace/model/data/comprehend_inputs.json"} <= set(names)
    assert "stoprace/sim/pytest_plugin.py" in names
