"""What a poller concluded about each job, against what became of the job."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from stoprace.model.statuses import FINISHED, WITH_MODEL

__all__ = ["JobVerdicts", "misreports"]

_FINISHED = sorted(s.value for s in FINISHED)
_WITH_MODEL = sorted(s.value for s in WITH_MODEL)


@dataclass
class JobVerdicts:
    """One batch of jobs: the verdict, when it came, after how many describes, the status the poller
    last saw, the job's final status, its end (``EndTime``, seconds after submission) and its billed
    training seconds."""

    verdict: list[str]
    at: npt.NDArray[np.float64]
    polls: npt.NDArray[np.int64]
    seen: list[str]
    final: list[str]
    end: npt.NDArray[np.float64]
    billed: npt.NDArray[np.float64]

    def __len__(self) -> int:
        return len(self.verdict)


def misreports(
    verdict: Sequence[str],
    seen: Sequence[str],
    final: Sequence[str],
    done: Sequence[str] = _WITH_MODEL,
    finished: Sequence[str] = _FINISHED,
) -> dict[str, npt.NDArray[np.bool_]]:
    """For each job, the misreports a user would name (evidence: ``waiting-misreports``): a failure or error
    reported on a job that ends with a model, a success on one that ends without, attempts run out on one
    that ends with a model, and a verdict (not a timeout) taken on a status that is not final. For a job
    that processes text, ``done`` (ends with a model) is the statuses of a job that processed all its
    documents, and ``finished`` its final statuses."""
    verdicts = np.asarray(verdict, dtype=object)
    has_model = np.isin(np.asarray(final, dtype=object), list(done))
    success, timeout = verdicts == "success", verdicts == "timeout"
    return {
        "false_failure": ~success & ~timeout & has_model,
        "false_success": success & ~has_model,
        "gave_up_early": timeout & has_model,
        "premature": ~timeout & ~np.isin(np.asarray(seen, dtype=object), list(finished)),
    }
