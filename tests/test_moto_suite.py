"""moto's own Comprehend tests of the resources that train (document classifiers and entity recognizers),
taken from moto's source distribution, pass against the model under ``mock_comprehend`` once moto's
simplifications are corrected (README: "moto's tests").

The test downloads the sdist of the installed moto (cached in ``.cache/``), applies the corrections
below (each must still match moto's text, so a change upstream is noticed), swaps ``mock_aws`` for
``mock_comprehend`` and runs the classifier, recognizer and tag tests in a subprocess.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("moto", reason="moto's tests need moto installed (the test extra has it)")
pytest.importorskip("boto3", reason="the entry point needs the aws extra")

ROOT = Path(__file__).resolve().parent.parent
ROLE = "arn:aws:iam::123456789012:role/comprehend-access"
MOTO_FILE = "tests/test_comprehend/test_comprehend.py"

#: (moto's text, the correction, why). Everything else in moto's tests runs as moto wrote it.
CORRECTIONS = [
    (
        "from moto import mock_aws\n",
        "import time\n\nfrom stoprace.sim.mock import mock_comprehend as mock_aws\n",
        "the swap itself",
    ),
    (
        '"LabelDelimiter": ","',
        '"LabelDelimiter": "|"',
        "a label delimiter botocore's model does not allow (a comma, the CSV's own separator)",
    ),
    (
        '"iam_role_with_20_chars"',
        f'"{ROLE}"',
        "a role ARN that is not one: AWS validates DataAccessRoleArn against the IAM role ARN pattern",
    ),
    (
        '    "S3Uri": "string",\n    "KmsKeyId": "string",',
        '    "S3Uri": "s3://fake-bucket/output/",\n    "KmsKeyId": "string",',
        "an output location that is not an S3 URI",
    ),
    (
        ', NextToken="token"',
        "",
        "a made-up NextToken: AWS answers a token it did not issue with InvalidRequestException",
    ),
    (
        "document-classifier/myname/version1",
        "document-classifier/myname/version/version1",
        "ARNs without /version/: AWS's classifier ARN is NAME/version/VERSION (evidence: create)",
    ),
    (
        '    assert props["Status"] == "TRAINING"\n',
        '    assert props["Status"] == "SUBMITTED"\n',
        "a new job is TRAINING at once: AWS reports SUBMITTED first (evidence: console-sequence)",
    ),
    (
        "    client.delete_document_classifier(DocumentClassifierArn=arn)\n",
        "    time.sleep(24 * 3600)  # virtual: training ends first\n"
        "    client.delete_document_classifier(DocumentClassifierArn=arn)\n",
        "delete in any state: AWS deletes only classifiers that have finished (evidence: delete), "
        "so wait for that",
    ),
    (
        'assert err["Message"] == "RESOURCE_NOT_FOUND: Could not find specified resource."',
        'assert "was not found" in err["Message"]',
        "moto's own wording of the error message",
    ),
    # Entity recognizers: the same simplifications, and a describe of something that is not an ARN.
    (
        '    assert props["Status"] == "TRAINED"\n    assert props["InputDataConfig"] == INPUT_',
        '    assert props["Status"] == "SUBMITTED"\n    assert props["InputDataConfig"] == INPUT_',
        "a new recognizer is TRAINED at once: AWS reports SUBMITTED first (evidence: entity-recognizers)",
    ),
    (
        '        "EntityRecognizerProperties"\n    ]\n    assert props["Status"] == "TRAINED"\n',
        '        "EntityRecognizerProperties"\n    ]\n    assert props["Status"] == "STOP_REQUESTED"\n',
        "a stop leaves a recognizer TRAINED at once: AWS marks it STOP_REQUESTED until the stop takes "
        "effect (evidence: stop-when-submitted, entity-recognizers)",
    ),
    (
        "    client.delete_entity_recognizer(EntityRecognizerArn=arn)\n",
        "    time.sleep(24 * 3600)  # virtual: training ends first\n"
        "    client.delete_entity_recognizer(EntityRecognizerArn=arn)\n",
        "delete in any state: AWS deletes only recognizers that have finished (evidence: delete)",
    ),
    (
        'client.describe_entity_recognizer(EntityRecognizerArn="unknown")',
        "client.describe_entity_recognizer(\n            EntityRecognizerArn="
        '"arn:aws:comprehend:eu-west-1:123456789012:entity-recognizer/unknown"\n        )',
        "an ARN that is not one: AWS answers ValidationException before it looks the resource up "
        "(evidence: validation-exception); an unknown recognizer's ARN gets ResourceNotFoundException",
    ),
]
#: moto's tests of the resources that train (its other Comprehend tests are of the detect operations).
SELECTED = "document_classifier or recognizer or list_tags_for_resource"


MOTO_JOBS_FILE = "tests/test_comprehend/test_comprehend_jobs.py"
#: (moto's text, the correction, why) for its tests of the analysis jobs.
JOB_CORRECTIONS = [
    CORRECTIONS[0],
    (
        '    "S3Uri": "string",\n    "KmsKeyId": "string",',
        '    "S3Uri": "s3://fake-bucket/output/",\n    "KmsKeyId": "string",',
        "an output location that is not an S3 URI",
    ),
    (
        "    now = datetime.now(timezone.utc)\n",
        '    now = client.list_pii_entities_detection_jobs()["PiiEntitiesDetectionJobPropertiesList"][0][\n'
        '        "SubmitTime"\n    ]\n',
        "the machine's clock as the job's submission time: the model runs on virtual time, whose clock "
        "datetime.now() does not read; the job's own SubmitTime is the moment the filters are about",
    ),
]
#: moto's tests of the seven analysis jobs that have a stop (its topics and document-classification jobs
#: have none, so no race, and the model does not run them; evidence: analysis-job-no-stop).
SELECTED_JOBS = "detection_job_lifecycle and not topics or filtered_by_submit_time"


def moto_tests(cache: Path, file: str = MOTO_FILE) -> str:
    version = importlib.metadata.version("moto")
    sdist = cache / f"moto-{version}.tar.gz"
    if not sdist.exists():
        cache.mkdir(parents=True, exist_ok=True)
        fetched = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                f"moto=={version}",
                "-d",
                str(cache),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if fetched.returncode != 0 or not sdist.exists():
            message = f"could not download moto {version}'s sdist: {fetched.stderr.strip()[-300:]}"
            if os.environ.get("CI"):
                pytest.fail(message)
            pytest.skip(message)
    with tarfile.open(sdist) as archive:
        member = archive.extractfile(f"moto-{version}/{file}")
        assert member is not None
        return member.read().decode()


def run_moto(tmp_path: Path, file: str, corrections: list[tuple[str, str, str]], selected: str) -> Any:
    """moto's test ``file`` corrected, run against the model; (outcome of each test, pytest's output)."""
    source = moto_tests(ROOT / ".cache", file)
    for old, new, why in corrections:
        assert old in source, f"moto's tests changed; this correction no longer applies: {why}"
        source = source.replace(old, new)
    module = tmp_path / "test_moto_comprehend.py"
    module.write_text(source)
    report = tmp_path / "report.xml"
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-k",
            selected,
            f"--junitxml={report}",
            str(module),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    cases = ET.parse(report).getroot().iter("testcase")
    return {case.get("name"): [child.tag for child in case] for case in cases}, run.stdout[-3000:]


@pytest.mark.slow
def test_motos_classifier_tests_pass_against_the_model(tmp_path):
    outcomes, output = run_moto(tmp_path, MOTO_FILE, CORRECTIONS, SELECTED)
    assert outcomes == {
        "test_create_document_classifier": [],
        "test_describe_document_classifier": [],
        "test_delete_document_classifier": [],
        "test_list_document_classifiers": [],
        "test_stop_training_document_classifier": [],
        "test_list_entity_recognizers": [],
        "test_create_entity_recognizer": [],
        "test_create_entity_recognizer_without_version": [],
        "test_create_entity_recognizer_with_tags": [],
        "test_describe_entity_recognizer": [],
        "test_describe_unknown_recognizer": [],
        "test_stop_training_entity_recognizer": [],
        "test_list_tags_for_resource": [],
        "test_delete_entity_recognizer": [],
    }, output


@pytest.mark.slow
def test_motos_analysis_job_tests_pass_against_the_model(tmp_path):
    outcomes, output = run_moto(tmp_path, MOTO_JOBS_FILE, JOB_CORRECTIONS, SELECTED_JOBS)
    assert outcomes == {
        "test_pii_entities_detection_job_lifecycle": [],
        "test_list_jobs_filtered_by_submit_time": [],
        "test_key_phrases_detection_job_lifecycle": [],
        "test_sentiment_detection_job_lifecycle": [],
        "test_targeted_sentiment_detection_job_lifecycle": [],
        "test_dominant_language_detection_job_lifecycle": [],
        "test_entities_detection_job_lifecycle": [],
        "test_events_detection_job_lifecycle": [],
    }, output
