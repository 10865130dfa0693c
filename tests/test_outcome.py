from collections import Counter

import numpy as np

from stoprace.sim.outcome import Outcomes, RowResult, path_flags


def test_path_flags():
    assert path_flags("SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED") == (True, True)
    assert path_flags("SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED_WITH_WARNING") == (True, True)
    assert path_flags("SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED") == (True, False)
    assert path_flags("SUBMITTED>TRAINING>STOP_REQUESTED>IN_ERROR") == (True, False)
    assert path_flags("SUBMITTED>STOP_REQUESTED>STOPPED") == (False, False)  # never trained
    assert path_flags("SUBMITTED>TRAINING>TRAINED") == (False, False)


def test_row_aggregates():
    row = RowResult(stop_at=60.0)
    row.add(
        Outcomes.from_paths(
            [
                "SUBMITTED>TRAINING>STOP_REQUESTED>TRAINED",
                "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED",
                "SUBMITTED>TRAINING>STOP_REQUESTED>STOPPED",
                "SUBMITTED>STOP_REQUESTED>STOPPED",
            ],
            np.array([100.0, 50.0, 30.0, 0.0]),
        )
    )
    assert row.final == Counter({"STOPPED": 3, "TRAINED": 1})
    assert (row.stop_requested, row.race_lost, row.p_race_lost) == (3, 1, 1 / 3)
    assert row.mean_billed_seconds == 45.0
    data = row.as_dict()
    assert data["ci95"][0] < 1 / 3 < data["ci95"][1]


def test_outcomes_keep_job_order_and_count_paths():
    out = Outcomes.from_paths(["b", "a", "b"], np.zeros(3))
    assert out.paths == ["b", "a", "b"]
    assert out.counts() == Counter({"b": 2, "a": 1})


def test_no_stop_requested_means_no_probability():
    row = RowResult(stop_at=9999.0)
    row.add(Outcomes.from_paths(["SUBMITTED>TRAINING>TRAINED"], np.array([10.0])))
    assert row.p_race_lost is None
    assert row.as_dict()["ci95"] is None
