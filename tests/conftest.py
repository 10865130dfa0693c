"""Shared fixtures and the hypothesis settings profiles (plain helpers are in ``helpers.py``).

Profiles: ``dev`` (quick, the default on a workstation) and ``ci`` (thorough, the default when the
``CI`` environment variable is set). ``HYPOTHESIS_PROFILE=ci`` selects one explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from helpers import ACCOUNT, REGION
from hypothesis import HealthCheck, settings

from stoprace.model import ComprehendService, ManualClock, Policy

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def make_service(clock: ManualClock) -> Callable[..., ComprehendService]:
    def make(policy: Policy | None = None, **kwargs: Any) -> ComprehendService:
        kwargs.setdefault("account_id", ACCOUNT)
        kwargs.setdefault("region", REGION)
        return ComprehendService(clock=clock, policy=policy or Policy(), **kwargs)

    return make


@pytest.fixture
def service(make_service: Callable[..., ComprehendService]) -> ComprehendService:
    return make_service()
