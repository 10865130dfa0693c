"""Fitting a history of jobs that process text: read as AWS hands it out (list output and CloudTrail),
the duration and the stop latency fitted with censoring, and what cannot be estimated said."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from datetime import UTC, datetime

import numpy as np
import pytest

from stoprace.sim.history.read import HistoryError, read_history
from stoprace.sim.text.fit import text_fit

JOBS, MEAN, LATENCY = 600, 500.0, 60.0
Z999 = 3.2905  # the two-sided 99.9% normal quantile


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat()


@pytest.fixture(scope="module")
def history_files(tmp_path_factory):
    """A PII jobs' history whose durations are exponential (mean 500 s); half of the jobs are stopped at
    a uniform time in their first 600 s, the stop taking an exponential minute."""
    rng = np.random.default_rng(2026)
    folder = tmp_path_factory.mktemp("history")
    jobs, events = [], []
    for i in range(JOBS):
        submit = 1.7e9 + 1000.0 * i
        duration = rng.exponential(MEAN)
        status, end = "COMPLETED", submit + duration
        if i % 2:
            stop = submit + rng.uniform(0, 600)
            effect = stop + rng.exponential(LATENCY)
            if stop < end and effect < end:
                status, end = "STOPPED", effect
            if stop < end:
                record = {
                    "eventName": "StopPiiEntitiesDetectionJob",
                    "eventSource": "comprehend.amazonaws.com",
                    "eventTime": _iso(stop),
                    "eventID": f"e{i}",
                    "requestParameters": {"jobId": f"{i:032x}"},
                }
                events.append({"CloudTrailEvent": json.dumps(record)})
        jobs.append({"JobId": f"{i:032x}", "JobName": f"pii-{i}", "JobStatus": status,
                     "SubmitTime": _iso(submit), "EndTime": _iso(end)})  # fmt: skip
    (folder / "jobs.json").write_text(json.dumps({"PiiEntitiesDetectionJobPropertiesList": jobs}))
    (folder / "trail.json").write_text(json.dumps({"Events": events}))
    return folder


def _exponential_mean(entry):
    spec = next(f["spec"] for f in entry["families"] if f["spec"].startswith("exponential:"))
    return float(spec.split("=")[1])


def test_the_duration_and_the_latency_are_fitted_with_censoring(history_files):
    history = read_history([history_files])
    assert set(history.resources()) == {"pii-entities-detection-job"}
    report = text_fit(history.of("pii-entities-detection-job"))
    duration, latency = report["fits"]["duration"], report["fits"]["stop_latency"]
    assert duration["exact"] + duration["censored"] == JOBS
    assert duration["censored"] > 50  # the stopped jobs: lower bounds
    assert latency["censored"] > 10  # stops that lost the race: lower bounds
    # The exponential MLE's standard error is mean / sqrt(exact values): a 99.9% band around the truth.
    for entry, truth in ((duration, MEAN), (latency, LATENCY)):
        bound = Z999 * truth / math.sqrt(entry["exact"])
        assert abs(_exponential_mean(entry) - truth) < bound, (entry["families"][:2], truth)
    assert "queue and the processing apart" in report["not_estimable"]


def test_a_bad_record_is_refused_by_name(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"SentimentDetectionJobPropertiesList": [{"JobId": "x"}]}))
    with pytest.raises(
        HistoryError, match=r"SentimentDetectionJobPropertiesList\[0\]: needs JobId and a JobStatus"
    ):
        read_history([tmp_path / "bad.json"])


@pytest.mark.slow
def test_the_command_line_fits_text_jobs(history_files):
    done = subprocess.run(
        [sys.executable, "-m", "stoprace", "fit", str(history_files)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "pii-entities-detection-jobs" in done.stdout
    assert "not estimable from a history" in done.stdout
    refused = subprocess.run(
        [sys.executable, "-m", "stoprace", "fit", str(history_files), "--bootstrap", "5"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert refused.returncode == 2
    assert "--bootstrap is for the resources that train" in refused.stderr
