"""stoprace's pytest plugin (registered through the ``pytest11`` entry point): the fixture
``stoprace_comprehend``, an active :class:`stoprace.sim.mock.mock_comprehend` with the default scenario, under
which every Comprehend client the test creates is answered by the model in virtual time::

    def test_my_pipeline(stoprace_comprehend):
        arn = my_pipeline.train()                      # creates its own boto3 client
        assert stoprace_comprehend.service().status(arn).value == "TRAINED"

For another scenario, use ``mock_comprehend(scenario)`` as a decorator or a context manager. The fixture
``stoprace_server`` runs ``stoprace serve`` for clients that talk HTTP (another language's SDK, the AWS CLI).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .mock import MockComprehend
    from .serve import Server


@pytest.fixture
def stoprace_comprehend() -> Iterator[MockComprehend]:
    """Every Comprehend client created during the test is answered by the model, in virtual time."""
    from .mock import mock_comprehend  # noqa: PLC0415 - stays unimported in test runs that never ask

    with mock_comprehend() as mock:
        yield mock


@pytest.fixture
def stoprace_server() -> Iterator[Server]:
    """``stoprace serve`` on 127.0.0.1 and a free port for the test (its clock moves only when told:
    ``stoprace_server.advance(seconds)``); point any client at ``stoprace_server.url``."""
    from .serve import Server  # noqa: PLC0415 - uvicorn only for the tests that ask

    with Server() as server:
        yield server
