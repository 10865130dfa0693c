"""ruff and mypy, as configured in pyproject.toml, are part of the suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_ruff_is_clean():
    result = _run("ruff", "check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _run("ruff", "format", "--check", "--no-cache", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_is_clean():
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_extra_caps_the_aws_sdks():
    # Installing stoprace into a current environment must not downgrade a user's SDK: no
    # requirement on boto3, botocore or aiobotocore in any extra has an upper bound.
    import tomllib  # noqa: PLC0415

    from packaging.requirements import Requirement  # noqa: PLC0415

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [
        *project["dependencies"],
        *(r for extra in project["optional-dependencies"].values() for r in extra),
    ]
    names = ("boto3", "botocore", "aiobotocore")
    sdks = [Requirement(r) for r in requirements if Requirement(r).name in names]
    assert {r.name for r in sdks} >= {"boto3", "botocore", "aiobotocore"}
    for requirement in sdks:
        assert all(spec.operator in (">=", ">", "!=") for spec in requirement.specifier), str(requirement)
