"""Real clients in other processes and languages meet the race over HTTP: the AWS CLI (``awscli`` from PyPI)
and the JavaScript SDK v3 (npm) each create a classifier, stop it and poll it to its final status against
``stoprace serve``, for both outcomes of the race, the clock moved through the control API, the server
checking every request's SigV4 signature.

Neither is a Python dependency of stoprace: ``bash .ci/clients`` installs them (the CLI in its own
environment, since it pins botocore exactly; the SDK under ``tests/js``) and runs this file. Elsewhere the
tests skip, saying what to install. ``STOPRACE_AWS_CLI`` may name another ``aws`` executable.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

pytest.importorskip("uvicorn", reason="stoprace serve needs the server extra")

from helpers import ROOT, control, wire_scenario

from stoprace.sim.serve import Server

JS = ROOT / "tests" / "js"
ROLE = "arn:aws:iam::123456789012:role/comprehend"
SCENARIO = wire_scenario()  # stopped at 1,800 s the stop wins; at 3,600 s it loses
OUTCOMES = [(1800, "STOPPED"), (3600, "TRAINED")]
#: The key pair the clients sign with: the server checks every signature (--verify-signatures).
KEYS = {"AKIDEXAMPLE": "not-a-secret"}


def _aws_cli() -> str | None:
    named = os.environ.get("STOPRACE_AWS_CLI")
    local = ROOT / ".venv-awscli" / "bin" / "aws"
    return named or (str(local) if local.exists() else shutil.which("aws"))


@pytest.mark.slow  # a dozen CLI processes
@pytest.mark.parametrize(("stop_at", "fate"), OUTCOMES)
def test_the_aws_cli_meets_both_outcomes(stop_at, fate, tmp_path):
    aws = _aws_cli()
    if aws is None:
        pytest.skip("the AWS CLI is not installed (bash .ci/clients installs it)")
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "not-a-secret",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),  # nothing of the machine's own configuration
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    with Server(scenario=SCENARIO, secrets=KEYS) as server:  # their signatures checked

        def aws_json(*args: str) -> dict:
            done = subprocess.run(
                [aws, "comprehend", *args, "--endpoint-url", server.url, "--output", "json"],
                capture_output=True,
                text=True,
                env=environment,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout or "{}")

        arn = aws_json(
            "create-document-classifier",
            "--document-classifier-name", "news-cli",
            "--data-access-role-arn", ROLE,
            "--input-data-config", "S3Uri=s3://training-data/news.csv",
            "--language-code", "en",
        )["DocumentClassifierArn"]  # fmt: skip
        control(server.url, "POST", "clock/advance", {"seconds": stop_at})
        aws_json("stop-training-document-classifier", "--document-classifier-arn", arn)
        polled = []
        for _ in range(10):
            properties = aws_json("describe-document-classifier", "--document-classifier-arn", arn)
            polled.append(properties["DocumentClassifierProperties"]["Status"])
            if polled[-1] not in {"SUBMITTED", "TRAINING", "STOP_REQUESTED"}:
                break
            control(server.url, "POST", "clock/advance", {"seconds": 60})
    assert polled[0] == "STOP_REQUESTED"
    assert polled[-1] == fate


@pytest.mark.parametrize(("stop_at", "fate"), OUTCOMES)
def test_the_javascript_sdk_meets_both_outcomes(stop_at, fate):
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "@aws-sdk" / "client-comprehend").is_dir():
        pytest.skip("Node.js and the JavaScript SDK are not installed (bash .ci/clients installs them)")
    with Server(scenario=SCENARIO, secrets=KEYS) as server:  # their signatures checked
        done = subprocess.run(
            [node, "race.mjs", server.url, str(stop_at)],
            cwd=JS,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["polled"][0] == "STOP_REQUESTED"
    assert seen["final"] == fate
    assert seen["translation"]["stop"] == "STOP_REQUESTED"
    assert seen["translation"]["status"] == "STOP_REQUESTED"
    assert seen["translation"]["submitted"].startswith("20")  # an epoch-seconds timestamp, parsed
